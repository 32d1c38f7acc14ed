"""Synthetic people: borough, age, sex, LSOA and deprivation, practice, registration, death.

Sources (reference tables under ``oneplace/reference``):
- ONS mid-year population estimates, mid-2020, by single year of age (persons), split by sex
  in the mid-2011 proportions (ONS MYE 2011 by single year and sex). Ages are read as ages at
  the start of the generated period: the period's population is the 2020 structure.
- English indices of deprivation 2019 (MHCLG): people are placed in real LSOAs of their
  borough with probability proportional to the LSOA's mid-2015 population (File 6), and take
  the LSOA's IMD decile (File 1).

Registration: most people are registered with one practice of their borough throughout; about
2% a year register during the period (moved in) and about 3% a year move practice. Deaths come
from a Gompertz hazard by age raised by conditions (see ``conditions.mortality_multiplier``)
and by living in a care home (``care_homes``).
About 3% of people have a national data opt-out recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import reference
from . import params as P
from .place import BOROUGHS

NEW_REGISTRATION_PER_YEAR = 0.02
MOVE_PRACTICE_PER_YEAR = 0.03
OPT_OUT = 0.03
# Annual probability of death at age a: GOMPERTZ_A * exp(GOMPERTZ_B * a), before conditions.
GOMPERTZ_A = 1.2e-5
GOMPERTZ_B = 0.095


@dataclass
class People:
    n: int
    borough: np.ndarray  # int8 index into BOROUGHS
    age: np.ndarray  # int16 age at period start
    male: np.ndarray  # bool
    birth_day: np.ndarray  # int32 day number
    lsoa: np.ndarray  # int32 index into lsoa_codes
    decile: np.ndarray  # int8 IMD decile
    practice: np.ndarray  # int32 first practice
    practice2: np.ndarray  # int32 practice after a move (= practice when no move)
    move_day: np.ndarray  # int32 day of move (a large number when no move)
    reg_start: np.ndarray  # int32 registration start day
    entry: np.ndarray  # int32 first day observed in the period
    exit: np.ndarray  # int32 last day observed (death or period end)
    death: np.ndarray  # int32 death day, -1 if alive
    opted_out: np.ndarray  # bool
    lsoa_codes: list[str]


def borough_counts(people: int) -> np.ndarray:
    """People per borough in proportion to the mid-2020 populations."""
    pop = reference.read("bhr_population_2020")
    totals = np.array([pop.loc[pop.lad_code == b[0], "persons_2020"].sum() for b in BOROUGHS])
    raw = people * totals / totals.sum()
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(-(raw - out), kind="stable")[: people - out.sum()]] += 1
    return out


def make_people(
    counts: np.ndarray,
    practice_borough: np.ndarray,
    practice_weight: np.ndarray,
    start: int,
    end: int,
    rng: np.random.Generator,
) -> People:
    """Draw people borough by borough (age/sex cells, LSOA, practice); deaths come later."""
    pop = reference.read("bhr_population_2020")
    lsoas = reference.read("bhr_lsoa_imd2019")
    n = int(counts.sum())
    borough = np.repeat(np.arange(len(BOROUGHS), dtype=np.int8), counts)
    age = np.empty(n, np.int16)
    male = np.empty(n, bool)
    lsoa = np.empty(n, np.int32)
    practice = np.empty(n, np.int32)
    practice2 = np.empty(n, np.int32)
    pos = 0
    for b, (lad, *_) in enumerate(BOROUGHS):
        m = int(counts[b])
        sl = slice(pos, pos + m)
        cells = pop[pop.lad_code == lad].sort_values("age")
        w = np.concatenate([cells.male.to_numpy(), cells.female.to_numpy()]).astype(float)
        cell = rng.choice(len(w), size=m, p=w / w.sum())
        age[sl] = cell % 91
        male[sl] = cell < 91
        idx = np.flatnonzero(lsoas.lad_code.to_numpy() == lad)
        lw = lsoas.population_2015.to_numpy()[idx].astype(float)
        lsoa[sl] = idx[rng.choice(len(idx), size=m, p=lw / lw.sum())]
        pidx = np.flatnonzero(practice_borough == b)
        pw = practice_weight[pidx]
        practice[sl] = pidx[rng.choice(len(pidx), size=m, p=pw / pw.sum())]
        practice2[sl] = pidx[rng.choice(len(pidx), size=m, p=pw / pw.sum())]
        pos += m
    # 90 means 90+: spread over 90-99 (geometric-like tail).
    old = age == 90
    age[old] = 90 + np.minimum(rng.geometric(0.3, old.sum()) - 1, 14)
    birth_day = (start - np.floor((age + rng.random(n)) * 365.25)).astype(np.int32)
    decile = lsoas.imd_decile.to_numpy().astype(np.int8)[lsoa]

    years = (end - start + 1) / 365.25
    new = rng.random(n) < NEW_REGISTRATION_PER_YEAR * years
    span = end - start + 1
    history = np.minimum(rng.random(n) * 20 * 365.25, start - birth_day).astype(np.int32)
    reg_start = np.where(new, start + (rng.random(n) * span).astype(np.int32), start - history)
    reg_start = np.maximum(reg_start, birth_day).astype(np.int32)
    entry = np.maximum(reg_start, start).astype(np.int32)
    mover = (rng.random(n) < MOVE_PRACTICE_PER_YEAR * years) & (practice2 != practice)
    move_day = entry + (rng.random(n) * np.maximum(end - entry, 0)).astype(np.int32)
    mover &= move_day > entry
    move_day = np.where(mover, move_day, np.iinfo(np.int32).max).astype(np.int32)
    practice2 = np.where(mover, practice2, practice).astype(np.int32)
    return People(
        n=n,
        borough=borough,
        age=age,
        male=male,
        birth_day=birth_day,
        lsoa=lsoa,
        decile=decile,
        practice=practice,
        practice2=practice2,
        move_day=move_day,
        reg_start=reg_start,
        entry=entry,
        exit=np.full(n, end, np.int32),
        death=np.full(n, -1, np.int32),
        opted_out=rng.random(n) < OPT_OUT,
        lsoa_codes=lsoas.lsoa_code.tolist(),
    )


def assign_deaths(
    people: People,
    mortality_multiplier: np.ndarray,
    fy_starts: list[int],
    end: int,
    rng: np.random.Generator,
    care=None,
) -> None:
    """Deaths year by year (hazard rises with age and conditions); sets ``death`` and ``exit``.

    With ``care`` (:class:`oneplace.synth.care_homes.CareHomes`), each year's new care-home
    placements are drawn first, and a person's hazard rises with the share of the year they
    spend in a care home (``params.CARE_HOME_MORTALITY``)."""
    bounds = [*fy_starts, end + 1]
    for k, (lo_fy, hi_fy) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        alive = people.death < 0
        lo = np.maximum(people.entry, lo_fy)
        exposure = np.clip(hi_fy - lo, 0, None) / 365.25
        q = GOMPERTZ_A * np.exp(GOMPERTZ_B * (people.age + k)) * mortality_multiplier
        if care is not None:
            share = care.admit(k, lo_fy, hi_fy - 1, alive, rng)
            q = q * (1 + (P.CARE_HOME_MORTALITY - 1) * share)
        q = np.minimum(q, 0.8) * exposure
        dies = alive & (rng.random(people.n) < q)
        when = lo + (rng.random(people.n) * np.maximum(hi_fy - lo, 1)).astype(np.int32)
        people.death = np.where(dies, when, people.death).astype(np.int32)
        if care is not None:
            care.forget_after_death(people.death)
    dead = people.death >= 0
    people.exit = np.where(dead, people.death, end).astype(np.int32)
    # a move after death does not happen
    late = people.move_day > people.exit
    people.move_day[late] = np.iinfo(np.int32).max
    people.practice2[late] = people.practice[late]


def practice_on(people: People, idx: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Practice index of person ``idx`` on day ``days`` (vectorised)."""
    return np.where(days < people.move_day[idx], people.practice[idx], people.practice2[idx])
