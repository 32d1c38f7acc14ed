"""Directly and indirectly standardised rates and ratios, as England's indicator producers do.

Directly standardised rate (DSR), PHE Technical Guide "Directly standardised rates" and
METHODS.md 4.1, with the European Standard Population 2013 by default:

* ``DSR = sum_i(w_i x_i / n_i) / sum_i(w_i) x multiplier``;
* ``var(DSR) = sum_i(w_i^2 x_i / n_i^2) / sum_i(w_i)^2``;
* Dobson et al. (1991) limits: ``DSR + sqrt(var / O) x (O_limit - O) x multiplier``, where
  ``O = sum_i x_i`` and ``O_limit`` is Byar's limit of ``O`` (Breslow & Day 1987);
* not published (value and limits blank) when ``O < 10`` (Morris et al. 2017; PHE).

Several events per person (PHEindicatormethods ``calculate_dsr(independent_events = FALSE)``;
Fingertips technical guidance, DSR chapter): the input counts the people who had each number of
events ``f``; ``O = sum_f f x people_f``, the value is the DSR of all events, and the variance is
``sum_f f^2 var_f``, where ``var_f`` is the variance above computed from the people with ``f``
events. The limits widen; the value does not change.

Indirect standardisation (PHE Technical Guide "Indirectly standardised ratios"; METHODS 4.1):
expected ``E = sum_i n_i r_i`` from the reference rates ``r_i``; ratio ``O / E`` (x 100 for a
standardised admission or mortality ratio); rate ``O / E x`` the reference crude rate; limits
are the Poisson limits of ``O`` (exact below 10, Byar's from 10) divided by ``E``.

The age band is the last axis of every array, so many areas go in one call.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .estimate import Array, Estimate, estimate, missing_or_zero, warn_blank
from .poisson import BYAR_FROM, counts, poisson_limits, poisson_method, scaled_limits

# European Standard Population 2013, 19 five-year bands to 90+ (Eurostat 2013, "Revision of
# the European Standard Population: report of Eurostat's task force", Table; as used by ONS
# and PHE from 2014; METHODS.md 4.1). The weights sum to 100,000.
ESP2013_BANDS = (
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
    "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
)  # fmt: skip
ESP2013 = np.array(
    [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
     7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000],
    dtype=float,
)  # fmt: skip

METHOD_DOBSON = "Dobson"
METHOD_DOBSON_MULTIPLE = "Dobson, several events per person"
TOO_FEW_EVENTS = "not published: fewer than 10 events"
NO_POPULATION = "not computed: population missing or zero in an age band"
NO_EXPECTED = "not computed: expected events missing or zero"


def _dobson(
    events: Array, weighted_rate: Array, variance: Array, method: str, multiplier: float
) -> Estimate:
    """DSR and Dobson limits from per-unit totals (already summed over age bands)."""
    value = weighted_rate * multiplier
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.sqrt(variance / events) * multiplier
    limits = []
    for confidence in (0.95, 0.998):
        low, up = poisson_limits(np.where(np.isnan(events), 0, events), confidence)
        limits += [value + step * (low - events), value + step * (up - events)]
    too_few = events < BYAR_FROM
    bad = np.isnan(events) | np.isnan(value)
    warn_blank(bad, NO_POPULATION)
    reason = np.where(bad, NO_POPULATION, TOO_FEW_EVENTS)
    return estimate(value, tuple(limits), method, too_few | bad, reason)  # type: ignore[arg-type]


def _standard(standard: ArrayLike | None, bands: int) -> Array:
    weights = ESP2013 if standard is None else np.asarray(standard, dtype=float)
    if weights.shape[-1] != bands:
        raise ValueError(f"the standard population has {weights.shape[-1]} bands, the data {bands}")
    return weights


def _populations(populations: ArrayLike) -> tuple[Array, NDArray[np.bool_]]:
    """Populations with unusable bands set to NaN, and where a unit has such a band."""
    n = counts(populations, "population")
    bad_band = missing_or_zero(n)
    return np.where(bad_band, np.nan, n), bad_band.any(axis=-1)


def dsr(
    events: ArrayLike,
    populations: ArrayLike,
    standard: ArrayLike | None = None,
    multiplier: float = 100_000,
) -> Estimate:
    """Directly standardised rate per unit; ``events`` and ``populations`` are (..., bands).

    ``standard`` defaults to the ESP 2013 weights (19 bands, 0-4 to 90+). Missing counts count
    as 0 (as PHEindicatormethods does); a missing or zero population in any band blanks the
    unit with a warning; fewer than 10 events in total blanks it without one.
    """
    x = np.nan_to_num(counts(events, "count"), nan=0.0)
    n, _ = _populations(populations)
    w = _standard(standard, x.shape[-1])
    total_w = w.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted = (w * x / n).sum(axis=-1) / total_w
        variance = (w * w * x / (n * n)).sum(axis=-1) / total_w**2
    return _dobson(x.sum(axis=-1), weighted, variance, METHOD_DOBSON, multiplier)


def dsr_multiple_events(
    people: ArrayLike,
    frequencies: ArrayLike,
    populations: ArrayLike,
    standard: ArrayLike | None = None,
    multiplier: float = 100_000,
) -> Estimate:
    """DSR of events that a person can have more than once.

    ``people[..., k, i]`` counts the people in age band ``i`` who had ``frequencies[k]`` events;
    ``populations`` is (..., bands). The value equals :func:`dsr` of the events; the variance is
    ``sum_f f^2 var_f`` (PHEindicatormethods ``calculate_dsr``, ``independent_events = FALSE``).
    """
    p = np.nan_to_num(counts(people, "count"), nan=0.0)
    f = np.asarray(frequencies, dtype=float)
    if np.any(f < 1):
        raise ValueError("event frequencies must be 1 or more")
    n, _ = _populations(populations)
    n = n[..., np.newaxis, :]
    w = _standard(standard, p.shape[-1])
    total_w = w.sum(axis=-1)
    f_col = f[:, np.newaxis]
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted = (w * f_col * p / n).sum(axis=(-2, -1)) / total_w
        per_frequency = (w * w * p / (n * n)).sum(axis=-1) / total_w**2
        variance = (f * f * per_frequency).sum(axis=-1)
    events = (f_col * p).sum(axis=(-2, -1))
    return _dobson(events, weighted, variance, METHOD_DOBSON_MULTIPLE, multiplier)


def reference_rates(reference_events: ArrayLike, reference_populations: ArrayLike) -> Array:
    """Age-specific rates of the reference population (events / population per band)."""
    x = counts(reference_events, "reference count")
    n = counts(reference_populations, "reference population")
    if np.any(missing_or_zero(n)):
        raise ValueError("reference populations must be above zero in every age band")
    return x / n


def expected_events(populations: ArrayLike, rates: ArrayLike) -> Array:
    """``E = sum_i n_i r_i`` per unit; ``populations`` is (..., bands), ``rates`` (bands,)."""
    n = np.nan_to_num(counts(populations, "population"), nan=0.0)
    return (n * np.asarray(rates, dtype=float)).sum(axis=-1)


def _indirect(observed: ArrayLike, expected: ArrayLike, scale: float) -> Estimate:
    o = counts(observed, "observed count")
    e = counts(expected, "expected count")
    bad = missing_or_zero(e) | np.isnan(o)
    warn_blank(bad, NO_EXPECTED)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(bad, np.nan, scale / e)
        limits = scaled_limits(np.where(bad, 0, o), factor)
        return estimate(o * factor, limits, poisson_method(o), bad, NO_EXPECTED)


def isr_ratio(observed: ArrayLike, expected: ArrayLike, multiplier: float = 1) -> Estimate:
    """Indirectly standardised ratio ``O / E`` (``multiplier=100`` for an SAR or SMR)."""
    return _indirect(observed, expected, multiplier)


def isr_rate(
    observed: ArrayLike,
    expected: ArrayLike,
    reference_rate: float,
    multiplier: float = 100_000,
) -> Estimate:
    """Indirectly standardised rate ``O / E x`` the reference crude rate, x ``multiplier``."""
    return _indirect(observed, expected, reference_rate * multiplier)
