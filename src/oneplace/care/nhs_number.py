"""The NHS number: validation by its modulus-11 check digit, and synthetic numbers for demos.

Source: NHS Data Dictionary, attribute "NHS NUMBER"
(https://archive.datadictionary.nhs.uk/DD%20Release%20August%202021/attributes/nhs_number.html):
10 numeric digits, the tenth a check digit validated by the Modulus 11 algorithm, whose use is
mandatory. Step 1, multiply each of the first nine digits by a weighting factor, 10 for the
first digit down to 2 for the ninth; step 2, add the products; step 3, divide the total by 11
and take the remainder; step 4, subtract the remainder from 11 to give the check digit, 11
giving 0 and 10 meaning the number is invalid and never used; step 5, the check digit must
equal the tenth digit.

Synthetic numbers come only from 999 000 0000 - 999 999 9999, the range that is valid by the
checksum but is never issued to a patient, set aside for testing (Wikipedia, "NHS number",
https://en.wikipedia.org/wiki/NHS_number, "for test purposes, this range is valid but is
guaranteed never to be issued"; likewise the nhs-number crate's documentation of the testable
range, https://docs.rs/crate/nhs-number/latest/source/docs/ranges/README.md). A demo roster
therefore can never carry a real person's number.
"""

from __future__ import annotations

import random
import re

WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
"""Data Dictionary step 1: the weighting factor of digit positions 1 to 9."""

SYNTHETIC_PREFIX = "999"
"""Every number of the test range 999 000 0000 - 999 999 9999 starts with these digits."""

_FORMATTING = re.compile(r"[ \-]")
_ASCII_DIGITS = re.compile(r"[0-9]*")


def check_digit(first_nine: str) -> int | None:
    """The check digit of nine ASCII digits (Data Dictionary steps 1-4), or None where the
    modulus-11 result is 10: no NHS number starts with those nine digits."""
    if len(first_nine) != 9 or not _ASCII_DIGITS.fullmatch(first_nine):
        raise ValueError(f"check_digit needs nine digits, got {first_nine!r}")
    total = sum(int(d) * w for d, w in zip(first_nine, WEIGHTS, strict=True))
    result = 11 - total % 11
    if result == 11:
        return 0
    return None if result == 10 else result


def normalise(value: str) -> str:
    """The ten digits of a valid NHS number, given with or without spaces and hyphens
    ("943 476 5919", "943-476-5919", "9434765919"); raises ValueError naming the rule broken."""
    if not isinstance(value, str):
        raise TypeError(f"an NHS number is given as text, not {type(value).__name__}")
    digits = _FORMATTING.sub("", value.strip())
    if not _ASCII_DIGITS.fullmatch(digits):
        raise ValueError(
            f"NHS number {value!r}: only the digits 0-9, spaces and hyphens are allowed"
        )
    if len(digits) != 10:
        raise ValueError(f"NHS number {value!r}: must have 10 digits, has {len(digits)}")
    expected = check_digit(digits[:9])
    if expected is None:
        raise ValueError(
            f"NHS number {value!r}: its first nine digits give check digit 10, "
            "so no NHS number starts with them (modulus 11)"
        )
    if int(digits[9]) != expected:
        raise ValueError(
            f"NHS number {value!r}: check digit is {digits[9]}, modulus 11 gives {expected}"
        )
    return digits


def is_valid(value: str) -> bool:
    """Whether ``value`` is a valid NHS number (see ``normalise``)."""
    try:
        normalise(value)
    except (TypeError, ValueError):
        return False
    return True


def format_nhs_number(value: str) -> str:
    """A valid NHS number in the 3-3-4 display format, e.g. "943 476 5919"."""
    digits = normalise(value)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def is_synthetic(value: str) -> bool:
    """Whether a valid NHS number lies in the test range 999 000 0000 - 999 999 9999."""
    return normalise(value).startswith(SYNTHETIC_PREFIX)


SYNTHETIC_CAPACITY = 909_091
"""How many valid numbers the test range holds: a million nine-digit starts, less those whose
check digit would be 10 (counted by the tests)."""


def synthetic_nhs_numbers(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct valid NHS numbers from the test range, drawn with ``rng`` (a seeded
    ``random.Random``, never the global generator, so a roster is reproducible)."""
    if not 0 <= count <= SYNTHETIC_CAPACITY:
        raise ValueError(
            f"the test range holds {SYNTHETIC_CAPACITY} valid NHS numbers; asked for {count}"
        )
    seen: set[str] = set()
    numbers: list[str] = []
    while len(numbers) < count:
        first_nine = f"{SYNTHETIC_PREFIX}{rng.randrange(10**6):06d}"
        digit = check_digit(first_nine)
        if digit is None or first_nine in seen:
            continue
        seen.add(first_nine)
        numbers.append(f"{first_nine}{digit}")
    return numbers
