"""ICD-10 diagnoses for synthetic people: the GP record and the coded hospital episodes.

Codes come from ``reference/icd10_codes.csv`` (WHO ICD-10 2019, written in the UK 4-character
style without the dot, X-padded). Each person with a condition keeps one record code for it
(e.g. E119), used on the GP record and in secondary positions. An admission's primary code is
drawn from the causes of the person's rate: the baseline pool (acute reasons by age, elective
or outpatient reasons) or, in proportion to their excess rate, one of the person's conditions.
Frail and older people's emergency spells carry frailty syndromes (falls W19X, delirium F059,
UTI N390, incontinence R32X, ...), taken from the Hospital Frailty Risk Score code list of
Gilbert et al., Lancet 2018, so that HFRS and Charlson scores computed later are meaningful.
An older person's admission after a fall has a primary injury code (``params.FALL_INJURY``)
and W19X, unspecified fall, as its external cause, as PHOF C29 counts them.
"""

from __future__ import annotations

import numpy as np

from .. import reference
from . import params as P

SECONDARY_RECORD = {
    "acute_non_elective": 0.85,
    "acute_elective": 0.6,
    "day_case": 0.4,
    "outpatient": 0.15,
}


class Coder:
    """Weighted code pools by (group, role), sampled separately for men and women."""

    def __init__(self, condition_names: list[str]) -> None:
        codes = reference.read("icd10_codes")
        self.codes: list[str] = sorted(codes.code.unique().tolist())
        self.conditions = condition_names
        index = {c: i for i, c in enumerate(self.codes)}
        self.pools: dict[tuple[str, str], tuple] = {}
        for (group, role), g in codes.groupby(["group", "role"], sort=True):
            code_idx = np.array([index[c] for c in g.code], np.int16)
            w = g.weight.to_numpy(dtype=float)
            sex = g.sex.fillna("").to_numpy()
            cum_m = np.cumsum(np.where(sex != "F", w, 0.0))
            cum_f = np.cumsum(np.where(sex != "M", w, 0.0))
            self.pools[(group, role)] = (code_idx, cum_m, cum_f)
        self.injury = np.array([index[c] for c, _ in P.FALL_INJURY], np.int16)
        self.injury_cum = np.cumsum([w for _, w in P.FALL_INJURY])
        self.fall_cause = np.int16(index[P.FALL_CAUSE])
        self.condition_of_code = {}
        for c in condition_names:
            for role in ("record", "primary"):
                for i in self.pools[(c, role)][0]:
                    self.condition_of_code[self.codes[i]] = c

    def sample(self, group: str, role: str, male: np.ndarray, rng) -> np.ndarray:
        code_idx, cum_m, cum_f = self.pools[(group, role)]
        u = rng.random(len(male))
        pick_m = np.searchsorted(cum_m, u * cum_m[-1], side="right")
        pick_f = np.searchsorted(cum_f, u * cum_f[-1], side="right")
        return code_idx[np.minimum(np.where(male, pick_m, pick_f), len(code_idx) - 1)]

    def fall_injuries(self, m: int, rng) -> np.ndarray:
        """Primary injury codes of m admissions after a fall."""
        u = rng.random(m) * self.injury_cum[-1]
        pick = np.searchsorted(self.injury_cum, u, side="right")
        return self.injury[np.minimum(pick, len(self.injury) - 1)]

    def record_codes(self, has: np.ndarray, male: np.ndarray, rng) -> np.ndarray:
        """One record code per person and condition (int16, -1 where absent)."""
        out = np.full(has.shape, -1, np.int16)
        for j, c in enumerate(self.conditions):
            who = np.flatnonzero(has[:, j])
            out[who, j] = self.sample(c, "record", male[who], rng)
        return out


def _positions(act: np.ndarray, code: np.ndarray, priority: np.ndarray):
    """Drop repeated codes within an activity; number positions 1.. by priority."""
    order = np.lexsort((priority, code, act))
    act, code, priority = act[order], code[order], priority[order]
    keep = np.ones(len(act), bool)
    keep[1:] = (act[1:] != act[:-1]) | (code[1:] != code[:-1])
    act, code, priority = act[keep], code[keep], priority[keep]
    order = np.lexsort((priority, act))
    act, code = act[order], code[order]
    start = np.ones(len(act), bool)
    start[1:] = act[1:] != act[:-1]
    first = np.maximum.accumulate(np.where(start, np.arange(len(act)), 0))
    return act, code, (np.arange(len(act)) - first + 1).astype(np.int32)


def episode_diagnoses(
    coder: Coder,
    setting: str,
    person: np.ndarray,
    age: np.ndarray,
    male: np.ndarray,
    has: np.ndarray,
    record: np.ndarray,
    excess: dict[str, float],
    frail: np.ndarray,
    rng: np.random.Generator,
    fall: np.ndarray | None = None,
    baseline: np.ndarray | None = None,
):
    """Diagnoses of m activities (one per entry of ``person``): (activity row, code, position).

    ``fall`` marks admissions after a fall: a primary injury code and W19X beside it.
    ``baseline``: the weight of the baseline pool beside the conditions, per activity (1)."""
    m = len(person)
    names = coder.conditions
    cols = [names.index(c) for c in excess]
    weights = np.empty((m, len(cols) + 1), np.float32)
    weights[:, 0] = 1.0 if baseline is None else baseline
    for k, (j, e) in enumerate(zip(cols, excess.values(), strict=True)):
        weights[:, k + 1] = e * has[person, j]
    cum = np.cumsum(weights, axis=1)
    u = rng.random(m, dtype=np.float32) * cum[:, -1]
    cause = (cum < u[:, None]).sum(axis=1)  # 0 = baseline, k = cols[k-1]
    cause = np.minimum(cause, len(cols))
    primary = np.empty(m, np.int16)
    primary_cond = np.full(m, -1, np.int32)
    base = cause == 0
    if setting == "acute_non_elective":
        pools = (
            ("acute_child", age < 16),
            ("acute_adult", (age >= 16) & (age < 65)),
            ("acute_older", age >= 65),
        )
    else:
        pools = (("elective" if setting != "outpatient" else "outpatient", np.ones(m, bool)),)
    for group, sel in pools:
        w = np.flatnonzero(base & sel)
        primary[w] = coder.sample(group, "primary", male[w], rng)
    for k, j in enumerate(cols):
        w = np.flatnonzero(cause == k + 1)
        primary_cond[w] = j
        if setting == "acute_non_elective":
            primary[w] = coder.sample(names[j], "primary", male[w], rng)
        else:
            primary[w] = record[person[w], j]
    acts = [np.arange(m)]
    codes = [primary]
    prio = [np.zeros(m, np.int16)]
    if fall is not None and fall.any():
        w = np.flatnonzero(fall)
        primary[w] = coder.fall_injuries(len(w), rng)
        primary_cond[w] = -1
        acts.append(w)
        codes.append(np.full(len(w), coder.fall_cause, np.int16))
        prio.append(np.ones(len(w), np.int16))
    p_sec = SECONDARY_RECORD[setting]
    for j in range(len(names)):
        w = np.flatnonzero(has[person, j] & (primary_cond != j) & (rng.random(m) < p_sec))
        acts.append(w)
        codes.append(record[person[w], j])
        prio.append(np.full(len(w), 1 + j, np.int16))
    if setting == "acute_non_elective":
        lam = np.where(age >= 75, np.where(frail[person], 1.5, 0.5), np.where(age >= 65, 0.3, 0.02))
        k = np.minimum(rng.poisson(lam), 4)
        w = np.repeat(np.arange(m), k)
        acts.append(w)
        codes.append(coder.sample("frailty_syndrome", "secondary", male[w], rng))
        prio.append(np.full(len(w), 50, np.int16))
    return _positions(np.concatenate(acts), np.concatenate(codes), np.concatenate(prio))
