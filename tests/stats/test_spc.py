"""XmR charts and the NHS "Making Data Count" special-cause rules, one rule per test.

Each series is made by hand so that exactly one rule fires where the test says.
"""

from __future__ import annotations

import numpy as np
import pytest

from oneplace.stats import StatsWarning, xmr


def test_limits_are_the_mean_plus_or_minus_266_mean_moving_ranges():
    chart = xmr([1, 3, 2, 4, 3])
    assert chart.mean == pytest.approx(2.6)
    assert chart.moving_ranges[1:].tolist() == [2, 1, 2, 1]
    assert np.isnan(chart.moving_ranges[0])
    assert chart.mean_moving_range == pytest.approx(1.5)
    assert chart.upper_limit == pytest.approx(2.6 + 2.66 * 1.5)
    assert chart.lower_limit == pytest.approx(2.6 - 2.66 * 1.5)
    assert not chart.high.any() and not chart.low.any()


def test_a_point_outside_the_limits_is_special_cause():
    values = [10, 20, 10, 20, 10, 20, 10, 20, 10, 80, 10, 20, 10, 20]
    chart = xmr(values)
    assert chart.upper_limit < 80
    assert chart.rules[9] == "outside limits" and chart.high[9]
    assert chart.high.sum() == 1 and not chart.low.any()


def test_a_run_of_7_on_one_side_of_the_mean_is_a_shift():
    chart = xmr([5, 6, 5, 6, 5, 6, 5, 7, 8, 7, 8, 7, 8, 7])
    assert all(rule == "shift" for rule in chart.rules)
    assert chart.low[:7].all() and chart.high[7:].all()


def test_a_run_of_6_is_not_a_shift():
    chart = xmr([5, 6, 5, 6, 5, 6, 8, 9, 8, 9, 8, 9])
    assert "shift" not in set(chart.rules)


def test_seven_points_each_higher_than_the_last_are_a_trend():
    chart = xmr([1, 2, 3, 4, 5, 6, 7, 3, 4, 3, 4])
    assert all("trend" in rule for rule in chart.rules[:7])
    assert chart.high[:7].all()
    assert not any("trend" in rule for rule in chart.rules[7:])


def test_six_points_rising_are_not_a_trend():
    chart = xmr([1, 2, 3, 4, 5, 6, 2, 3, 2, 3])
    assert not any("trend" in rule for rule in chart.rules)


def test_falling_trends_are_low():
    chart = xmr([9, 8, 7, 6, 5, 4, 3, 6, 5, 6, 5])
    assert chart.low[:7].all()


def test_two_of_three_points_beyond_two_sigma_on_one_side():
    values = [10, 10.4, 10, 10.4, 10, 10.4, 10, 11.6, 10.4, 11.6, 10, 10.4, 10, 10.4, 10, 10.4]
    chart = xmr(values)
    two_sigma = chart.mean + 2 / 3 * (chart.upper_limit - chart.mean)
    assert two_sigma < 11.6 < chart.upper_limit
    flagged = [i for i, rule in enumerate(chart.rules) if rule]
    assert flagged == [7, 9]
    assert chart.rules[7] == "two of three beyond 2 sigma" and chart.high[7]


def test_screening_leaves_out_moving_ranges_over_3267_times_their_mean():
    values = [10, 11, 10, 11, 10, 11, 10, 11, 10, 40, 10, 11]
    plain, screened = xmr(values), xmr(values, screen_outliers=True)
    assert screened.mean_moving_range < plain.mean_moving_range
    assert screened.mean_moving_range == pytest.approx(1.0)


def test_missing_points_are_left_out_with_a_warning():
    with pytest.warns(StatsWarning, match="missing value"):
        chart = xmr([1, 3, float("nan"), 2, 4, 3])
    assert chart.mean == pytest.approx(2.6)
    assert chart.moving_ranges[3] == 1  # 2 against 3, across the gap
    assert not chart.high[2] and chart.rules[2] == ""
