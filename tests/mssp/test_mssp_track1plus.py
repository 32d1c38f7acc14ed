"""Track 1+ (PY2018-2019; two-sided; 50% x quality; limit 10%; chosen MSR/MLR; loss rate fixed
30%; loss limit 8% of participant revenue, at most 4% of benchmark; benchmark-based 4% when
no revenue is given): METHODS 1.5 and the reading in ``oneplace.mssp.rules``.
"""

from __future__ import annotations

from decimal import Decimal

from oneplace.mssp import problems, settle


def plus(aco, **fields):
    values = {"performance_year": 2018, "track": "1+", "msr_choice": "2"}
    return aco(**{**values, **fields})


def test_track1plus_chosen_1_5pct_msr_shares_savings_the_variable_msr_would_not(aco):
    chosen = settle(plus(aco, msr_choice="1.5", expenditure_total="98400000"))  # 1.6% saved
    assert chosen.msr == Decimal("0.015") and chosen.shared_amount == Decimal("705600.00")
    variable = settle(plus(aco, msr_choice=None, expenditure_total="98400000"))  # MSR 2.88%
    assert not variable.msr_met and variable.shared_amount == 0


def test_track1plus_zero_msr_shares_any_savings(aco):
    s = settle(plus(aco, msr_choice="0", expenditure_total="99900000"))
    assert s.shared_amount == Decimal("44100.00")  # $100k x 45% x 0.98


def test_track1plus_owes_a_fixed_30pct_of_losses_whatever_the_quality(aco):
    for met in (True, False):
        s = settle(
            plus(
                aco,
                expenditure_total="110000000",
                participant_revenue="50000000",
                quality_standard_met=met,
            )
        )
        assert s.shared_loss_rate == Decimal("0.30") and s.shared_amount == Decimal("-3000000.00")


def test_track1plus_loss_limit_is_8pct_of_participant_revenue(aco):
    s = settle(plus(aco, expenditure_total="110000000", participant_revenue="20000000"))
    assert s.loss_limit == Decimal("1600000.00") and s.shared_amount == Decimal("-1600000.00")
    assert "8% of participant revenue (not above 4% of benchmark)" in s.rule


def test_track1plus_revenue_based_limit_is_capped_at_4pct_of_benchmark(aco):
    s = settle(plus(aco, expenditure_total="120000000", participant_revenue="100000000"))
    assert s.loss_limit == Decimal("4000000.00") and s.shared_amount == Decimal("-4000000.00")


def test_track1plus_without_revenue_takes_the_benchmark_based_4pct_limit(aco):
    s = settle(plus(aco, expenditure_total="120000000"))
    assert s.shared_amount == Decimal("-4000000.00")
    assert "benchmark-based: no participant revenue given" in s.rule


def test_track1plus_losses_below_the_chosen_mlr_are_not_owed(aco):
    s = settle(plus(aco, expenditure_total="101900000"))
    assert s.shared_amount == 0 and "losses 1.90% of benchmark < chosen MLR 2.00%" in s.rule


def test_track1plus_msr_choices_are_0_to_2pct_in_half_points_or_variable(aco):
    assert problems(plus(aco, msr_choice="2.5")) == [
        "msr_choice 2.5 is not allowed: Track 1+ in PY2018 takes 0, 0.5, 1, 1.5, 2 or variable"
    ]
    assert problems(plus(aco, msr_choice="variable")) == []
