"""Funnel plots of practices against the whole place: each practice's value against its
denominator (expected events for an indirectly standardised value), with control limits at 2
and 3 standard deviations around the whole place's value (:mod:`oneplace.stats`, after PHE's
funnel plot methods). Age-standardised (DSR) and money indicators have no funnel plot.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ... import stats
from ...outcomes.library import Indicator
from ..figures import _LAYOUT, NHS_BLUE, NHS_GREY, NHS_TEXT
from ..formatting import Formatter, fy_label
from ..money import Part, _empty_part, _missing
from ..sections import Table
from .cells import DENOMINATOR_NAMES, NUMERATOR_NAMES, number, unit_of
from .charts import STANDINGS, _hover, _menu, _menu_layout, _points
from .comparison import unit_table
from .results import Outcomes, _at, _place_row, of, published

FUNNEL_STATISTICS = ("rate", "proportion", "isr_rate", "isr_ratio")


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
