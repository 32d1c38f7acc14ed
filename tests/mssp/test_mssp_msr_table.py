"""The variable MSR (METHODS 1.2): linear within each band, ends as published."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oneplace.mssp import problems, settle
from oneplace.mssp.rules import variable_msr


def test_variable_msr_interpolates_12000_beneficiaries_to_2_88pct():
    # 3.0% at 10,000 to 2.7% at 14,999: 3.0 - 0.3 x 2,000/4,999 = 2.87998% (METHODS: 2.88%).
    msr = variable_msr(12_000)
    assert msr == Decimal("0.030") - Decimal("0.003") * 2_000 / 4_999
    assert round(msr * 100, 2) == Decimal("2.88")


@pytest.mark.parametrize(
    ("assigned", "msr"),
    [
        (5_000, "0.039"),
        (5_999, "0.036"),
        (6_000, "0.036"),
        (6_999, "0.034"),
        (9_999, "0.030"),
        (10_000, "0.030"),
        (14_999, "0.027"),
        (15_000, "0.027"),
        (19_999, "0.025"),
        (20_000, "0.025"),
        (49_999, "0.022"),
        (50_000, "0.022"),
        (59_999, "0.020"),
        (60_000, "0.020"),
        (1_000_000, "0.020"),
    ],
)
def test_variable_msr_takes_the_published_rate_at_each_band_end(assigned, msr):
    assert variable_msr(assigned) == Decimal(msr)


def test_variable_msr_divides_by_the_band_width_less_one_as_cms_did():
    # PUF PY2014, ACO A84830: 6,850 beneficiaries, MinSavPerc 3.42982983.
    assert variable_msr(6_850) == Decimal("0.036") - Decimal("0.002") * 850 / 999
    assert abs(variable_msr(6_850) * 100 - Decimal("3.42982983")) < Decimal("1e-8")


def test_variable_msr_below_5000_follows_the_puf_line_from_5pct_at_3000_to_3_9pct():
    assert variable_msr(3_000) == Decimal("0.050")
    assert variable_msr(4_999) == Decimal("0.039")
    # PUF PY2014, ACO A02854: 3,498 beneficiaries, MinSavPerc 4.725962982.
    assert abs(variable_msr(3_498) * 100 - Decimal("4.725962982")) < Decimal("1e-9")


def test_variable_msr_is_undefined_below_3000_and_such_a_row_is_refused(aco):
    assert variable_msr(2_999) is None
    found = problems(aco(assigned_beneficiaries=2_999))
    assert found == ["no variable MSR for 2,999 assigned beneficiaries (the table starts at 3,000)"]


def test_a_chosen_msr_needs_no_table_below_3000(aco):
    small = aco(
        performance_year=2018,
        track="3",
        assigned_beneficiaries=2_000,
        msr_choice="1",
        quality_score="0.9",
    )
    assert problems(small) == [] and settle(small).msr == Decimal("0.01")


def test_variable_msr_never_rises_with_more_beneficiaries():
    rates = [variable_msr(n) for n in range(3_000, 61_000, 7)]
    assert all(a >= b for a, b in zip(rates, rates[1:], strict=False))
