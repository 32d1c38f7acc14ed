"""The outcomes results of a run as the report reads them, and what a public page may show.

Read from the latest run's outcomes tables (contracts in :mod:`oneplace.outcomes.values`,
:mod:`~oneplace.outcomes.comparison` and :mod:`~oneplace.outcomes.framework`); the indicator
definitions (name, statistic, multiplier, better direction) from the place's library
(:func:`oneplace.outcomes.framework.indicators_of_place`). A table the workspace does not
hold reads as no rows.

On a public page every numerator and denominator that counts people or events goes through
disclosure control, and so does the ``people`` of each unit (:func:`published`); money
numerators and denominators are missing from the counts, so they withhold nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from ...outcomes.framework import indicators_of_place
from ...outcomes.library import Indicator
from ...place import Place
from ..formatting import Formatter
from ..sections import _locality_order, locality_names

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
