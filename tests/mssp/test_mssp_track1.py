"""Track 1 (one-sided; 50% x quality; payment limit 10% of benchmark; variable MSR): METHODS 1.5.

12,000 beneficiaries give an MSR of 2.87998%; the benchmark is $100m unless said otherwise.
"""

from __future__ import annotations

from decimal import Decimal

from oneplace.mssp import problems, settle


def test_track1_shares_50pct_x_quality_of_all_savings_once_the_msr_is_met(aco):
    s = settle(aco(expenditure_total="95000000"))  # 5% saved, quality 0.9: rate 45%
    assert s.msr_met and s.final_sharing_rate == Decimal("0.45")
    assert s.earned_before_sequestration == Decimal("2250000.00")
    assert s.shared_amount == Decimal("2205000.00")  # x 0.98
    assert s.rule == (
        "PY2014 Track 1: savings rate 5.00% >= MSR 2.88%; 50% x quality 0.900 = 45.00%; "
        "x 0.98 sequestration; under the 10% of benchmark cap"
    )


def test_track1_shares_nothing_when_savings_fall_short_of_the_msr(aco):
    s = settle(aco(expenditure_total="97500000"))  # 2.5% < 2.88%
    assert not s.msr_met and s.shared_amount == 0
    assert s.rule == "PY2014 Track 1: savings rate 2.50% < MSR 2.88%: nothing shared"


def test_track1_savings_exactly_at_the_msr_are_shared_from_the_first_dollar(aco):
    s = settle(aco(assigned_beneficiaries=60_000, expenditure_total="98000000"))  # 2% = MSR
    assert s.msr_met and s.shared_amount == Decimal("882000.00")  # $2m x 45% x 0.98


def test_track1_owes_nothing_on_losses_it_is_one_sided(aco):
    s = settle(aco(expenditure_total="130000000"))
    assert s.shared_amount == 0 and not s.mlr_met and s.shared_loss_rate is None
    assert "one-sided, no losses owed" in s.rule


def test_track1_payment_is_capped_at_10pct_of_benchmark(aco):
    s = settle(aco(expenditure_total="70000000", quality_score="1"))  # $30m x 50% x 0.98
    assert s.shared_amount == Decimal("10000000.00")
    assert "= $14,700,000.00; capped at 10% of benchmark = $10,000,000.00" in s.rule


def test_track1_payment_limit_binds_on_the_sequestered_amount(aco):
    # $20.2m x 50% = $10.1m is over the $10m limit, but x 0.98 = $9.898m is not (METHODS 1.5).
    s = settle(aco(expenditure_total="79800000", quality_score="1"))
    assert s.earned_before_sequestration > s.payment_limit
    assert s.shared_amount == Decimal("9898000.00")


def test_track1_failing_the_quality_standard_shares_nothing(aco):
    s = settle(aco(quality_standard_met=False))
    assert s.msr_met and s.final_sharing_rate == 0 and s.shared_amount == 0
    assert "quality standard not met: final sharing rate 0, so nothing is shared" in s.rule


def test_track1_pay_for_reporting_counts_as_quality_1(aco):
    s = settle(aco(quality_score="P4R"))
    assert s.final_sharing_rate == Decimal("0.5") and s.shared_amount == Decimal("2450000.00")
    assert "50% x quality 1 (P4R) = 50.00%" in s.rule


def test_track1_takes_no_chosen_msr(aco):
    assert problems(aco(msr_choice="1.5")) == [
        "msr_choice 1.5 is not allowed: Track 1 in PY2014 uses the variable MSR"
    ]
    assert problems(aco(msr_choice="variable")) == []


def test_track1_needs_a_quality_score_when_the_standard_is_met(aco):
    assert problems(aco(quality_score=None)) == [
        "quality_score is needed: the final sharing rate in PY2014 is the maximum x quality score"
    ]
    assert problems(aco(quality_score=None, quality_standard_met=False)) == []


def test_track1_rule_shows_enough_decimals_to_tell_savings_rate_from_msr(aco):
    s = settle(aco(expenditure_total="97120100"))  # 2.8799% saved, MSR 2.87998%
    assert s.rule == "PY2014 Track 1: savings rate 2.8799% < MSR 2.8800%: nothing shared"
