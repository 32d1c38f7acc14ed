"""Statistical process control by month: an XmR chart of each indicator for the whole place
and each locality, after NHS England's Making Data Count (the mean, natural process limits
and special causes of improvement or concern).

On a public page each month goes through disclosure control, and a series with a withheld
month also has its mean and process limits withheld: with them and the other months the
withheld month could be worked out exactly.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ... import disclosure
from ...outcomes.library import Indicator
from ...place import Place
from ..formatting import MISSING, SUPPRESSED, Formatter, fy_label
from ..money import Part, _empty_part, _missing
from ..sections import WHOLE_PLACE, Table, _locality_order, locality_names
from .cells import shown, unit_of
from .charts import _grid, _menu, _menu_layout, _points
from .results import Outcomes

# NHS England "Making Data Count" (the NHSRplotthedots palette): blue improvement, orange
# concern, grey common cause, purple special cause without a better direction.
MDC_IMPROVEMENT = "#289DE0"
MDC_CONCERN = "#FAB428"
MDC_COMMON = "#7B7D7D"
MDC_NEUTRAL = "#361475"
SPC_COUNTS = ["numerator", "denominator"]
SPC_DERIVED = {c: SPC_COUNTS for c in ("value", "special_cause", "variation")}
VARIATIONS = {
    "improvement": ("Special cause: improvement", MDC_IMPROVEMENT),
    "concern": ("Special cause: concern", MDC_CONCERN),
    "special cause": ("Special cause (no better direction)", MDC_NEUTRAL),
}
SPC_LEGEND = ("common", "mean", "limits", *VARIATIONS)
VARIATION_MARKS = {"improvement": " (I)", "concern": " (C)", "special cause": " (S)"}


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
