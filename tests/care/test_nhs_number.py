"""NHS number validation (NHS Data Dictionary, "NHS NUMBER", modulus 11) and synthetic numbers
from the test range 999 000 0000 - 999 999 9999."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oneplace.care.nhs_number import (
    SYNTHETIC_CAPACITY,
    check_digit,
    format_nhs_number,
    is_synthetic,
    is_valid,
    normalise,
    synthetic_nhs_numbers,
)

# 943 476 5919, the worked example of Wikipedia's "NHS number" article, by hand:
#   9x10 + 4x9 + 3x8 + 4x7 + 7x6 + 6x5 + 5x4 + 9x3 + 1x2
#   = 90 + 36 + 24 + 28 + 42 + 30 + 20 + 27 + 2 = 299
#   299 = 27 x 11 + 2, remainder 2; 11 - 2 = 9, the tenth digit.
WIKIPEDIA_EXAMPLE = "943 476 5919"

# The first nine digits 999 000 00x, by hand: 9x10 + 9x9 + 9x8 = 90 + 81 + 72 = 243, plus
# the eighth and ninth digits times 3 and 2.
#   999 000 000: 243             = 22 x 11 + 1;  11 - 1 = 10: refused, no number starts so
#   999 000 001: 243 + 1x2 = 245 = 22 x 11 + 3;  11 - 3 = 8 -> 999 000 0018
#   999 000 002: 243 + 2x2 = 247 = 22 x 11 + 5;  11 - 5 = 6 -> 999 000 0026
#   999 000 003: 243 + 3x2 = 249 = 22 x 11 + 7;  11 - 7 = 4 -> 999 000 0034
#   999 000 004: 243 + 4x2 = 251 = 22 x 11 + 9;  11 - 9 = 2 -> 999 000 0042
#   999 000 005: 243 + 5x2 = 253 = 23 x 11 + 0;  11 - 0 = 11, so 0 -> 999 000 0050
#   999 000 006: 243 + 6x2 = 255 = 23 x 11 + 2;  11 - 2 = 9 -> 999 000 0069
#   999 000 010: 243 + 1x3 = 246 = 22 x 11 + 4;  11 - 4 = 7 -> 999 000 0107
HAND_COMPUTED = {
    "999000001": 8,
    "999000002": 6,
    "999000010": 7,
    "999000003": 4,
    "999000006": 9,
    "999000004": 2,
    "999000005": 0,
}


@pytest.mark.parametrize(
    "value", [WIKIPEDIA_EXAMPLE, "9434765919", "943-476-5919", " 943 476 5919 "]
)
def test_published_example_validates_in_common_formats(value):
    assert normalise(value) == "9434765919"
    assert format_nhs_number(value) == "943 476 5919"
    assert is_valid(value)


def test_published_example_check_digit_by_hand():
    assert check_digit("943476591") == 9


@pytest.mark.parametrize(("first_nine", "digit"), sorted(HAND_COMPUTED.items()))
def test_check_digits_computed_by_hand(first_nine, digit):
    assert check_digit(first_nine) == digit
    assert normalise(f"{first_nine}{digit}") == f"{first_nine}{digit}"


def test_eleven_gives_check_digit_zero():
    assert normalise("999 000 0050") == "9990000050"


def test_check_digit_ten_is_refused():
    assert check_digit("999000000") is None
    for last in "0123456789":
        with pytest.raises(ValueError, match="check digit 10"):
            normalise(f"999000000{last}")


def test_wrong_check_digit_names_the_rule():
    with pytest.raises(ValueError, match="check digit is 8, modulus 11 gives 9"):
        normalise("943 476 5918")


@pytest.mark.parametrize("value", ["943476591", "94347659190", "", "   ", "943 476 591"])
def test_wrong_length_is_refused(value):
    with pytest.raises(ValueError, match="must have 10 digits"):
        normalise(value)


@pytest.mark.parametrize(
    "value",
    [
        "943.476.5919",
        "943/476/5919",
        "94347659I9",
        "+9434765919",
        "943\t476\t5919",
        "٩٤٣٤٧٦٥٩١٩",  # Arabic-Indic digits: str.isdigit() is True, but they are not 0-9
        "９４３４７６５９１９",  # fullwidth digits
    ],
)
def test_non_digits_are_refused(value):
    with pytest.raises(ValueError, match="only the digits 0-9"):
        normalise(value)
    assert not is_valid(value)


def test_a_number_is_refused_as_an_int():
    with pytest.raises(TypeError):
        normalise(9434765919)  # type: ignore[arg-type]
    assert not is_valid(9434765919)  # type: ignore[arg-type]


def test_check_digit_needs_nine_digits():
    with pytest.raises(ValueError):
        check_digit("94347659")
    with pytest.raises(ValueError):
        check_digit("94347659x")


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


def _valid_from(first_nine: str) -> str | None:
    digit = check_digit(first_nine)
    return None if digit is None else f"{first_nine}{digit}"


valid_numbers = nine_digits.map(_valid_from).filter(lambda n: n is not None)


@given(valid_numbers, st.integers(0, 9), st.integers(1, 9))
def test_every_single_digit_error_is_detected(number, position, shift):
    # Changing digit i by d (d not 0 mod 11) changes the weighted sum, check digit weighted 1,
    # by w_i x d, and 11 being prime with every weight in 1..10 that is never 0 mod 11.
    wrong = str((int(number[position]) + shift) % 10)
    changed = number[:position] + wrong + number[position + 1 :]
    assert changed != number
    assert not is_valid(changed)


@given(valid_numbers, st.integers(0, 9), st.integers(0, 9))
def test_every_transposition_of_different_digits_is_detected(number, i, j):
    if number[i] == number[j]:
        return
    swapped = list(number)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    assert not is_valid("".join(swapped))


@given(st.integers(0, 2**32), st.integers(1, 50))
def test_synthetic_numbers_validate_lie_in_the_test_range_and_differ(seed, count):
    numbers = synthetic_nhs_numbers(count, random.Random(seed))
    assert len(numbers) == len(set(numbers)) == count
    for number in numbers:
        assert normalise(number) == number
        assert 999_000_0000 <= int(number) <= 999_999_9999
        assert is_synthetic(number)


def test_synthetic_numbers_are_reproducible_from_the_seed():
    assert synthetic_nhs_numbers(20, random.Random(7)) == synthetic_nhs_numbers(
        20, random.Random(7)
    )
    assert synthetic_nhs_numbers(20, random.Random(7)) != synthetic_nhs_numbers(
        20, random.Random(8)
    )


def test_real_ranges_are_not_synthetic():
    assert not is_synthetic(WIKIPEDIA_EXAMPLE)


def test_synthetic_capacity_is_the_count_of_valid_numbers_in_the_range():
    counted = sum(check_digit(f"999{n:06d}") is not None for n in range(10**6))
    assert counted == SYNTHETIC_CAPACITY


def test_more_synthetic_numbers_than_the_range_holds_is_refused():
    with pytest.raises(ValueError, match="holds 909091"):
        synthetic_nhs_numbers(SYNTHETIC_CAPACITY + 1, random.Random(0))
    with pytest.raises(ValueError):
        synthetic_nhs_numbers(-1, random.Random(0))
