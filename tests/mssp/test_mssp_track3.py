"""Track 3 (PY2016-2021; 75% x quality; limit 20%; chosen MSR/MLR; loss rate 1 - final sharing
rate in [40%, 75%]; loss limit 15% of benchmark): METHODS 1.5. Benchmark $100m, MSR/MLR 2%.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from oneplace.mssp import settle


def track3(aco, **fields):
    values = {"performance_year": 2018, "track": "3", "msr_choice": "2"}
    return aco(**{**values, **fields})


def test_track3_shares_75pct_x_quality(aco):
    s = settle(track3(aco, quality_score="0.8"))  # 60% of $5m x 0.98
    assert s.final_sharing_rate == Decimal("0.60") and s.shared_amount == Decimal("2940000.00")


def test_track3_payment_is_capped_at_20pct_of_benchmark(aco):
    s = settle(track3(aco, expenditure_total="60000000", quality_score="1"))  # $29.4m
    assert s.shared_amount == Decimal("20000000.00")


@pytest.mark.parametrize(
    ("quality", "loss_rate", "owed"),
    [
        ("0.9", "0.40", "4000000.00"),  # 1 - 67.5% = 32.5%, raised to the 40% floor
        ("0.5", "0.625", "6250000.00"),  # 1 - 37.5%
        ("0.2", "0.75", "7500000.00"),  # 1 - 15% = 85%, held to the 75% ceiling
    ],
)
def test_track3_loss_rate_is_1_minus_final_sharing_rate_within_40_and_75pct(
    aco, quality, loss_rate, owed
):
    s = settle(track3(aco, expenditure_total="110000000", quality_score=quality))
    assert s.shared_loss_rate == Decimal(loss_rate) and s.shared_amount == -Decimal(owed)


def test_track3_failing_the_quality_standard_owes_75pct(aco):
    s = settle(track3(aco, expenditure_total="110000000", quality_standard_met=False))
    assert s.shared_loss_rate == Decimal("0.75") and s.shared_amount == Decimal("-7500000.00")


def test_track3_loss_limit_is_15pct_of_benchmark(aco):
    s = settle(track3(aco, expenditure_total="150000000", quality_standard_met=False))
    assert s.shared_amount == Decimal("-15000000.00")  # 75% x $50m = $37.5m, held to $15m
    assert "capped by the loss limit, 15% of benchmark = $15,000,000.00" in s.rule
