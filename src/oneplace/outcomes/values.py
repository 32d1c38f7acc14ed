"""Indicator values with confidence limits, for every unit the partnership compares, and
each unit's standing against the whole place.

Built in Python (:mod:`oneplace.stats`) from the run's ``indicator_cells``, the small table
of counts by unit, so that the statistics are exactly the published methods:

* **Units** (``level``): the place ('ALL'), each locality, network and practice, IMD
  quintile (1 = most deprived), sex and ESP 2013 age band.
* **Statistics**: as the definition says (:mod:`.library`). ``dsr`` is standardised over the
  ESP 2013 bands the indicator's ages cover; a band where a unit has no people and no events
  counts as a rate of 0 (a small practice with no one aged 90+), and the DSR is blank under
  10 events. At the ``age_band`` level a DSR is the band's crude rate (method says so).
  ``isr_rate``/``isr_ratio`` take the reference rates by age band and sex from the place in
  the reference year (``outcomes.reference_year``; default the run's first year).
* **Comparison** (``comparison``) with the place in the same year, at the 2 and 3 standard
  deviation funnel limits (:mod:`oneplace.stats.funnels`): rates by their Poisson limits
  against the place's rate, proportions by Wilson against the place's proportion, DSRs as
  PHE does, and indirectly standardised values against the place's own age and sex specific
  rates of that year (expected events, so the place is 1). ``rating`` reads the comparison
  with the indicator's better direction: 'better', 'worse' or 'similar' ('' where there is no
  direction or no comparison). Money (``per_head``, ``share``) has no limits and no
  comparison.

Result contract ``indicator_values``: indicator_id, indicator_name, statistic, fy INT, level,
unit_code, unit_name, people BIGINT, numerator, denominator, expected, value, lower95,
upper95, lower998, upper998 DOUBLE, method, comparison, rating, better.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .. import stats
from ..place.model import Place
from ..schema.tables import SEX
from ..stats.estimate import StatsWarning
from ..stats.funnels import NOT_SIGNIFICANT
from .library import Indicator

WHOLE_PLACE = "ALL"
LEVELS = (
    ("place", None),
    ("locality", "locality_code"),
    ("network", "network_code"),
    ("practice", "practice_code"),
    ("imd_quintile", "imd_quintile"),
    ("sex", "sex"),
    ("age_band", "age_band"),
)
COMPARED = ("locality", "network", "practice", "imd_quintile", "sex", "age_band")
SUMS = ["people", "numerator", "denominator"]
LIMITS = ["lower95", "upper95", "lower998", "upper998"]
SCHEMA = pa.schema(
    [
        ("indicator_id", pa.string()),
        ("indicator_name", pa.string()),
        ("statistic", pa.string()),
        ("fy", pa.int32()),
        ("level", pa.string()),
        ("unit_code", pa.string()),
        ("unit_name", pa.string()),
        ("people", pa.int64()),
        ("numerator", pa.float64()),
        ("denominator", pa.float64()),
        ("expected", pa.float64()),
        ("value", pa.float64()),
        *[(c, pa.float64()) for c in LIMITS],
        ("method", pa.string()),
        ("comparison", pa.string()),
        ("rating", pa.string()),
        ("better", pa.string()),
    ]
)
QUINTILE_NAMES = {1: "1 (most deprived)", 5: "5 (least deprived)"}


def esp_bands(indicator: Indicator) -> list[str]:
    """The ESP 2013 bands the indicator's population covers."""
    lo = indicator.population.min_age or 0
    hi = indicator.population.max_age
    out = []
    for band in stats.ESP2013_BANDS:
        start = int(band.rstrip("+").split("-")[0])
        end = 200 if band.endswith("+") else int(band.split("-")[1])
        if end >= lo and (hi is None or start <= hi):
            out.append(band)
    return out


def unit_names(place: Place) -> dict[str, dict[str, str]]:
    """Display names of the units of each level, by code."""
    return {
        "place": {WHOLE_PLACE: place.name},
        "locality": {x.code: x.name for x in place.localities},
        "network": {x.code: x.name for x in place.networks},
        "practice": {x.code: x.name for x in place.practices},
        "imd_quintile": {str(q): QUINTILE_NAMES.get(q, str(q)) for q in range(1, 6)},
        "sex": dict(SEX.values),
    }


def _units(cells: pd.DataFrame, column: str | None, extra: Iterable[str] = ()) -> pd.DataFrame:
    """Cells summed by fy, unit (as ``unit_code``, text) and ``extra`` columns."""
    if column is None:
        code = WHOLE_PLACE
    elif pd.api.types.is_numeric_dtype(cells[column]):
        # A quintile column with a NULL is float: 1.0 must read "1".
        code = cells[column].astype("Int64").astype("string")
    else:
        code = cells[column].astype("string")
    frame = cells.assign(unit_code=code)
    frame = frame[frame["unit_code"].notna()]
    return frame.groupby(["fy", "unit_code", *extra], as_index=False, dropna=False)[SUMS].sum()


def _estimate_frame(est: stats.Estimate) -> pd.DataFrame:
    return pd.DataFrame({name: values for name, values in est.columns()})


def _place_rates(cells: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    ref = cells.groupby(by, as_index=False)[["numerator", "denominator"]].sum()
    ref["ref_rate"] = np.where(ref.denominator > 0, ref.numerator / ref.denominator, 0.0)
    return ref[[*by, "ref_rate"]]


def _expected(cells: pd.DataFrame, column: str | None, rates: pd.DataFrame, on: list[str]):
    by_band = _units(cells, column, ["age_band", "sex"])
    j = by_band.merge(rates, on=on, how="left")
    j["expected"] = j.denominator * j.ref_rate.fillna(0.0)
    return j.groupby(["fy", "unit_code"], as_index=False)["expected"].sum()


def _dsr(cells: pd.DataFrame, column: str | None, ind: Indicator) -> pd.DataFrame:
    bands = esp_bands(ind)
    weights = [stats.ESP2013[stats.ESP2013_BANDS.index(b)] for b in bands]
    by_band = _units(cells, column, ["age_band"])
    units = by_band[["fy", "unit_code"]].drop_duplicates().reset_index(drop=True)
    grid = units.merge(pd.DataFrame({"age_band": bands}), how="cross")
    grid = grid.merge(by_band, on=["fy", "unit_code", "age_band"], how="left").fillna(
        {"numerator": 0.0, "denominator": 0.0}
    )
    events = grid.numerator.to_numpy().reshape(len(units), len(bands))
    pops = grid.denominator.to_numpy().reshape(len(units), len(bands))
    empty = (pops == 0) & (events == 0)
    pops = np.where(empty, 1.0, pops)
    est = stats.dsr(events, pops, standard=weights, multiplier=ind.multiplier)
    return pd.concat([units, _estimate_frame(est)], axis=1)


def _values_at(
    cells: pd.DataFrame, ind: Indicator, level: str, column: str | None, reference_fy: int
) -> pd.DataFrame:
    units = _units(cells, column)
    n, d = units.numerator.to_numpy(), units.denominator.to_numpy()
    units["expected"] = np.nan
    statistic = ind.statistic
    if statistic == "dsr" and level == "age_band":
        statistic = "rate"
    if statistic == "rate":
        est = _estimate_frame(stats.crude_rate(n, d, ind.multiplier))
    elif statistic == "proportion":
        est = _estimate_frame(stats.proportion(n, d, ind.multiplier))
    elif statistic == "dsr":
        frame = _dsr(cells, column, ind)
        est = units[["fy", "unit_code"]].merge(frame, on=["fy", "unit_code"], how="left")
        est = est.drop(columns=["fy", "unit_code"])
    elif statistic in ("isr_rate", "isr_ratio"):
        ref = cells[cells.fy == reference_fy]
        rates = _place_rates(ref, ["age_band", "sex"])
        expected = _expected(cells, column, rates, ["age_band", "sex"])
        units = units.drop(columns="expected").merge(expected, on=["fy", "unit_code"], how="left")
        e = units.expected.to_numpy()
        if statistic == "isr_rate":
            crude = ref.numerator.sum() / ref.denominator.sum() if ref.denominator.sum() else 0.0
            est = _estimate_frame(stats.isr_rate(n, e, crude, ind.multiplier))
        else:
            est = _estimate_frame(stats.isr_ratio(n, e, ind.multiplier))
    else:  # money: a ratio of sums, without limits
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(d > 0, n / d * ind.multiplier, np.nan)
        est = pd.DataFrame({"value": value, **{c: np.nan for c in LIMITS}})
        est["method"] = np.where(d > 0, "ratio of sums (money: no limits)", "no denominator")
    out = pd.concat([units.reset_index(drop=True), est.reset_index(drop=True)], axis=1)
    if statistic != ind.statistic:
        out["method"] = "crude rate within one age band: " + out["method"].astype(str)
    out["level"] = level
    return out


def _comparison(cells: pd.DataFrame, ind: Indicator, column: str, values: pd.DataFrame):
    """Each unit's funnel label against the place in the same year."""
    labels = pd.Series("", index=values.index, dtype=object)
    if ind.is_money:
        return labels
    for fy, rows in values.groupby("fy"):
        year = cells[cells.fy == fy]
        n, d = rows.numerator.to_numpy(), rows.denominator.to_numpy()
        total_n, total_d = year.numerator.sum(), year.denominator.sum()
        if total_d == 0:
            continue
        statistic = ind.statistic
        if statistic == "rate" or (statistic == "dsr" and column == "age_band"):
            got = stats.rate_funnel_significance(n, d, total_n / total_d)
        elif statistic == "proportion":
            got = stats.proportion_funnel_significance(n, d, total_n / total_d)
        elif statistic == "dsr":
            got = stats.dsr_funnel_significance(n, rows.value.to_numpy(), ind.multiplier)
        else:
            rates = _place_rates(year, ["age_band", "sex"])
            e = _expected(year, column, rates, ["age_band", "sex"])
            e = rows[["fy", "unit_code"]].merge(e, on=["fy", "unit_code"], how="left")
            got = stats.ratio_funnel_significance(n, e.expected.fillna(0.0).to_numpy())
        labels.loc[rows.index] = got
    return labels


def _rating(comparison: str, better: str) -> str:
    if better == "neither" or not comparison.startswith(("High", "Low")):
        return "" if comparison != NOT_SIGNIFICANT else "similar"
    high = comparison.startswith("High")
    return "worse" if high == (better == "lower") else "better"


def indicator_values(
    cells: pd.DataFrame, indicators: Iterable[Indicator], place: Place, reference_fy: int
) -> pd.DataFrame:
    """The ``indicator_values`` rows (see the module docstring) from ``indicator_cells``."""
    names = unit_names(place)
    frames = []
    with warnings.catch_warnings():
        # Blank values say why in their method; the run does not warn for each.
        warnings.simplefilter("ignore", StatsWarning)
        for ind in indicators:
            own = cells[cells.indicator_id == ind.id]
            if own.empty:
                continue
            for level, column in LEVELS:
                values = _values_at(own, ind, level, column, reference_fy)
                if level in COMPARED:
                    values["comparison"] = _comparison(own, ind, column, values)
                else:
                    values["comparison"] = ""
                values["rating"] = [_rating(c, ind.better) for c in values.comparison]
                level_names = names.get(level, {})
                values["unit_name"] = [level_names.get(u, u) for u in values.unit_code]
                values["indicator_id"] = ind.id
                values["indicator_name"] = ind.name
                values["statistic"] = ind.statistic
                values["better"] = ind.better
                frames.append(values)
    if not frames:
        return SCHEMA.empty_table().to_pandas()
    out = pd.concat(frames, ignore_index=True)
    out["method"] = out["method"].astype(str)
    return out[SCHEMA.names]


def indicator_values_table(con: duckdb.DuckDBPyConnection, place: Place) -> pa.Table:
    """The ``indicator_values`` result from the stored ``indicator_cells``."""
    from .framework import indicators_of_place, reference_year

    # In a fixed order: the sums below are of doubles, and a sum's last digit depends on the
    # order it adds in (the engines store rows in different orders).
    cells = (
        con.execute("SELECT * EXCLUDE (run_id) FROM indicator_cells ORDER BY ALL")
        .arrow()
        .read_all()
    )
    frame = cells.to_pandas()
    if frame.empty:
        return SCHEMA.empty_table()
    years = sorted(frame.fy.unique().tolist())
    out = indicator_values(frame, indicators_of_place(place), place, reference_year(place, years))
    return pa.Table.from_pandas(out, schema=SCHEMA, preserve_index=False)
