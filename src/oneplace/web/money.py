"""The report's money sections: budget and spend, fair shares, spend by month, concentration,
the projection to 2030 and the risk-share settlement.

Read from the latest run's money result tables (contracts in :mod:`oneplace.engine.monitoring`,
:mod:`~oneplace.engine.fair_shares`, :mod:`~oneplace.engine.spend_detail`,
:mod:`~oneplace.engine.projection` and :mod:`oneplace.settle`), for the report's financial
year. Money arrives as ``Decimal`` through Arrow, so the tables show it exactly; the figures
draw it as floats. A table the workspace does not hold (a run of an older version, or a
place without a risk-share agreement) reads as no rows: each section then says what is
missing instead of failing.

:func:`money_parts` returns the sections' parts (id, title, lead sentence, one figure,
tables); :mod:`oneplace.web.report` turns them into page sections. On a public page
(``fmt.public``) counts of people go through disclosure control, and so do the per-head
figures and shares of a count (:data:`MONTH_DERIVED`, :data:`CONCENTRATION_DERIVED`); money
is shown as it is, and the concentration table leaves out the spend of the last person in the
top 1% or 5% (one person's spend).
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..engine.settlement import RULES
from ..place import Place
from .figures import (
    _LAYOUT,
    LINE_COLOURS,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_GREY,
    NHS_PINK,
    styled,
)
from .formatting import MISSING, SUPPRESSED, Formatter, fy_label
from .sections import (
    WHOLE_PLACE,
    Table,
    _locality_order,
    locality_names,
    setting_label,
)

NHS_RED = "#D5281B"  # over budget / above target, as the page's .over
NHS_GREEN = "#007F3B"  # within budget / below target, as the page's .under
SYSTEM = "SYSTEM"
# Each money table's columns (the engine's contracts), read by name: a table the workspace
# does not hold reads as an empty frame with these columns.
COLUMNS = {
    "spend_against_budget": (
        "fy, as_of, year_complete, level, code, name, budget_gbp, spend_to_date_gbp, "
        "prior_year_to_date_gbp, prior_year_gbp, forecast_gbp, forecast_method, variance_gbp, "
        "variance_pct"
    ),
    "fair_shares": (
        "fy, base_fy, need_index, level, unit_code, unit_name, locality_code, setting, "
        "population, weighted_population, need_per_head, target_gbp, actual_gbp, distance_gbp, "
        "distance_pct"
    ),
    "hospital_share_to_date": (
        "fy, as_of, locality_code, hospital_gbp, total_gbp, hospital_share, prior_year_share, "
        "change_points, falling"
    ),
    "spend_by_month": (
        "fy, month, dimension, code, name, cost_gbp, hospital_gbp, population, cost_per_head, "
        "hospital_share"
    ),
    "spend_concentration": (
        "fy, locality_code, top_pct, people, population, cost_gbp, total_gbp, share_of_spend, "
        "threshold_gbp"
    ),
    "budget_projection": (
        "fy, locality_code, population, population_growth_pct, need_gbp, budget_gbp, gap_gbp, "
        "gap_pct"
    ),
    "settlement": (
        "fy, agreement, party, party_name, party_kind, step, rule, description, amount_gbp, memo"
    ),
}
MONEY_TABLES = tuple(COLUMNS)
FORECAST_METHODS = {
    "actual": "actual spend: the year is complete",
    "prior_year_profile": (
        "the prior year's profile: spend to date × the prior year's full-year spend ÷ its "
        "spend in the same period"
    ),
    "run_rate": "the daily run rate: spend to date × days in the year ÷ days elapsed",
}
FORECAST_SHORT = {
    "actual": "actual spend",
    "prior_year_profile": "the prior year's profile",
    "run_rate": "the daily run rate",
}
NEED_METHODS = {
    "none": "age-sex cost weights only (no additional-need multiplier)",
    "deprivation": "age-sex cost weights × an additional-need multiplier by IMD quintile",
    "morbidity": "age-sex cost weights × an additional-need multiplier by Charlson score group",
}
KIND_NAMES = {
    "partner": "Partner",
    "commissioner": "Commissioner",
    "reserve": "Risk reserve",
}
MONTHS = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")
# For disclosure control on a public page: which figure of a frame is of which count.
MONTH_DERIVED = {k: ["population"] for k in ("per_head", "cost_per_head", "hospital_share")}
CONCENTRATION_DERIVED = {"share_of_spend": ["people"]}


@dataclass(frozen=True)
class Money:
    """The money results of one run: the report year's rows, and the trends over years."""

    fy: int
    budget: pd.DataFrame  # spend_against_budget, fy
    fair_shares: pd.DataFrame  # fair_shares, fy, setting 'ALL', place/locality/network
    hospital_to_date: pd.DataFrame  # hospital_share_to_date, every year
    by_month: pd.DataFrame  # spend_by_month, every year
    concentration: pd.DataFrame  # spend_concentration, every year
    projection: pd.DataFrame  # budget_projection, every year
    settlement: pd.DataFrame  # settlement, the latest settled year up to fy (else the latest)


@dataclass(frozen=True)
class Part:
    """A section of the page before it is drawn: ``figure`` None means no chart."""

    id: str
    title: str
    lead: str
    figure: go.Figure | None
    tables: list[Table]


# -- reading ---------------------------------------------------------------------------------
def _empty(table: str) -> pd.DataFrame:
    return pd.DataFrame(columns=[c.strip() for c in COLUMNS[table].split(",")])


def _read(
    con: duckdb.DuckDBPyConnection,
    present: set[str],
    table: str,
    run_id: str,
    where: str = "",
    params: tuple = (),
    order: str = "fy",
) -> pd.DataFrame:
    if table not in present:
        return _empty(table)
    sql = f'SELECT {COLUMNS[table]} FROM "{table}" WHERE run_id = ? {where} ORDER BY {order}'
    # Through Arrow, not .df(): DECIMAL money stays Decimal.
    return con.execute(sql, [run_id, *params]).fetch_arrow_table().to_pandas()


def read_money(con: duckdb.DuckDBPyConnection, run_id: str, fy: int) -> Money:
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    settled = None
    if "settlement" in present:
        settled = con.execute(
            "SELECT coalesce(max(fy) FILTER (WHERE fy <= ?), max(fy)) FROM settlement "
            "WHERE run_id = ?",
            [fy, run_id],
        ).fetchone()[0]
    return Money(
        fy=fy,
        budget=_read(
            con, present, "spend_against_budget", run_id, "AND fy = ?", (fy,), "level, code"
        ),
        fair_shares=_read(
            con,
            present,
            "fair_shares",
            run_id,
            "AND fy = ? AND setting = 'ALL' AND level IN ('place', 'locality', 'network')",
            (fy,),
            "level, unit_code",
        ),
        hospital_to_date=_read(
            con, present, "hospital_share_to_date", run_id, order="fy, locality_code"
        ),
        by_month=_read(con, present, "spend_by_month", run_id, order="dimension, code, month"),
        concentration=_read(
            con, present, "spend_concentration", run_id, order="fy, locality_code, top_pct"
        ),
        projection=_read(con, present, "budget_projection", run_id, order="locality_code, fy"),
        settlement=(
            _empty("settlement")
            if settled is None
            else _read(
                con,
                present,
                "settlement",
                run_id,
                "AND fy = ?",
                (settled,),
                "party_kind, party, step",
            )
        ),
    )


# -- small helpers ---------------------------------------------------------------------------
def _missing(x: object) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _float(x: object) -> float | None:
    return None if _missing(x) else float(x)  # type: ignore[arg-type]


def _m(x: object) -> float | None:
    """Money in £ million, for drawing (None stays None: no bar)."""
    v = _float(x)
    return None if v is None else v / 1e6


def _dec(x: object) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def _people(x: object) -> int | None:
    """A projected (fractional) number of people, to the nearest whole person."""
    return None if _missing(x) else int(_dec(x).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _day(d: object) -> str:
    d = pd.Timestamp(d).date() if not isinstance(d, date) else d
    return f"{d.day} {d:%B %Y}"


def signed_percent(fmt: Formatter, x: object, digits: int = 1, of: list | None = None) -> str:
    """A share with an explicit sign: +4.7% / −4.8% (a true minus, as money has); ``of`` as
    in :meth:`Formatter.percent`."""
    s = fmt.percent(x, digits, of=of or [])
    if s == SUPPRESSED:
        return s
    if s == MISSING or not s.strip("-0.%"):  # missing, or rounds to zero: no sign
        return s.lstrip("-")
    return "−" + s[1:] if s.startswith("-") else "+" + s


def points(x: object) -> str:
    """A change in percentage points: +1.9 / −3.4 (one decimal)."""
    if _missing(x):
        return MISSING
    d = Decimal(str(x)).quantize(Decimal("0.1"))
    if d == 0:
        return "0.0"
    return ("+" if d > 0 else "−") + str(abs(d))


def _subplots_layout(fig: go.Figure, title: str, height: int, top: int = 110) -> go.Figure:
    """The report's style for a figure of subplots: title, then legend, then the panels with
    their own titles (the legend is placed in pixels from the top, clear of both)."""
    legend = {
        **_LAYOUT["legend"],
        "yref": "container",
        "y": 1 - 42 / height,
        "yanchor": "top",
    }
    margin = {"l": 10, "r": 10, "t": top, "b": 10}
    return styled(fig, title, height, margin=margin, legend=legend)


def _empty_part(id: str, title: str, lead: str) -> Part:
    return Part(id, title, lead, None, [])


# -- 1. budget and spend ---------------------------------------------------------------------
def budget_frame(data: Money, place: Place) -> pd.DataFrame:
    """spend_against_budget of the year, with a ``label`` in the partnership's words."""
    df = data.budget.copy()
    names = locality_names(place)
    orgs = {o.code: o for o in place.organisations}
    labels = []
    for level, code, name in zip(df["level"], df["code"], df["name"], strict=True):
        if level == "setting":
            labels.append(setting_label(code))
        elif level == "locality":
            labels.append(names.get(code, name or code))
        elif level == "organisation":
            labels.append(orgs[code].name if code in orgs else f"{name or 'Unnamed'} ({code})")
        else:
            labels.append("Whole place")
    df["label"] = labels
    order = pd.Series(0, index=df.index)
    loc = df["level"] == "locality"
    order[loc] = _locality_order(place, df.loc[loc, "code"])
    # Settings and organisations by forecast, largest first; localities in the place's order.
    forecast = [-(_float(v) or 0.0) for v in df["forecast_gbp"]]
    df = df.assign(_order=order, _forecast=forecast).sort_values(["level", "_order", "_forecast"])
    return df.drop(columns=["_order", "_forecast"]).reset_index(drop=True)


def _period_of(frame: pd.DataFrame, fy: int) -> tuple[date | None, bool]:
    """The cut-off of year ``fy`` in a frame with ``as_of`` (and maybe ``year_complete``), and
    whether the year is complete: by the flag, else when the cut-off is 31 March (an empty
    frame: no cut-off, complete)."""
    if not len(frame):
        return None, True
    row = frame.iloc[0]
    as_of = None if _missing(row["as_of"]) else pd.Timestamp(row["as_of"]).date()
    if "year_complete" in frame and not _missing(row["year_complete"]):
        return as_of, bool(row["year_complete"])
    return as_of, as_of is None or as_of >= date(fy + 1, 3, 31)


def period(data: Money) -> tuple[date | None, bool]:
    """The report year's cut-off and whether it is complete, from spend against budget, else
    from the hospital share to date (complete, with no cut-off, when neither has the year)."""
    to_date = data.hospital_to_date[data.hospital_to_date["fy"] == data.fy]
    return _period_of(data.budget if len(data.budget) else to_date, data.fy)


def budget_figure(frame: pd.DataFrame, complete: bool) -> go.Figure:
    """Budget against forecast outturn (and spend to date in a partial year), £m, by care
    setting (top) and by locality (bottom). A unit without a budget has no budget bar."""
    panels = [
        (level, title, frame[frame["level"] == level])
        for level, title in (("setting", "By care setting"), ("locality", "By locality"))
    ]
    panels = [p for p in panels if len(p[2])]
    series = [("budget_gbp", "Budget", NHS_GREY)] if frame["budget_gbp"].notna().any() else []
    if complete:
        series.append(("forecast_gbp", "Spend", NHS_BLUE))
    else:
        series += [
            ("forecast_gbp", "Forecast outturn", NHS_BLUE),
            ("spend_to_date_gbp", "Spend to date", NHS_DARK_BLUE),
        ]
    sizes = [len(p[2]) for p in panels] or [1]
    fig = make_subplots(
        rows=len(sizes),
        cols=1,
        subplot_titles=[p[1] for p in panels] or None,
        row_heights=[n / sum(sizes) for n in sizes],
        vertical_spacing=min(0.12, 60 / (sum(sizes) * 12 * len(series) + 120)),
    )
    for row, (_, _, part) in enumerate(panels, start=1):
        for column, name, colour in series:
            fig.add_trace(
                go.Bar(
                    y=list(part["label"]),
                    x=[_m(v) for v in part[column]],
                    orientation="h",
                    name=name,
                    legendgroup=name,
                    showlegend=row == 1,
                    marker_color=colour,
                    hovertemplate=f"%{{y}}: {name.lower()} £%{{x:,.2f}}m<extra></extra>",
                ),
                row=row,
                col=1,
            )
    title = (
        "Budget and spend (£m)" if complete else "Budget, forecast outturn and spend to date (£m)"
    )
    _subplots_layout(fig, title, 140 + 12 * len(series) * sum(sizes) + 20 * sum(sizes))
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickprefix="£", ticksuffix="m")
    return fig


def _budget_table(
    frame: pd.DataFrame,
    fmt: Formatter,
    caption: str,
    first: str,
    complete: bool,
    total,
    with_budget: bool = True,
) -> Table:
    """Budget, spend (to date, same period last year, forecast) and variance; without any
    budget, only the spend columns."""

    def cells(r) -> list[str]:
        out = [fmt.money(r.budget_gbp)] if with_budget else []
        if complete:
            out.append(fmt.money(r.forecast_gbp))
        else:
            out += [
                fmt.money(r.spend_to_date_gbp),
                fmt.money(r.prior_year_to_date_gbp),
                fmt.money(r.forecast_gbp),
            ]
        if not with_budget:
            return out
        return out + [fmt.signed_money(r.variance_gbp), signed_percent(fmt, r.variance_pct)]

    headers = [first, "Budget"] if with_budget else [first]
    headers += (
        ["Spend"] if complete else ["Spend to date", "Same period last year", "Forecast outturn"]
    )
    if with_budget:
        headers += ["Under (+) / over (−) budget", "Of budget"]
    return Table(
        caption,
        headers,
        [False] + [True] * (len(headers) - 1),
        [[r.label, *cells(r)] for r in frame.itertuples()],
        None if total is None else ["Whole place", *cells(total)],
    )


def budget_tables(frame: pd.DataFrame, fmt: Formatter, fy: int) -> list[Table]:
    as_of, complete = _period_of(frame, fy)
    when = fy_label(fy) if complete or as_of is None else f"{fy_label(fy)}, to {_day(as_of)}"
    place = frame[frame["level"] == "place"]
    total = next(place.itertuples(), None)
    method = frame["forecast_method"].dropna()
    with_budget = bool(frame["budget_gbp"].notna().any())
    notes = (
        [
            "Budget less forecast outturn: + is a forecast underspend, − an overspend. "
            "A setting or organisation without a budget line in the place file shows —."
        ]
        if with_budget
        else [f"No budget for {fy_label(fy)} in the place file: spend only."]
    )
    if not complete and len(method):
        notes.append(
            f"Year to date to {_day(as_of)}: the forecast outturn is by "
            f"{FORECAST_METHODS.get(method.iloc[0], method.iloc[0])}."
        )
    tables = [
        _budget_table(
            frame[frame["level"] == "setting"],
            fmt,
            f"Budget and spend by care setting, {when}",
            "Setting",
            complete,
            total,
            with_budget,
        )
    ]
    tables[0].notes.extend(notes)
    loc = frame[frame["level"] == "locality"]
    if len(loc):
        t = _budget_table(
            loc,
            fmt,
            f"Budget and spend by locality, {when}",
            "Locality",
            complete,
            total,
            with_budget,
        )
        if with_budget:
            t.notes.append("A locality's budget is its fair-share target (see Fair shares).")
        tables.append(t)
    org = frame[frame["level"] == "organisation"]
    if len(org):
        t = _budget_table(
            org,
            fmt,
            f"Budget and spend by organisation, {when}",
            "Organisation",
            complete,
            total,
            with_budget,
        )
        t.notes.append(
            "Spend counted under the organisation that provided the care; an organisation's "
            "budget is its line in the pooled budget."
        )
        tables.append(t)
    return tables


def budget_lead(frame: pd.DataFrame, fmt: Formatter, fy: int) -> str:
    place = frame[frame["level"] == "place"]
    if not len(place):
        return f"The run wrote no spend against budget for {fy_label(fy)}."
    r = place.iloc[0]
    as_of, complete = _period_of(frame, fy)
    method = FORECAST_SHORT.get(r["forecast_method"], r["forecast_method"])
    if complete:
        spent = f"In {fy_label(fy)} the place spent {fmt.money(r['forecast_gbp'])}"
    else:
        spent = (
            f"Year to date to {_day(as_of)}, the place has spent {fmt.money(r['spend_to_date_gbp'])}; "
            f"the forecast outturn for {fy_label(fy)}, by {method}, is {fmt.money(r['forecast_gbp'])}"
        )
    if _missing(r["budget_gbp"]):
        return (
            f"{spent}. There is no pooled budget for {fy_label(fy)} in the place file, so there "
            "is nothing to measure it against."
        )
    variance = _dec(r["variance_gbp"])
    side = "under" if variance > 0 else "over" if variance < 0 else "exactly on"
    amount = (
        ""
        if variance == 0
        else f"{fmt.money(abs(variance))} ({fmt.percent(abs(r['variance_pct']))}) "
    )
    return (
        f"{spent} against a pooled budget of {fmt.money(r['budget_gbp'])}: {amount}{side} budget."
    )


def budget_part(data: Money, place: Place, fmt: Formatter) -> Part:
    title = "Budget and spend"
    frame = budget_frame(data, place)
    lead = budget_lead(frame, fmt, data.fy)
    if not len(frame):
        return _empty_part("budget", title, lead)
    _, complete = _period_of(frame, data.fy)
    return Part(
        "budget", title, lead, budget_figure(frame, complete), budget_tables(frame, fmt, data.fy)
    )


# -- 2. fair shares --------------------------------------------------------------------------
def fair_shares_frame(data: Money, place: Place) -> pd.DataFrame:
    """Localities (place order) then networks (by locality, name), with a unique ``label``."""
    names = locality_names(place)
    df = data.fair_shares.copy()
    if df.empty:
        return df.assign(locality=[], label=[])
    df["locality"] = df["locality_code"].map(lambda c: names.get(c, c))
    df["label"] = [
        names.get(code, name) if level == "locality" else name
        for level, code, name in zip(df["level"], df["unit_code"], df["unit_name"], strict=True)
    ]
    localities = set(df.loc[df["level"] == "locality", "label"])
    df.loc[(df["level"] == "network") & df["label"].isin(localities), "label"] += " (network)"
    rank = {"place": 0, "locality": 1, "network": 2}
    df["_level"] = df["level"].map(rank)
    df["_loc"] = _locality_order(place, df["locality_code"])
    df = df.sort_values(["_level", "_loc", "label"]).drop(columns=["_level", "_loc"])
    return df.reset_index(drop=True)


def fair_shares_figure(frame: pd.DataFrame) -> go.Figure:
    """Distance from target of each locality and network: % (left) and £ (right), bars
    to the right of zero (red) for units spending above their fair share."""
    units = frame[frame["level"] != "place"]
    labels = list(units["label"])
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=("Distance from target, %", "Distance from target, £"),
    )
    above = units["distance_gbp"].map(lambda v: not _missing(v) and _dec(v) > 0)
    for flag, name, colour in (
        (True, "Above target", NHS_RED),
        (False, "At or below target", NHS_GREEN),
    ):
        part = units[above == flag]
        for col, values, hover in (
            (1, [100 * v for v in map(_float, part["distance_pct"])], "%{x:+.1f}%"),
            (2, [_float(v) for v in part["distance_gbp"]], "£%{x:+,.0f}"),
        ):
            fig.add_trace(
                go.Bar(
                    y=list(part["label"]),
                    x=values,
                    orientation="h",
                    name=name,
                    legendgroup=name,
                    showlegend=col == 1,
                    marker_color=colour,
                    hovertemplate=f"%{{y}}: {hover}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    _subplots_layout(
        fig, "Distance from fair-share target: actual less target", 140 + 30 * len(labels)
    )
    fig.update_layout(barmode="relative")
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed")
    fig.update_xaxes(zeroline=True, zerolinecolor=NHS_GREY, zerolinewidth=1)
    fig.update_xaxes(ticksuffix="%", row=1, col=1)
    fig.update_xaxes(tickformat=",", row=1, col=2)
    return fig


def need_method(frame: pd.DataFrame) -> str:
    if not len(frame):
        return ""
    r = frame.iloc[0]
    how = NEED_METHODS.get(r["need_index"], f"need index {r['need_index']!r}")
    return f"{how}, from the base year {fy_label(int(r['base_fy']))}"


def fair_shares_tables(frame: pd.DataFrame, fmt: Formatter, fy: int) -> list[Table]:
    def cells(r) -> list[str]:
        return [
            fmt.signed_money(r.distance_gbp),
            signed_percent(fmt, r.distance_pct),
            fmt.money(r.target_gbp),
            fmt.money(r.actual_gbp),
            fmt.count(r.population),
            SUPPRESSED
            if fmt.withheld([r.population])
            else MISSING
            if _missing(r.need_per_head)
            else f"{r.need_per_head:.3f}",
        ]

    place = frame[frame["level"] == "place"]
    total = next(place.itertuples(), None)
    tail = ["Distance", "Distance %", "Target", "Actual", "People", "Need per head"]
    total_row = None if total is None else ["Whole place", *cells(total)]
    loc = frame[frame["level"] == "locality"]
    net = frame[frame["level"] == "network"]
    notes = [
        f"Targets split the pooled budget by weighted population (NHS England's weighted "
        f"capitation structure): need per head is {need_method(frame)}. Need per head is the "
        "unit's weighted population per head over the whole place's (1.000).",
        "Distance = actual less target: + is spending above the unit's fair share, − below.",
    ]
    tables = [
        Table(
            f"Fair shares by locality, {fy_label(fy)}",
            ["Locality", *tail],
            [False] + [True] * len(tail),
            [[r.label, *cells(r)] for r in loc.itertuples()],
            total_row,
            notes,
        )
    ]
    if len(net):
        tables.append(
            Table(
                f"Fair shares by network, {fy_label(fy)}",
                ["Network", "Locality", *tail],
                [False, False] + [True] * len(tail),
                [[r.label, r.locality, *cells(r)] for r in net.itertuples()],
                None if total is None else ["Whole place", "", *cells(total)],
            )
        )
    return tables


def fair_shares_lead(frame: pd.DataFrame, fmt: Formatter, fy: int) -> str:
    units = frame[frame["level"] == "locality"]
    place = frame[frame["level"] == "place"]
    if not len(place):
        return (
            f"No fair-share targets for {fy_label(fy)}: targets split the pooled budget, and "
            "the place file has no budget for the year (or the run did not compute them)."
        )
    r = place.iloc[0]
    text = (
        f"Fair-share targets split the pooled budget of {fmt.money(r['target_gbp'])} for "
        f"{fy_label(fy)} by need: {need_method(frame)}."
    )
    dist = units[units["distance_pct"].notna()]
    if len(dist):
        far = dist.loc[dist["distance_pct"].astype(float).abs().idxmax()]
        side = "above" if _dec(far["distance_gbp"]) > 0 else "below"
        text += (
            f" Furthest from its target: {far['label']}, {fmt.signed_money(far['distance_gbp'])} "
            f"({signed_percent(fmt, far['distance_pct'])}), {side} its fair share."
        )
    return text


def fair_shares_part(data: Money, place: Place, fmt: Formatter) -> Part:
    title = "Fair shares"
    frame = fair_shares_frame(data, place)
    lead = fair_shares_lead(frame, fmt, data.fy)
    if not (frame["level"] != "place").any():
        return _empty_part("fair-shares", title, lead)
    tables = fair_shares_tables(frame, fmt, data.fy)
    as_of, complete = period(data)
    if not complete and as_of is not None:
        tables[0].notes.append(
            f"The year is not complete: actual spend is what was recorded to {_day(as_of)}, "
            "against a full year's target."
        )
    return Part("fair-shares", title, lead, fair_shares_figure(frame), tables)


# -- 3 and 4. spend by month: hospital share and spend per head ------------------------------
def month_frame(data: Money, place: Place) -> pd.DataFrame:
    """spend_by_month with ``label`` (localities and segments named), exact ``per_head`` and
    the month of the financial year (``month_label``)."""
    names = locality_names(place)
    df = data.by_month.copy()
    df["month"] = [pd.Timestamp(m).date() for m in df["month"]]
    df["label"] = [
        names.get(code, name)
        if dim == "locality"
        else f"{code}. {name}"
        if dim == "segment"
        else "Whole place"
        for dim, code, name in zip(df["dimension"], df["code"], df["name"], strict=True)
    ]
    df["per_head"] = [
        None if _missing(p) or not p else _dec(c) / Decimal(int(p))
        for c, p in zip(df["cost_gbp"], df["population"], strict=True)
    ]
    df["month_label"] = [f"{m:%b}" for m in df["month"]]
    rank = pd.Series(0, index=df.index)
    loc = df["dimension"] == "locality"
    rank[loc] = _locality_order(place, df.loc[loc, "code"])
    seg = df["dimension"] == "segment"
    rank[seg] = df.loc[seg, "code"].map(lambda c: int(c) if str(c).isdigit() else 99)
    df = df.assign(_rank=rank).sort_values(["dimension", "_rank", "label", "month"])
    return df.drop(columns="_rank").reset_index(drop=True)


def _legend(fig: go.Figure, name: str, axis: str) -> None:
    top = fig.layout[axis].domain[1]
    fig.update_layout(
        {
            name: {
                "orientation": "v",
                "x": 1.02,
                "xanchor": "left",
                "y": top,
                "yref": "paper",
                "yanchor": "top",
                "font": {"size": 12},
            }
        }
    )


def monthly_figure(frame: pd.DataFrame, fy: int) -> go.Figure:
    """Three panels: the whole place's hospital share by month of the year, one line per
    year (the report year thickest); spend per head per month by locality; and by segment
    (log scale: the segments' spend per head differs a hundredfold)."""
    fig = make_subplots(
        rows=3,
        cols=1,
        vertical_spacing=0.09,
        subplot_titles=(
            "Hospital share of spend by month, whole place",
            "Spend per head per month by locality (£)",
            "Spend per head per month by segment (£, log scale)",
        ),
    )
    place = frame[frame["dimension"] == "place"]
    years = sorted(place["fy"].unique())
    others = iter(LINE_COLOURS * (len(years) // len(LINE_COLOURS) + 1))
    for year in reversed(years):
        part = place[place["fy"] == year]
        latest = year == fy
        fig.add_trace(
            go.Scatter(
                x=list(part["month_label"]),
                y=[_float(v) for v in part["hospital_share"]],
                mode="lines+markers",
                name=fy_label(int(year)),
                legend="legend",
                line={"color": NHS_BLUE if latest else next(others), "width": 4 if latest else 2},
                hovertemplate=f"{fy_label(int(year))} %{{x}}: %{{y:.1%}}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for row, dim, legend in ((2, "locality", "legend2"), (3, "segment", "legend3")):
        part = frame[frame["dimension"] == dim]
        colours = iter(LINE_COLOURS * (part["label"].nunique() // len(LINE_COLOURS) + 1))
        for label in dict.fromkeys(part["label"]):
            unit = part[part["label"] == label]
            fig.add_trace(
                go.Scatter(
                    x=list(unit["month"]),
                    y=[_float(v) for v in unit["per_head"]],
                    mode="lines",
                    name=label,
                    legend=legend,
                    line={"color": next(colours), "width": 2},
                    hovertemplate=f"{label} %{{x|%b %Y}}: £%{{y:,.2f}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
    _subplots_layout(fig, "Spend by month", 1000, top=80)
    _legend(fig, "legend", "yaxis")
    _legend(fig, "legend2", "yaxis2")
    _legend(fig, "legend3", "yaxis3")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(MONTHS), row=1)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(tickprefix="£", tickformat=",", rangemode="tozero", row=2, col=1)
    segs = [v for v in map(_float, frame.loc[frame["dimension"] == "segment", "per_head"]) if v]
    fig.update_yaxes(
        type="log",
        tickvals=log_ticks(segs),
        ticktext=[f"£{t:,g}" for t in log_ticks(segs)],
        row=3,
        col=1,
    )
    return fig


def log_ticks(values: list[float]) -> list[float]:
    """1, 2, 5 x 10^k spanning the positive values (Plotly's own log ticks read badly)."""
    positive = [v for v in values if v > 0]
    if not positive:
        return []
    low, high = math.floor(math.log10(min(positive))), math.ceil(math.log10(max(positive)))
    ticks = [m * 10.0**k for k in range(low, high + 1) for m in (1, 2, 5)]
    return [t for t in ticks if min(positive) / 2 <= t <= max(positive) * 2]


def hospital_to_date_frame(data: Money, place: Place) -> pd.DataFrame:
    names = locality_names(place)
    df = data.hospital_to_date[data.hospital_to_date["fy"] == data.fy].copy()
    df["name"] = df["locality_code"].map(lambda c: names.get(c, c))
    df = df.assign(_o=_locality_order(place, df["locality_code"])).sort_values(["_o", "name"])
    return df.drop(columns="_o").reset_index(drop=True)


def hospital_to_date_table(
    frame: pd.DataFrame, fmt: Formatter, fy: int, as_of: date | None, complete: bool
) -> Table:
    def falling(x: object) -> str:
        return MISSING if _missing(x) else "Yes" if x else "No"

    when = fy_label(fy) if complete or as_of is None else f"{fy_label(fy)}, to {_day(as_of)}"
    return Table(
        f"Hospital share of spend to date, {when}",
        [
            "Locality",
            "Hospital share",
            f"Same period {fy_label(fy - 1)}",
            "Change (points)",
            "Falling",
            "Hospital spend",
            "All spend",
        ],
        [False, True, True, True, False, True, True],
        [
            [
                r.name,
                fmt.percent(r.hospital_share),
                fmt.percent(r.prior_year_share),
                points(r.change_points),
                falling(r.falling),
                fmt.money(r.hospital_gbp),
                fmt.money(r.total_gbp),
            ]
            for r in frame.itertuples()
        ],
        notes=[
            "Against the same period of the prior year (its activity up to the same day of the "
            "financial year), so a partial year is compared like with like."
        ],
    )


def per_head_table(frame: pd.DataFrame, fmt: Formatter, fy: int, dim: str, complete: bool) -> Table:
    part = frame[(frame["dimension"] == dim) & (frame["fy"] == fy)]
    months = sorted(part["month"].unique())
    rows = []
    for label in dict.fromkeys(part["label"]):
        unit = part[part["label"] == label].set_index("month")
        people = unit["population"].iloc[0]
        total = sum((_dec(c) for c in unit["cost_gbp"]), Decimal(0))
        by_month = [fmt.per_head(unit["per_head"].get(m), of=[people]) for m in months]
        year = None if _missing(people) or not people else total / Decimal(int(people))
        rows.append([label, fmt.count(people), *by_month, fmt.per_head(year, of=[people])])
    first = "Locality" if dim == "locality" else "Segment"
    headers = [first, "People", *(f"{m:%b %Y}" for m in months)]
    headers.append("Year" if complete else "Year to date")
    return Table(
        f"Spend per head per month by {dim}, {fy_label(fy)}",
        headers,
        [False] + [True] * (len(headers) - 1),
        rows,
        notes=[
            "A month's spend over the people registered on 1 October of the year, so the "
            "months add up to the year's spend per head."
        ],
    )


def monthly_lead(frame: pd.DataFrame, fmt: Formatter, fy: int, as_of, complete) -> str:
    place = frame[frame["locality_code"] == WHOLE_PLACE]
    if not len(place):
        return f"The run wrote no hospital share to date for {fy_label(fy)}."
    r = place.iloc[0]
    when = f"In {fy_label(fy)}" if complete or as_of is None else f"Year to date to {_day(as_of)},"
    text = f"{when} {fmt.percent(r['hospital_share'])} of the place's spend went to hospitals"
    if _missing(r["prior_year_share"]):
        return text + "; there is no prior year in the run to compare with."
    change = points(r["change_points"])
    verdict = "falling" if not _missing(r["falling"]) and bool(r["falling"]) else "not falling"
    return (
        f"{text}, against {fmt.percent(r['prior_year_share'])} in the same period of "
        f"{fy_label(fy - 1)}: {change} points, so the hospital share is {verdict}."
    )


def monthly_part(data: Money, place: Place, fmt: Formatter) -> Part:
    title = "Spend by month"
    as_of, complete = period(data)
    to_date = hospital_to_date_frame(data, place)
    lead = monthly_lead(to_date, fmt, data.fy, as_of, complete)
    frame = month_frame(data, place)
    tables = (
        [hospital_to_date_table(to_date, fmt, data.fy, as_of, complete)] if len(to_date) else []
    )
    for dim in ("locality", "segment"):
        if ((frame["dimension"] == dim) & (frame["fy"] == data.fy)).any():
            tables.append(per_head_table(frame, fmt, data.fy, dim, complete))
    if not len(frame):
        lead += " The run wrote no spend by month."
        return Part("monthly", title, lead, None, tables)
    drawn = fmt.published(frame, ["population"], MONTH_DERIVED)
    return Part("monthly", title, lead, monthly_figure(drawn, data.fy), tables)


# -- 5. concentration ------------------------------------------------------------------------
def concentration_frame(data: Money, place: Place) -> pd.DataFrame:
    names = locality_names(place)
    df = data.concentration[data.concentration["fy"] == data.fy].copy()
    df["name"] = df["locality_code"].map(lambda c: names.get(c, c))
    df = df.assign(_o=_locality_order(place, df["locality_code"]))
    df = df.sort_values(["_o", "name", "top_pct"]).drop(columns="_o")
    return df.reset_index(drop=True)


def concentration_figure(frame: pd.DataFrame, fy: int) -> go.Figure:
    """The share of spend on the top 1% and top 5% of people by spend, by area."""
    fig = go.Figure()
    areas = list(dict.fromkeys(frame["name"]))
    for top, colour in ((1, NHS_DARK_BLUE), (5, NHS_BLUE)):
        part = frame[frame["top_pct"] == top].set_index("name").reindex(areas)
        fig.add_trace(
            go.Bar(
                x=areas,
                y=[None if v is None else 100 * v for v in map(_float, part["share_of_spend"])],
                name=f"Top {top}% of people",
                marker_color=colour,
                hovertemplate=f"%{{x}}: top {top}% of people, %{{y:.1f}}% of spend<extra></extra>",
            )
        )
    title = f"Share of spend on the people who cost most, {fy_label(fy)}"
    styled(fig, title, 400, barmode="group")
    fig.update_yaxes(title="Share of spend", ticksuffix="%", rangemode="tozero")
    return fig


def concentration_table(frame: pd.DataFrame, fmt: Formatter, fy: int) -> Table:
    """The top 1% and 5% by area; on a public page without "Each spent at least", which is
    the spend of one person (the last one in)."""
    headers = [
        "Area",
        "Top",
        "People",
        "Of registered",
        "Their spend",
        "All spend",
        "Share of spend",
        "Each spent at least",
    ]
    rows = [
        [
            r.name,
            f"{r.top_pct}%",
            fmt.count(r.people),
            fmt.count(r.population),
            fmt.money(r.cost_gbp),
            fmt.money(r.total_gbp),
            fmt.percent(r.share_of_spend, of=[r.people]),
            fmt.money(r.threshold_gbp),
        ]
        for r in frame.itertuples()
    ]
    keep = len(headers) - 1 if fmt.public else len(headers)
    return Table(
        f"The people behind the largest share of spend, {fy_label(fy)}",
        headers[:keep],
        [False, False, True, True, True, True, True, True][:keep],
        [row[:keep] for row in rows],
        notes=[
            "Registered people ranked by their spend in the year; the top 1% (5%) are the first "
            "1% (5%) of them, rounded up. All spend is that of the registered people."
        ],
    )


def concentration_lead(frame: pd.DataFrame, fmt: Formatter, fy: int) -> str:
    place = frame[frame["locality_code"] == WHOLE_PLACE].set_index("top_pct")
    if 1 not in place.index:
        return f"The run wrote no concentration of spend for {fy_label(fy)}."
    one = place.loc[1]
    text = (
        f"In {fy_label(fy)} the {fmt.count(one['people'])} people in the top 1% by spend (of "
        f"{fmt.count(one['population'])} registered) accounted for "
        f"{fmt.percent(one['share_of_spend'], of=[one['people']])} of the spend on registered people "
        f"({fmt.money(one['cost_gbp'])})"
    )
    if 5 in place.index:
        five = place.loc[5]
        text += (
            f"; the top 5%, {fmt.count(five['people'])} people, for "
            f"{fmt.percent(five['share_of_spend'], of=[five['people']])}"
        )
    return text + "."


def concentration_part(data: Money, place: Place, fmt: Formatter) -> Part:
    title = "Concentration of spend"
    frame = concentration_frame(data, place)
    lead = concentration_lead(frame, fmt, data.fy)
    if not len(frame):
        return _empty_part("concentration", title, lead)
    return Part(
        "concentration",
        title,
        lead,
        concentration_figure(
            fmt.published(frame, ["people", "population"], CONCENTRATION_DERIVED), data.fy
        ),
        [concentration_table(frame, fmt, data.fy)],
    )


# -- 6. projection ---------------------------------------------------------------------------
def projection_frame(data: Money, place: Place) -> pd.DataFrame:
    names = locality_names(place)
    df = data.projection.copy()
    df["name"] = df["locality_code"].map(lambda c: names.get(c, c))
    df["fy_label"] = df["fy"].map(lambda y: fy_label(int(y)))
    df = df.assign(_o=_locality_order(place, df["locality_code"]))
    return df.sort_values(["_o", "name", "fy"]).drop(columns="_o").reset_index(drop=True)


def projection_figure(frame: pd.DataFrame) -> go.Figure:
    """The whole place's budget and need by year (£m, top) and the gap, budget less need
    (bottom: red where need outgrows the money)."""
    place = frame[frame["locality_code"] == WHOLE_PLACE]
    years = list(place["fy_label"])
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.65, 0.35],
        vertical_spacing=0.1,
        subplot_titles=("Budget and need, whole place (£m)", "Gap: budget less need (£m)"),
    )
    for column, name, colour in (
        ("budget_gbp", "Budget", NHS_BLUE),
        ("need_gbp", "Need", NHS_PINK),
    ):
        fig.add_trace(
            go.Scatter(
                x=years,
                y=[_m(v) for v in place[column]],
                mode="lines+markers",
                name=name,
                line={"color": colour, "width": 3},
                hovertemplate=f"{name} %{{x}}: £%{{y:,.2f}}m<extra></extra>",
            ),
            row=1,
            col=1,
        )
    gaps = [_m(v) for v in place["gap_gbp"]]
    fig.add_trace(
        go.Bar(
            x=years,
            y=gaps,
            name="Gap",
            showlegend=False,
            marker_color=[NHS_RED if (g or 0) < 0 else NHS_GREEN for g in gaps],
            hovertemplate="Gap %{x}: £%{y:+,.2f}m<extra></extra>",
        ),
        row=2,
        col=1,
    )
    _subplots_layout(fig, "Budget against need, projected", 560)
    fig.update_xaxes(type="category")
    fig.update_yaxes(tickprefix="£", ticksuffix="m")
    fig.update_yaxes(zeroline=True, zerolinecolor=NHS_GREY, row=2, col=1)
    return fig


def projection_tables(frame: pd.DataFrame, fmt: Formatter, place: Place) -> list[Table]:
    whole = frame[frame["locality_code"] == WHOLE_PLACE]
    p = place.finance.projection
    growth = p.population_growth_pct
    rates = sorted(set(growth.values()))
    if not rates:
        people = "population growth by age band: none set (0% a year)"
    elif len(rates) == 1:
        people = f"population {rates[0].normalize():f}% a year in every age band"
    else:
        people = (
            f"population {rates[0].normalize():f}% to {rates[-1].normalize():f}% a year by age band"
        )
    notes = [
        "Gap = budget less need: − where the need of the population outgrows the money.",
        f"Assumptions (the place file): budget {p.budget_growth_pct.normalize():f}% a year, "
        f"cost per head {p.cost_growth_pct.normalize():f}% a year, {people}.",
    ]
    tables = [
        Table(
            "Budget and need, whole place, by year",
            ["Year", "Budget", "Need", "Gap", "Gap % of need", "People", "Population growth"],
            [False] + [True] * 6,
            [
                [
                    r.fy_label,
                    fmt.money(r.budget_gbp),
                    fmt.money(r.need_gbp),
                    fmt.signed_money(r.gap_gbp),
                    signed_percent(fmt, r.gap_pct),
                    fmt.count(_people(r.population)),
                    signed_percent(
                        fmt,
                        None
                        if _missing(r.population_growth_pct)
                        else r.population_growth_pct / 100,
                        of=[_people(r.population)],
                    ),
                ]
                for r in whole.itertuples()
            ],
            notes=notes,
        )
    ]
    loc = frame[frame["locality_code"] != WHOLE_PLACE]
    if len(loc):
        years = sorted(loc["fy"].unique())
        gap = loc.pivot_table(
            index="name", columns="fy", values="gap_gbp", aggfunc="first", sort=False
        )
        tables.append(
            Table(
                "Gap (budget less need) by locality and year",
                ["Locality", *(fy_label(int(y)) for y in years)],
                [False] + [True] * len(years),
                [
                    [name, *(fmt.signed_money(row.get(y)) for y in years)]
                    for name, row in gap.iterrows()
                ],
                notes=[
                    "A locality's budget is the place's, split by its share of the fair-share targets."
                ],
            )
        )
    return tables


def projection_lead(frame: pd.DataFrame, fmt: Formatter) -> str:
    whole = frame[frame["locality_code"] == WHOLE_PLACE]
    if not len(whole):
        return (
            "No projection: it starts from the latest year with a pooled budget, and the place "
            "file has none for the run's years (or the run did not compute it)."
        )
    last = whole.iloc[-1]
    first = whole.iloc[0]
    return (
        f"By {last['fy_label']} the need of the place's population "
        f"({fmt.count(_people(last['population']))} people, "
        f"{signed_percent(fmt, last['population_growth_pct'] / 100, of=[_people(last['population'])])} "
        f"on {first['fy_label']}) is "
        f"projected at {fmt.money(last['need_gbp'])} against a budget of "
        f"{fmt.money(last['budget_gbp'])}: a gap of {fmt.signed_money(last['gap_gbp'])} "
        f"({signed_percent(fmt, last['gap_pct'])} of need)."
    )


def projection_part(data: Money, place: Place, fmt: Formatter) -> Part:
    title = "Money and need to " + str(place.finance.projection.to_year)
    frame = projection_frame(data, place)
    lead = projection_lead(frame, fmt)
    if not (frame["locality_code"] == WHOLE_PLACE).any():
        return _empty_part("projection", title, lead)
    return Part(
        "projection", title, lead, projection_figure(frame), projection_tables(frame, fmt, place)
    )


# -- 7. settlement ---------------------------------------------------------------------------
def settlement_frame(data: Money, place: Place) -> pd.DataFrame:
    """The settlement lines, parties in statement order: partners (as the agreement lists
    them), the reserve, the commissioner, then the system statement."""
    df = data.settlement.copy()
    orgs = {o.code: o.name for o in place.organisations}
    df["name"] = [
        "Risk reserve" if kind == "reserve" else orgs.get(party, name or party)
        for party, kind, name in zip(df["party"], df["party_kind"], df["party_name"], strict=True)
    ]
    agreement = place.risk_share
    listed = [p.organisation for p in agreement.parties] if agreement is not None else []
    kind_rank = {"partner": 0, "reserve": 1, "commissioner": 2, "system": 3}
    df["_k"] = df["party_kind"].map(lambda k: kind_rank.get(k, 4))
    df["_p"] = df["party"].map(lambda p: listed.index(p) if p in listed else len(listed))
    df = df.sort_values(["_k", "_p", "party", "step"]).drop(columns=["_k", "_p"])
    return df.reset_index(drop=True)


def party_amounts(frame: pd.DataFrame) -> pd.DataFrame:
    """Each party's final gain (+) or loss (−): the sum of its non-memo lines, exactly."""
    parties = frame[frame["party_kind"] != "system"]
    rows = [
        {
            "party": party,
            "name": part["name"].iloc[0],
            "kind": part["party_kind"].iloc[0],
            "amount_gbp": sum(
                (
                    _dec(a)
                    for a, memo in zip(part["amount_gbp"], part["memo"], strict=True)
                    if not memo
                ),
                Decimal("0.00"),
            ),
        }
        for party, part in parties.groupby("party", sort=False)
    ]
    return pd.DataFrame(rows, columns=["party", "name", "kind", "amount_gbp"])


def step_labels(rules: list[str]) -> list[str]:
    """Each line's rule in words ('R4 shared band'); a rule met again is numbered, so every
    bar of a party's waterfall has its own place on the axis."""
    seen: dict[str, int] = {}
    out = []
    for rule in rules:
        label = f"{rule} {RULES[rule]}" if rule in RULES else (rule or "Other")
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def _party_title(name: str, kind: str, amount: str) -> str:
    """A party's panel title: its name wrapped to fit half the page, then role and amount."""
    lines = textwrap.wrap(name, 48) if name != kind else []
    return "<br>".join([*lines, f"{kind}: {amount}"])


def settlement_figure(frame: pd.DataFrame, fmt: Formatter) -> go.Figure:
    """One waterfall per party: its non-memo lines in order, then its final gain or loss."""
    finals = party_amounts(frame)
    n = len(finals)
    cols = 2 if n > 1 else 1
    rows = math.ceil(n / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        vertical_spacing=min(0.45 / rows, 0.16),
        horizontal_spacing=0.1,
        subplot_titles=[
            _party_title(r.name, KIND_NAMES.get(r.kind, r.kind), fmt.signed_money(r.amount_gbp))
            for r in finals.itertuples()
        ],
    )
    for i, r in enumerate(finals.itertuples()):
        lines = frame[(frame["party"] == r.party) & ~frame["memo"].astype(bool)]
        x = step_labels(list(lines["rule"]))
        amounts = list(lines["amount_gbp"])
        fig.add_trace(
            go.Waterfall(
                x=[*x, "Final"],
                y=[float(a) for a in amounts] + [float(r.amount_gbp)],
                measure=["relative"] * len(amounts) + ["total"],
                name=r.name,
                showlegend=False,
                text=[fmt.signed_money(a) for a in amounts] + [fmt.signed_money(r.amount_gbp)],
                textposition="auto",
                hovertext=list(lines["description"]) + [f"Final gain (+) or loss (−) of {r.name}"],
                hoverinfo="text+x",
                increasing={"marker": {"color": NHS_GREEN}},
                decreasing={"marker": {"color": NHS_RED}},
                totals={"marker": {"color": NHS_BLUE}},
                connector={"line": {"color": NHS_GREY, "width": 1}},
            ),
            row=i // cols + 1,
            col=i % cols + 1,
        )
    _subplots_layout(
        fig,
        "Settlement by party: each rule's gain (+) or loss (−), then the final",
        130 + 340 * rows,
    )
    fig.update_yaxes(tickprefix="£", tickformat=",", zeroline=True, zerolinecolor=NHS_GREY)
    fig.update_xaxes(type="category", tickangle=0, tickfont={"size": 11})
    return fig


def settlement_tables(frame: pd.DataFrame, fmt: Formatter, fy: int) -> list[Table]:
    finals = party_amounts(frame)
    total = sum(finals["amount_gbp"], Decimal("0.00"))
    tables = [
        Table(
            f"Settlement by party, {fy_label(fy)}",
            ["Party", "Role", "Gain (+) / loss (−)"],
            [False, False, True],
            [
                [r.name, KIND_NAMES.get(r.kind, r.kind), fmt.signed_money(r.amount_gbp)]
                for r in finals.itertuples()
            ],
            ["Total variance", "", fmt.signed_money(total)],
            [
                "A party's final amount is the sum of its statement's lines, memo lines "
                "excepted; all the parties' amounts add up to the total variance (allocated "
                "budgets less actual spend in the covered settings)."
            ],
        )
    ]
    system = frame[frame["party_kind"] == "system"]
    if len(system):
        tables.append(
            Table(
                f"System statement, {fy_label(fy)}",
                ["Item", "Rule", "Amount"],
                [False, False, True],
                [[r.description, r.rule, fmt.money(r.amount_gbp)] for r in system.itertuples()],
            )
        )
    for r in finals.itertuples():
        lines = frame[frame["party"] == r.party]
        tables.append(
            Table(
                f"{r.name}: settlement statement, {fy_label(fy)}",
                ["Rule", "Line", "Amount"],
                [False, False, True],
                [
                    [
                        x.rule,
                        x.description + (" (memo: outside the variance)" if x.memo else ""),
                        fmt.signed_money(x.amount_gbp),
                    ]
                    for x in lines.itertuples()
                ],
                ["Final gain (+) / loss (−)", "", fmt.signed_money(r.amount_gbp)],
            )
        )
    return tables


def settlement_lead(
    frame: pd.DataFrame, fmt: Formatter, fy: int, report_fy: int, complete: bool
) -> str:
    finals = party_amounts(frame)
    by_kind = {
        k: sum(finals.loc[finals["kind"] == k, "amount_gbp"], Decimal("0.00"))
        for k in ("partner", "commissioner", "reserve")
    }
    total = sum(by_kind.values(), Decimal("0.00"))
    agreement = frame["agreement"].iloc[0]
    text = (
        f"The {agreement} settles {fy_label(fy)}'s total variance of {fmt.signed_money(total)}: "
        f"{fmt.signed_money(by_kind['partner'])} to the partners, "
        f"{fmt.signed_money(by_kind['commissioner'])} to the commissioner and "
        f"{fmt.signed_money(by_kind['reserve'])} to the risk reserve."
    )
    if fy != report_fy:
        text += f" {fy_label(report_fy)} is not settled; {fy_label(fy)} is the latest year that is."
    elif not complete:
        text += (
            f" {fy_label(fy)} is not complete: this settles the spend recorded so far against "
            "the full year's budgets, not the year-end outturn."
        )
    return text


def settlement_part(data: Money, place: Place, fmt: Formatter, complete: bool) -> Part:
    title = "Risk-share settlement"
    frame = settlement_frame(data, place)
    if not len(frame):
        return _empty_part(
            "settlement",
            title,
            "No risk-share settlement: the place file has no risk-share agreement for the "
            "run's years.",
        )
    fy = int(frame["fy"].iloc[0])
    lead = settlement_lead(frame, fmt, fy, data.fy, complete or fy != data.fy)
    return Part(
        "settlement", title, lead, settlement_figure(frame, fmt), settlement_tables(frame, fmt, fy)
    )


# -- all of them -----------------------------------------------------------------------------
def money_parts(data: Money, place: Place, fmt: Formatter) -> list[Part]:
    _, complete = period(data)
    return [
        budget_part(data, place, fmt),
        fair_shares_part(data, place, fmt),
        monthly_part(data, place, fmt),
        concentration_part(data, place, fmt),
        projection_part(data, place, fmt),
        settlement_part(data, place, fmt, complete),
    ]


__all__ = [
    "MONEY_TABLES",
    "Money",
    "Part",
    "money_parts",
    "read_money",
]
