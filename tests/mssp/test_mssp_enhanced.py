"""ENHANCED (PY2019 on; METHODS 1.3): 75%, payment limit 20%, chosen MSR/MLR, loss rate
1 - 75% x quality score in [40%, 75%] (75% when the standard is failed), loss limit 15% of
benchmark. Benchmark $100m, MSR/MLR 2%, PY2022 unless said otherwise.
"""

from __future__ import annotations

from decimal import Decimal

from oneplace.mssp import problems, settle


def enhanced(aco, **fields):
    values = {"performance_year": 2022, "track": "ENHANCED", "msr_choice": "2"}
    return aco(**{**values, **fields})


def test_enhanced_shares_the_full_75pct_from_py2021(aco):
    s = settle(enhanced(aco))
    assert s.final_sharing_rate == Decimal("0.75") and s.shared_amount == Decimal("3675000.00")


def test_enhanced_shares_75pct_x_quality_in_py2019_2020(aco):
    s = settle(enhanced(aco, performance_year=2019, quality_score="0.8"))
    assert s.final_sharing_rate == Decimal("0.60") and s.shared_amount == Decimal("2940000.00")


def test_enhanced_payment_is_capped_at_20pct_of_benchmark(aco):
    s = settle(enhanced(aco, expenditure_total="60000000"))  # $40m x 75% x 0.98 = $29.4m
    assert s.shared_amount == Decimal("20000000.00")


def test_enhanced_loss_rate_is_1_minus_75pct_x_quality(aco):
    s = settle(enhanced(aco, expenditure_total="110000000", quality_score="0.6"))
    assert s.shared_loss_rate == Decimal("0.55") and s.shared_amount == Decimal("-5500000.00")


def test_enhanced_loss_rate_is_75pct_when_the_quality_standard_is_failed(aco):
    s = settle(enhanced(aco, expenditure_total="110000000", quality_standard_met=False))
    assert s.shared_loss_rate == Decimal("0.75") and s.shared_amount == Decimal("-7500000.00")


def test_enhanced_alternative_quality_shares_savings_but_losses_stay_at_75pct(aco):
    failed = {"performance_year": 2024, "quality_standard_met": False, "quality_score": "0.6"}
    saving = settle(enhanced(aco, **failed))
    assert saving.final_sharing_rate == Decimal("0.45")
    losing = settle(enhanced(aco, expenditure_total="110000000", **failed))
    assert losing.shared_loss_rate == Decimal("0.75")


def test_enhanced_loss_limit_is_15pct_of_benchmark(aco):
    s = settle(enhanced(aco, expenditure_total="150000000", quality_standard_met=False))
    assert s.shared_amount == Decimal("-15000000.00")


def test_enhanced_losses_below_the_mlr_are_not_owed(aco):
    s = settle(enhanced(aco, expenditure_total="101000000"))
    assert not s.mlr_met and s.shared_amount == 0


def test_enhanced_needs_a_quality_score_for_its_loss_rate(aco):
    assert problems(enhanced(aco, quality_score=None)) == [
        "quality_score is needed: ENHANCED's shared loss rate is 1 - 75% x quality"
    ]
