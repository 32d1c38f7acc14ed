"""Poisson limits, crude rates and proportions (METHODS.md 4.1; PHE Technical Guide).

Expected values are computed here independently of the package: exact Poisson limits from
scipy's gamma quantiles (the same distribution as the chi-square route the code takes), Byar's
formula written out term by term, and Wilson intervals from ``scipy.stats.binomtest``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest, gamma

from oneplace.stats import (
    Z95,
    Z998,
    StatsWarning,
    byar_limits,
    crude_rate,
    exact_limits,
    poisson_limits,
    proportion,
    wilson_limits,
)


def test_z_values_are_the_published_ones():
    assert round(Z95, 6) == 1.959964
    assert round(Z998, 6) == 3.090232


def test_zero_events_have_exact_limits_0_and_minus_log_0025():
    low, up = poisson_limits([0])
    assert low[0] == 0
    assert up[0] == pytest.approx(-math.log(0.025), abs=1e-12)  # 3.6889
    assert round(up[0], 4) == 3.6889


@pytest.mark.parametrize("o", range(1, 10))
@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_counts_under_10_use_the_exact_method(o, confidence):
    tail = (1 - confidence) / 2
    low, up = poisson_limits([o], confidence)
    assert low[0] == pytest.approx(gamma.ppf(tail, o), abs=1e-9)
    assert up[0] == pytest.approx(gamma.ppf(1 - tail, o + 1), abs=1e-9)


@pytest.mark.parametrize("o", [10, 65, 1045])
@pytest.mark.parametrize(
    ("confidence", "z"), [(0.95, 1.959963984540054), (0.998, 3.090232306167813)]
)
def test_counts_of_10_and_more_use_byar(o, confidence, z):
    lower = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    low, up = poisson_limits([o], confidence)
    assert (low[0], up[0]) == pytest.approx((lower, upper), abs=1e-9)


def test_byar_is_within_02_percent_of_exact_from_10_events_at_95():
    # PHE Technical Guide "Confidence intervals", Appendix 1.
    o = np.arange(10, 2000)
    for byar, exact in zip(byar_limits(o), exact_limits(o), strict=True):
        assert np.max(np.abs(byar / exact - 1)) < 0.002


def test_crude_rate_is_count_limits_over_denominator():
    est = crude_rate([3, 40], [2_000, 80_000], multiplier=100_000)
    assert est.value.tolist() == pytest.approx([150, 50])
    assert est.lower95[0] == pytest.approx(gamma.ppf(0.025, 3) / 2_000 * 100_000, abs=1e-9)
    assert est.upper998[0] == pytest.approx(gamma.ppf(0.999, 4) / 2_000 * 100_000, abs=1e-9)
    z = Z95
    byar_upper = 41 * (1 - 1 / (9 * 41) + z / (3 * math.sqrt(41))) ** 3
    assert est.upper95[1] == pytest.approx(byar_upper / 80_000 * 100_000, abs=1e-9)
    assert est.method.tolist() == ["exact Poisson", "Byar"]


def test_missing_or_zero_denominators_are_blank_with_a_warning():
    with pytest.warns(StatsWarning, match="2 unit"):
        est = crude_rate([3, 4, 5], [0, float("nan"), 100])
    assert np.isnan(est.value[:2]).all() and np.isnan(est.upper998[:2]).all()
    assert est.method[0] == "not computed: denominator missing or zero"
    assert est.value[2] == 5_000


def test_negative_counts_are_an_error():
    with pytest.raises(ValueError, match="negative"):
        crude_rate([-1], [100])


@pytest.mark.parametrize(("x", "n"), [(65, 100), (1045, 5000), (1, 3), (17, 17), (0, 40)])
@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_proportion_limits_are_wilson_without_continuity_correction(x, n, confidence):
    expected = binomtest(x, n).proportion_ci(confidence_level=confidence, method="wilson")
    est = proportion([x], [n], multiplier=100)
    low, up = (est.lower95, est.upper95) if confidence == 0.95 else (est.lower998, est.upper998)
    assert low[0] == pytest.approx(expected.low * 100, abs=1e-9)
    assert up[0] == pytest.approx(expected.high * 100, abs=1e-9)
    assert est.value[0] == pytest.approx(x / n * 100)
    assert est.method[0] == "Wilson"


def test_wilson_at_0_of_n_and_n_of_n():
    low, up = wilson_limits([0, 20], [20, 20])
    assert low[0] == 0 and up[1] == 1
    z2 = Z95**2
    assert up[0] == pytest.approx(z2 / (20 + z2), abs=1e-12)  # (0 + z^2 + z*z) / 2(n + z^2)
    assert low[1] == pytest.approx(20 / (20 + z2), abs=1e-12)


def test_proportion_numerator_above_denominator_is_an_error():
    with pytest.raises(ValueError, match="exceed"):
        proportion([5], [4])


def test_proportion_zero_denominator_is_blank_with_a_warning():
    with pytest.warns(StatsWarning):
        est = proportion([0, 1], [0, 2])
    assert np.isnan(est.value[0]) and est.value[1] == 0.5
