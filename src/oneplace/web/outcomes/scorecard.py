"""The outcomes scorecard: the whole place against the framework's targets, each chosen
indicator's attainment and the overall outcomes score, and what that score means for the
risk-share quality gate.

Without an ``outcomes:`` framework in the place file (or without outcome scores) there are no
targets, scores or payout: the scorecard says so plainly and shows every indicator of the
library for the whole place by year.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ...outcomes.framework import OVERALL
from ...outcomes.library import Indicator
from ...place import Place
from ..figures import NHS_BLUE, NHS_DARK_BLUE, NHS_GREY
from ..formatting import MISSING, SUPPRESSED, Formatter, fy_label
from ..money import NHS_GREEN, NHS_RED, Part, _missing, _subplots_layout
from ..sections import Table
from .cells import _amount, interval, number, score, shown, unit_of
from .charts import _errors, _grid, _has_values, _points, _wrap
from .results import Outcomes, _at, _place_row, counted, of, published


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
