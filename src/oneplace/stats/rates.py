"""Crude rates (Poisson limits) and proportions (Wilson score limits).

* Crude rate = ``O / n x multiplier``; its limits are the Poisson limits of ``O``
  (:mod:`oneplace.stats.poisson`: exact below 10 events, Byar's from 10) divided by ``n``,
  times the multiplier (PHE Technical Guide "Rates"; METHODS.md 4.1).
* Proportion = ``x / n`` (times 1, or 100 for a percentage) with the Wilson score interval
  without continuity correction (Wilson 1927; Newcombe 1998; PHE Technical Guide
  "Confidence intervals", Appendix 3):
  ``(2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))``.

A missing or zero denominator leaves that unit blank with a :class:`StatsWarning`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .estimate import Array, Estimate, estimate, missing_or_zero, warn_blank
from .poisson import Z95, Z998, counts, poisson_method, scaled_limits

NO_DENOMINATOR = "not computed: denominator missing or zero"
NO_NUMERATOR = "not computed: numerator missing"
METHOD_WILSON = "Wilson"


def _blanks(numerator: Array, denominator: Array) -> tuple[Array, Array]:
    """(blank mask, reason per unit), warning about each kind of blank."""
    no_denominator = missing_or_zero(denominator)
    no_numerator = np.isnan(numerator) & ~no_denominator
    warn_blank(no_denominator, NO_DENOMINATOR)
    warn_blank(no_numerator, NO_NUMERATOR)
    reason = np.where(no_denominator, NO_DENOMINATOR, NO_NUMERATOR)
    return no_denominator | no_numerator, reason


def crude_rate(
    numerator: ArrayLike, denominator: ArrayLike, multiplier: float = 100_000
) -> Estimate:
    """``numerator / denominator x multiplier`` with Poisson limits, per unit."""
    o = counts(numerator, "numerator")
    n = counts(denominator, "denominator")
    blank, reason = _blanks(o, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(blank, np.nan, multiplier / n)
        limits = scaled_limits(np.where(blank, 0, o), scale)
        return estimate(o * scale, limits, poisson_method(o), blank, reason)


def wilson_limits(
    numerator: ArrayLike, denominator: ArrayLike, z: float = Z95
) -> tuple[Array, Array]:
    """Wilson score limits (no continuity correction) of the proportion ``x / n``."""
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = z * np.sqrt(z * z + 4 * x * (1 - x / n))
        lower = (2 * x + z * z - spread) / (2 * (n + z * z))
        upper = (2 * x + z * z + spread) / (2 * (n + z * z))
    # At x = 0 and x = n the limits are 0 and 1 exactly; rounding must not cross them.
    return np.clip(lower, 0, 1), np.clip(upper, 0, 1)


def proportion(numerator: ArrayLike, denominator: ArrayLike, multiplier: float = 1) -> Estimate:
    """``numerator / denominator`` (x 100 for a percentage) with Wilson score limits."""
    x = counts(numerator, "numerator")
    n = counts(denominator, "denominator")
    blank, reason = _blanks(x, n)
    # A missing or zero denominator blanks the unit (with a warning); elsewhere the count of
    # those with the attribute cannot exceed the count of those who could have it.
    if np.any((x > n) & ~blank):
        raise ValueError("numerators must not exceed their denominators for a proportion")
    x, n = np.where(blank, 0, x), np.where(blank, 1, n)
    low95, up95 = wilson_limits(x, n, Z95)
    low998, up998 = wilson_limits(x, n, Z998)
    limits = (low95 * multiplier, up95 * multiplier, low998 * multiplier, up998 * multiplier)
    return estimate(x / n * multiplier, limits, METHOD_WILSON, blank, reason)
