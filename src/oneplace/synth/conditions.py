"""Long-term conditions per person, with age, sex and deprivation gradients and multimorbidity.

Targets: NHS England, Quality and Outcomes Framework (QOF) 2023/24 England register prevalence
(diabetes 7.7% of 17+, COPD 1.9%, asthma 6.5% of 6+, heart failure 1.1%, CHD 3.0%, AF 2.2%,
stroke/TIA 1.9%, CKD 4.2% of 18+, cancer 3.7%, dementia 0.8%, depression 13.2% of 18+, SMI
1.0%) and, for frailty, Clegg et al. 2016 (moderate or severe eFI in about 15% of people 65+).
Parameters live in ``reference/ltc_prevalence.csv``.

Model: p(age, sex, decile) = A x rel(age band) x sex factor x deprivation factor, where rel is
the tabulated age curve, the sex factors have the file's male:female ratio and mean 1, and the
deprivation factor runs geometrically from ``dep_ratio`` (decile 1) to 1 (decile 10), scaled
to mean 1 over deciles. A is set so that prevalence over the ONS mid-2020 England population
(aged ``min_age`` and over) equals the QOF figure; a place with a younger population then has
a lower crude prevalence, as London boroughs do. Conditions share a latent risk factor z per
person (Gaussian copula, correlation RHO), so they cluster (multimorbidity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import reference

RHO = 0.35
BAND_EDGES = np.array([0, 5, 15, 25, 35, 45, 55, 65, 75, 85])
REL_COLUMNS = [
    "rel_0_4",
    "rel_5_14",
    "rel_15_24",
    "rel_25_34",
    "rel_35_44",
    "rel_45_54",
    "rel_55_64",
    "rel_65_74",
    "rel_75_84",
    "rel_85_plus",
]
# Excess annual mortality per condition (multiplier = 1 + sum of excesses) [K].
MORTALITY_EXCESS = {
    "cancer": 2.0,
    "heart_failure": 1.5,
    "dementia": 2.0,
    "frailty": 1.5,
    "copd": 1.0,
    "ckd": 0.5,
    "stroke": 0.5,
    "diabetes": 0.3,
    "ihd": 0.3,
    "atrial_fibrillation": 0.3,
    "smi": 0.8,
}


@dataclass
class Conditions:
    names: list[str]
    has: np.ndarray  # bool (n, C)
    z: np.ndarray  # float32 latent risk, standard normal

    def column(self, name: str) -> np.ndarray:
        return self.has[:, self.names.index(name)]

    @property
    def count(self) -> np.ndarray:
        return self.has.sum(axis=1)


def norm_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF (Abramowitz & Stegun 7.1.26 erf, error below 1.5e-7)."""
    z = np.abs(x) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = 1.0 - poly * np.exp(-z * z)
    return 0.5 * (1.0 + np.sign(x) * erf)


def age_band(age: np.ndarray) -> np.ndarray:
    return np.searchsorted(BAND_EDGES, age, side="right") - 1


def _factors(row) -> tuple[np.ndarray, float, float, np.ndarray]:
    rel = row[REL_COLUMNS].to_numpy(dtype=float)
    r = float(row.male_female_ratio)
    male, female = 2 * r / (1 + r), 2 / (1 + r)
    dep = float(row.dep_ratio) ** ((10 - np.arange(1, 11)) / 9)
    return rel, male, female, dep / dep.mean()


def calibrated_scale() -> dict[str, float]:
    """A per condition: prevalence over England (mid-2020, ages >= min_age) equals QOF."""
    params = reference.read("ltc_prevalence")
    eng = reference.read("england_population_2020")
    ages, pop = eng.age.to_numpy(), eng.persons_2020.to_numpy(dtype=float)
    out = {}
    for _, row in params.iterrows():
        rel, _, _, _ = _factors(row)
        keep = ages >= row.min_age
        mean_rel = (rel[age_band(ages[keep])] * pop[keep]).sum() / pop[keep].sum()
        out[row.condition] = float(row.qof_prevalence) / mean_rel
    return out


def probabilities(age: np.ndarray, male: np.ndarray, decile: np.ndarray) -> tuple[list, np.ndarray]:
    """Condition names and the (n, C) float32 probability matrix."""
    params = reference.read("ltc_prevalence")
    scale = calibrated_scale()
    band = age_band(age)
    p = np.empty((len(age), len(params)), np.float32)
    for j, (_, row) in enumerate(params.iterrows()):
        rel, fm, ff, dep = _factors(row)
        pj = scale[row.condition] * rel[band] * np.where(male, fm, ff) * dep[decile - 1]
        pj[age < row.min_age] = 0.0
        p[:, j] = np.minimum(pj, 0.95)
    return params.condition.tolist(), p


def assign(
    age: np.ndarray, male: np.ndarray, decile: np.ndarray, rng: np.random.Generator
) -> Conditions:
    names, p = probabilities(age, male, decile)
    n = len(age)
    z = rng.standard_normal(n).astype(np.float32)
    has = np.empty((n, len(names)), bool)
    a, b = np.sqrt(RHO), np.sqrt(1 - RHO)
    for j in range(len(names)):
        liability = a * z + b * rng.standard_normal(n).astype(np.float32)
        has[:, j] = norm_cdf(liability) < p[:, j]
    return Conditions(names, has, z)


def excess_multiplier(cond: Conditions, excess: dict[str, float]) -> np.ndarray:
    """1 + the sum of the excess rates of a person's conditions (additive, not multiplicative)."""
    out = np.ones(cond.has.shape[0], np.float64)
    for name, e in excess.items():
        out += e * cond.column(name)
    return out


def mortality_multiplier(cond: Conditions) -> np.ndarray:
    return excess_multiplier(cond, MORTALITY_EXCESS)
