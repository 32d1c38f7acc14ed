"""Plotly figures for the partnership report, built from small summary frames.

Each function takes a pandas DataFrame or an Arrow table with the columns it names and
returns a ``plotly.graph_objects.Figure``; none reads the store, so each can be tested alone.
Money arrives as ``Decimal`` and is drawn in millions of pounds (floats are fine for drawing).
Colours are from the NHS identity palette; hospital settings are drawn in dark blue so that
the share of money going to hospitals stands out from care outside them.
"""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
from plotly.subplots import make_subplots

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_LIGHT_BLUE = "#41B6E6"
NHS_PINK = "#AE2573"
NHS_GREY = "#768692"
NHS_TEXT = "#212B32"
LINE_COLOURS = ("#007F3B", "#ED8B00", "#330072", "#AE2573", "#00A499", "#8A1538", "#425563")

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
# Plotly's default template is heavy (kilobytes of JSON per figure) and not our style.
_LAYOUT = {
    "font": {"family": FONT, "size": 13, "color": NHS_TEXT},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "margin": {"l": 10, "r": 10, "t": 80, "b": 10},
    "hoverlabel": {"font": {"family": FONT}},
    # Title, then legend, then plot: the legend stays clear of the title and the mode bar.
    "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "xanchor": "left"},
}
_AXIS = {"showgrid": True, "gridcolor": "#E8EDEE", "zeroline": False, "automargin": True}


def as_frame(data: pd.DataFrame | pa.Table) -> pd.DataFrame:
    return data.to_pandas() if isinstance(data, pa.Table) else data


def _millions(values: pd.Series) -> list[float]:
    return [float(v) / 1e6 for v in values]


def _title(text: str) -> dict:
    return {
        "text": text,
        "x": 0,
        "xanchor": "left",
        "y": 1,
        "yref": "container",
        "yanchor": "top",
        "pad": {"t": 10},
        "font": {"size": 15},
    }


def styled(fig: go.Figure, title: str, height: int, **layout) -> go.Figure:
    """``fig`` in the report's style: title, height, fonts and axes (``layout`` overrides)."""
    fig.update_layout(template="none", title=_title(title), height=height, **{**_LAYOUT, **layout})
    fig.update_xaxes(**_AXIS)
    fig.update_yaxes(**_AXIS)
    return fig


def _figure(title: str, height: int) -> go.Figure:
    return styled(go.Figure(), title, height)


def age_band_order(band: str) -> int:
    """'0-4' -> 0, '85-89' -> 85, '90+' -> 90 (unknown bands sort last)."""
    m = re.match(r"\d+", str(band))
    return int(m.group()) if m else 10_000


def population_pyramid(data: pd.DataFrame | pa.Table) -> go.Figure:
    """Population by age band and sex (columns age_band, sex, people): males to the left.

    Only sexes M and F are drawn; the report counts the others (I, U) beside the figure.
    A missing number of people (suppressed by disclosure control) has no bar and no hover text.
    """
    df = as_frame(data)
    df = df[df["sex"].isin(["M", "F"])].groupby(["age_band", "sex"], as_index=False)["people"]
    df = df.sum(min_count=1)  # a band of suppressed counts only stays missing, not 0
    bands = sorted(df["age_band"].unique(), key=age_band_order)
    fig = _figure("Population by age and sex", 480)
    peak = 0
    for sex, name, colour, sign in (("M", "Males", NHS_BLUE, -1), ("F", "Females", NHS_PINK, 1)):
        people = df[df["sex"] == sex].set_index("age_band")["people"].reindex(bands, fill_value=0)
        peak = max(peak, int(people.max()) if people.notna().any() else 0)
        fig.add_trace(
            go.Bar(
                y=bands,
                x=[None if pd.isna(v) else sign * int(v) for v in people],
                customdata=[None if pd.isna(v) else int(v) for v in people],
                orientation="h",
                name=name,
                marker_color=colour,
                hovertemplate=f"{name} %{{y}}: %{{customdata:,}}<extra></extra>",
            )
        )
    ticks = _symmetric_ticks(peak)
    fig.update_layout(barmode="relative", bargap=0.08)
    fig.update_xaxes(
        title="People",
        tickvals=ticks,
        ticktext=[f"{abs(t):,}" for t in ticks],
        range=[-peak * 1.05, peak * 1.05] if peak else None,
    )
    fig.update_yaxes(title="Age band", categoryorder="array", categoryarray=bands)
    return fig


def _symmetric_ticks(peak: int) -> list[int]:
    if peak <= 0:
        return [0]
    step = 10 ** (len(str(peak)) - 1)
    if peak / step < 3 and step > 1:
        step //= 2
    right = list(range(step, peak + 1, step))
    return [-t for t in reversed(right)] + [0] + right


def _grouped_bars(df: pd.DataFrame, label: str, flag: str, groups: tuple, title: str) -> go.Figure:
    """Horizontal bars of £m by ``label``, smallest at the bottom, one trace per value of the
    boolean column ``flag`` (``groups``: (value, legend name, colour) pairs)."""
    df = df.sort_values("cost_gbp", ascending=True)
    fig = _figure(title, 60 + 32 * max(len(df), 3))
    for value, name, colour in groups:
        part = df[df[flag] == value]
        fig.add_trace(
            go.Bar(
                y=list(part[label]),
                x=_millions(part["cost_gbp"]),
                orientation="h",
                name=name,
                marker_color=colour,
                hovertemplate="%{y}: £%{x:,.2f}m<extra></extra>",
            )
        )
    fig.update_yaxes(categoryorder="array", categoryarray=list(df[label]))
    fig.update_xaxes(title="£ million", tickprefix="£", ticksuffix="m")
    return fig


def spend_by_setting(data: pd.DataFrame | pa.Table) -> go.Figure:
    """Spend by care setting (columns label, cost_gbp, hospital), hospital settings highlighted."""
    groups = ((True, "Hospital", NHS_DARK_BLUE), (False, "Outside hospital", NHS_LIGHT_BLUE))
    return _grouped_bars(as_frame(data), "label", "hospital", groups, "Spend by care setting (£m)")


def spend_by_organisation(data: pd.DataFrame | pa.Table) -> go.Figure:
    """Spend by organisation (columns name, cost_gbp, partner: bool), partners in NHS blue."""
    groups = ((True, "Partner", NHS_BLUE), (False, "Not a partner", NHS_GREY))
    return _grouped_bars(as_frame(data), "name", "partner", groups, "Spend by organisation (£m)")


def spend_by_locality(data: pd.DataFrame | pa.Table) -> go.Figure:
    """Spend by locality (columns name, cost_gbp, per_head): total and per head side by side.

    ``per_head`` may be missing (None) where no population is registered, e.g. for activity of
    people not registered with a practice of the place; that bar is left out of the right panel.
    """
    df = as_frame(data)
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("Total (£m)", "Per head (£)"), horizontal_spacing=0.18
    )
    fig.add_trace(
        go.Bar(
            y=list(df["name"]),
            x=_millions(df["cost_gbp"]),
            orientation="h",
            marker_color=NHS_BLUE,
            name="Total",
            hovertemplate="%{y}: £%{x:,.2f}m<extra></extra>",
        ),
        row=1,
        col=1,
    )
    with_head = df[df["per_head"].notna()]
    fig.add_trace(
        go.Bar(
            y=list(with_head["name"]),
            x=[float(v) for v in with_head["per_head"]],
            orientation="h",
            marker_color=NHS_DARK_BLUE,
            name="Per head",
            hovertemplate="%{y}: £%{x:,.0f} per head<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.update_layout(
        template="none",
        height=90 + 36 * max(len(df), 3),
        showlegend=False,
        title=_title("Spend by locality"),
        **{**_LAYOUT, "margin": {"l": 10, "r": 10, "t": 90, "b": 10}},
    )
    fig.update_xaxes(**_AXIS)
    fig.update_yaxes(**_AXIS, autorange="reversed")
    fig.update_xaxes(tickprefix="£", ticksuffix="m", row=1, col=1)
    fig.update_xaxes(tickprefix="£", tickformat=",", row=1, col=2)
    return fig


def hospital_share_trend(data: pd.DataFrame | pa.Table) -> go.Figure:
    """Hospital share of spend by year (columns fy_label, name, hospital_share, whole_place).

    The whole place is a thick NHS-blue line; each locality a thin line of its own colour.
    """
    df = as_frame(data)
    fig = _figure("Hospital share of spend by year", 420)
    names = list(dict.fromkeys(df.sort_values("whole_place", ascending=False)["name"]))
    colours = iter(LINE_COLOURS * (len(names) // len(LINE_COLOURS) + 1))
    for name in names:
        part = df[df["name"] == name]
        whole = bool(part["whole_place"].iloc[0])
        fig.add_trace(
            go.Scatter(
                x=list(part["fy_label"]),
                y=[float(v) for v in part["hospital_share"]],
                mode="lines+markers",
                name=name,
                line={"color": NHS_BLUE if whole else next(colours), "width": 4 if whole else 2},
                hovertemplate=f"{name} %{{x}}: %{{y:.1%}}<extra></extra>",
            )
        )
    # Locality names are long: list them beside the plot, not above it.
    fig.update_layout(
        legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"}
    )
    fig.update_yaxes(title="Share of spend in hospital", tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(title="Financial year", type="category")
    return fig
