"""Fair comparison over time and across deprivation: XmR charts of each indicator by month,
and the gap between the most and least deprived fifths of the population.

* **SPC** (``indicator_spc``): for each indicator with a monthly series, the place ('ALL') and
  each locality, the monthly value is the month's events over the unit's denominator, times
  the multiplier: for a population the year's registered population of the unit (so 12
  monthly values add up to the crude annual rate), otherwise the month's own denominator
  events (discharges, deaths). The XmR chart (:func:`oneplace.stats.xmr`, NHS England
  "Making Data Count") runs over all the months of the run: mean, natural process limits at
  mean +/- 2.66 x mean moving range, and special-cause variation by its rules. ``variation``
  reads it with the better direction: 'improvement', 'concern', 'common cause' or
  'special cause' (no direction).
* **Inequality** (``inequality_gaps``): the value of the most deprived IMD quintile (1) minus
  that of the least deprived (5) (``absolute_gap``) and their ratio (``relative_gap``), from
  ``indicator_values``; ``significant`` when their 95% confidence intervals do not overlap (a
  conservative test).

Result contracts:

* ``indicator_spc``: indicator_id, locality_code, month DATE, fy INT, numerator, denominator,
  value, mean, lower_limit, upper_limit DOUBLE, special_cause ('high' | 'low' | ''), rules,
  variation.
* ``inequality_gaps``: indicator_id, indicator_name, fy INT, most_deprived, least_deprived,
  absolute_gap, relative_gap DOUBLE, significant BOOLEAN, better.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .. import stats
from ..place.model import Place
from .framework import indicators_of_place
from .library import Indicator

WHOLE_PLACE = "ALL"
SPC = pa.schema(
    [
        ("indicator_id", pa.string()),
        ("locality_code", pa.string()),
        ("month", pa.date32()),
        ("fy", pa.int32()),
        ("numerator", pa.float64()),
        ("denominator", pa.float64()),
        ("value", pa.float64()),
        ("mean", pa.float64()),
        ("lower_limit", pa.float64()),
        ("upper_limit", pa.float64()),
        ("special_cause", pa.string()),
        ("rules", pa.string()),
        ("variation", pa.string()),
    ]
)
GAPS = pa.schema(
    [
        ("indicator_id", pa.string()),
        ("indicator_name", pa.string()),
        ("fy", pa.int32()),
        ("most_deprived", pa.float64()),
        ("least_deprived", pa.float64()),
        ("absolute_gap", pa.float64()),
        ("relative_gap", pa.float64()),
        ("significant", pa.bool_()),
        ("better", pa.string()),
    ]
)


def variation(special: str, better: str) -> str:
    """A special cause read with the indicator's better direction."""
    if not special:
        return "common cause"
    if better == "neither":
        return "special cause"
    return "improvement" if (special == "high") == (better == "higher") else "concern"


def _series(monthly: pd.DataFrame, population: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """The monthly values of one indicator for the place and each locality."""
    place = monthly.groupby(["fy", "month"], as_index=False)[["numerator", "denominator"]].sum()
    both = pd.concat([monthly, place.assign(locality_code=WHOLE_PLACE)], ignore_index=True)
    if ind.denominator == "population":
        both = both.drop(columns="denominator").merge(
            population, on=["fy", "locality_code"], how="left"
        )
    den = both.denominator.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        both["value"] = np.where(den > 0, both.numerator / den * ind.multiplier, np.nan)
    return both.sort_values(["locality_code", "month"]).reset_index(drop=True)


def spc_rows(monthly: pd.DataFrame, population: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """``indicator_spc`` rows of one indicator."""
    series = _series(monthly, population, ind)
    out = []
    for _, unit in series.groupby("locality_code", sort=True):
        unit = unit.dropna(subset=["value"]).copy()
        if len(unit) < 2:
            continue
        chart = stats.xmr(unit.value.to_numpy())
        unit["mean"] = chart.mean
        unit["lower_limit"] = chart.lower_limit
        unit["upper_limit"] = chart.upper_limit
        unit["special_cause"] = np.where(chart.high, "high", np.where(chart.low, "low", ""))
        unit["rules"] = chart.rules
        unit["variation"] = [variation(s, ind.better) for s in unit.special_cause]
        out.append(unit)
    if not out:
        return SPC.empty_table().to_pandas()
    frame = pd.concat(out, ignore_index=True).assign(indicator_id=ind.id)
    return frame[SPC.names]


def indicator_spc_table(con: duckdb.DuckDBPyConnection, place: Place) -> pa.Table:
    """The ``indicator_spc`` result, from ``indicator_monthly`` and ``indicator_cells``."""
    # In a fixed order, so that sums of doubles are the same whichever engine stored them.
    monthly = con.execute("SELECT * EXCLUDE (run_id) FROM indicator_monthly ORDER BY ALL").df()
    population = con.execute(
        "SELECT indicator_id, fy, locality_code, sum(denominator) AS denominator FROM "
        "(SELECT * FROM indicator_cells ORDER BY ALL) GROUP BY ALL ORDER BY ALL"
    ).df()
    whole = population.groupby(["indicator_id", "fy"], as_index=False)["denominator"].sum()
    population = pd.concat([population, whole.assign(locality_code=WHOLE_PLACE)])
    frames = []
    for ind in indicators_of_place(place):
        own = monthly[monthly.indicator_id == ind.id].drop(columns="indicator_id")
        if own.empty or not ind.has_monthly_series:
            continue
        pop = population[population.indicator_id == ind.id].drop(columns="indicator_id")
        frames.append(spc_rows(own, pop, ind))
    if not frames:
        return SPC.empty_table()
    return pa.Table.from_pandas(pd.concat(frames, ignore_index=True), SPC, preserve_index=False)


def gap_rows(values: pd.DataFrame) -> pd.DataFrame:
    """``inequality_gaps`` rows from the ``indicator_values`` of level imd_quintile."""
    q = values[values.level == "imd_quintile"]
    most, least = q[q.unit_code == "1"], q[q.unit_code == "5"]
    j = most.merge(least, on=["indicator_id", "fy"], suffixes=("_1", "_5"), how="inner")
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(j.value_5 > 0, j.value_1 / j.value_5, np.nan)
    apart = (j.lower95_1 > j.upper95_5) | (j.upper95_1 < j.lower95_5)
    return pd.DataFrame(
        {
            "indicator_id": j.indicator_id,
            "indicator_name": j.indicator_name_1,
            "fy": j.fy,
            "most_deprived": j.value_1,
            "least_deprived": j.value_5,
            "absolute_gap": j.value_1 - j.value_5,
            "relative_gap": relative,
            "significant": apart.fillna(False).astype(bool),
            "better": j.better_1,
        }
    )


def inequality_gaps_table(con: duckdb.DuckDBPyConnection, place: Place) -> pa.Table:
    """The ``inequality_gaps`` result, from ``indicator_values``."""
    values = con.execute(
        "SELECT * EXCLUDE (run_id) FROM indicator_values WHERE level = 'imd_quintile' ORDER BY ALL"
    ).df()
    if values.empty:
        return GAPS.empty_table()
    return pa.Table.from_pandas(gap_rows(values), GAPS, preserve_index=False)
