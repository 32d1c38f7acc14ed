"""Funnel plots: control limits around an overall value, and each unit's label.

Control limits at "2 and 3 standard deviations" are the probabilities 0.975 and 0.999
(two-sided 95% and 99.8%) around the overall value (Spiegelhalter 2005, "Funnel plots for
comparing institutional performance", Stat Med 24:1185-1202; PHE Fingertips technical guidance
"Funnel plots"; PHEindicatormethods ``calculate_funnel_limits`` and
``assign_funnel_significance``; METHODS.md 4.1):

* proportions (Wilson): the limits at denominator ``n`` are the proportions whose Wilson score
  interval just reaches the overall proportion ``P``, ``P +/- z sqrt(P (1 - P) / n)``, clipped
  to 0 and 1 (x multiplier);
* ratios (exact Poisson): at ``E`` expected events the upper limit is ``O / E`` for the
  (continuous) count ``O`` whose exact lower limit equals ``E``, and the lower limit is the
  ``O / E`` whose exact upper limit equals ``E``; the overall ratio is 1;
* rates (exact Poisson): the ratio limits at ``E = n x`` overall rate, times the overall rate.

Labels: "High (0.001)" / "Low (0.001)" outside the 99.8% limits, "High (0.025)" /
"Low (0.025)" outside the 95% limits, otherwise "Not significant". A unit is judged by its own
interval against the overall value: Wilson for proportions, and for ratios and rates the
published Poisson limits (exact below 10 events, Byar's from 10), as PHE does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gdtrib

from .estimate import Array, missing_or_zero, warn_blank
from .poisson import Z95, Z998, counts, poisson_limits

P_2SD = 0.975  # "2 standard deviations": two-sided 95%
P_3SD = 0.999  # "3 standard deviations": two-sided 99.8%

HIGH_3SD = "High (0.001)"
HIGH_2SD = "High (0.025)"
LOW_3SD = "Low (0.001)"
LOW_2SD = "Low (0.025)"
NOT_SIGNIFICANT = "Not significant"
TOO_FEW_FOR_DSR = "Not applicable for events less than 10 for dsrs"
NO_DENOMINATOR = "not computed: denominator missing or zero"


@dataclass(frozen=True)
class FunnelLimits:
    """Control limits at each x-axis point (denominator or expected events) of a funnel plot."""

    x: Array
    lower2: Array  # 2 SD (p = 0.975) lower limit
    upper2: Array
    lower3: Array  # 3 SD (p = 0.999) lower limit
    upper3: Array
    baseline: float


# --- limit curves ------------------------------------------------------------------------------
def proportion_funnel_limits(
    denominators: ArrayLike, baseline: float, multiplier: float = 1
) -> FunnelLimits:
    """Wilson control limits at each denominator around the overall proportion ``baseline``.

    ``baseline`` is a fraction (0-1); the limits come back times ``multiplier`` (100 for %).
    """
    n = np.asarray(denominators, dtype=float)
    if not 0 <= baseline <= 1:
        raise ValueError(f"the overall proportion must be 0-1, not {baseline}")
    sd = np.sqrt(baseline * (1 - baseline) / n)
    limits = [
        np.clip(baseline + k * z * sd, 0, 1) * multiplier for z in (Z95, Z998) for k in (-1, 1)
    ]
    return FunnelLimits(n, *limits, baseline=baseline * multiplier)


def _count_limits(expected: Array, p: float) -> tuple[Array, Array]:
    """(low, high) continuous counts whose exact upper / lower limit at ``p`` equals ``expected``."""
    high = gdtrib(1.0, 1 - p, expected)  # P(X >= O | E) = 1 - p: E is O's exact lower limit
    low = gdtrib(1.0, p, expected) - 1  # P(X <= O | E) = 1 - p: E is O's exact upper limit
    return np.clip(low, 0, None), high


def ratio_funnel_limits(expected: ArrayLike, multiplier: float = 1) -> FunnelLimits:
    """Exact Poisson control limits of ``O / E`` (x ``multiplier``) at each expected count."""
    e = np.asarray(expected, dtype=float)
    limits = []
    for p in (P_2SD, P_3SD):
        low, high = _count_limits(e, p)
        limits += [low / e * multiplier, high / e * multiplier]
    return FunnelLimits(e, *limits, baseline=float(multiplier))


def rate_funnel_limits(
    denominators: ArrayLike, baseline_rate: float, multiplier: float = 100_000
) -> FunnelLimits:
    """Exact Poisson control limits of a rate at each denominator (person-years).

    ``baseline_rate`` is events per person (total events / total denominator); limits and
    baseline come back per ``multiplier``.
    """
    n = np.asarray(denominators, dtype=float)
    ratio = ratio_funnel_limits(n * baseline_rate, baseline_rate * multiplier)
    return FunnelLimits(n, ratio.lower2, ratio.upper2, ratio.lower3, ratio.upper3, ratio.baseline)


def plot_denominators(denominators: ArrayLike, points: int = 100) -> Array:
    """The x-axis points at which PHE draws a funnel's limits (PHEindicatormethods).

    From 1 (or a round number below the smallest denominator when the largest is at most
    twice it) to a round number about 5% above the largest, spaced geometrically, whole
    numbers, each at least one more than the last.
    """
    n = np.asarray(denominators, dtype=float)
    n = n[np.isfinite(n)]
    smallest, largest = float(n.min()), float(n.max())
    top = _round_up(largest)
    start = 1.0 if largest > 2 * smallest else max(1.0, _round_down(smallest))
    xs = [start]
    for j in range(2, points + 1):
        step = round((top / xs[-1]) ** (1 / (points + 1 - j)) * xs[-1])
        xs.append(max(float(step), xs[-1] + 1))
    return np.array(xs)


def _round_down(x: float, share: float = 0.95) -> float:
    digits = len(str(int(np.floor(x * share)))) - 1
    return float(np.floor(x * share / 10**digits) * 10**digits) if x else 0.0


def _round_up(x: float, share: float = 1.05) -> float:
    digits = len(str(int(np.ceil(x * share)))) - 2
    return float(np.ceil(x * share / 10**digits) * 10**digits) if x else 0.0


# --- labels ------------------------------------------------------------------------------------
def _label(value: Array, lower2: Array, upper2: Array, lower3: Array, upper3: Array) -> NDArray:
    """Where ``value`` lies against control limits (or a target against a unit's limits)."""
    return np.select(
        [value < lower3, value < lower2, value > upper3, value > upper2],
        [LOW_3SD, LOW_2SD, HIGH_3SD, HIGH_2SD],
        NOT_SIGNIFICANT,
    ).astype(object)


def _usable(numerators: ArrayLike, denominators: ArrayLike) -> tuple[Array, Array, NDArray]:
    x = counts(numerators, "numerator")
    n = counts(denominators, "denominator")
    bad = missing_or_zero(n) | np.isnan(x)
    warn_blank(bad, NO_DENOMINATOR)
    return x, n, bad


def proportion_funnel_significance(
    numerators: ArrayLike, denominators: ArrayLike, baseline: float | None = None
) -> NDArray[np.str_]:
    """Each unit's label against the overall proportion (default: sum x / sum n)."""
    x, n, bad = _usable(numerators, denominators)
    if np.any(x[~bad] > n[~bad]):
        raise ValueError("numerators must not exceed their denominators for a proportion")
    p = x[~bad].sum() / n[~bad].sum() if baseline is None else baseline
    with np.errstate(divide="ignore", invalid="ignore"):
        value = x / n
        sd = np.sqrt(p * (1 - p) / n)
    # The unit's Wilson interval excludes p exactly when its value is beyond p +/- z sd.
    labels = _label(value, p - Z95 * sd, p + Z95 * sd, p - Z998 * sd, p + Z998 * sd)
    labels[bad] = NO_DENOMINATOR
    return labels.astype(str)


def ratio_funnel_significance(observed: ArrayLike, expected: ArrayLike) -> NDArray[np.str_]:
    """Each unit's label: its Poisson limits of ``O / E`` against 1."""
    o, e, bad = _usable(observed, expected)
    return _poisson_labels(o, e, bad, 1.0)


def rate_funnel_significance(
    numerators: ArrayLike, denominators: ArrayLike, baseline_rate: float | None = None
) -> NDArray[np.str_]:
    """Each unit's label: its Poisson limits of the rate against the overall rate.

    ``baseline_rate`` is per person (default: total events / total denominator).
    """
    o, n, bad = _usable(numerators, denominators)
    rate = o[~bad].sum() / n[~bad].sum() if baseline_rate is None else baseline_rate
    return _poisson_labels(o, n, bad, rate)


def dsr_funnel_significance(
    events: ArrayLike, rates: ArrayLike, multiplier: float = 100_000
) -> NDArray[np.str_]:
    """Labels for directly standardised rates (PHEindicatormethods, ``rate_type = "dsr"``).

    Each DSR stands for ``events / rate x multiplier`` person-years; the overall rate is total
    events over total such person-years; DSRs from fewer than 10 events are not judged.
    """
    o = counts(events, "count")
    r = np.asarray(rates, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = np.where(o > 0, o / r * multiplier, np.nan)
    usable = np.isfinite(derived)
    if not usable.any():  # no unit has events: nothing to judge against
        labels = np.full(o.shape, TOO_FEW_FOR_DSR, dtype=object)
        return labels.astype(str)
    baseline = o[usable].sum() / derived[usable].sum()
    labels = np.asarray(_poisson_labels(o, np.where(usable, derived, 1), ~usable, baseline), object)
    labels[o < 10] = TOO_FEW_FOR_DSR
    return labels.astype(str)


def _poisson_labels(o: Array, n: Array, bad: NDArray, target: float) -> NDArray[np.str_]:
    """High when the unit's Poisson interval of ``o / n`` lies above ``target``; Low below."""
    safe_o, safe_n = np.where(bad, 0, o), np.where(bad, 1, n)
    low95, up95 = poisson_limits(safe_o, 0.95)
    low998, up998 = poisson_limits(safe_o, 0.998)
    labels = np.select(
        [target < low998 / safe_n, target < low95 / safe_n, target > up998 / safe_n,
         target > up95 / safe_n],
        [HIGH_3SD, HIGH_2SD, LOW_3SD, LOW_2SD],
        NOT_SIGNIFICANT,
    ).astype(object)  # fmt: skip
    labels[bad] = NO_DENOMINATOR
    return labels.astype(str)
