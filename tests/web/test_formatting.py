"""Numbers on the page: exact money, percentages, years, and the disclosure-control hook."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from oneplace.web.formatting import INTERNAL, MISSING, SUPPRESSED, Formatter, fy_label


@pytest.mark.parametrize(("fy", "label"), [(2024, "2024/25"), (1999, "1999/00"), (2009, "2009/10")])
def test_financial_year_is_labelled_by_start_and_end(fy: int, label: str) -> None:
    assert fy_label(fy) == label


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1234567.49"), "£1,234,567"),
        (Decimal("1234567.50"), "£1,234,568"),  # half up, not banker's rounding
        (Decimal("2.50"), "£3"),
        (Decimal("-1234.00"), "−£1,234"),
        (0, "£0"),
        (None, MISSING),
        (float("nan"), MISSING),
        (Decimal("NaN"), MISSING),
        (pd.NA, MISSING),
    ],
)
def test_money_is_whole_pounds_with_separators(value: object, text: str) -> None:
    assert INTERNAL.money(value) == text


def test_money_in_millions_and_per_head() -> None:
    assert INTERNAL.money_m(Decimal("12345678.00")) == "£12.3m"
    assert INTERNAL.money_m(Decimal("950000")) == "£1.0m"
    assert INTERNAL.per_head(Decimal("1000001") / 628) == "£1,592.36"


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.4523, "45.2%"), (Decimal("0.00045"), "0.0%"), (1, "100.0%"), (None, MISSING)],
)
def test_percent_of_a_fraction(value: object, text: str) -> None:
    assert INTERNAL.percent(value) == text


def test_signed_money_shows_direction() -> None:
    assert INTERNAL.signed_money(Decimal("1")) == "+£1"
    assert INTERNAL.signed_money(Decimal("-138052.4")) == "−£138,052"
    assert INTERNAL.signed_money(Decimal("0")) == "£0"


def test_internal_counts_are_shown_as_they_are() -> None:
    assert INTERNAL.count(3) == "3"
    assert INTERNAL.count(12345) == "12,345"
    assert INTERNAL.count(pd.NA) == MISSING


def test_a_public_variant_can_suppress_and_round_counts() -> None:
    public = Formatter(count_control=lambda n: None if n < 5 else 5 * round(n / 5))
    assert public.count(3) == SUPPRESSED
    assert public.count(12) == "10"
    assert public.count(12348) == "12,350"
    assert public.count(None) == MISSING
