"""Confidence limits of a Poisson count, as England's indicator producers compute them.

PHE Technical Guide "Confidence intervals" (Fingertips public health technical guidance,
Appendices 1 and 2) and METHODS.md 4.1:

* count ``O < 10``: the chi-square exact method (Armitage & Berry 2002),
  lower ``qchisq((1 - c)/2, 2O) / 2`` (0 when ``O = 0``), upper ``qchisq((1 + c)/2, 2O + 2) / 2``;
* count ``O >= 10``: Byar's approximation (Breslow & Day 1987),
  lower ``O (1 - 1/(9O) - z/(3 sqrt(O)))^3``,
  upper ``(O + 1) (1 - 1/(9(O + 1)) + z/(3 sqrt(O + 1)))^3``.

``z`` is the standard normal quantile ``1 - (1 - c)/2``: 1.959964 for 95% and 3.090232 for
99.8%, the two levels every statistic here reports. All functions take numpy arrays (or
scalars) and return float arrays; a missing count (NaN) gives NaN limits.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtri
from scipy.stats import chi2

CONFIDENCE_LEVELS = (0.95, 0.998)
Z95 = float(ndtri(0.975))  # 1.959964
Z998 = float(ndtri(0.999))  # 3.090232
BYAR_FROM = 10  # counts of 10 or more use Byar's approximation; fewer, the exact method

METHOD_EXACT = "exact Poisson"
METHOD_BYAR = "Byar"

Array = NDArray[np.float64]


def z_value(confidence: float) -> float:
    """The two-sided standard normal quantile for ``confidence`` (0.95 -> 1.959964)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    return float(ndtri(0.5 + confidence / 2))


def counts(values: ArrayLike, name: str = "count") -> Array:
    """``values`` as a float array; negative values are a ValueError (NaN means missing)."""
    array = np.asarray(values, dtype=float)
    if np.any(array < 0):
        raise ValueError(f"{name}s must not be negative")
    return array


def exact_limits(observed: ArrayLike, confidence: float = 0.95) -> tuple[Array, Array]:
    """Exact (chi-square) Poisson limits of ``observed``; the lower limit is 0 when it is 0."""
    o = counts(observed)
    tail = (1 - confidence) / 2
    with np.errstate(invalid="ignore"):
        lower = np.where(o > 0, chi2.ppf(tail, 2 * np.where(o > 0, o, 1)) / 2, 0.0)
        upper = chi2.ppf(1 - tail, 2 * o + 2) / 2
    lower = np.where(np.isnan(o), np.nan, lower)
    return lower, upper


def byar_limits(observed: ArrayLike, confidence: float = 0.95) -> tuple[Array, Array]:
    """Byar's approximation to the Poisson limits of ``observed`` (meant for counts >= 10)."""
    o = counts(observed)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    return lower, upper


def poisson_limits(observed: ArrayLike, confidence: float = 0.95) -> tuple[Array, Array]:
    """Limits of a count as PHE publishes them: exact below 10, Byar's from 10 up."""
    o = counts(observed)
    exact_low, exact_up = exact_limits(np.where(o < BYAR_FROM, o, 0), confidence)
    byar_low, byar_up = byar_limits(np.where(o >= BYAR_FROM, o, BYAR_FROM), confidence)
    use_byar = o >= BYAR_FROM
    lower = np.where(use_byar, byar_low, exact_low)
    upper = np.where(use_byar, byar_up, exact_up)
    missing = np.isnan(o)
    return np.where(missing, np.nan, lower), np.where(missing, np.nan, upper)


def poisson_method(observed: ArrayLike) -> NDArray[np.str_]:
    """The method :func:`poisson_limits` uses for each count."""
    o = np.asarray(observed, dtype=float)
    return np.where(o >= BYAR_FROM, METHOD_BYAR, METHOD_EXACT)


def scaled_limits(observed: ArrayLike, scale: ArrayLike) -> tuple[Array, Array, Array, Array]:
    """Poisson limits of ``observed`` at 95% and 99.8% (lower, upper, lower, upper), times ``scale``."""
    s = np.asarray(scale, dtype=float)
    low95, up95 = poisson_limits(observed, 0.95)
    low998, up998 = poisson_limits(observed, 0.998)
    return low95 * s, up95 * s, low998 * s, up998 * s
