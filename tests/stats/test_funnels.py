"""Funnel-plot control limits and labels against PHEindicatormethods' published test data.

Expected values are copied from the CSV files in the testthat folder of the R package
PHEindicatormethods (ukhsa-collaboration/PHEindicatormethods, tests/testthat/), named at each
table; they are that package's (and PHE's funnel plot tools') outputs, not ours.
"""

from __future__ import annotations

import numpy as np
import pytest

from oneplace.stats import (
    StatsWarning,
    dsr_funnel_significance,
    plot_denominators,
    proportion_funnel_limits,
    proportion_funnel_significance,
    rate_funnel_limits,
    rate_funnel_significance,
    ratio_funnel_limits,
    ratio_funnel_significance,
)

# testdata_funnel_prop_outputs.csv: Population, Lower2s0025limit, Upper2s0025limit,
# Lower3s0001limit, Upper3s0001limit (percentages, 6 decimal places); Baseline 80.642448.
PROPORTION_BASELINE = 0.80642448
PROPORTION_LIMITS = [
    (1, 3.204264, 100, 0, 100),
    (2, 25.885383, 100, 0, 100),
    (3, 35.933491, 100, 10.150815, 100),
    (10, 56.154344, 100, 42.03259, 100),
    (18, 62.390093, 98.894803, 51.864359, 100),
    (41, 68.548635, 92.73626, 61.574398, 99.710497),
    (125, 73.716166, 87.56873, 69.721931, 91.562965),
    (1008, 78.203374, 83.081521, 76.796814, 84.488082),
    (9998, 79.867989, 81.416907, 79.421375, 81.863521),
    (110000, 80.408963, 80.875933, 80.274317, 81.010578),
]
# The same file's Population column: PHE's 100 x-axis points for those PCTs' denominators
# (smallest 13,551... at most half the largest, 102,950, so the axis starts at 1).
PLOT_POPULATIONS = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18, 20, 22, 24, 27, 30, 33, 37, 41, 45,
    50, 55, 61, 68, 75, 83, 92, 102, 113, 125, 139, 154, 171, 190, 211, 234, 260, 289, 321, 356,
    395, 438, 486, 539, 598, 664, 737, 818, 908, 1008, 1119, 1242, 1379, 1531, 1699, 1886, 2093,
    2323, 2578, 2861, 3175, 3524, 3911, 4341, 4818, 5348, 5936, 6588, 7312, 8116, 9008, 9998,
    11097, 12316, 13669, 15171, 16838, 18688, 20742, 23022, 25552, 28360, 31477, 34936, 38775,
    43036, 47766, 53016, 58842, 65309, 72486, 80452, 89294, 99108, 110000,
]  # fmt: skip


@pytest.mark.parametrize(("n", "lower2", "upper2", "lower3", "upper3"), PROPORTION_LIMITS)
def test_proportion_limits_match_phe_to_six_decimals(n, lower2, upper2, lower3, upper3):
    got = proportion_funnel_limits([n], PROPORTION_BASELINE, multiplier=100)
    expected = [lower2, upper2, lower3, upper3]
    actual = [got.lower2[0], got.upper2[0], got.lower3[0], got.upper3[0]]
    assert actual == pytest.approx(expected, abs=1e-6)
    assert got.baseline == pytest.approx(80.642448)


def test_plot_denominators_are_phes_axis_points():
    assert plot_denominators([13_551, 50_000, 102_950]).tolist() == PLOT_POPULATIONS


# testdata_funnel_prop_inputs.csv: Area, numerator, denominator, significance (a selection;
# the overall proportion over all its PCTs is the outputs' Baseline).
PROPORTION_UNITS = [
    ("New Forest PCT", 35078.4880000, 41980, "High (0.001)"),
    ("Norwich PCT", 24803.6256000, 31824, "Low (0.001)"),
    ("South Gloucestershire PCT", 50050.7443000, 61921, "Not significant"),
    ("Central Derby PCT", 24648.7596000, 30521, "Not significant"),
    ("West Norfolk PCT", 26789.2380000, 33012, "High (0.025)"),
    ("North Tees PCT", 36850.0492000, 45449, "High (0.025)"),
    ("Mid-Hampshire PCT", 34502.0685000, 42485, "High (0.025)"),
    ("Sheffield West PCT", 23910.2469000, 29457, "High (0.025)"),
    ("North Devon PCT", 30277.5312000, 37828, "Low (0.025)"),
    ("East Devon PCT", 21139.2936000, 25992, "High (0.025)"),
    ("Exeter PCT", 24866.9160000, 30929, "Not significant"),
    ("Heywood and Middleton PCT", 14493.3552000, 17964, "Not significant"),
    ("Bradford City PCT", 18365.4621000, 29277, "Low (0.001)"),
    ("Fylde PCT", 13551.2220000, 16386, "High (0.001)"),
    ("Sutton and Merton PCT", 81412.8600000, 102950, "Low (0.001)"),
    ("South Tyneside PCT", 29709.0543000, 36583, "High (0.025)"),
    ("North Norfolk PCT", 18504.9982000, 22739, "High (0.025)"),
    ("Rowley Regis and Tipton PCT", 13240.9172000, 16477, "Not significant"),
]


def test_proportion_labels_match_phe():
    _, x, n, expected = zip(*PROPORTION_UNITS, strict=True)
    labels = proportion_funnel_significance(x, n, baseline=PROPORTION_BASELINE)
    assert labels.tolist() == list(expected)


# testdata_funnel_ratio_outputs.csv: Observed_events, then for each limit the expected events
# at which that many observed events sit on it, and the limit as an ISR (ratio x 100).
RATIO_LIMITS = [
    # O, lower_2s_exp, lower_2s_isr, upper_2s_exp, upper_2s_isr,
    #    lower_3s_exp, lower_3s_isr, upper_3s_exp, upper_3s_isr
    (1, 5.571644585, 17.94802207, 0.025317898, 3949.774946,
     9.233410143, 10.83023482, 0.001000547, 99945.32721),
    (10, 18.39035799, 54.3763205, 4.795387629, 208.5337156,
     24.13397235, 41.43536693, 2.960519925, 337.778507),
    (100, 121.6268111, 82.21871402, 81.36400699, 122.9044681,
     134.9243187, 74.11562345, 71.92139974, 139.0406755),
    (716, 770.4222128, 92.93605352, 664.5083011, 107.7488421,
     802.60414, 89.20960712, 636.1521174, 112.5516964),
]  # fmt: skip


@pytest.mark.parametrize("row", RATIO_LIMITS, ids=lambda row: f"O={row[0]}")
def test_ratio_limits_match_phe(row):
    # PHE finds these points by bisection to about 1e-7; the limits agree to that.
    _, e_l2, l2, e_u2, u2, e_l3, l3, e_u3, u3 = row
    limits = ratio_funnel_limits([e_l2, e_u2, e_l3, e_u3], 100)
    got = [limits.lower2[0], limits.upper2[1], limits.lower3[2], limits.upper3[3]]
    assert got == pytest.approx([l2, u2, l3, u3], rel=1e-5)
    assert ratio_funnel_limits([1.0], 100).baseline == 100


# testdata_funnel_rate_outputs.csv (DSRs per 100,000 over 3 years): Events, then per limit the
# one-year population at which that many events sit on it, and the rate; baseline 116.1720835.
RATE_BASELINE = 116.1720835 / 100_000
RATE_LIMITS = [
    # Events, lower_2s_population_1_year, lower_2s_limit, upper_2s_population_1_year,
    #         upper_2s_limit, lower_3s_population_1_year, lower_3s_limit,
    #         upper_3s_population_1_year, upper_3s_limit
    (1, 1598.675694, 20.85059119, 7.264481402, 4588.535848,
     2649.348525, 12.58170943, 0.287087625, 116108.569),
    (20, 8862.823734, 75.22057153, 3505.293872, 190.1885237,
     10915.38389, 61.07587907, 2570.385518, 259.3644657),
    (1360, 411529.9259, 110.158048, 369759.5622, 122.6021934,
     424043.2424, 106.9073359, 358342.3275, 126.5084525),
]  # fmt: skip


@pytest.mark.parametrize("row", RATE_LIMITS, ids=lambda row: f"events={row[0]}")
def test_rate_limits_match_phe(row):
    _, n_l2, l2, n_u2, u2, n_l3, l3, n_u3, u3 = row
    years = 3
    limits = rate_funnel_limits(np.array([n_l2, n_u2, n_l3, n_u3]) * years, RATE_BASELINE)
    got = [limits.lower2[0], limits.upper2[1], limits.lower3[2], limits.upper3[3]]
    assert got == pytest.approx([l2, u2, l3, u3], rel=1e-5)
    assert limits.baseline == pytest.approx(116.1720835)


# testdata_funnel_rate_dsr_inputs.csv: count, rate_dsr (per 100,000), pop, and the labels
# PHE assigns: crude_per_100000_with_0 (all rows), crude_per_100000_without_0 (the zero row
# left out of the data) and dsr_per_100000_with_0.
H3, H2, L3, L2, NS = "High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)", "Not significant"
RATE_UNITS = [
    (2419, 907.6174266, 264102, H3, H3, H3),
    (2337, 948.5620216, 259711, H3, H3, H3),
    (2291, 799.9690496, 289247, H3, H3, H3),
    (2242, 852.5637927, 265029, H3, H3, H3),
    (2218, 868.5358183, 284649, H3, H3, H3),
    (2159, 769.6242217, 293578, H3, H3, H3),
    (2130, 752.3254955, 286718, H3, H3, H2),
    (2111, 710.2689402, 307381, NS, NS, NS),
    (2105, 815.3530325, 274145, H3, H3, H3),
    (2083, 717.7035916, 297424, H2, NS, NS),
    (2078, 755.8016993, 272628, H3, H3, H3),
    (2062, 825.9742848, 269656, H3, H3, H3),
    (2061, 702.2972468, 294692, H2, NS, NS),
    (2033, 785.6210132, 277710, H3, H2, H3),
    (2033, 743.6763018, 259213, H3, H3, H2),
    (2010, 781.8323058, 285516, H2, NS, H3),
    (2004, 772.6781064, 269449, H3, H3, H3),
    (2002, 652.3391553, 290888, NS, NS, L3),
    (1977, 648.4969973, 287112, NS, NS, L3),
    (1944, 727.5777428, 286492, NS, NS, NS),
    (1932, 625.6551186, 287012, NS, NS, L3),
    (1922, 688.5582424, 291277, NS, NS, NS),
    (1912, 662.4465438, 289859, NS, NS, L2),
    (1881, 627.1624732, 289653, NS, L2, L3),
    (1844, 657.1114147, 282519, NS, L2, L2),
    (1835, 724.8456714, 274220, NS, NS, NS),
    (1833, 659.7820553, 280271, NS, L2, L2),
    (1825, 654.7053631, 284206, NS, L2, L3),
    (1816, 624.4435507, 274508, NS, NS, L3),
    (1809, 646.7588823, 288384, L2, L3, L3),
    (1798, 703.1689982, 287072, L2, L3, NS),
    (1754, 567.9922764, 282744, L3, L3, L3),
    (1746, 617.7750715, 289208, L3, L3, L3),
    (1709, 610.8327232, 287736, L3, L3, L3),
    (1694, 608.5089462, 296175, L3, L3, L3),
    (1688, 662.3775859, 303255, L3, L3, L2),
    (1649, 667.6454503, 285959, L3, L3, L2),
    (1553, 604.1141693, 274661, L3, L3, L3),
    (1332, 469.5645784, 281425, L3, L3, L3),
]
ZERO_UNIT = (0, float("nan"), 297820, L3, None, "Not applicable for events less than 10 for dsrs")


def test_crude_rate_labels_match_phe_with_a_zero_count_unit():
    count, _, pop, *labels = zip(*[*RATE_UNITS, ZERO_UNIT], strict=True)
    assert rate_funnel_significance(count, pop).tolist() == list(labels[0])


def test_crude_rate_labels_match_phe_without_it():
    count, _, pop, *labels = zip(*RATE_UNITS, strict=True)
    assert rate_funnel_significance(count, pop).tolist() == list(labels[1])


def test_dsr_labels_match_phe():
    count, dsr, _, *labels = zip(*[*RATE_UNITS, ZERO_UNIT], strict=True)
    assert dsr_funnel_significance(count, dsr, 100_000).tolist() == list(labels[2])


# --- rules that need no published table ----------------------------------------------------
def test_ratio_label_is_judged_against_one_with_exact_limits_below_ten():
    # 0 observed against 3.69 expected: the exact upper 95% limit of 0 is 3.6889 < 3.69.
    labels = ratio_funnel_significance([0, 0, 30, 30], [3.70, 3.68, 10, 30])
    assert labels.tolist() == [L2, NS, H3, NS]


def test_a_zero_denominator_is_labelled_not_computed_with_a_warning():
    with pytest.warns(StatsWarning, match="1 unit"):
        labels = rate_funnel_significance([5, 10, 3], [1000, 2000, 0])
    assert labels[2] == "not computed: denominator missing or zero"
    assert labels[0] == labels[1] == NS


def test_proportion_limits_are_clipped_to_0_and_the_multiplier():
    limits = proportion_funnel_limits([1], 0.5, multiplier=1)
    assert limits.lower3[0] == 0 and limits.upper3[0] == 1
