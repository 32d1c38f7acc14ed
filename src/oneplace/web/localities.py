"""One page per locality: its networks and practices side by side.

Source: issue 7, "Localities: one page per locality comparing its networks and practices". The
numbers are the run's ``population_health_summary`` rows for the locality, its primary care
networks and its practices (people registered, the year's spend on them, high-intensity users
of A&E, frailty on the Hospital Frailty Risk Score among the people it scores, and three or
more Charlson conditions), so they add up to the locality figures on the other pages. Rates
are computed from the counts, and on a public page every count passes disclosure control and a
rate of a suppressed count is withheld (``Formatter``). Below them, each outcome indicator of
the outcomes page's funnel plots for the locality's practices, with limits and comparison with
the whole place: the same rows and cells as the outcomes page's tables (``outcomes``).
"""

from __future__ import annotations

import duckdb
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..place import Place
from .figures import NHS_BLUE, NHS_DARK_BLUE, NHS_GREY, NHS_LIGHT_BLUE, NHS_TEXT
from .formatting import Formatter, fy_label
from .money import Part, _subplots_layout
from .outcomes import Outcomes
from .outcomes.comparison import unit_table
from .outcomes.funnels import FUNNEL_STATISTICS
from .outcomes.results import _at, _place_row, indicator_order, values_frame
from .sections import Table

COUNTS = ["people", "hiu", "frail", "hfrs_scored", "charlson_3plus"]
DERIVED = {
    "per_head": ["people"],
    "hiu_per_1000": ["hiu", "people"],
    "frail_share": ["frail", "hfrs_scored"],
    "charlson_share": ["charlson_3plus", "people"],
}


def read_units(con: duckdb.DuckDBPyConnection, run_id: str, fy: int) -> pd.DataFrame:
    """The year's locality, network and practice rows of ``population_health_summary``."""
    return (
        con.execute(
            "SELECT dimension, group_code, people, cost_gbp, "
            "high_intensity_users AS hiu, hfrs_intermediate + hfrs_high AS frail, hfrs_scored, "
            "charlson_3plus FROM population_health_summary WHERE run_id = ? AND fy = ? "
            "AND dimension IN ('locality', 'network', 'practice')",
            [run_id, fy],
        )
        .fetch_arrow_table()
        .to_pandas()
    )


def locality_frame(units: pd.DataFrame, place: Place, locality: str) -> pd.DataFrame:
    """The locality, then each of its networks followed by its practices, with their rates."""
    by = {
        (d, c): row
        for d, c, row in zip(
            units["dimension"], units["group_code"], units.itertuples(), strict=True
        )
    }
    rows = []

    def add(level: str, code: str, name: str, network: str) -> None:
        found = by.get((level, code))
        values = {c: (getattr(found, c) if found is not None else 0) for c in COUNTS}
        cost = getattr(found, "cost_gbp", 0) if found is not None else 0
        rows.append(
            {
                "level": level,
                "code": code,
                "name": name,
                "network": network,
                **values,
                "cost_gbp": cost,
            }
        )

    name = next(loc.name for loc in place.localities if loc.code == locality)
    add("locality", locality, name, "")
    for network in sorted(
        (n for n in place.networks if n.locality == locality), key=lambda n: n.name
    ):
        add("network", network.code, network.name, network.name)
        practices = sorted(
            (p for p in place.practices if p.network == network.code), key=lambda p: p.name
        )
        for practice in practices:
            add("practice", practice.code, practice.name, network.name)
    frame = pd.DataFrame(rows)
    people = frame["people"].where(frame["people"] > 0)
    frame["per_head"] = frame["cost_gbp"].astype(float) / people
    frame["hiu_per_1000"] = 1000 * frame["hiu"] / people
    frame["frail_share"] = frame["frail"] / frame["hfrs_scored"].where(frame["hfrs_scored"] > 0)
    frame["charlson_share"] = frame["charlson_3plus"] / people
    return frame


def locality_figure(frame: pd.DataFrame) -> go.Figure:
    """Each practice's spend per head and high-intensity users per 1,000, by network."""
    practices = frame[frame["level"] == "practice"]
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("Spend per head, £", "High-intensity users per 1,000")
    )
    colours = [NHS_BLUE, NHS_DARK_BLUE, NHS_LIGHT_BLUE, NHS_GREY]
    for place_in_order, (network, rows) in enumerate(practices.groupby("network", sort=False)):
        colour = colours[place_in_order % len(colours)]
        for col, column, form in ((1, "per_head", "£%{y:,.0f}"), (2, "hiu_per_1000", "%{y:.1f}")):
            fig.add_trace(
                go.Bar(
                    x=list(rows["name"]),
                    y=list(rows[column]),
                    name=network,
                    legendgroup=network,
                    showlegend=col == 1,
                    marker_color=colour,
                    hovertemplate=f"%{{x}} ({network}): {form}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    whole = frame[frame["level"] == "locality"]
    if len(whole):
        for col, column in ((1, "per_head"), (2, "hiu_per_1000")):
            value = whole[column].iloc[0]
            if pd.notna(value):
                fig.add_hline(y=float(value), line_dash="dot", line_color=NHS_TEXT, row=1, col=col)
    return _subplots_layout(fig, "Each practice beside its locality (dotted line)", 480)


def locality_table(frame: pd.DataFrame, fmt: Formatter, fy: int) -> Table:
    rows = []
    for r in frame.itertuples():
        label = {"locality": f"{r.name} (whole locality)", "network": r.name}.get(
            r.level, f"  {r.name}"
        )
        rows.append(
            [
                label,
                r.code,
                fmt.count(r.people),
                fmt.money(r.cost_gbp),
                fmt.per_head(r.per_head, of=[r.people]),
                fmt.count(r.hiu),
                fmt.percent(r.frail_share, of=[r.frail, r.hfrs_scored]),
                fmt.percent(r.charlson_share, of=[r.charlson_3plus, r.people]),
            ]
        )
    return Table(
        caption=f"Networks and practices, {fy_label(fy)}",
        headers=[
            "Network or practice",
            "Code",
            "People",
            "Spend",
            "Spend per head",
            "High-intensity users",
            "Frail (of those scored)",
            "3+ Charlson conditions",
        ],
        numeric=[False, False, True, True, True, True, True, True],
        rows=rows,
        notes=[
            "Practices are listed under their network. Frail: intermediate or high risk "
            "on the Hospital Frailty Risk Score, among the people it scores (aged 75 and "
            "over with a hospital record)."
        ],
    )


def locality_part(
    units: pd.DataFrame, place: Place, locality: str, fmt: Formatter, fy: int
) -> Part:
    frame = locality_frame(units, place, locality)
    whole = frame.iloc[0]
    lead = (
        f"{fmt.count(whole['people'])} people registered with the practices of {whole['name']} "
        f"in {fy_label(fy)}, {fmt.per_head(whole['per_head'], of=[whole['people']])} spent per "
        "head. Each practice beside its network and the locality (dotted line)."
    )
    drawn = fmt.published(frame, COUNTS, DERIVED)
    return Part(
        f"locality-{locality}",
        whole["name"],
        lead,
        locality_figure(drawn),
        [locality_table(frame, fmt, fy)],
    )


def practice_outcomes_part(
    data: Outcomes, place: Place, locality: str, fmt: Formatter
) -> Part | None:
    """The outcomes page's practice tables, for ``locality``'s practices only (None when the
    run has no practice values)."""
    inds = indicator_order(place, set(data.values["indicator_id"]))
    if not inds:
        return None
    frame = values_frame(data, place, inds)
    practices = _at(frame, "practice", data.fy)
    networks = {n.code for n in place.networks if n.locality == locality}
    codes = {p.code for p in place.practices if p.network in networks}
    name = next(loc.name for loc in place.localities if loc.code == locality)
    tables = []
    for ind in inds:
        if ind.statistic not in FUNNEL_STATISTICS:
            continue
        rows = practices[(practices["indicator_id"] == ind.id) & practices["unit_code"].isin(codes)]
        if len(rows):
            caption = f"{ind.name}: practices of {name}, {fy_label(data.fy)}"
            place_row = _place_row(frame, ind, data.fy)
            tables.append(
                unit_table(rows.sort_values("label"), place_row, ind, fmt, caption, "Practice")
            )
    if not tables:
        return None
    lead = (
        f"Each indicator for the practices of {name}, with 95% limits, compared with the whole "
        "place (as in the outcomes page's funnel plots)."
    )
    return Part(
        f"locality-{locality}-outcomes", f"{name}: outcomes by practice", lead, None, tables
    )
