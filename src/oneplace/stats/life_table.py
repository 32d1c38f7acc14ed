"""Life expectancy: Chiang's abridged life table with Silcocks' variance for the open band.

The PHE method (Fingertips technical guidance, Life Expectancy Calculator; PHEindicatormethods
``phe_life_expectancy``; METHODS.md 4.1), on the 20 bands 0, 1-4, 5-9, ..., 85-89, 90+:

* death rate ``M_i = D_i / P_i``; fraction of the interval lived by those who die in it
  ``a_i`` = 0.1 for age 0, 0.5 otherwise; interval width ``n_i``;
* Chiang II: ``q_i = n_i M_i / (1 + n_i (1 - a_i) M_i)`` (1 when ``D_i > P_i / (n_i a_i)``,
  and 1 in the open band); ``l_0 = 100,000``, ``l_{i+1} = l_i (1 - q_i)``;
  ``L_i = n_i (l_{i+1} + a_i d_i)``, and ``L = l / M`` in the open band;
  ``e_i = sum_{j >= i} L_j / l_i`` (Chiang 1984);
* variance: ``var(q_i) = q_i^2 (1 - q_i) / D_i``, weighted by
  ``l_i^2 ((1 - a_i) n_i + e_{i+1})^2``; for the open band Silcocks et al. (2001) use the
  variance of the mean survival ``1 / M``, ``(l_w / 2)^2 x 4 / (D_w M_w^2)``;
  ``SE(e_i) = sqrt(sum_{j >= i} weighted variances) / l_i``; limits ``e_i -/+ z SE``.

Not computed (every value blank, with a :class:`StatsWarning`) when any band's population is
zero or missing, any band has more deaths than population, the open band has no deaths, or the
total population is 5,000 or less (Toson & Baker 2003, as PHEindicatormethods applies it). A
value whose 95% interval is wider than 20 years is blanked, its limits kept (PHE).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .estimate import Estimate, estimate, warn_blank
from .poisson import Z95, Z998, counts

LE_BANDS = ("0", "1-4", *(f"{a}-{a + 4}" for a in range(5, 90, 5)), "90+")
LE_START_AGES = (0, 1, *range(5, 95, 5))
WIDTHS = np.diff(np.array(LE_START_AGES, dtype=float))  # 19 closed bands
A_I = np.where(np.array(LE_START_AGES[:-1]) == 0, 0.1, 0.5)
RADIX = 100_000.0
MIN_POPULATION = 5_000  # a total of 5,000 or less is too small

METHOD_LE = "Chiang II, Silcocks for the 90+ band"
NO_POPULATION = "not computed: population missing or zero in an age band"
DEATHS_OVER_POPULATION = "not computed: more deaths than population in an age band"
NO_OPEN_BAND_DEATHS = "not computed: no deaths in the 90+ band"
SMALL_POPULATION = "not computed: total population 5,000 or less"
WIDE_INTERVAL = "not published: 95% interval wider than 20 years"


def life_expectancy(deaths: ArrayLike, populations: ArrayLike) -> Estimate:
    """Life expectancy at the start of each of the 20 bands; arrays are (..., 20)."""
    d = counts(deaths, "death")
    p = counts(populations, "population")
    if d.shape[-1] != len(LE_BANDS) or p.shape != d.shape:
        raise ValueError(f"deaths and populations need the {len(LE_BANDS)} bands {LE_BANDS}")
    reasons = [
        (np.any(np.isnan(p) | (p <= 0), axis=-1), NO_POPULATION),
        (np.any(d > p, axis=-1), DEATHS_OVER_POPULATION),
        (~(d[..., -1] > 0), NO_OPEN_BAND_DEATHS),
        (np.nansum(p, axis=-1) <= MIN_POPULATION, SMALL_POPULATION),
    ]
    blank = np.zeros(d.shape[:-1], dtype=bool)
    reason = np.full(d.shape[:-1], "", dtype=object)
    for mask, why in reasons:
        new = mask & ~blank
        warn_blank(new, why)
        reason[new] = why
        blank |= new
    d = np.where(blank[..., np.newaxis], 1.0, np.nan_to_num(d))
    p = np.where(blank[..., np.newaxis], 10.0, p)

    m = d / p
    closed_m, closed_d = m[..., :-1], d[..., :-1]
    dies_within = closed_d > p[..., :-1] / WIDTHS / A_I
    q = np.where(dies_within, 1.0, WIDTHS * closed_m / (1 + WIDTHS * (1 - A_I) * closed_m))
    survivors = np.cumprod(np.concatenate([np.full(q.shape[:-1] + (1,), RADIX), 1 - q], -1), -1)
    l_next = survivors[..., 1:]
    deaths_in_band = survivors[..., :-1] - l_next
    person_years = np.concatenate(
        [WIDTHS * (l_next + A_I * deaths_in_band), survivors[..., -1:] / m[..., -1:]], axis=-1
    )
    total_years = np.flip(np.cumsum(np.flip(person_years, -1), -1), -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.where(survivors > 0, total_years / survivors, 0.0)
        var_q = np.where(deaths_in_band == 0, 0.0, q * q * (1 - q) / closed_d)
        weighted = var_q * survivors[..., :-1] ** 2 * ((1 - A_I) * WIDTHS + e[..., 1:]) ** 2
        open_band = (survivors[..., -1] / 2) ** 2 * 4 / (d[..., -1] * m[..., -1] ** 2)
        weighted = np.concatenate([weighted, open_band[..., np.newaxis]], axis=-1)
        se = np.sqrt(np.flip(np.cumsum(np.flip(weighted, -1), -1), -1) / survivors**2)
    limits = (e - Z95 * se, e + Z95 * se, e - Z998 * se, e + Z998 * se)
    result = estimate(e, limits, METHOD_LE, np.broadcast_to(blank[..., np.newaxis], e.shape), (
        np.broadcast_to(reason[..., np.newaxis], e.shape)
    ))  # fmt: skip
    wide = (Z95 * se > 10) & ~blank[..., np.newaxis]
    warn_blank(wide, WIDE_INTERVAL)
    result.value[wide | ~np.isfinite(result.value)] = np.nan
    result.method[wide] = WIDE_INTERVAL
    return result
