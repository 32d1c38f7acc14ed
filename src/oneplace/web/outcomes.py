"""The report's outcomes sections: the scorecard against targets, each indicator by locality,
funnel plots across practices, SPC charts by month, inequality by deprivation and the
incentive payout.

Read from the latest run's outcomes tables (contracts in :mod:`oneplace.outcomes.values`,
:mod:`~oneplace.outcomes.comparison` and :mod:`~oneplace.outcomes.framework`); the indicator
definitions (name, statistic, multiplier, better direction) from the place's library
(:func:`oneplace.outcomes.framework.indicators_of_place`). A table the workspace does not
hold reads as no rows, and each section then says what is missing. Without an ``outcomes:``
framework in the place file there are no targets, scores or payout: the scorecard says so
plainly and shows every indicator of the library for the whole place.

:func:`outcomes_parts` returns the sections' parts, as :func:`oneplace.web.money.money_parts`
does. On a public page (``fmt.public``) every numerator and denominator that counts people or
events goes through disclosure control, and so does the ``people`` of each unit: counts under
5 suppressed, others rounded to 5; the value, limits, expected events and comparison of a unit
with a suppressed count are withheld, in the tables and in the charts' data (such a point is
not drawn). Money numerators and denominators (spend per head, hospital share of spend) are
shown as they are. An SPC series with a withheld month also has its mean and process limits
withheld: with them and the other months the withheld month could be worked out exactly.
Payout amounts are money and are shown as they are.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .. import disclosure, stats
from ..outcomes.framework import OVERALL, indicators_of_place
from ..outcomes.library import Indicator
from ..place import Place
from .figures import (
    _LAYOUT,
    LINE_COLOURS,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_GREY,
    NHS_LIGHT_BLUE,
    NHS_TEXT,
    styled,
)
from .formatting import MISSING, SUPPRESSED, Formatter, fy_label
from .money import NHS_GREEN, NHS_RED, Part, _empty_part, _missing, _subplots_layout
from .sections import WHOLE_PLACE, Table, _locality_order, locality_names

NHS_WARM_YELLOW = "#FFB81C"
# NHS England "Making Data Count" (the NHSRplotthedots palette): blue improvement, orange
# concern, grey common cause, purple special cause without a better direction.
MDC_IMPROVEMENT = "#289DE0"
MDC_CONCERN = "#FAB428"
MDC_COMMON = "#7B7D7D"
MDC_NEUTRAL = "#361475"
COLUMNS = {
    "indicator_values": (
        "indicator_id, fy, level, unit_code, unit_name, people, numerator, denominator, "
        "expected, value, lower95, upper95, lower998, upper998, method, comparison, rating"
    ),
    "indicator_spc": (
        "indicator_id, locality_code, month, fy, numerator, denominator, value, mean, "
        "lower_limit, upper_limit, special_cause, rules, variation"
    ),
    "inequality_gaps": (
        "indicator_id, fy, most_deprived, least_deprived, absolute_gap, relative_gap, significant"
    ),
    "outcome_scores": "fy, indicator_id, direction, baseline, target, weight, value, attainment",
    "incentive_payout": (
        "fy, indicator_id, organisation, organisation_name, kind, slice_gbp, amount_gbp, attainment"
    ),
}
OUTCOMES_TABLES = tuple(COLUMNS)
LEVELS = ("place", "locality", "practice", "imd_quintile")
# For disclosure control: the counts of a unit (a numerator or denominator that is money is
# missing here, so it withholds nothing) and what is derived from them.
VALUE_COUNTS = ["people", "n_count", "d_count"]
VALUE_DERIVED = {
    c: VALUE_COUNTS
    for c in ("value", "lower95", "upper95", "lower998", "upper998", "expected", "comparison")
}
SPC_COUNTS = ["numerator", "denominator"]
SPC_DERIVED = {c: SPC_COUNTS for c in ("value", "special_cause", "variation")}
FUNNEL_STATISTICS = ("rate", "proportion", "isr_rate", "isr_ratio")
NUMERATOR_NAMES = {
    "activity": "Events",
    "high_intensity_users": "Users",
    "spend": "Spend",
    "hospital_spend": "Hospital spend",
    "readmissions": "Readmissions",
    "deaths_in_hospital": "Deaths in hospital",
}
DENOMINATOR_NAMES = {
    "population": "People",
    "discharges": "Discharges",
    "deaths": "Deaths",
    "spend": "All spend",
}
# A unit's standing against the whole place: its rating, or for an indicator without a better
# direction whether it is significantly higher or lower.
STANDINGS = {
    "worse": ("Worse than the whole place", NHS_RED),
    "similar": ("Similar to the whole place", NHS_WARM_YELLOW),
    "better": ("Better than the whole place", NHS_GREEN),
    "higher": ("Higher (no better direction)", NHS_DARK_BLUE),
    "lower": ("Lower (no better direction)", NHS_LIGHT_BLUE),
    "": ("Not compared", NHS_GREY),
}
VARIATIONS = {
    "improvement": ("Special cause: improvement", MDC_IMPROVEMENT),
    "concern": ("Special cause: concern", MDC_CONCERN),
    "special cause": ("Special cause (no better direction)", MDC_NEUTRAL),
}
SPC_LEGEND = ("common", "mean", "limits", *VARIATIONS)
MENU_TOP = 140  # px above the panels of a figure with a drop-down: title, menu, legend
VARIATION_MARKS = {"improvement": " (I)", "concern": " (C)", "special cause": " (S)"}


@dataclass(frozen=True)
class Outcomes:
    """The outcomes results of one run: every year's values (for trends) and the report
    year's gaps and payout."""

    fy: int  # the report's year, or the latest year with indicator values
    values: pd.DataFrame  # indicator_values, levels LEVELS, every year
    spc: pd.DataFrame  # indicator_spc, every month
    gaps: pd.DataFrame  # inequality_gaps, fy
    scores: pd.DataFrame  # outcome_scores, every year
    payout: pd.DataFrame  # incentive_payout, fy


# -- reading ---------------------------------------------------------------------------------
def read_outcomes(con: duckdb.DuckDBPyConnection, run_id: str, fy: int) -> Outcomes:
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}

    def read(table: str, where: str = "", params: tuple = ()) -> pd.DataFrame:
        columns = COLUMNS[table]
        if table not in present:
            return pd.DataFrame(columns=[c.strip() for c in columns.split(",")])
        sql = f'SELECT {columns} FROM "{table}" WHERE run_id = ? {where}'
        # Through Arrow, not .df(): DECIMAL money stays Decimal.
        return con.execute(sql, [run_id, *params]).fetch_arrow_table().to_pandas()

    levels = ", ".join(f"'{level}'" for level in LEVELS)
    values = read("indicator_values", f"AND level IN ({levels})")
    years = sorted(int(y) for y in values["fy"].unique())
    if years and fy not in years:
        fy = years[-1]
    return Outcomes(
        fy=fy,
        values=values,
        spc=read("indicator_spc").sort_values(["indicator_id", "locality_code", "month"]),
        gaps=read("inequality_gaps", "AND fy = ?", (fy,)),
        scores=read("outcome_scores"),
        payout=read("incentive_payout", "AND fy = ?", (fy,)),
    )


# -- indicators and their numbers ------------------------------------------------------------
def indicator_order(place: Place, present: set[str]) -> list[Indicator]:
    """The indicators with results: the framework's, as it lists them, then the library's."""
    defs = {i.id: i for i in indicators_of_place(place)}
    chosen = [c.id for c in place.outcomes.indicators] if place.outcomes is not None else []
    ids = [*chosen, *(i for i in defs if i not in chosen)]
    return [defs[i] for i in ids if i in present and i in defs]


def counted(ind: Indicator) -> tuple[bool, bool]:
    """Whether the indicator's numerator and its denominator count people or events (not
    money)."""
    return not ind.is_money, ind.denominator != "spend"


def number(x: float, ind: Indicator) -> str:
    """An indicator's value in its own unit: £ per head, a percentage, a ratio or a rate."""
    if ind.statistic == "per_head":
        return f"£{x:,.2f}"
    if ind.multiplier == 100:
        return f"{x:.1f}%"
    if ind.multiplier == 1:
        return f"{x:.3f}"
    return f"{x:,.1f}"


def unit_of(ind: Indicator) -> str:
    if ind.statistic == "per_head":
        return "£ per person"
    if ind.multiplier == 100:
        return "%"
    if ind.multiplier == 1:
        return "ratio"
    return f"per {ind.multiplier:,.0f}"


def shown(fmt: Formatter, x: object, ind: Indicator, of: list) -> str:
    """A value of counts ``of`` as the page shows it (withheld on a public page when one of
    them is suppressed)."""
    if fmt.withheld(of):
        return SUPPRESSED
    return MISSING if _missing(x) else number(float(x), ind)  # type: ignore[arg-type]


def interval(fmt: Formatter, low: object, high: object, ind: Indicator, of: list) -> str:
    if fmt.withheld(of):
        return SUPPRESSED
    if _missing(low) or _missing(high):
        return MISSING
    return f"{number(float(low), ind)} to {number(float(high), ind)}"  # type: ignore[arg-type]


def _label(fmt: Formatter, text: object, of: list) -> str:
    if fmt.withheld(of):
        return SUPPRESSED
    return MISSING if _missing(text) or not text else str(text)


def _amount(fmt: Formatter, x: object, is_count: bool) -> str:
    return fmt.count(x) if is_count else fmt.money(x)


def pence(x: object) -> str:
    """Pounds and pence: the incentive payout adds up to its pool to the penny."""
    if _missing(x):
        return MISSING
    d = x if isinstance(x, Decimal) else Decimal(str(x))
    return f"{'−' if d < 0 else ''}£{abs(d):,.2f}"


def score(x: object) -> str:
    """An attainment or outcomes score (0 to 1), as the quality gate reads it."""
    return MISSING if _missing(x) else f"{float(x):.3f}"  # type: ignore[arg-type]


def _wrap(text: str, width: int = 52) -> str:
    return "<br>".join(textwrap.wrap(text, width))


def standing(comparison: object, rating: object) -> str:
    """A unit's standing: its rating, else higher or lower, else '' (not compared)."""
    if isinstance(rating, str) and rating:
        return rating
    if isinstance(comparison, str) and comparison.startswith(("High", "Low")):
        return "higher" if comparison.startswith("High") else "lower"
    return ""


def values_frame(data: Outcomes, place: Place, inds: list[Indicator]) -> pd.DataFrame:
    """indicator_values with the counts of each row (``n_count``, ``d_count``: missing where
    the numerator or denominator is money), a display ``label`` and its ``standing``."""
    kinds = {i.id: counted(i) for i in inds}
    df = data.values[data.values["indicator_id"].isin(kinds)].copy()
    df["n_count"] = df["numerator"].where(df["indicator_id"].map(lambda i: kinds[i][0]))
    df["d_count"] = df["denominator"].where(df["indicator_id"].map(lambda i: kinds[i][1]))
    names = locality_names(place)
    df["label"] = [
        "Whole place"
        if level == "place"
        else names.get(code, name)
        if level == "locality"
        else f"IMD {name}"
        if level == "imd_quintile"
        else name
        for level, code, name in zip(df["level"], df["unit_code"], df["unit_name"], strict=True)
    ]
    df["standing"] = [standing(c, r) for c, r in zip(df["comparison"], df["rating"], strict=True)]
    order = pd.Series(0, index=df.index)
    loc = df["level"] == "locality"
    order[loc] = _locality_order(place, df.loc[loc, "unit_code"])
    df = df.assign(_o=order).sort_values(["indicator_id", "fy", "level", "_o", "unit_code"])
    return df.drop(columns="_o").reset_index(drop=True)


def of(r) -> list:
    """The counts a row's value is of."""
    return [r.people, r.n_count, r.d_count]


def published(frame: pd.DataFrame, fmt: Formatter) -> pd.DataFrame:
    """A values frame as a chart on this page may carry it: withheld rows have no value, and
    the counts are ``n_count`` and ``d_count`` only (the raw numerator and denominator, part
    counts and part money, are left out so that no chart can draw them)."""
    frame = frame.drop(columns=["numerator", "denominator"])
    return fmt.published(frame, VALUE_COUNTS, {**VALUE_DERIVED, "standing": VALUE_COUNTS})


def _at(frame: pd.DataFrame, level: str, fy: int | None = None) -> pd.DataFrame:
    part = frame[frame["level"] == level]
    return part if fy is None else part[part["fy"] == fy]


def _place_row(frame: pd.DataFrame, ind: Indicator, fy: int):
    rows = _at(frame, "place", fy)
    rows = rows[rows["indicator_id"] == ind.id]
    return next(rows.itertuples(), None)


# -- charts shared by the sections -----------------------------------------------------------
def _has_values(frame: pd.DataFrame, ind: Indicator) -> bool:
    return bool(frame.loc[frame["indicator_id"] == ind.id, "value"].notna().any())


def _grid(n: int, cols: int) -> tuple[int, int]:
    cols = min(cols, max(n, 1))
    return math.ceil(max(n, 1) / cols), cols


def _points(x: pd.Series) -> list[float | None]:
    return [None if _missing(v) or not math.isfinite(float(v)) else float(v) for v in x]


def _errors(part: pd.DataFrame) -> dict:
    """Asymmetric error bars from a value to its 95% limits."""
    v, lo, hi = _points(part["value"]), _points(part["lower95"]), _points(part["upper95"])
    up = [None if a is None or b is None else b - a for a, b in zip(v, hi, strict=True)]
    down = [None if a is None or b is None else a - b for a, b in zip(v, lo, strict=True)]
    return {"type": "data", "symmetric": False, "array": up, "arrayminus": down}


def _hover(part: pd.DataFrame, ind: Indicator) -> list[str]:
    out = []
    for r in part.itertuples():
        text = f"{r.label}: {number(float(r.value), ind)}"
        if not _missing(r.lower95) and not _missing(r.upper95):
            text += f" (95% limits {number(r.lower95, ind)} to {number(r.upper95, ind)})"
        if isinstance(r.comparison, str) and r.comparison:
            text += f"<br>{r.comparison}"
        out.append(text)
    return out


def dot_whisker_figure(
    frame: pd.DataFrame, place: pd.DataFrame, inds: list[Indicator], title: str
) -> go.Figure:
    """One panel per indicator: each unit's value (``label``) with its 95% limits, coloured
    by its standing, and the whole place's value as a dashed line. Rows without a value
    (withheld on a public page) are not drawn."""
    inds = [i for i in inds if _has_values(frame, i)]
    labels = list(dict.fromkeys(frame["label"]))
    rows, cols = _grid(len(inds), 2)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        shared_yaxes=True,
        horizontal_spacing=0.06,
        vertical_spacing=min(0.5 / rows, 90 / (rows * (60 + 24 * len(labels)))),
        subplot_titles=[_wrap(i.name) for i in inds],
    )
    seen: set[str] = set()
    for k, ind in enumerate(inds):
        row, col = k // cols + 1, k % cols + 1
        own = frame[(frame["indicator_id"] == ind.id) & frame["value"].notna()]
        for key, (name, colour) in STANDINGS.items():
            part = own[own["standing"] == key]
            if not len(part):
                continue
            fig.add_trace(
                go.Scatter(
                    x=_points(part["value"]),
                    y=list(part["label"]),
                    mode="markers",
                    marker={"color": colour, "size": 10, "line": {"color": NHS_TEXT, "width": 1}},
                    error_x={**_errors(part), "color": NHS_GREY, "thickness": 1.5},
                    name=name,
                    legendgroup=key,
                    legendrank=list(STANDINGS).index(key),
                    showlegend=key not in seen,
                    text=_hover(part, ind),
                    hovertemplate="%{text}<extra></extra>",
                    meta={"indicator": ind.id},
                ),
                row=row,
                col=col,
            )
            seen.add(key)
        whole = place[(place["indicator_id"] == ind.id) & place["value"].notna()]
        if len(whole):
            v = float(whole["value"].iloc[0])
            fig.add_trace(
                go.Scatter(
                    x=[v, v],
                    y=[labels[0], labels[-1]],
                    mode="lines",
                    line={"color": NHS_TEXT, "dash": "dash", "width": 1},
                    name="Whole place",
                    legendgroup="place",
                    showlegend="place" not in seen,
                    hovertemplate=f"Whole place: {number(v, ind)}<extra></extra>",
                    meta={"indicator": ind.id},
                ),
                row=row,
                col=col,
            )
            seen.add("place")
    _subplots_layout(fig, title, 130 + rows * (60 + 24 * len(labels)), top=120)
    fig.update_annotations(font={"size": 12})
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed")
    return fig


def _menu(fig: go.Figure, groups: list[tuple[str, int, dict]], height: int) -> None:
    """A drop-down over groups of traces (label, number of traces, layout when chosen): the
    first group is shown, the others hidden until chosen."""
    total = sum(n for _, n, _ in groups)
    buttons, start = [], 0
    for i, (label, n, layout) in enumerate(groups):
        visible = [False] * total
        visible[start : start + n] = [True] * n
        for trace in fig.data[start : start + n]:
            trace.visible = i == 0
        buttons.append({"label": label, "method": "update", "args": [{"visible": visible}, layout]})
        start += n
    if len(groups) > 1:
        fig.update_layout(
            updatemenus=[
                {
                    "buttons": buttons,
                    "direction": "down",
                    "showactive": True,
                    "x": 0,
                    "xanchor": "left",
                    # Paper coordinates: 40 px from the top of the figure, under the title.
                    "y": 1 + (MENU_TOP - 40) / (height - MENU_TOP - 10),
                    "yanchor": "top",
                    "font": {"size": 12},
                }
            ]
        )
    if groups:
        fig.update_layout({k.replace(".", "_"): v for k, v in groups[0][2].items()})


def _menu_layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    """Title, then the drop-down, then the legend, then the panels."""
    legend = {**_LAYOUT["legend"], "yref": "container", "y": 1 - 76 / height, "yanchor": "top"}
    margin = {"l": 10, "r": 10, "t": MENU_TOP, "b": 10}
    return styled(fig, title, height, margin=margin, legend=legend)


# -- 1. scorecard ----------------------------------------------------------------------------
def gate_sentence(place: Place, overall: object) -> str:
    """What the overall score means for the risk-share quality gate."""
    agreement = place.risk_share
    if agreement is None:
        return "The place has no risk-share agreement, so the score gates no settlement."
    gate = agreement.quality_gate
    if gate is None:
        return "The risk-share agreement has no quality gate: the score does not change it."
    threshold = score(gate.threshold)
    if gate.floor is None:
        text = f"The risk-share quality gate pays gains in full at a score of {threshold} or more and none below"
    else:
        text = (
            f"The risk-share quality gate pays gains in full at a score of {threshold} or more, "
            f"none at {score(gate.floor)} or less, and in proportion between"
        )
    if _missing(overall):
        return text + "."
    factor = gate.factor(Decimal(str(overall)))
    if factor == 0:
        return f"{text}: at {score(overall)} it pays none of a partner's gain."
    if factor == 1:
        return f"{text}: at {score(overall)} it pays a partner's gain in full."
    paid = Decimal(factor.numerator) / Decimal(factor.denominator) * 100
    return f"{text}: at {score(overall)} it pays {paid:.1f}% of a partner's gain."


def _trend_trace(rows: pd.DataFrame, ind: Indicator, name: str, colour: str) -> go.Scatter:
    rows = rows[rows["value"].notna()]
    return go.Scatter(
        x=[fy_label(int(y)) for y in rows["fy"]],
        y=_points(rows["value"]),
        error_y={**_errors(rows), "color": colour, "thickness": 1.5},
        mode="lines+markers",
        name=name,
        line={"color": colour, "width": 2},
        text=[
            f"{fy_label(int(y))}: {number(float(v), ind)}"
            for y, v in zip(rows["fy"], rows["value"], strict=True)
        ],
        hovertemplate="%{text}<extra></extra>",
        showlegend=False,
        meta={"indicator": ind.id},
    )


def _flat(x: list[str], y: float, name: str, colour: str, dash: str) -> go.Scatter:
    """A horizontal line (a baseline, target or threshold) across the years ``x``."""
    return go.Scatter(
        x=[x[0], x[-1]],
        y=[y, y],
        mode="lines",
        name=name,
        legendgroup=name,
        line={"color": colour, "dash": dash, "width": 1.5},
        hovertemplate=f"{name}: %{{y:,.3~f}}<extra></extra>",
    )


def _attainment_bar(a: object, key: str) -> go.Bar:
    x = None if _missing(a) else float(a)  # type: ignore[arg-type]
    return go.Bar(
        x=[x],
        y=[""],
        width=[0.5],
        orientation="h",
        marker_color=NHS_DARK_BLUE if key == OVERALL else NHS_BLUE,
        text=[score(x)],
        textposition="outside",
        cliponaxis=False,
        name="Attainment",
        showlegend=False,
        hovertemplate="Attainment %{x:.3f}<extra></extra>",
        meta={"indicator": key},
    )


def _gate_marks(fig: go.Figure, place: Place, years: list[str]) -> None:
    """The quality gate's threshold and floor: across the years of the overall score (row
    1, right) and across its bar (row 1, left)."""
    gate = place.risk_share.quality_gate if place.risk_share is not None else None
    marks = [] if gate is None else [("Gate threshold", gate.threshold, NHS_GREEN)]
    if gate is not None and gate.floor is not None:
        marks.append(("Gate floor", gate.floor, NHS_RED))
    for name, y, colour in marks:
        fig.add_trace(_flat(years, float(y), name, colour, "dot"), row=1, col=2)
        fig.add_trace(
            go.Scatter(
                x=[float(y)],
                y=[""],
                mode="markers",
                marker={
                    "symbol": "line-ns-open",
                    "size": 30,
                    "color": colour,
                    "line": {"width": 2},
                },
                name=name,
                legendgroup=name,
                showlegend=False,
                hovertemplate=f"{name}: {float(y):.3f}<extra></extra>",
            ),
            row=1,
            col=1,
        )


def scorecard_figure(
    scores: pd.DataFrame, drawn: pd.DataFrame, inds: list[Indicator], fy: int, place: Place
) -> go.Figure:
    """One row for the overall score and one per chosen indicator: the report year's
    attainment as a bar from 0 to 1 (left) and the value by year with its 95% limits,
    baseline and target (right; for the overall score, the gate's threshold and floor). An
    attainment is not drawn where its value is withheld (or missing)."""
    latest = scores[scores["fy"] == fy].set_index("indicator_id")
    years = [fy_label(int(y)) for y in sorted(scores["fy"].unique())]
    rows = len(inds) + 1
    titles = ["Overall outcomes score", "Overall score by year"]
    for ind in inds:
        titles += [_wrap(ind.name, 44), f"By year ({unit_of(ind)})"]
    height = 120 + 180 * rows
    fig = make_subplots(
        rows=rows,
        cols=2,
        column_widths=[0.38, 0.62],
        horizontal_spacing=0.08,
        vertical_spacing=75 / (height - 120),
        subplot_titles=titles,
    )
    overall = scores[scores["indicator_id"] == OVERALL].sort_values("fy")
    fig.add_trace(_attainment_bar(latest["attainment"].get(OVERALL), OVERALL), row=1, col=1)
    fig.add_trace(
        go.Scatter(
            x=[fy_label(int(y)) for y in overall["fy"]],
            y=_points(overall["attainment"]),
            mode="lines+markers",
            name="Overall score",
            line={"color": NHS_DARK_BLUE, "width": 3},
            showlegend=False,
            hovertemplate="%{x}: %{y:.3f}<extra></extra>",
            meta={"indicator": OVERALL},
        ),
        row=1,
        col=2,
    )
    _gate_marks(fig, place, years)
    fig.update_yaxes(range=[0, 1.05], row=1, col=2)
    for row, ind in enumerate(inds, start=2):
        own = drawn[drawn["indicator_id"] == ind.id].sort_values("fy")
        shown_now = own.loc[own["fy"] == fy, "value"].notna().any()
        a = latest["attainment"].get(ind.id) if shown_now else None
        fig.add_trace(_attainment_bar(a, ind.id), row=row, col=1)
        fig.add_trace(_trend_trace(own, ind, ind.name, NHS_BLUE), row=row, col=2)
        if ind.id in latest.index:
            for column, name, colour in (
                ("baseline", "Baseline", NHS_GREY),
                ("target", "Target", NHS_GREEN),
            ):
                y = float(latest.loc[ind.id, column])
                fig.add_trace(_flat(years, y, name, colour, "dash"), row=row, col=2)
    seen: set[str] = set()
    for trace in fig.data:
        if trace.legendgroup and trace.showlegend is not False:
            trace.showlegend = trace.legendgroup not in seen
            seen.add(trace.legendgroup)
    _subplots_layout(fig, f"Outcomes scorecard, {fy_label(fy)}", height)
    fig.update_annotations(font={"size": 12})
    fig.update_xaxes(range=[0, 1], tickformat=".1f", col=1)
    fig.update_xaxes(type="category", col=2)
    return fig


def trend_figure(drawn: pd.DataFrame, inds: list[Indicator], title: str) -> go.Figure:
    """The whole place's value of each indicator by year with its 95% limits, one panel each."""
    inds = [i for i in inds if _has_values(drawn, i)]
    rows, cols = _grid(len(inds), 3)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        horizontal_spacing=0.07,
        vertical_spacing=min(0.45 / rows, 0.12),
        subplot_titles=[_wrap(i.name, 38) for i in inds],
    )
    for k, ind in enumerate(inds):
        own = drawn[drawn["indicator_id"] == ind.id].sort_values("fy")
        fig.add_trace(
            _trend_trace(own, ind, ind.name, NHS_BLUE), row=k // cols + 1, col=k % cols + 1
        )
    _subplots_layout(fig, title, 120 + 260 * rows, top=90)
    fig.update_annotations(font={"size": 11})
    fig.update_xaxes(type="category")
    return fig


def _years(frame: pd.DataFrame) -> list[int]:
    return sorted(int(y) for y in _at(frame, "place")["fy"].unique())


def _by_year(frame: pd.DataFrame, ind: Indicator, years: list[int], fmt: Formatter) -> list:
    """The whole place's value of each year, as the page shows it."""
    own = _at(frame, "place")
    own = {int(r.fy): r for r in own[own["indicator_id"] == ind.id].itertuples()}
    return [shown(fmt, own[y].value, ind, of(own[y])) if y in own else MISSING for y in years]


def place_table(
    frame: pd.DataFrame, inds: list[Indicator], fmt: Formatter, fy: int, caption: str
) -> Table:
    """Each indicator's whole-place value by year, the report year's limits and counts."""
    years = _years(frame)
    rows = []
    for ind in inds:
        by_year = _by_year(frame, ind, years, fmt)
        r = _place_row(frame, ind, fy)
        n_counted, d_counted = counted(ind)
        rows.append(
            [
                ind.name,
                *by_year,
                MISSING if r is None else interval(fmt, r.lower95, r.upper95, ind, of(r)),
                MISSING if r is None else interval(fmt, r.lower998, r.upper998, ind, of(r)),
                MISSING if r is None else _amount(fmt, r.numerator, n_counted),
                MISSING if r is None else _amount(fmt, r.denominator, d_counted),
            ]
        )
    headers = ["Indicator", *(fy_label(y) for y in years), "95% limits", "99.8% limits"]
    headers += ["Numerator", "Denominator"]
    return Table(
        caption,
        headers,
        [False] + [True] * (len(headers) - 1),
        rows,
        notes=[
            f"Limits and counts are of {fy_label(fy)}. Money (spend per head, hospital share "
            "of spend) has no confidence limits; its numerator and denominator are pounds."
        ],
    )


def scorecard_table(
    scores: pd.DataFrame, frame: pd.DataFrame, inds: list[Indicator], fmt: Formatter, fy: int
) -> Table:
    latest = scores[scores["fy"] == fy].set_index("indicator_id")
    years = _years(frame)
    rows = []
    for ind in inds:
        by_year = _by_year(frame, ind, years, fmt)
        r = _place_row(frame, ind, fy)
        counts = [] if r is None else of(r)
        s = latest.loc[ind.id] if ind.id in latest.index else None
        rows.append(
            [
                ind.name,
                *by_year,
                MISSING if r is None else interval(fmt, r.lower95, r.upper95, ind, counts),
                MISSING if s is None else number(float(s["baseline"]), ind),
                MISSING if s is None else number(float(s["target"]), ind),
                MISSING if s is None else str(s["direction"]).capitalize(),
                MISSING if s is None else f"{float(s['weight']):g}",
                SUPPRESSED
                if fmt.withheld(counts)
                else MISSING
                if s is None
                else score(s["attainment"]),
            ]
        )
    total = latest.loc[OVERALL] if OVERALL in latest.index else None
    headers = ["Indicator", *(fy_label(y) for y in years), f"95% limits, {fy_label(fy)}"]
    headers += ["Baseline", "Target", "Better", "Weight", "Attainment"]
    blank = [""] * (len(years) + 4)
    return Table(
        f"Outcomes scorecard: the whole place against the framework's targets, {fy_label(fy)}",
        headers,
        [False] + [True] * (len(headers) - 1),
        rows,
        None
        if total is None
        else ["Overall score", *blank, f"{float(total['weight']):g}", score(total["attainment"])],
        notes=[
            "Attainment = (value − baseline) ÷ (target − baseline), held between 0 and 1 "
            "(rule O2); a year without a value attains 0 (O1). The overall score is the "
            "weighted mean of the attainments (O3).",
        ],
    )


def scorecard_part(
    data: Outcomes, place: Place, inds: list[Indicator], frame: pd.DataFrame, fmt: Formatter
) -> Part:
    fy = data.fy
    title = "Outcomes scorecard"
    drawn = published(_at(frame, "place"), fmt)
    if place.outcomes is None or not len(data.scores):
        why = (
            "The place file declares no outcomes framework (no 'outcomes:'), so there are no "
            "targets, scores or incentive pool."
            if place.outcomes is None
            else "The run wrote no outcome scores (run 'oneplace run' again)."
        )
        return Part(
            "outcomes",
            title,
            f"{why} The library's {len(inds)} indicators for the whole place by year, with "
            f"95% confidence limits; {fy_label(fy)} is the latest year.",
            trend_figure(drawn, inds, "Indicators for the whole place by year"),
            [place_table(frame, inds, fmt, fy, f"Indicators for the whole place, {fy_label(fy)}")],
        )
    chosen_ids = [c.id for c in place.outcomes.indicators]
    chosen = [i for i in inds if i.id in chosen_ids]
    others = [i for i in inds if i.id not in chosen_ids]
    overall = data.scores[(data.scores["fy"] == fy) & (data.scores["indicator_id"] == OVERALL)]
    value = overall["attainment"].iloc[0] if len(overall) else None
    lead = (
        f"In {fy_label(fy)} the partnership's overall outcomes score is {score(value)}: the "
        f"weighted mean of the attainment of its {len(chosen)} "
        f"indicator{'' if len(chosen) == 1 else 's'} against their targets (0 at the "
        f"baseline, 1 at the target). {gate_sentence(place, value)}"
    )
    tables = [scorecard_table(data.scores, frame, chosen, fmt, fy)]
    if others:
        caption = f"The library's other indicators for the whole place, {fy_label(fy)}"
        tables.append(place_table(frame, others, fmt, fy, caption))
    figure = scorecard_figure(data.scores, drawn, chosen, fy, place)
    return Part("outcomes", title, lead, figure, tables)


# -- 2. by locality --------------------------------------------------------------------------
def unit_table(
    rows: pd.DataFrame, place_row, ind: Indicator, fmt: Formatter, caption: str, first: str
) -> Table:
    """One indicator's units: counts, value, 95% limits and comparison with the place."""
    n_counted, d_counted = counted(ind)
    isr = ind.statistic in ("isr_rate", "isr_ratio")

    def cells(r) -> list[str]:
        out = [_amount(fmt, r.numerator, n_counted), _amount(fmt, r.denominator, d_counted)]
        if isr:
            expected = None if _missing(r.expected) else f"{float(r.expected):,.1f}"
            out.append(_label(fmt, expected, of(r)))
        return out + [
            shown(fmt, r.value, ind, of(r)),
            interval(fmt, r.lower95, r.upper95, ind, of(r)),
            _label(fmt, r.comparison, of(r)),
        ]

    headers = [
        first,
        NUMERATOR_NAMES[ind.numerator.kind],
        DENOMINATOR_NAMES[ind.denominator],
        *(["Expected"] if isr else []),
        f"Value ({unit_of(ind)})",
        "95% limits",
        "Compared with the whole place",
    ]
    return Table(
        caption,
        headers,
        [False] + [True] * (len(headers) - 2) + [False],
        [[r.label, *cells(r)] for r in rows.itertuples()],
        None if place_row is None else ["Whole place", *cells(place_row)[:-1], ""],
        notes=[f"Better: {ind.better}. {ind.source}"] if ind.better != "neither" else [ind.source],
    )


def locality_part(
    data: Outcomes, inds: list[Indicator], frame: pd.DataFrame, fmt: Formatter
) -> Part:
    fy = data.fy
    title = "Indicators by locality"
    loc = _at(frame, "locality", fy)
    if not len(loc):
        return _empty_part("outcomes-localities", title, "The run wrote no values by locality.")
    drawn = published(loc, fmt)
    worse = drawn[drawn["standing"] == "worse"]
    names = {i.id: i.name for i in inds}
    lead = (
        f"Each locality's value in {fy_label(fy)} with its 95% confidence limits, against "
        "the whole place (dashed): green significantly better, red worse, yellow similar, "
        "by the funnel-plot test at 95%."
    )
    listed = [
        f"{label} ({'; '.join(names[i] for i in part['indicator_id'])})"
        for label, part in worse.groupby("label", sort=False)
    ]
    if listed:
        lead += f" Significantly worse than the whole place: {'; '.join(listed)}."
    tables = [
        unit_table(
            loc[loc["indicator_id"] == ind.id],
            _place_row(frame, ind, fy),
            ind,
            fmt,
            f"{ind.name} by locality, {fy_label(fy)}",
            "Locality",
        )
        for ind in inds
        if (loc["indicator_id"] == ind.id).any()
    ]
    figure = dot_whisker_figure(
        drawn,
        published(_at(frame, "place", fy), fmt),
        inds,
        f"Indicators by locality, {fy_label(fy)}",
    )
    return Part("outcomes-localities", title, lead, figure, tables)


# -- 3. funnel plots -------------------------------------------------------------------------
@dataclass(frozen=True)
class Funnel:
    indicator: Indicator
    points: pd.DataFrame  # label, x, value, lower95, upper95, events, base, comparison, standing
    x: np.ndarray  # where the limits are drawn
    lower2: np.ndarray
    upper2: np.ndarray
    lower3: np.ndarray
    upper3: np.ndarray
    centre: float  # the whole place's value
    x_title: str


def funnel_xs(x: pd.Series) -> np.ndarray:
    """Where to draw the limits: PHE's plot denominators (:func:`oneplace.stats.plot_denominators`)
    over the points' range; evenly on a log scale where they are too few (small expected
    counts)."""
    low, high = float(x.min()) * 0.5, float(x.max()) * 1.1
    xs = stats.plot_denominators(x.to_numpy(dtype=float), 200)
    xs = xs[(xs >= low) & (xs <= high)]
    return xs if len(xs) >= 30 else np.geomspace(max(low, 1e-3), high, 60)


def funnel_of(ind: Indicator, practices: pd.DataFrame, place_row, fmt: Formatter) -> Funnel | None:
    """The funnel of one indicator from its practices (as the page may draw them) and the
    whole place's row, or None when there is nothing to draw against."""
    if place_row is None or _missing(place_row.value) or fmt.withheld(of(place_row)):
        return None
    isr = ind.statistic in ("isr_rate", "isr_ratio")
    n = float(place_row.numerator)
    d = float(place_row.expected if isr else place_row.denominator)
    if not n > 0 or not d > 0:  # nothing to draw limits around (NaN included)
        return None
    points = practices.assign(
        x=practices["expected"] if isr else practices["d_count"],
        events=practices["n_count"],
        base=practices["d_count"],
    )
    points = points[points["value"].notna() & (pd.to_numeric(points["x"]).fillna(0) > 0)]
    if not len(points):
        return None
    centre = float(place_row.value)
    xs = funnel_xs(pd.to_numeric(points["x"]))
    if ind.statistic == "rate":
        lim = stats.rate_funnel_limits(xs, n / d, ind.multiplier)
    elif ind.statistic == "proportion":
        lim = stats.proportion_funnel_limits(xs, n / d, ind.multiplier)
    else:
        # O / E of a practice against the place's own O / E (its expected events at the
        # place's performance), on the scale of the place's value.
        lim = stats.ratio_funnel_limits(xs * n / d, centre)
    x_title = "Expected events" if isr else f"{DENOMINATOR_NAMES[ind.denominator]} (denominator)"
    return Funnel(ind, points, xs, lim.lower2, lim.upper2, lim.lower3, lim.upper3, centre, x_title)


def _limit_trace(
    f: Funnel, lower: np.ndarray, upper: np.ndarray, name: str, dash: str
) -> go.Scatter:
    xs = [float(v) for v in f.x]
    return go.Scatter(
        x=[*xs, None, *xs],
        y=_points(pd.Series([*lower, np.nan, *upper])),
        mode="lines",
        name=name,
        line={"color": NHS_TEXT if "3 SD" in name else NHS_GREY, "dash": dash, "width": 1.5},
        hoverinfo="skip",
        meta={"indicator": f.indicator.id},
    )


def funnel_figure(funnels: list[Funnel], fy: int) -> go.Figure:
    """A funnel plot per indicator (a drop-down chooses): each practice's value against its
    denominator (expected events for an indirectly standardised value), the whole place's
    value as the centre line and control limits at 2 and 3 standard deviations."""
    fig = go.Figure()
    groups = []
    for f in funnels:
        ind = f.indicator
        traces = [
            _limit_trace(f, f.lower3, f.upper3, "3 SD limits (99.8%)", "dash"),
            _limit_trace(f, f.lower2, f.upper2, "2 SD limits (95%)", "dot"),
            go.Scatter(
                x=[float(f.x[0]), float(f.x[-1])],
                y=[f.centre, f.centre],
                mode="lines",
                name="Whole place",
                line={"color": NHS_BLUE, "width": 2},
                hovertemplate=f"Whole place: {number(f.centre, ind)}<extra></extra>",
                meta={"indicator": ind.id},
            ),
        ]
        pts = f.points
        for label in sorted(pts["comparison"].dropna().unique()):
            part = pts[pts["comparison"] == label]
            key = str(part["standing"].iloc[0])
            strong = "0.001" in label
            traces.append(
                go.Scatter(
                    x=_points(pd.to_numeric(part["x"])),
                    y=_points(part["value"]),
                    mode="markers",
                    name=f"{label}: {STANDINGS[key][0].split(' (')[0].lower()}" if key else label,
                    marker={
                        "color": STANDINGS[key][1],
                        "size": 11 if strong else 8,
                        "line": {"color": NHS_TEXT, "width": 1},
                    },
                    text=[
                        f"{h}<br>{NUMERATOR_NAMES[ind.numerator.kind].lower()}: "
                        f"{'' if _missing(e) else f'{int(e):,}'}; "
                        f"{DENOMINATOR_NAMES[ind.denominator].lower()}: "
                        f"{'' if _missing(b) else f'{int(b):,}'}"
                        for h, e, b in zip(
                            _hover(part, ind), part["events"], part["base"], strict=True
                        )
                    ],
                    hovertemplate="%{text}<extra></extra>",
                    meta={"indicator": ind.id},
                )
            )
        fig.add_traces(traces)
        layout = {
            "xaxis.title.text": f.x_title,
            "yaxis.title.text": unit_of(ind),
        }
        groups.append((textwrap.shorten(ind.name, 70, placeholder="…"), len(traces), layout))
    height = 620
    _menu_layout(fig, f"Practices against the whole place, {fy_label(fy)}", height)
    _menu(fig, groups, height)
    fig.update_layout(
        legend={
            **_LAYOUT["legend"],
            "orientation": "v",
            "x": 1.02,
            "xanchor": "left",
            "y": 1,
            "yref": "paper",
            "yanchor": "top",
        }
    )
    return fig


def funnel_table(f: Funnel, rows: pd.DataFrame, fmt: Formatter, fy: int) -> Table:
    return unit_table(
        rows.sort_values("label"),
        None,
        f.indicator,
        fmt,
        f"{f.indicator.name} by practice, {fy_label(fy)}",
        "Practice",
    )


def funnel_part(data: Outcomes, inds: list[Indicator], frame: pd.DataFrame, fmt: Formatter) -> Part:
    fy = data.fy
    title = "Practices: funnel plots"
    practices = _at(frame, "practice", fy)
    drawn = published(practices, fmt)
    funnels, tables = [], []
    for ind in inds:
        if ind.statistic not in FUNNEL_STATISTICS:
            continue
        own = drawn[drawn["indicator_id"] == ind.id]
        f = funnel_of(ind, own, _place_row(frame, ind, fy), fmt)
        if f is None:
            continue
        funnels.append(f)
        tables.append(funnel_table(f, practices[practices["indicator_id"] == ind.id], fmt, fy))
    if not funnels:
        return _empty_part(
            "outcomes-practices", title, f"No practice has a value to compare in {fy_label(fy)}."
        )
    outside = sum(
        int(f.points["comparison"].fillna("").str.contains("0.001").sum()) for f in funnels
    )
    lead = (
        f"Each practice's value in {fy_label(fy)} against the whole place's, for the "
        f"{len(funnels)} indicators that count people or events (choose one above the chart): "
        "a practice outside the dashed 3 standard deviation (99.8%) limits differs from the "
        f"place by more than chance would explain: {outside} of the values drawn "
        f"{'lies' if outside == 1 else 'lie'} outside them."
    )
    tables[0].notes.append(
        "Indirectly standardised values are drawn against their expected events; their "
        "limits are around the whole place's ratio of observed to expected events, while "
        "each practice's comparison is against the place's own age and sex specific rates of "
        "the year. Age-standardised (DSR) and money indicators have no funnel plot."
    )
    return Part("outcomes-practices", title, lead, funnel_figure(funnels, fy), tables)


# -- 4. SPC ----------------------------------------------------------------------------------
def spc_frame(data: Outcomes, place: Place) -> pd.DataFrame:
    """indicator_spc with unit names (``label``), localities in the place file's order."""
    names = locality_names(place)
    df = data.spc.copy()
    df["month"] = [pd.Timestamp(m).date() for m in df["month"]]
    df["label"] = df["locality_code"].map(lambda c: names.get(c, c))
    df = df.assign(_o=_locality_order(place, df["locality_code"]))
    df = df.sort_values(["indicator_id", "_o", "month"]).drop(columns="_o")
    return df.reset_index(drop=True)


def spc_drawn(frame: pd.DataFrame, fmt: Formatter) -> pd.DataFrame:
    """An SPC frame as a chart on this page may carry it: on a public page each month through
    disclosure control, and a series with a withheld month without its mean and limits."""
    if not fmt.public:
        return frame
    small = frame[SPC_COUNTS].apply(pd.to_numeric).lt(disclosure.THRESHOLD).any(axis=1)
    series = small.groupby([frame["indicator_id"], frame["locality_code"]]).transform("any")
    out = fmt.published(frame, SPC_COUNTS, SPC_DERIVED)
    out.loc[series.astype(bool), ["mean", "lower_limit", "upper_limit"]] = np.nan
    return out


def _spc_traces(s: pd.DataFrame, ind: Indicator, unit: str, legend: set[str]) -> list[go.Scatter]:
    """An XmR chart: the monthly values, mean, process limits and special-cause points."""
    meta = {"indicator": ind.id, "unit": unit}
    months = list(s["month"])
    kept = s[s["value"].notna()]
    traces = [
        go.Scatter(
            # Every month, a withheld one as a gap in the line.
            x=months,
            y=_points(s["value"]),
            mode="lines+markers",
            connectgaps=False,
            name="Common cause",
            legendgroup="common",
            line={"color": MDC_COMMON, "width": 1.5},
            marker={"color": MDC_COMMON, "size": 5},
            hovertemplate="%{x|%b %Y}: %{y:,.2f}<extra></extra>",
            meta=meta,
        )
    ]
    mean, low, high = (s[c].iloc[0] for c in ("mean", "lower_limit", "upper_limit"))
    if not _missing(mean):
        traces.append(
            go.Scatter(
                x=[months[0], months[-1]],
                y=[float(mean), float(mean)],
                mode="lines",
                name="Mean",
                legendgroup="mean",
                line={"color": "#000000", "width": 1.5},
                hovertemplate="Mean: %{y:,.2f}<extra></extra>",
                meta=meta,
            )
        )
        traces.append(
            go.Scatter(
                x=[months[0], months[-1], None, months[0], months[-1]],
                y=[float(low), float(low), None, float(high), float(high)],
                mode="lines",
                name="Process limits",
                legendgroup="limits",
                line={"color": MDC_COMMON, "dash": "dash", "width": 1.5},
                hovertemplate="Process limit: %{y:,.2f}<extra></extra>",
                meta=meta,
            )
        )
    for key, (name, colour) in VARIATIONS.items():
        part = kept[kept["variation"] == key]
        if len(part):
            traces.append(
                go.Scatter(
                    x=list(part["month"]),
                    y=_points(part["value"]),
                    mode="markers",
                    name=name,
                    legendgroup=key,
                    marker={"color": colour, "size": 9},
                    text=list(part["rules"].fillna("")),
                    hovertemplate="%{x|%b %Y}: %{y:,.2f}<br>%{text}<extra></extra>",
                    meta=meta,
                )
            )
    for t in traces:
        t.showlegend = t.legendgroup not in legend
        t.legendrank = SPC_LEGEND.index(t.legendgroup)
        legend.add(t.legendgroup)
    return traces


def spc_figure(
    frame: pd.DataFrame, inds: list[Indicator], units: list[tuple[str, str]]
) -> go.Figure:
    """XmR charts of each indicator (a drop-down chooses), one panel for the whole place and
    one for each locality."""
    rows, cols = _grid(len(units), 2)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        shared_xaxes=True,
        horizontal_spacing=0.07,
        vertical_spacing=min(0.4 / rows, 0.1),
        subplot_titles=[name for _, name in units],
    )
    groups = []
    for ind in inds:
        count, legend = 0, set()
        for j, (code, _) in enumerate(units):
            s = frame[(frame["indicator_id"] == ind.id) & (frame["locality_code"] == code)]
            if not len(s):
                continue
            traces = _spc_traces(s, ind, code, legend)
            fig.add_traces(traces, rows=j // cols + 1, cols=j % cols + 1)
            count += len(traces)
        groups.append(
            (
                textwrap.shorten(ind.name, 70, placeholder="…"),
                count,
                {"title.text": f"{ind.name}: statistical process control by month"},
            )
        )
    height = 150 + 260 * rows
    _menu_layout(fig, groups[0][2]["title.text"] if groups else "", height)
    _menu(fig, groups, height)
    fig.update_annotations(font={"size": 12})
    return fig


def _spc_cell(fmt: Formatter, ind: Indicator, unit: pd.DataFrame, month) -> str:
    if month not in unit.index:
        return MISSING
    r = unit.loc[month]
    text = shown(fmt, r["value"], ind, [r["numerator"], r["denominator"]])
    if text in (SUPPRESSED, MISSING):
        return text
    return text + VARIATION_MARKS.get(str(r["variation"]), "")


def _spc_summary(fmt: Formatter, ind: Indicator, units: list[pd.DataFrame], column: str) -> list:
    """A series' mean or limit, withheld with any of its months."""
    return [
        SUPPRESSED
        if fmt.withheld([*unit["numerator"], *unit["denominator"]])
        else shown(fmt, unit[column].iloc[0], ind, [])
        for unit in units
    ]


def spc_table(own: pd.DataFrame, ind: Indicator, units: list[tuple[str, str]], fmt: Formatter):
    """One indicator's monthly value by unit (special causes marked), its mean and limits."""
    present = [(c, n) for c, n in units if (own["locality_code"] == c).any()]
    series = [own[own["locality_code"] == c].set_index("month") for c, _ in present]
    months = sorted(own["month"].unique())
    rows = [[f"{m:%b %Y}", *(_spc_cell(fmt, ind, s, m) for s in series)] for m in months]
    rows += [
        ["Lower process limit", *_spc_summary(fmt, ind, series, "lower_limit")],
        ["Upper process limit", *_spc_summary(fmt, ind, series, "upper_limit")],
    ]
    return Table(
        f"{ind.name} by month ({unit_of(ind)})",
        ["Month", *(n for _, n in present)],
        [False] + [True] * len(present),
        rows,
        ["Mean", *_spc_summary(fmt, ind, series, "mean")],
        notes=[
            "(I) special cause, improvement; (C) special cause, concern; (S) special cause "
            "where neither direction is better."
        ],
    )


def spc_findings(
    latest: pd.DataFrame, inds: list[Indicator], units: list[tuple[str, str]], fy: int
) -> str:
    """The special causes of the report year, by indicator and unit (as drawn)."""
    text = ""
    for key in ("concern", "improvement"):
        found = []
        for ind in inds:
            own = latest[(latest["indicator_id"] == ind.id) & (latest["variation"] == key)]
            where = [name for code, name in units if (own["locality_code"] == code).any()]
            if where:
                found.append(f"{ind.name} ({', '.join(where)})")
        if found:
            more = f" and {len(found) - 3} more" if len(found) > 3 else ""
            text += f" {key.capitalize()} in {fy_label(fy)}: {'; '.join(found[:3])}{more}."
    return text or f" No special cause in {fy_label(fy)}."


def spc_part(data: Outcomes, place: Place, inds: list[Indicator], fmt: Formatter) -> Part:
    title = "Statistical process control by month"
    frame = spc_frame(data, place)
    drawn = spc_drawn(frame, fmt)
    inds = [i for i in inds if (frame["indicator_id"] == i.id).any()]
    if not inds:
        return _empty_part("outcomes-spc", title, "The run wrote no monthly indicator values.")
    codes = list(dict.fromkeys(frame["locality_code"]))
    names = locality_names(place)
    units = [
        (c, names.get(c, c))
        for c in [WHOLE_PLACE, *(c for c in codes if c != WHOLE_PLACE)]
        if c in codes
    ]
    months = sorted(frame["month"].unique())
    lead = (
        f"Each indicator's monthly value from {months[0]:%B %Y} to {months[-1]:%B %Y} as an "
        "XmR chart (NHS England, Making Data Count): the mean, natural process limits, and "
        "special causes in blue (improvement) or orange (concern)."
    )
    lead += spc_findings(drawn[drawn["fy"] == data.fy], inds, units, data.fy)
    tables = [spc_table(frame[frame["indicator_id"] == i.id], i, units, fmt) for i in inds]
    if fmt.public:
        tables[0].notes.append(
            "A series with a month withheld (fewer than 5 events) also has its mean and "
            "limits withheld: with them the withheld month could be worked out."
        )
    return Part("outcomes-spc", title, lead, spc_figure(drawn, inds, units), tables)


# -- 5. inequality ---------------------------------------------------------------------------
def quintile_table(frame: pd.DataFrame, inds: list[Indicator], fmt: Formatter, fy: int) -> Table:
    q = _at(frame, "imd_quintile", fy)
    labels = list(dict.fromkeys(q.sort_values("unit_code")["label"]))
    rows = []
    for ind in inds:
        own = q[q["indicator_id"] == ind.id].set_index("label")
        if not len(own):
            continue
        cells = []
        for label in labels:
            if label not in own.index:
                cells.append(MISSING)
                continue
            r = next(own.loc[[label]].itertuples())
            value = shown(fmt, r.value, ind, of(r))
            limits = interval(fmt, r.lower95, r.upper95, ind, of(r))
            cells.append(value if limits in (MISSING, SUPPRESSED) else f"{value} ({limits})")
        whole = _place_row(frame, ind, fy)
        rows.append(
            [
                ind.name,
                *cells,
                MISSING if whole is None else shown(fmt, whole.value, ind, of(whole)),
            ]
        )
    return Table(
        f"Indicators by deprivation quintile (IMD 2019), {fy_label(fy)}",
        ["Indicator", *labels, "Whole place"],
        [False] + [True] * (len(labels) + 1),
        rows,
        notes=["Each value with its 95% confidence limits in brackets."],
    )


def gaps_table(data: Outcomes, frame: pd.DataFrame, inds: list[Indicator], fmt: Formatter) -> Table:
    fy = data.fy
    q = _at(frame, "imd_quintile", fy)
    gaps = data.gaps.set_index("indicator_id")
    rows = []
    for ind in inds:
        if ind.id not in gaps.index:
            continue
        g = gaps.loc[ind.id]
        ends = [
            next(q[(q["indicator_id"] == ind.id) & (q["unit_code"] == c)].itertuples(), None)
            for c in ("1", "5")
        ]
        counts = [n for r in ends if r is not None for n in of(r)]
        absolute = g["absolute_gap"]
        gap = shown(fmt, absolute, ind, counts)
        if gap not in (SUPPRESSED, MISSING) and float(absolute) > 0:
            gap = "+" + gap
        rows.append(
            [
                ind.name,
                shown(fmt, g["most_deprived"], ind, counts),
                shown(fmt, g["least_deprived"], ind, counts),
                gap,
                _label(
                    fmt,
                    None if _missing(g["relative_gap"]) else f"{float(g['relative_gap']):.2f}×",
                    counts,
                ),
                _label(fmt, "Yes" if bool(g["significant"]) else "No", counts),
                ind.better.capitalize(),
            ]
        )
    return Table(
        f"The gap between the most and least deprived fifths, {fy_label(fy)}",
        [
            "Indicator",
            "Most deprived (1)",
            "Least deprived (5)",
            "Gap (1 − 5)",
            "Ratio (1 ÷ 5)",
            "Significant",
            "Better",
        ],
        [False, True, True, True, True, False, False],
        rows,
        notes=[
            "Significant: the two quintiles' 95% confidence intervals do not overlap (a "
            "conservative test)."
        ],
    )


def inequality_part(
    data: Outcomes, inds: list[Indicator], frame: pd.DataFrame, fmt: Formatter
) -> Part:
    fy = data.fy
    title = "Inequality by deprivation"
    q = _at(frame, "imd_quintile", fy)
    if not len(q):
        return _empty_part(
            "outcomes-inequality", title, "The run wrote no values by deprivation quintile."
        )
    tables = [gaps_table(data, frame, inds, fmt), quintile_table(frame, inds, fmt, fy)]
    significant = [r[0] for r in tables[0].rows if r[5] == "Yes"]
    lead = (
        f"Each indicator by the deprivation of where people live (IMD 2019 quintile, 1 the "
        f"most deprived fifth) in {fy_label(fy)}, with 95% limits."
    )
    lead += (
        f" A significant gap between the most and least deprived fifths: {'; '.join(significant)}."
        if significant
        else " No gap between the most and least deprived fifths is significant."
    )
    drawn = published(q, fmt)
    drawn = drawn.assign(_q=drawn["unit_code"]).sort_values(["indicator_id", "_q"])
    figure = dot_whisker_figure(
        drawn,
        published(_at(frame, "place", fy), fmt),
        inds,
        f"Indicators by deprivation quintile, {fy_label(fy)}",
    )
    return Part("outcomes-inequality", title, lead, figure, tables)


# -- 6. incentive payout ---------------------------------------------------------------------
def payout_frame(data: Outcomes, place: Place, inds: list[Indicator]) -> pd.DataFrame:
    """The year's payout lines, indicators in the framework's order, partners before the
    commissioner's unearned remainder; organisations named as in the place file."""
    names = {o.code: o.name for o in place.organisations}
    rank = {i.id: k for k, i in enumerate(inds)}
    df = data.payout.copy()
    df["name"] = [
        names.get(c, n or c)
        for c, n in zip(df["organisation"], df["organisation_name"], strict=True)
    ]
    df["indicator"] = df["indicator_id"].map(lambda i: next((x.name for x in inds if x.id == i), i))
    df["_i"] = df["indicator_id"].map(lambda i: rank.get(i, len(rank)))
    df["_k"] = (df["kind"] != "earned").astype(int)
    return (
        df.sort_values(["_i", "_k", "organisation"])
        .drop(columns=["_i", "_k"])
        .reset_index(drop=True)
    )


def payout_figure(frame: pd.DataFrame, fy: int) -> go.Figure:
    """Each indicator's slice of the pool, stacked: what each partner earned, and the
    commissioner's unearned remainder in grey."""
    indicators = list(dict.fromkeys(frame["indicator"]))
    x = [_wrap(i, 28) for i in indicators]
    fig = go.Figure()
    keys = list(
        dict.fromkeys(zip(frame["kind"], frame["organisation"], frame["name"], strict=True))
    )
    keys.sort(key=lambda k: k[0] != "earned")
    colours = iter([NHS_BLUE, NHS_DARK_BLUE, NHS_LIGHT_BLUE, *LINE_COLOURS] * 4)
    for kind, code, name in keys:
        part = frame[(frame["kind"] == kind) & (frame["organisation"] == code)].set_index(
            "indicator"
        )
        label = name if kind == "earned" else f"{name}: unearned"
        fig.add_trace(
            go.Bar(
                x=x,
                y=[float(part["amount_gbp"].get(i, 0)) for i in indicators],
                name=_wrap(label, 40),
                marker_color=next(colours) if kind == "earned" else NHS_GREY,
                hovertemplate=f"{label}: £%{{y:,.2f}}<extra></extra>",
            )
        )
    styled(
        fig,
        f"Incentive pool by indicator, {fy_label(fy)}: earned and unearned (£)",
        480,
        barmode="stack",
        legend={
            **_LAYOUT["legend"],
            "orientation": "v",
            "x": 1.02,
            "y": 1,
            "yanchor": "top",
            "traceorder": "reversed",
            "font": {"size": 12},
        },
    )
    fig.update_yaxes(tickprefix="£", tickformat=",")
    return fig


def payout_tables(frame: pd.DataFrame, fmt: Formatter, fy: int) -> list[Table]:
    pool = sum(frame["amount_gbp"], Decimal("0.00"))
    by_org = frame.groupby(["kind", "organisation", "name"], as_index=False, sort=False)[
        "amount_gbp"
    ].sum()
    by_org = by_org.sort_values("kind", key=lambda k: k != "earned", kind="stable")
    slices = frame.drop_duplicates("indicator_id")
    earned = frame[frame["kind"] == "earned"].groupby("indicator_id")["amount_gbp"].sum()
    unearned = frame[frame["kind"] != "earned"].groupby("indicator_id")["amount_gbp"].sum()
    return [
        Table(
            f"Incentive payout by organisation, {fy_label(fy)}",
            ["Organisation", "Receives", "Amount"],
            [False, False, True],
            [
                [
                    r.name,
                    "Earned" if r.kind == "earned" else "Unearned remainder",
                    pence(r.amount_gbp),
                ]
                for r in by_org.itertuples()
            ],
            ["Incentive pool", "", pence(pool)],
            notes=[
                "Each indicator's slice of the pool (by weight, rule O5) times its attainment, "
                "rounded down to the penny, is earned (O6) and split equally between its "
                "partners (O7); the rest stays with the commissioner (O8)."
            ],
        ),
        Table(
            f"Incentive pool by indicator, {fy_label(fy)}",
            ["Indicator", "Slice", "Attainment", "Earned", "Unearned"],
            [False, True, True, True, True],
            [
                [
                    r.indicator,
                    pence(r.slice_gbp),
                    score(r.attainment),
                    pence(earned.get(r.indicator_id, Decimal("0.00"))),
                    pence(unearned.get(r.indicator_id, Decimal("0.00"))),
                ]
                for r in slices.itertuples()
            ],
            [
                "Incentive pool",
                pence(sum(slices["slice_gbp"], Decimal("0.00"))),
                "",
                pence(sum(earned, Decimal("0.00"))),
                pence(sum(unearned, Decimal("0.00"))),
            ],
        ),
        Table(
            f"Incentive payout by indicator and organisation, {fy_label(fy)}",
            ["Indicator", "Organisation", "Receives", "Amount"],
            [False, False, False, True],
            [
                [
                    r.indicator,
                    r.name,
                    "Earned" if r.kind == "earned" else "Unearned",
                    pence(r.amount_gbp),
                ]
                for r in frame.itertuples()
            ],
            ["Incentive pool", "", "", pence(pool)],
        ),
    ]


def payout_part(data: Outcomes, place: Place, inds: list[Indicator], fmt: Formatter) -> Part:
    fy = data.fy
    title = "Incentive payout"
    framework = place.outcomes
    if framework is None:
        return _empty_part(
            "outcomes-incentive",
            title,
            "No incentive pool: the place file declares no outcomes framework.",
        )
    frame = payout_frame(data, place, inds)
    if not len(frame):
        return _empty_part(
            "outcomes-incentive",
            title,
            f"No incentive pool for {fy_label(fy)}: the framework's pool is a share of the "
            "year's pooled budget, and the place file has none for the year (or the run did "
            "not compute the payout).",
        )
    pool = sum(frame["amount_gbp"], Decimal("0.00"))
    earned = sum(frame.loc[frame["kind"] == "earned", "amount_gbp"], Decimal("0.00"))
    size = (
        f"{framework.incentive_pool_pct.normalize():f}% of the pooled budget"
        if framework.incentive_pool_pct is not None
        else "set in the place file"
    )
    lead = (
        f"The incentive pool for {fy_label(fy)} is {pence(pool)} ({size}), paid out by "
        f"attainment: the partners earned {pence(earned)} "
        f"({fmt.percent(earned / pool if pool else None)}) and the commissioner keeps the "
        f"unearned {pence(pool - earned)}."
    )
    return Part(
        "outcomes-incentive", title, lead, payout_figure(frame, fy), payout_tables(frame, fmt, fy)
    )


# -- all of them -----------------------------------------------------------------------------
def outcomes_parts(data: Outcomes, place: Place, fmt: Formatter) -> list[Part]:
    inds = indicator_order(place, set(data.values["indicator_id"]))
    if not inds:
        return [
            _empty_part(
                "outcomes",
                "Outcomes",
                "No indicator values: the run did not compute them (run 'oneplace run' with "
                "this version of oneplace).",
            )
        ]
    frame = values_frame(data, place, inds)
    return [
        scorecard_part(data, place, inds, frame, fmt),
        locality_part(data, inds, frame, fmt),
        funnel_part(data, inds, frame, fmt),
        spc_part(data, place, inds, fmt),
        inequality_part(data, inds, frame, fmt),
        payout_part(data, place, inds, fmt),
    ]


__all__ = ["OUTCOMES_TABLES", "Outcomes", "outcomes_parts", "read_outcomes"]
