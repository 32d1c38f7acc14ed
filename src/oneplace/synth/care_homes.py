"""Care-home placements: the residents on the first day and the new placements of each year.

A placement is council-funded and permanent: it begins on a day and lasts until the person's
death or the end of the period, one placement a person (a move between residential and nursing
care is not a new placement, as ASCOF 2A counts). The placements are drawn year by year with
the deaths (:func:`oneplace.synth.population.assign_deaths`), because residents die at
``CARE_HOME_MORTALITY`` times the rate of people of their age and conditions at home: so the
number of residents holds roughly steady while new placements arrive at the ASCOF 2A(2) rate
(see ``params``). The rows (a first month, then a row for every following month) are written by
``generate``; the outcomes engine counts a placement's first row as the admission.
"""

from __future__ import annotations

import numpy as np

from . import params as P
from .activity import band7
from .conditions import Conditions, excess_multiplier

NEVER = np.iinfo(np.int32).max


def _band_probability(band: np.ndarray, weight: np.ndarray, rates) -> np.ndarray:
    """The band's rate x each person's weight normalised to mean 1 over the band."""
    num = np.bincount(band, weights=weight, minlength=7)
    den = np.bincount(band, minlength=7)
    mean = np.where(num > 0, num / np.maximum(den, 1), 1.0)
    return np.asarray(rates)[band] * weight / mean[band]


class CareHomes:
    """Who is placed in a care home and from which day (``begin``; NEVER for nobody)."""

    def __init__(self, people, cond: Conditions, start: int, rng: np.random.Generator) -> None:
        self.people = people
        self.adult = people.age >= 18
        self.weight = excess_multiplier(cond, P.CARE_HOME_EXCESS)
        p = _band_probability(band7(people.age), self.weight, P.CARE_HOME_RESIDENT)
        resident = self.adult & (people.entry == start) & (rng.random(people.n) < p)
        self.begin = np.where(resident, start, NEVER).astype(np.int32)

    def admit(
        self, k: int, lo_fy: int, hi_fy: int, alive: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """New placements in financial year ``k`` (days ``lo_fy``-``hi_fy``) of people alive at
        its start; returns each person's share of the year spent in a care home."""
        pe = self.people
        lo = np.maximum(pe.entry, lo_fy)
        days = np.maximum(hi_fy - lo + 1, 0)
        p = _band_probability(band7(pe.age + k), self.weight, P.CARE_HOME_ADMISSION)
        free = alive & self.adult & (self.begin == NEVER) & (days > 0)
        new = free & (rng.random(pe.n) < p * days / 365.25)
        when = lo + (rng.random(pe.n) * days).astype(np.int32)
        self.begin = np.where(new, when, self.begin).astype(np.int32)
        inside = np.maximum(self.begin, lo_fy)
        share = (hi_fy - inside + 1) / (hi_fy - lo_fy + 1)
        return np.where(self.begin <= hi_fy, np.clip(share, 0.0, 1.0), 0.0)

    def forget_after_death(self, death: np.ndarray) -> None:
        """A placement that would have begun after the person's death never happened."""
        late = (death >= 0) & (self.begin > death) & (self.begin != NEVER)
        self.begin[late] = NEVER

    @property
    def who(self) -> np.ndarray:
        return np.flatnonzero(self.begin != NEVER)

    def resident_on(self, idx: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Whether person ``idx`` is in a care home on day ``days`` (vectorised)."""
        return self.begin[idx] <= days
