"""Life expectancy (Chiang II, Silcocks) against PHEindicatormethods' published answer.

The data and expected values are ``df1`` and ``answer1`` of PHEindicatormethods'
tests/testthat/testLifeExpectancy.R (ukhsa-collaboration/PHEindicatormethods), which that
package checks to 4 decimal places.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from oneplace.stats import LE_BANDS, StatsWarning, life_expectancy

POPS = [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209, 56416,
        46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936]  # fmt: skip
DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605,
          1936, 1937]  # fmt: skip
VALUE = [80.16960813, 79.36245674, 75.44193645, 70.47299936, 65.52909542, 60.67510088,
         55.78835987, 50.92752727, 46.06740425, 41.24505636, 36.49322717, 31.83343842,
         27.26027992, 22.9719144, 18.76856852, 14.95858336, 11.51684445, 8.618849241,
         6.163942934, 6.16210635]  # fmt: skip
LOWER = [79.88268548, 79.0898816, 75.17407307, 70.20675732, 65.26548673, 60.41876577,
         55.53801579, 50.68279939, 45.82666794, 41.00842831, 36.26223216, 31.60996318,
         27.04337271, 22.76653134, 18.57570352, 14.77985004, 11.34831778, 8.451134045,
         5.978358351, 5.887683386]  # fmt: skip
UPPER = [80.45653078, 79.63503188, 75.70979983, 70.7392414, 65.79270412, 60.931436,
         56.03870395, 51.17225516, 46.30814055, 41.48168441, 36.72422219, 32.05691365,
         27.47718713, 23.17729746, 18.96143352, 15.13731667, 11.68537112, 8.786564437,
         6.349527517, 6.436529314]  # fmt: skip


def test_life_expectancy_at_every_age_matches_phe():
    result = life_expectancy(DEATHS, POPS)
    assert result.value == pytest.approx(VALUE, abs=1e-8)
    # The published limits agree to 1e-5 (the R test's 4 decimal places); they were made with
    # z = 1.96 rather than 1.959964, a difference of about 5e-6 years here.
    assert result.lower95 == pytest.approx(LOWER, abs=1e-5)
    assert result.upper95 == pytest.approx(UPPER, abs=1e-5)
    assert set(result.method) == {"Chiang II, Silcocks for the 90+ band"}


def test_the_998_limits_use_the_same_standard_error():
    result = life_expectancy(DEATHS, POPS)
    se = (result.upper95 - result.value) / 1.959963984540054
    assert result.upper998 - result.value == pytest.approx(3.090232306167813 * se, rel=1e-12)


def test_many_areas_in_one_call():
    two = life_expectancy([DEATHS, DEATHS], [POPS, POPS])
    assert two.value.shape == (2, 20)
    assert two.value[1] == pytest.approx(VALUE, abs=1e-8)


def test_bands_are_0_1_4_then_fives_to_90_plus():
    assert LE_BANDS[:3] == ("0", "1-4", "5-9") and LE_BANDS[-2:] == ("85-89", "90+")
    assert len(LE_BANDS) == 20


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d, p: p.__setitem__(5, 0), "population missing or zero"),
        (lambda d, p: d.__setitem__(18, 20_000), "more deaths than population"),
        (lambda d, p: d.__setitem__(19, 0), "no deaths in the 90+ band"),
    ],
)
def test_unusable_inputs_blank_the_area_with_a_warning(change, reason):
    deaths, pops = list(DEATHS), list(POPS)
    change(deaths, pops)
    with pytest.warns(StatsWarning, match=re.escape(reason)):
        result = life_expectancy(deaths, pops)
    assert np.isnan(result.value).all() and np.isnan(result.lower95).all()
    assert reason in result.method[0]


def test_a_total_population_of_5000_or_less_is_not_computed():
    # PHEindicatormethods' df_low_pops: 2,783 people in all.
    pops = [128, 152, 120, 176, 194, 180, 145, 149, 107, 185, 165, 109, 100, 122, 133, 189,
            123, 121, 147, 138]  # fmt: skip
    deaths = [58, 93, 78, 94, 59, 71, 80, 73, 69, 72, 91, 69, 78, 71, 54, 91, 82, 53, 50, 84]
    with pytest.warns(StatsWarning, match="5,000 or less"):
        result = life_expectancy(deaths, pops)
    assert np.isnan(result.value).all()


def test_one_bad_area_does_not_blank_the_others():
    with pytest.warns(StatsWarning):
        result = life_expectancy([DEATHS, [0] * 20], [POPS, POPS])
    assert result.value[0] == pytest.approx(VALUE, abs=1e-8)
    assert np.isnan(result.value[1]).all()


def test_a_value_with_a_95_interval_over_20_years_is_blank_but_its_limits_are_kept():
    deaths = [0] * 19 + [1]
    pops = [300] * 19 + [6]
    with pytest.warns(StatsWarning, match="wider than 20 years"):
        result = life_expectancy(deaths, pops)
    wide = result.method == "not published: 95% interval wider than 20 years"
    assert wide.any()
    assert np.isnan(result.value[wide]).all()
    assert np.isfinite(result.lower95[wide]).all()


def test_negative_deaths_are_an_error():
    with pytest.raises(ValueError, match="negative"):
        life_expectancy([-1, *DEATHS[1:]], POPS)
