"""BASIC levels A-E (PY2019 on; METHODS 1.3). A and B: one-sided, 40%, variable MSR. C-E:
50%, fixed 30% loss rate, loss limit r% of participant revenue capped at b% of benchmark.
Payment limit 10%. Quality: max x score in PY2019-2020, the full rate from PY2021; failing the
standard shares nothing, except from PY2023 at max x score when a score above 0 is given.
Benchmark $100m, 12,000 beneficiaries (MSR 2.88%), 5% saved unless said otherwise.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from oneplace.mssp import problems, settle


def basic(aco, level, **fields):
    values = {"performance_year": 2022, "track": level}
    if level in "CDE":
        values |= {"msr_choice": "2", "participant_revenue": "40000000"}
    return aco(**{**values, **fields})


def test_basic_a_shares_the_full_40pct_from_py2021_when_the_standard_is_met(aco):
    s = settle(basic(aco, "A"))
    assert s.final_sharing_rate == Decimal("0.40") and s.shared_amount == Decimal("1960000.00")
    assert "quality standard met: full 40%" in s.rule


def test_basic_a_shares_40pct_x_quality_in_py2019_2020(aco):
    s = settle(basic(aco, "A", performance_year=2020))
    assert s.final_sharing_rate == Decimal("0.36") and s.shared_amount == Decimal("1764000.00")


def test_basic_b_failing_the_quality_standard_before_py2023_shares_nothing(aco):
    s = settle(basic(aco, "B", quality_standard_met=False, quality_score="0.6"))
    assert s.final_sharing_rate == 0 and s.shared_amount == 0


def test_basic_b_failing_the_standard_from_py2023_with_a_score_shares_max_x_score(aco):
    s = settle(
        basic(aco, "B", performance_year=2024, quality_standard_met=False, quality_score="0.6")
    )
    assert s.final_sharing_rate == Decimal("0.24") and s.shared_amount == Decimal("1176000.00")
    assert "quality standard not met, alternative: 40% x quality 0.600 = 24.00%" in s.rule


def test_basic_b_failing_the_standard_without_a_score_shares_nothing(aco):
    for score in (None, "0"):
        s = settle(
            basic(aco, "B", performance_year=2024, quality_standard_met=False, quality_score=score)
        )
        assert s.final_sharing_rate == 0 and s.shared_amount == 0


def test_basic_a_is_one_sided(aco):
    s = settle(basic(aco, "A", expenditure_total="120000000"))
    assert s.shared_amount == 0 and s.loss_limit is None


def test_basic_a_payment_is_capped_at_10pct_of_benchmark(aco):
    s = settle(basic(aco, "A", expenditure_total="60000000"))  # $40m x 40% x 0.98 = $15.68m
    assert s.shared_amount == Decimal("10000000.00")


def test_basic_a_and_b_take_no_chosen_msr(aco):
    assert problems(basic(aco, "A", msr_choice="1")) == [
        "msr_choice 1 is not allowed: BASIC Level A in PY2022 uses the variable MSR"
    ]


def test_basic_c_shares_50pct(aco):
    s = settle(basic(aco, "C"))
    assert s.final_sharing_rate == Decimal("0.50") and s.shared_amount == Decimal("2450000.00")


@pytest.mark.parametrize(
    ("level", "revenue", "owed"),
    [
        ("C", "40000000", "800000.00"),  # 2% of revenue, under 1% of benchmark ($1m)
        ("C", "100000000", "1000000.00"),  # 2% of revenue = $2m, capped at 1% of benchmark
        ("D", "40000000", "1600000.00"),  # 4% of revenue, under 2% of benchmark ($2m)
        ("D", "100000000", "2000000.00"),  # 4% of revenue = $4m, capped at 2%
        ("E", "20000000", "1600000.00"),  # 8% of revenue, under 4% of benchmark ($4m)
        ("E", "100000000", "4000000.00"),  # 8% of revenue = $8m, capped at 4%
    ],
)
def test_basic_c_d_e_loss_limit_is_revenue_based_capped_by_benchmark(aco, level, revenue, owed):
    # $20m over x 30% = $6m, above every limit here.
    s = settle(basic(aco, level, expenditure_total="120000000", participant_revenue=revenue))
    assert s.shared_loss_rate == Decimal("0.30") and s.shared_amount == -Decimal(owed)


def test_basic_e_loss_under_its_limit_is_30pct_of_losses(aco):
    s = settle(basic(aco, "E", expenditure_total="110000000"))  # limit $3.2m
    assert s.shared_amount == Decimal("-3000000.00")


def test_basic_losses_do_not_scale_with_quality(aco):
    for met, score in ((True, "1"), (True, "0.3"), (False, None)):
        s = settle(
            basic(
                aco,
                "E",
                expenditure_total="110000000",
                quality_standard_met=met,
                quality_score=score,
            )
        )
        assert s.shared_loss_rate == Decimal("0.30") and s.shared_amount == Decimal("-3000000.00")


def test_basic_c_d_e_need_participant_revenue(aco):
    assert problems(basic(aco, "D", participant_revenue=None)) == [
        "participant_revenue is needed: BASIC Level D in PY2022's loss limit is 4% of ACO "
        "participants' revenue"
    ]
