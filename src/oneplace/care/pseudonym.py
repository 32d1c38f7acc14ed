"""The keyed pseudonym that links a care-plane patient to the analytics plane's ``person_id``.

Source: issue 6, "What it holds": the link between a patient and the analytics plane's
pseudonymous ``person_id`` is a keyed hash (HMAC with a secret from settings), so the analytics
plane never holds identities. HMAC is RFC 2104 over SHA-256 (FIPS 180-4), the message being
the normalised ten-digit NHS number. Without the secret the pseudonym cannot be recomputed
from a guessed NHS number (there are only ten billion of them, so an unkeyed hash could be
reversed by trying each). Settings refuse placeholder secrets, as
fastapi/full-stack-fastapi-template's do ("changethis"); the secret must also carry at least
32 bytes, the length of the SHA-256 output (RFC 2104, section 3: keys shorter than the hash
output are discouraged).
"""

from __future__ import annotations

import hashlib
import hmac

from .nhs_number import normalise

MIN_SECRET_BYTES = 32
PLACEHOLDER = "changethis"


def check_secret(secret: str | bytes) -> bytes:
    """The secret as bytes; raises ValueError for an empty, placeholder or short secret."""
    raw = secret.encode() if isinstance(secret, str) else bytes(secret)
    if not raw.strip():
        raise ValueError("the pseudonym secret is empty; set one in the settings")
    if PLACEHOLDER.encode() in raw.lower():
        raise ValueError(f"the pseudonym secret is the placeholder {PLACEHOLDER!r}; set a real one")
    if len(raw) < MIN_SECRET_BYTES:
        raise ValueError(
            f"the pseudonym secret has {len(raw)} bytes; it needs at least {MIN_SECRET_BYTES}"
        )
    return raw


def person_link(nhs_number: str, secret: str | bytes) -> str:
    """HMAC-SHA256 (64 hex digits) of the normalised NHS number under ``secret``: the same
    person always gets the same link, and another secret gives another link."""
    key = check_secret(secret)
    return hmac.new(key, normalise(nhs_number).encode("ascii"), hashlib.sha256).hexdigest()
