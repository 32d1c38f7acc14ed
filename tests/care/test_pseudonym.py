"""The keyed pseudonym linking a care-plane patient to the analytics plane's person_id
(issue 6: HMAC with a secret from settings)."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oneplace.care.pseudonym import MIN_SECRET_BYTES, person_link

SECRET = "s" * 31 + "-a-test-secret-of-enough-bytes"
OTHER_SECRET = "t" * 31 + "-another-secret-of-enough-bytes"


def test_is_hmac_sha256_of_the_normalised_number():
    expected = hmac.new(SECRET.encode(), b"9434765919", hashlib.sha256).hexdigest()
    assert person_link("943 476 5919", SECRET) == expected
    assert len(expected) == 64 and int(expected, 16) >= 0


def test_is_deterministic_across_formats():
    links = {person_link(v, SECRET) for v in ("9434765919", "943 476 5919", "943-476-5919")}
    assert len(links) == 1


def test_depends_on_the_secret_and_the_number():
    assert person_link("9434765919", SECRET) != person_link("9434765919", OTHER_SECRET)
    assert person_link("9434765919", SECRET) != person_link("9990000018", SECRET)
    assert person_link("9434765919", SECRET.encode()) == person_link("9434765919", SECRET)


def test_is_not_the_nhs_number_nor_its_plain_hash():
    link = person_link("9434765919", SECRET)
    assert "9434765919" not in link
    assert link != hashlib.sha256(b"9434765919").hexdigest()


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (b"", "empty"),
        ("changethis", "placeholder"),
        ("ChangeThis" * 4, "placeholder"),
        ("x" * (MIN_SECRET_BYTES - 1), "31 bytes"),
    ],
)
def test_refuses_empty_placeholder_and_short_secrets(secret, message):
    with pytest.raises(ValueError, match=message):
        person_link("9434765919", secret)


def test_thirty_two_bytes_is_enough_and_counts_bytes_not_characters():
    assert MIN_SECRET_BYTES == 32
    person_link("9434765919", "x" * 32)
    person_link("9434765919", "é" * 16)  # 16 characters, 32 bytes in UTF-8


def test_refuses_an_invalid_nhs_number():
    with pytest.raises(ValueError, match="check digit"):
        person_link("943 476 5918", SECRET)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.binary(min_size=32))
def test_links_are_64_hex_digits(first_nine, secret):
    from oneplace.care.nhs_number import check_digit

    digit = check_digit(first_nine)
    if digit is None or b"changethis" in secret.lower() or not secret.strip():
        return
    link = person_link(f"{first_nine}{digit}", secret)
    assert len(link) == 64 and set(link) <= set("0123456789abcdef")
