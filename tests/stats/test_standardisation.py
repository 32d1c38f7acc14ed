"""Directly and indirectly standardised rates (METHODS.md 4.1; PHE Technical Guide).

Expected values are worked out here term by term in plain Python from the published formulas
(Dobson et al. 1991 with Byar's limits; O / E with exact or Byar limits), independently of the
package's array code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import gamma

from oneplace.stats import (
    ESP2013,
    ESP2013_BANDS,
    Z95,
    Z998,
    StatsWarning,
    dsr,
    dsr_multiple_events,
    expected_events,
    isr_rate,
    isr_ratio,
    reference_rates,
)

EVENTS = [1, 0, 0, 2, 3, 2, 4, 5, 6, 9, 12, 18, 25, 31, 40, 52, 61, 48, 30]
POPS = [5200, 5400, 5300, 5000, 5900, 6400, 6800, 7100, 6900, 6600, 6500, 6200, 5800, 5100,
        4300, 3300, 2300, 1300, 600]  # fmt: skip


def byar(o: float, z: float) -> tuple[float, float]:
    low = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    up = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    return low, up


def worked_dsr(events, pops, weights, multiplier=100_000):
    total_w = sum(weights)
    value = sum(w * x / n for w, x, n in zip(weights, events, pops, strict=True)) / total_w
    var = sum(w * w * x / n**2 for w, x, n in zip(weights, events, pops, strict=True)) / total_w**2
    o = sum(events)
    out = [value * multiplier]
    for z in (Z95, Z998):
        low, up = byar(o, z)
        out += [(value + math.sqrt(var / o) * (lim - o)) * multiplier for lim in (low, up)]
    return out


def test_esp2013_has_19_bands_summing_to_100000():
    assert ESP2013_BANDS[0] == "0-4" and ESP2013_BANDS[-1] == "90+" and len(ESP2013_BANDS) == 19
    assert ESP2013.sum() == 100_000
    assert ESP2013.tolist()[:4] == [5000, 5500, 5500, 5500] and ESP2013[-1] == 1000


def test_dsr_and_dobson_limits_match_the_worked_formula():
    est = dsr(EVENTS, POPS)
    expected = worked_dsr(EVENTS, POPS, ESP2013.tolist())
    got = [est.value, est.lower95, est.upper95, est.lower998, est.upper998]
    assert [float(g) for g in got] == pytest.approx(expected, rel=1e-12)
    assert est.method == "Dobson"


def test_equal_rates_in_every_band_give_that_rate_whatever_the_weights():
    est = dsr([10] * 19, [10_000] * 19, multiplier=100_000)
    assert float(est.value) == pytest.approx(100.0)


def test_dsr_with_fewer_than_10_events_is_not_published():
    est = dsr([1] * 9 + [0] * 10, POPS)
    assert math.isnan(est.value) and math.isnan(est.upper998)
    assert est.method == "not published: fewer than 10 events"
    assert not math.isnan(dsr([1] * 10 + [0] * 9, POPS).value)


def test_dsr_is_vectorised_over_areas_and_takes_another_standard():
    esp1976 = [8000, 7000, 7000, 7000, 7000, 7000, 7000, 7000, 7000, 7000, 7000, 6000, 5000,
               4000, 3000, 2000, 1000, 1000]  # fmt: skip
    events = [EVENTS[:17] + [EVENTS[17] + EVENTS[18]]] * 2
    pops = [POPS[:17] + [POPS[17] + POPS[18]]] * 2
    est = dsr(events, pops, standard=esp1976, multiplier=1000)
    assert est.value.shape == (2,)
    assert est.upper95[1] == pytest.approx(worked_dsr(events[0], pops[0], esp1976, 1000)[2])


def test_a_zero_population_band_blanks_that_area_with_a_warning():
    pops = [POPS, [*POPS[:18], 0]]
    with pytest.warns(StatsWarning, match="population missing or zero"):
        est = dsr([EVENTS, EVENTS], pops)
    assert not math.isnan(est.value[0]) and math.isnan(est.value[1])


def test_several_events_per_person_keep_the_value_and_widen_the_limits():
    # people[f][band]: people with f events in each band; frequencies 1, 2 and 3.
    ones = [x - 5 if x >= 5 else x for x in EVENTS]
    twos = [int(x >= 5) for x in EVENTS]
    threes = [int(x >= 5) for x in EVENTS]  # 2 + 3 events from two people in busy bands
    events = [a + 2 * b + 3 * c for a, b, c in zip(ones, twos, threes, strict=True)]
    assert events == EVENTS
    people = [ones, twos, threes]
    est = dsr_multiple_events(people, [1, 2, 3], POPS)
    plain = dsr(events, POPS)
    assert float(est.value) == pytest.approx(float(plain.value), rel=1e-12)
    w, total_w = ESP2013.tolist(), ESP2013.sum()
    var = sum(
        f * f * sum(wi * wi * p / n**2 for wi, p, n in zip(w, row, POPS, strict=True)) / total_w**2
        for f, row in zip([1, 2, 3], people, strict=True)
    )
    o = sum(events)
    low, _ = byar(o, Z95)
    expected_lower = float(plain.value) / 100_000 + math.sqrt(var / o) * (low - o)
    assert float(est.lower95) == pytest.approx(expected_lower * 100_000, rel=1e-12)
    assert est.lower95 < plain.lower95 and est.upper95 > plain.upper95
    assert est.method == "Dobson, several events per person"


def test_one_event_each_is_the_plain_dsr():
    est = dsr_multiple_events([EVENTS], [1], POPS)
    plain = dsr(EVENTS, POPS)
    assert float(est.upper998) == pytest.approx(float(plain.upper998), rel=1e-12)


# --- indirect standardisation ------------------------------------------------------------------
def test_isr_ratio_is_observed_over_expected_with_count_limits():
    rates = reference_rates([10, 40, 150], [10_000, 8_000, 5_000])
    e = expected_events([[2_000, 1_000, 400]], rates)
    assert e[0] == pytest.approx(2_000 * 0.001 + 1_000 * 0.005 + 400 * 0.03)
    est = isr_ratio([4], e, multiplier=100)
    assert est.value[0] == pytest.approx(4 / 19 * 100)
    assert est.lower95[0] == pytest.approx(gamma.ppf(0.025, 4) / 19 * 100, abs=1e-9)
    assert est.upper998[0] == pytest.approx(gamma.ppf(0.999, 5) / 19 * 100, abs=1e-9)


def test_isr_ratio_uses_byar_from_10():
    est = isr_ratio([25], [20.0])
    low, up = byar(25, Z95)
    assert (est.lower95[0], est.upper95[0]) == pytest.approx((low / 20, up / 20), abs=1e-12)
    assert est.method[0] == "Byar"


def test_isr_rate_is_the_ratio_times_the_reference_crude_rate():
    est = isr_rate([25], [20.0], reference_rate=0.004, multiplier=100_000)
    assert est.value[0] == pytest.approx(25 / 20 * 400)
    assert est.upper95[0] == pytest.approx(byar(25, Z95)[1] / 20 * 400, abs=1e-9)


def test_zero_expected_is_blank_with_a_warning():
    with pytest.warns(StatsWarning, match="expected"):
        est = isr_ratio([0, 3], [0.0, 2.0])
    assert np.isnan(est.value[0]) and est.value[1] == 1.5
