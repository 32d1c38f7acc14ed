"""Track 2 (two-sided; 60% x quality; limit 15%; loss rate 1 - final sharing rate in [40%, 60%];
loss limit 5% / 7.5% / 10% of benchmark in agreement years 1 / 2 / 3): METHODS 1.5.

PY2014: flat 2% MSR/MLR; from PY2016 chosen as Track 1+. Benchmark $100m, quality 0.9 (final
sharing rate 54%, loss rate 46%) unless said otherwise.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from oneplace.mssp import problems, settle


def track2(aco, **fields):
    return aco(track="2", **fields)


def test_track2_py2014_shares_60pct_x_quality_above_a_flat_2pct_msr(aco):
    # 5,000 beneficiaries: Track 1 would need 3.9%; Track 2's flat MSR is 2%.
    s = settle(track2(aco, assigned_beneficiaries=5_000, expenditure_total="97500000"))
    assert s.msr == Decimal("0.02") and s.final_sharing_rate == Decimal("0.54")
    assert s.shared_amount == Decimal("1323000.00")  # $2.5m x 54% x 0.98


def test_track2_payment_is_capped_at_15pct_of_benchmark(aco):
    s = settle(track2(aco, expenditure_total="60000000", quality_score="1"))  # $23.52m
    assert s.shared_amount == Decimal("15000000.00")


def test_track2_losses_below_the_2pct_mlr_are_not_owed(aco):
    s = settle(track2(aco, expenditure_total="101500000"))
    assert not s.mlr_met and s.shared_amount == 0
    assert s.rule == "PY2014 Track 2: losses 1.50% of benchmark < flat MLR 2.00%: nothing owed"


def test_track2_owes_1_minus_final_sharing_rate_of_losses_at_the_mlr(aco):
    s = settle(track2(aco, expenditure_total="102000000"))  # exactly 2%: owed
    assert s.mlr_met and s.shared_loss_rate == Decimal("0.46")
    assert s.shared_amount == Decimal("-920000.00")


@pytest.mark.parametrize(
    ("agreement_year", "owed"), [(1, "5000000.00"), (2, "7500000.00"), (3, "10000000.00")]
)
def test_track2_loss_limit_is_5_7_5_10pct_of_benchmark_by_agreement_year(aco, agreement_year, owed):
    # $30m over x 46% = $13.8m, above every year's limit.
    s = settle(track2(aco, expenditure_total="130000000", agreement_year=agreement_year))
    assert s.loss_limit == Decimal(owed) and s.shared_amount == -Decimal(owed)
    assert f"(agreement year {agreement_year})" in s.rule


def test_track2_loss_under_the_limit_is_owed_in_full(aco):
    s = settle(track2(aco, expenditure_total="110000000", agreement_year=3))
    assert s.shared_amount == Decimal("-4600000.00")  # $10m x 46% < $10m limit


def test_track2_loss_rate_is_held_to_the_60pct_ceiling(aco):
    s = settle(track2(aco, expenditure_total="110000000", quality_score="0.5", agreement_year=3))
    assert s.shared_loss_rate == Decimal("0.60")  # 1 - 30% = 70%, held to 60%
    assert s.shared_amount == Decimal("-6000000.00")


def test_track2_full_quality_gives_the_40pct_floor_loss_rate(aco):
    s = settle(track2(aco, expenditure_total="110000000", quality_score="1", agreement_year=3))
    assert s.shared_loss_rate == Decimal("0.40") and s.shared_amount == Decimal("-4000000.00")


def test_track2_failing_the_quality_standard_owes_at_the_60pct_maximum(aco):
    s = settle(
        track2(aco, expenditure_total="110000000", quality_standard_met=False, agreement_year=3)
    )
    assert s.final_sharing_rate == 0 and s.shared_loss_rate == Decimal("0.60")
    assert s.shared_amount == Decimal("-6000000.00")


def test_track2_py2014_takes_no_chosen_msr(aco):
    assert problems(track2(aco, msr_choice="1.5")) == [
        "msr_choice 1.5 is not allowed: Track 2 in PY2014 has a flat 2%"
    ]
    assert problems(track2(aco, msr_choice="2.0")) == []


def test_track2_from_py2016_takes_a_chosen_msr(aco):
    s = settle(track2(aco, performance_year=2016, msr_choice="0", expenditure_total="99500000"))
    assert s.msr == 0 and s.shared_amount == Decimal("264600.00")  # $0.5m x 54% x 0.98


def test_track2_has_no_loss_limit_after_agreement_year_3(aco):
    assert problems(track2(aco, agreement_year=4)) == [
        "agreement_year 4 has no loss limit: Track 2 in PY2014 sets it for agreement years 1-3"
    ]
