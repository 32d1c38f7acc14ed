"""METHODS.md 1.3's worked examples: N = 20,000, per-capita benchmark $12,000 ($240m in all).

METHODS's examples leave out sequestration. Our PY2019-onward rule book applies it (2% of
every shared-savings payment from April 2013 on, METHODS 1.5), so the savings examples check
both figures: the share before sequestration (METHODS's $2.88m and $5.40m) and the payment
after it (x 0.98). Losses are not sequestered: those examples match as written.
"""

from __future__ import annotations

from decimal import Decimal

from oneplace.mssp import settle

BENCHMARK = "240000000"  # 20,000 x $12,000
SAVED_3PCT = "232800000"  # 20,000 x $11,640: 3.0% saved, $7.2m
OVER_2_5PCT = "246000000"  # 20,000 x $12,300: 2.5% over, $6.0m


def test_level_a_shares_40pct_of_savings_once_3pct_savings_meet_the_2_5pct_msr(aco):
    result = settle(
        aco(
            performance_year=2024,
            track="A",
            assigned_beneficiaries=20_000,
            benchmark_total=BENCHMARK,
            expenditure_total=SAVED_3PCT,
        )
    )
    assert result.msr == Decimal("0.025") and result.msr_met
    assert result.savings == Decimal("7200000")
    assert result.earned_before_sequestration == Decimal("2880000.00")  # METHODS: $2.88m
    assert result.payment_limit == Decimal("24000000.00")  # the $24m cap does not bind
    assert result.shared_amount == Decimal("2822400.00")  # x 0.98 sequestration


def test_enhanced_shares_75pct_of_the_same_savings(aco):
    result = settle(
        aco(
            performance_year=2024,
            track="ENHANCED",
            assigned_beneficiaries=20_000,
            benchmark_total=BENCHMARK,
            expenditure_total=SAVED_3PCT,
            msr_choice="variable",
        )
    )
    assert result.earned_before_sequestration == Decimal("5400000.00")  # METHODS: $5.40m
    assert result.shared_amount == Decimal("5292000.00")


def test_level_e_loss_is_held_to_8pct_of_participant_revenue(aco):
    result = settle(
        aco(
            performance_year=2024,
            track="E",
            assigned_beneficiaries=20_000,
            benchmark_total=BENCHMARK,
            expenditure_total=OVER_2_5PCT,
            msr_choice="2",
            participant_revenue="20000000",
        )
    )
    # 30% x $6.0m = $1.8m, over min(8% x $20m = $1.6m, 4% x $240m = $9.6m).
    assert result.mlr_met and result.loss_limit == Decimal("1600000.00")
    assert result.shared_amount == Decimal("-1600000.00")


def test_enhanced_loss_rate_1_minus_75pct_x_quality_085_is_raised_to_the_40pct_floor(aco):
    result = settle(
        aco(
            performance_year=2024,
            track="ENHANCED",
            assigned_beneficiaries=20_000,
            benchmark_total=BENCHMARK,
            expenditure_total=OVER_2_5PCT,
            quality_score="0.85",
            msr_choice="2",
        )
    )
    # 1 - 0.75 x 0.85 = 0.3625 (METHODS prints 0.36), floored to 40%: 40% x $6.0m = $2.4m.
    assert result.shared_loss_rate == Decimal("0.40")
    assert result.shared_amount == Decimal("-2400000.00")
