"""Emergency admissions: falls, admissions at the end of life, readmissions and the rest.

The outcome indicators count particular emergency admissions that admissions drawn at random
through the year would almost never make: a death during an admission, a second admission
within 30 days of a discharge, an older person's injury from a fall. They are drawn as such:

* **End of life** (:func:`terminal`): a share of the people who die in a year die in
  hospital, in an emergency admission that ends on the day of death (``DEATH_IN_HOSPITAL``,
  by age band, lower for care-home residents).
* **Falls** (:func:`falls`): people 65 and over, at ``FALLS_RATE`` by band, raised by frailty,
  dementia and stroke; the diagnoses are an injury and W19X.
* **Readmissions** (:func:`readmissions`): each discharge alive from an emergency or ordinary
  elective admission is followed 0-29 days later by another emergency admission with
  probability ``READMISSION`` by band (less after an elective), higher for the people
  admitted most often; a readmission can be readmitted in turn.
* **The rest** (background): drawn as before, at the band's METHODS 5.4 rate less the
  expected number of the others, so the rates by age and the money stay where they were.

No admission of a person starts after, or runs into, their admission at the end of life. See
``params`` for the sources of the rates.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from . import activity as A
from . import params as P
from .conditions import Conditions, excess_multiplier

BACKGROUND, FALL, TERMINAL, READMISSION = range(4)


@dataclass
class Spells:
    """Emergency admissions as arrays, one entry a spell."""

    person: np.ndarray  # person index
    start: np.ndarray  # day
    end: np.ndarray  # day
    los: np.ndarray  # length of stay the cost is based on
    short: np.ndarray  # bool: a 0-1 day stay
    band: np.ndarray  # age band in the year drawn
    kind: np.ndarray  # BACKGROUND, FALL, TERMINAL or READMISSION

    def __len__(self) -> int:
        return len(self.person)

    def take(self, sel: np.ndarray) -> Spells:
        return Spells(*(getattr(self, f.name)[sel] for f in fields(self)))

    @staticmethod
    def concat(parts: list[Spells]) -> Spells:
        return Spells(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Spells))
        )


def _stays(person, start, band, until, kind: int, rng) -> Spells:
    """Spells starting on ``start``, their stays drawn, each ending by ``until`` of its person."""
    los, short = A.nel_stay(band, rng)
    end = np.minimum(start + los, until[person]).astype(np.int32)
    return Spells(
        person, start.astype(np.int32), end, los, short, band, np.full(len(person), kind, np.int8)
    )


def terminal(pe, care, fy_starts: list[int], end: int, rng) -> Spells:
    """Admissions ending in death, for the deaths of every year of the period."""
    bounds = [*fy_starts, end + 1]
    dead = np.flatnonzero(pe.death >= 0)
    k = np.searchsorted(np.asarray(bounds), pe.death[dead], side="right") - 1
    band = A.band7(pe.age[dead] + k)
    w = np.asarray(P.DEATH_IN_HOSPITAL_AGE)[band]
    w = w * np.where(care.resident_on(dead, pe.death[dead]), P.DEATH_IN_HOSPITAL_RESIDENT, 1.0)
    # Normalised within each year, so that each year's deaths meet the share.
    mean = np.bincount(k, weights=w, minlength=len(fy_starts)) / np.maximum(
        np.bincount(k, minlength=len(fy_starts)), 1
    )
    p = np.minimum(P.DEATH_IN_HOSPITAL * w / np.where(mean > 0, mean, 1.0)[k], 0.95)
    hit = rng.random(len(dead)) < p
    who, band = dead[hit], band[hit]
    los, short = A.nel_stay(band, rng)
    death = pe.death[who]
    start = np.maximum(death - los, pe.entry[who]).astype(np.int32)
    return Spells(
        who, start, death, death - start, short, band, np.full(len(who), TERMINAL, np.int8)
    )


def admission_limit(pe, final: Spells) -> np.ndarray:
    """The last day each person's other admissions may run to: the day before their admission
    at the end of life, else their exit (death or the period's end)."""
    until = pe.exit.copy()
    until[final.person] = final.start - 1
    return until


def background_rates(ex: A.Exposure, final: Spells, lo_fy: int, hi_fy: int) -> np.ndarray:
    """The band rates of the other emergency admissions: METHODS 5.4's rate less the year's
    admissions at the end of life, its falls and the readmissions expected (a readmission
    chain multiplies index admissions by 1 / (1 - rho), electives add rho_e each)."""
    rate = np.asarray(P.SETTINGS["acute_non_elective"]["rate"])
    elective = np.asarray(P.SETTINGS["acute_elective"]["rate"])
    rho = np.asarray(P.READMISSION)
    years = np.bincount(ex.band, weights=ex.years, minlength=7)
    in_year = (final.end >= lo_fy) & (final.end <= hi_fy)
    dying = np.bincount(final.band[in_year], minlength=7) / np.maximum(years, 1e-9)
    index = (1 - rho) * (rate - dying) - elective * rho * P.READMISSION_ELECTIVE
    return np.maximum(index - np.asarray(P.FALLS_RATE), 0.0)


def falls(ex: A.Exposure, cond: Conditions, frailty: np.ndarray, rng):
    """Falls admissions of people 65 and over: (person, day) per admission."""
    m = excess_multiplier(cond, P.FALLS_EXCESS) * frailty**P.FALLS_DISPERSION
    return ex.draw(ex.rates(P.FALLS_RATE, m), rng)


def _gap_days(m: int, rng) -> np.ndarray:
    """Days from discharge to readmission, 0-29: an exponential truncated at 30 days."""
    mu = P.READMISSION_GAP_DAYS
    u = rng.random(m)
    return np.floor(-mu * np.log1p(-u * (1 - np.exp(-30 / mu)))).astype(np.int32)


def readmissions(
    index: Spells,
    elective_person: np.ndarray,
    elective_end: np.ndarray,
    weight: np.ndarray,
    band_of: np.ndarray,
    until: np.ndarray,
    rng,
) -> Spells:
    """Emergency readmissions after the ``index`` spells and the ordinary electives (person,
    discharge day), and after the readmissions themselves."""
    rho = np.asarray(P.READMISSION)
    num = np.bincount(index.band, weights=weight[index.person], minlength=7)
    den = np.bincount(index.band, minlength=7)
    mean = np.where(num > 0, num / np.maximum(den, 1), 1.0)
    person = np.concatenate([index.person, elective_person])
    end = np.concatenate([index.end, elective_end]).astype(np.int32)
    factor = np.concatenate(
        [np.ones(len(index)), np.full(len(elective_person), P.READMISSION_ELECTIVE)]
    )
    out = []
    for _ in range(P.READMISSION_MAX_CHAIN):
        band = band_of[person]
        p = np.minimum(rho[band] * weight[person] / mean[band], P.READMISSION_MAX) * factor
        start = end + _gap_days(len(person), rng)
        hit = (end < until[person]) & (rng.random(len(person)) < p) & (start <= until[person])
        again = _stays(person[hit], start[hit], band[hit], until, READMISSION, rng)
        if not len(again):
            break
        out.append(again)
        person, end, factor = again.person, again.end, np.ones(len(again))
    return Spells.concat(out) if out else index.take(np.zeros(len(index), bool))


def emergency_spells(
    ex: A.Exposure,
    cond: Conditions,
    frailty: np.ndarray,
    multiplier: np.ndarray,
    final: Spells,
    until: np.ndarray,
    elective_person: np.ndarray,
    elective_end: np.ndarray,
    lo_fy: int,
    hi_fy: int,
    rng,
) -> Spells:
    """The year's emergency admissions: the rest, falls, readmissions after them and after
    the year's ``elective`` discharges, and the admissions ending in death this year."""
    idx, start = ex.draw(ex.rates(background_rates(ex, final, lo_fy, hi_fy), multiplier), rng)
    f_idx, f_start = falls(ex, cond, frailty, rng)
    parts = []
    for who, when, kind in ((idx, start, BACKGROUND), (f_idx, f_start, FALL)):
        keep = when <= until[who]
        parts.append(_stays(who[keep], when[keep], ex.band[who[keep]], until, kind, rng))
    first = Spells.concat(parts)
    weight = multiplier**P.READMISSION_DISPERSION
    again = readmissions(first, elective_person, elective_end, weight, ex.band, until, rng)
    dying = final.take((final.end >= lo_fy) & (final.end <= hi_fy))
    return Spells.concat([first, again, dying])
