"""The report's population health sections: segments, frailty by age, high-intensity users.

Read from the latest run's ``segments``, ``population_health_summary`` and
``high_intensity_users`` tables (small aggregates), for the report's financial year.

Each chart draws a frame (``segment_frame``, ``frailty_frame``, ``hiu_frame``) that holds the
shares and rates it shows beside the counts they come from, so that a public page can pass it
through disclosure control (:data:`SEGMENT_COUNTS` and the like declare which is which).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..place import Place
from .figures import NHS_BLUE, NHS_DARK_BLUE, NHS_GREY, NHS_LIGHT_BLUE, _title, age_band_order
from .formatting import Formatter, fy_label
from .sections import Table, locality_names

HEALTH_TABLES = ("segments", "population_health_summary", "high_intensity_users")
OLDEST = ("75-79", "80-84", "85-89", "90+")
# For disclosure control: the counts of each frame, and which count each share or rate is of.
# A group of people whose count is suppressed has every share, rate and per-head figure of it
# withheld, its share of spend included; its spend in pounds is shown (money is not a count).
SEGMENT_COUNTS = ["people"]
SEGMENT_DERIVED = {k: ["people"] for k in ("people_share", "spend_share", "cost_per_head")}
FRAILTY_COUNTS = ["people", "hfrs_scored", "hfrs_intermediate", "hfrs_high"]
FRAILTY_DERIVED = {
    "hfrs_intermediate_per_100": ["hfrs_intermediate", "people"],
    "hfrs_high_per_100": ["hfrs_high", "people"],
    "charlson_mean": ["people"],
}
HIU_COUNTS = ["people", "hiu_people"]
HIU_DERIVED = {
    "per_1000": ["hiu_people", "people"],
    "hiu_people_share": ["hiu_people", "people"],
    **{
        k: ["hiu_people"]
        for k in ("ae_share", "emergency_admission_share", "bed_day_share", "cost_share")
    },
}


@dataclass(frozen=True)
class Health:
    segments: pd.DataFrame  # segment, segment_name, people, cost_gbp, cost_per_head
    by_age: pd.DataFrame  # group_code (age band), people, hfrs_scored, hfrs_intermediate, ...
    hiu: pd.DataFrame  # level, area_code, people, hiu_people, shares


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pd.DataFrame:
    return con.execute(sql, params).fetch_arrow_table().to_pandas()


def read_health(con: duckdb.DuckDBPyConnection, run_id: str, fy: int) -> Health:
    return Health(
        segments=_frame(
            con,
            "SELECT segment, segment_name, people, cost_gbp, cost_per_head FROM segments "
            "WHERE run_id = ? AND fy = ? ORDER BY segment",
            [run_id, fy],
        ),
        by_age=_frame(
            con,
            "SELECT group_code AS age_band, people, hfrs_scored, hfrs_intermediate, hfrs_high, "
            "charlson_mean FROM population_health_summary "
            "WHERE run_id = ? AND fy = ? AND dimension = 'age_band'",
            [run_id, fy],
        ),
        hiu=_frame(
            con,
            "SELECT * EXCLUDE (run_id) FROM high_intensity_users "
            "WHERE run_id = ? AND fy = ? AND level IN ('place', 'locality')",
            [run_id, fy],
        ),
    )


# -- segments ----------------------------------------------------------------------------------
def segment_frame(seg: pd.DataFrame) -> pd.DataFrame:
    """The segments with each one's share of the people and of the spend (fractions)."""
    return seg.assign(
        people_share=seg["people"] / seg["people"].sum(),
        spend_share=seg["cost_gbp"].astype(float) / float(seg["cost_gbp"].sum()),
    )


def segment_pyramid(seg: pd.DataFrame) -> go.Figure:
    """Each segment's share of the people (left) against its share of the spend (right), from
    :func:`segment_frame` (a missing share has no bar)."""
    people, spend = seg["people_share"], seg["spend_share"]
    labels = [f"{s}. {n}" for s, n in zip(seg["segment"], seg["segment_name"], strict=True)]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=labels,
            x=list(-100 * people),
            orientation="h",
            name="Share of people",
            marker_color=NHS_LIGHT_BLUE,
            customdata=list(100 * people),
            hovertemplate="%{y}: %{customdata:.1f}% of people<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            y=labels,
            x=list(100 * spend),
            orientation="h",
            name="Share of spend",
            marker_color=NHS_DARK_BLUE,
            hovertemplate="%{y}: %{x:.1f}% of spend<extra></extra>",
        )
    )
    peak = max(100 * people.max(), 100 * spend.max(), 1)
    ticks = [t for t in range(-100, 101, 10) if abs(t) <= peak + 10]
    fig.update_layout(
        title=_title("Segments: share of people (left) and of spend (right), %"),
        barmode="overlay",
        bargap=0.15,
        height=120 + 40 * len(seg),
        margin={"l": 10, "r": 10, "t": 60, "b": 40},
        legend={"orientation": "h", "y": -0.15},
        plot_bgcolor="white",
    )
    fig.update_xaxes(tickvals=ticks, ticktext=[str(abs(t)) for t in ticks], ticksuffix="%")
    fig.update_yaxes(autorange="reversed")
    return fig


def segment_table(seg: pd.DataFrame, fmt: Formatter, fy: int) -> Table:
    total_people, total_gbp = int(seg["people"].sum()), sum(seg["cost_gbp"], Decimal(0))
    rows = [
        [
            f"{r.segment}. {r.segment_name}",
            fmt.count(r.people),
            fmt.percent(r.people / total_people if total_people else None, of=[r.people]),
            fmt.money(r.cost_gbp),
            fmt.percent(float(r.cost_gbp / total_gbp) if total_gbp else None, of=[r.people]),
            fmt.per_head(r.cost_gbp / r.people if r.people else None, of=[r.people]),
        ]
        for r in seg.itertuples()
    ]
    return Table(
        f"Bridges to Health segments, {fy_label(fy)}",
        ["Segment", "People", "Share", "Spend", "Share of spend", "Spend per head"],
        [False, True, True, True, True, True],
        rows,
        notes=[
            "Each person is in one segment: the first that applies in the order 6, 7, 8, 5, 4, "
            "2, 3, else 1 (rules in docs/population-health.md).",
        ],
    )


# -- frailty -----------------------------------------------------------------------------------
def frailty_frame(by_age: pd.DataFrame) -> pd.DataFrame:
    """The age bands 75 and over, oldest last, with people at intermediate and at high HFRS
    risk per 100 of the band (``hfrs_intermediate_per_100``, ``hfrs_high_per_100``)."""
    df = by_age[by_age["age_band"].isin(OLDEST)].copy()
    df = df.sort_values("age_band", key=lambda s: s.map(age_band_order))
    for column in ("hfrs_intermediate", "hfrs_high"):
        df[f"{column}_per_100"] = 100 * df[column] / df["people"].where(df["people"] > 0)
    return df


def frailty_by_age(df: pd.DataFrame) -> go.Figure:
    """People aged 75+ at intermediate and high HFRS risk, per 100 of the age band, from
    :func:`frailty_frame` (a missing rate has no bar)."""
    fig = go.Figure()
    for column, name, colour in (
        ("hfrs_intermediate", "Intermediate risk (5-15)", NHS_BLUE),
        ("hfrs_high", "High risk (over 15)", NHS_DARK_BLUE),
    ):
        fig.add_trace(
            go.Bar(
                x=list(df["age_band"]),
                y=list(df[f"{column}_per_100"]),
                name=name,
                marker_color=colour,
                hovertemplate="%{x}: %{y:.1f} per 100<extra></extra>",
            )
        )
    fig.update_layout(
        title=_title("Hospital Frailty Risk Score by age: per 100 people"),
        barmode="stack",
        height=380,
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 60, "b": 40},
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def frailty_table(by_age: pd.DataFrame, fmt: Formatter, fy: int) -> Table:
    df = frailty_frame(by_age)
    rows = [
        [
            r.age_band,
            fmt.count(r.people),
            fmt.count(r.hfrs_intermediate),
            fmt.count(r.hfrs_high),
            fmt.percent(
                (r.hfrs_intermediate + r.hfrs_high) / r.people if r.people else None,
                of=[r.hfrs_intermediate, r.hfrs_high, r.people],
            ),
        ]
        for r in df.itertuples()
    ]
    return Table(
        f"Frailty risk of people aged 75 and over, {fy_label(fy)}",
        ["Age", "People", "Intermediate risk", "High risk", "Share at risk"],
        [False, True, True, True, True],
        rows,
        notes=["HFRS (Gilbert et al., Lancet 2018) from hospital diagnoses of the last 2 years."],
    )


# -- high-intensity users ----------------------------------------------------------------------
def hiu_frame(health: Health, place: Place) -> pd.DataFrame:
    names = locality_names(place)
    df = health.hiu.copy()
    df["name"] = [
        "Whole place" if level == "place" else names.get(code, code)
        for level, code in zip(df["level"], df["area_code"], strict=True)
    ]
    df["per_1000"] = 1000 * df["hiu_people"] / df["people"].where(df["people"] > 0)
    df["order"] = (df["level"] != "place").astype(int)
    return df.sort_values(["order", "name"]).drop(columns="order").reset_index(drop=True)


def hiu_figure(df: pd.DataFrame) -> go.Figure:
    """Where the high-intensity users live (per 1,000 people) and their share of use."""
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("Per 1,000 people", "Their share of A&E and spend, %")
    )
    fig.add_trace(
        go.Bar(
            x=list(df["name"]),
            y=list(df["per_1000"]),
            marker_color=NHS_BLUE,
            name="High-intensity users per 1,000",
            hovertemplate="%{x}: %{y:.1f} per 1,000<extra></extra>",
        ),
        row=1,
        col=1,
    )
    for column, name, colour in (
        ("ae_share", "A&E attendances", NHS_LIGHT_BLUE),
        ("emergency_admission_share", "Emergency admissions", NHS_BLUE),
        ("cost_share", "Spend", NHS_DARK_BLUE),
    ):
        fig.add_trace(
            go.Bar(
                x=list(df["name"]),
                y=list(100 * df[column].astype(float)),
                name=name,
                marker_color=colour,
                hovertemplate="%{x}: %{y:.1f}%<extra></extra>",
            ),
            row=1,
            col=2,
        )
    fig.update_layout(
        title=_title("High-intensity users of A&E"),
        height=400,
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 80, "b": 40},
        legend={"orientation": "h", "y": -0.2},
        barmode="group",
    )
    fig.update_traces(marker_line_color=NHS_GREY, selector={"type": "bar"})
    return fig


def hiu_table(df: pd.DataFrame, fmt: Formatter, fy: int, rule: str) -> Table:
    rows = [
        [
            r.name,
            fmt.count(r.hiu_people),
            fmt.percent(r.hiu_people_share, 2, of=[r.hiu_people, r.people]),
            fmt.percent(r.ae_share, of=[r.hiu_people]),
            fmt.percent(r.emergency_admission_share, of=[r.hiu_people]),
            fmt.percent(r.bed_day_share, of=[r.hiu_people]),
            fmt.percent(r.cost_share, of=[r.hiu_people]),
        ]
        for r in df.itertuples()
    ]
    return Table(
        f"High-intensity users and their share of hospital use and spend, {fy_label(fy)}",
        ["Area", "Users", "Of people", "A&E", "Emergency admissions", "Bed days", "Spend"],
        [False, True, True, True, True, True, True],
        rows,
        notes=[rule],
    )
