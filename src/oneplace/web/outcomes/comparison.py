"""Indicators compared across places within the place: each locality's value with its 95%
limits against the whole place, and inequality by deprivation (IMD 2019 quintiles, the gap
between the most and least deprived fifths).

A unit is compared with the whole place by the funnel-plot test at 95%; its standing colours
the dot-and-whisker charts (:data:`~oneplace.web.outcomes.charts.STANDINGS`).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ...outcomes.library import Indicator
from ..figures import NHS_GREY, NHS_TEXT
from ..formatting import MISSING, SUPPRESSED, Formatter, fy_label
from ..money import Part, _empty_part, _missing, _subplots_layout
from ..sections import Table
from .cells import (
    DENOMINATOR_NAMES,
    NUMERATOR_NAMES,
    _amount,
    _label,
    interval,
    number,
    shown,
    unit_of,
)
from .charts import STANDINGS, _errors, _grid, _has_values, _hover, _points, _wrap
from .results import Outcomes, _at, _place_row, counted, of, published


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
