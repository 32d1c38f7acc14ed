"""Activity in every setting, year by year, costed at NCC 2023/24 and PSSRU 2024 unit costs.

A person's expected count in a setting and year is the age band's base rate x a multiplier
(1 + the excess rates of their conditions) x a deprivation factor x their personal frailty
(gamma distributed, mean 1) raised to the setting's dispersion, normalised to mean 1 within
the band, x their exposure (days registered and alive in the year / 365.25). Counts are
Poisson given the multiplier, so negative binomial overall: a few high-intensity users make up
a large share of A&E attendances (METHODS 3.6). See ``params`` for the rates.

Unit costs (``reference/unit_costs_2023_24.csv``): NCC 2023/24 non-elective long stay £5,132
and short stay £791 per spell, elective £6,214, day case £1,031, consultant-led outpatient
first £232 and follow-up £192, non-consultant-led outpatient £129, outpatient procedure £230,
A&E £273, district nurse £58.11, mental health contact £302, ambulance see and convey £459;
PSSRU 2024 GP consultation £45, nursing home £1,567 and residential home £1,200 a week, home
care £27 an hour. Long-stay spells cost in proportion to their length of stay,
averaging the NCC figure. All work is vectorised over people and events.
"""

from __future__ import annotations

import numpy as np

from .. import reference
from . import params as P
from .conditions import excess_multiplier


def band7(age: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array(P.AGE_EDGES), age, side="right") - 1


def unit_pence(costs) -> dict[str, int]:
    return {r.item: int(round(float(r.cost_gbp) * 100)) for r in costs.itertuples()}


class Exposure:
    """The people's window inside one financial year and their age band in it."""

    def __init__(self, people, k: int, lo_fy: int, hi_fy: int) -> None:
        self.lo = np.maximum(people.entry, lo_fy)
        self.hi = np.minimum(people.exit, hi_fy)
        days = self.hi - self.lo + 1
        self.days = np.maximum(days, 0)
        self.years = self.days / 365.25
        self.band = band7(people.age + k)
        self.age = people.age + k

    def rates(self, base, multiplier: np.ndarray) -> np.ndarray:
        """Expected events per person: band rate x multiplier normalised in band x exposure."""
        w = self.years
        num = np.bincount(self.band, weights=multiplier * w, minlength=7)
        den = np.bincount(self.band, weights=w, minlength=7)
        mean = np.where(den > 0, num / np.maximum(den, 1e-12), 1.0)
        mean = np.where(mean > 0, mean, 1.0)
        return np.asarray(base)[self.band] * multiplier / mean[self.band] * w

    def draw(self, lam: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
        """Poisson counts, expanded: (person index, day) per event, uniform in the window."""
        counts = rng.poisson(lam)
        idx = np.repeat(np.arange(len(lam)), counts)
        day = self.lo[idx] + (rng.random(len(idx)) * self.days[idx]).astype(np.int32)
        return idx, day.astype(np.int32)


def outpatient_rates() -> np.ndarray:
    """Outpatient attendances per person-year by age band: the age shape of ``params``, scaled
    so that England's population (ONS mid-2020, the latest in ``reference``) would attend as
    often as the NCC 2023/24 national volume (consultant-led, non-consultant-led and
    procedures: 90 million attendances). Mid-2023 England is about 2% larger, so this runs
    about 2% high."""
    shape = np.asarray(P.SETTINGS["outpatient"]["rate"], dtype=float)
    eng = reference.read("england_population_2020")
    pop = eng.persons_2020.to_numpy(dtype=float)
    per_head_at_shape = (shape[band7(eng.age.to_numpy())] * pop).sum() / pop.sum()
    ncc = reference.read("ncc_2023_24_hospital_activity")
    national = ncc.loc[ncc.setting == "outpatient", "total_activity"].sum()
    return shape * (national / pop.sum()) / per_head_at_shape


def outpatient_mix() -> dict[str, float]:
    """Activity type -> share of outpatient attendances in NCC 2023/24."""
    ncc = reference.read("ncc_2023_24_hospital_activity")
    op = ncc[ncc.setting == "outpatient"]
    return dict(zip(op.activity_type, op.total_activity / op.total_activity.sum(), strict=True))


def setting_multiplier(setting: str, cond, decile: np.ndarray, frailty: np.ndarray) -> np.ndarray:
    spec = P.SETTINGS[setting]
    dep = spec["dep_ratio"] ** ((10 - np.arange(1, 11)) / 9)
    return excess_multiplier(cond, spec["excess"]) * dep[decile - 1] * frailty ** spec["dispersion"]


def choose(options, n: int, rng) -> np.ndarray:
    """Index into ``options`` ((value, weight), ...) for n draws."""
    w = np.cumsum([o[1] for o in options])
    return np.minimum(np.searchsorted(w, rng.random(n) * w[-1], side="right"), len(w) - 1)


def nel_stay(band: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """Length of stay (days) and whether the spell is short stay (0-1 days)."""
    m = len(band)
    short = rng.random(m) < np.asarray(P.NEL_SHORT_STAY)[band]
    mean_long = np.asarray(P.NEL_LONG_LOS)[band]
    long_los = 2 + np.floor(rng.gamma(1.3, (mean_long - 1.5) / 1.3, m)).astype(np.int32)
    los = np.where(short, (rng.random(m) < 0.5).astype(np.int32), long_los)
    return los.astype(np.int32), short


def nel_cost(los: np.ndarray, short: np.ndarray, band: np.ndarray, cost: dict) -> np.ndarray:
    mean_long = 2 + (np.asarray(P.NEL_LONG_LOS)[band] - 1.5) - 0.5  # expected long stay
    long_cost = cost["nel_long_stay"] * los / mean_long
    return np.where(short, cost["nel_short_stay"], np.round(long_cost)).astype(np.int64)


def packages(
    people, cond, share, excess, eligible: np.ndarray, start: int, rng
) -> tuple[np.ndarray, np.ndarray]:
    """People with a care package in the period and the day each starts."""
    band = band7(people.age)
    m = excess_multiplier(cond, excess)
    num = np.bincount(band, weights=m, minlength=7)
    den = np.bincount(band, minlength=7)
    mean = num / np.maximum(den, 1)
    mean = np.where(mean > 0, mean, 1.0)
    p = np.minimum(np.asarray(share)[band] * m / mean[band], 0.9)
    who = np.flatnonzero(eligible & (rng.random(people.n) < p))
    prior = rng.random(len(who)) < P.PRIOR_PACKAGE
    span = np.maximum(people.exit[who] - people.entry[who], 0)
    begin = people.entry[who] + (rng.random(len(who)) * span).astype(np.int32)
    begin = np.where(prior & (people.entry[who] == start), start, begin)
    return who, begin.astype(np.int32)


def monthly_rows(who, begin, end, month_starts: np.ndarray):
    """Split packages [begin, end] into calendar-month rows: (person, row start, row end)."""
    first = np.searchsorted(month_starts, begin, side="right") - 1
    last = np.searchsorted(month_starts, end, side="right") - 1
    n = np.maximum(last - first + 1, 0)
    row_pkg = np.repeat(np.arange(len(who)), n)
    offset = np.arange(len(row_pkg)) - np.repeat(np.cumsum(n) - n, n)
    month = first[row_pkg] + offset
    lo = np.maximum(month_starts[month], begin[row_pkg])
    hi = np.minimum(month_starts[month + 1] - 1, end[row_pkg])
    return row_pkg, lo.astype(np.int32), hi.astype(np.int32)
