"""Sign-in for the embedded default: argon2 password hashes and signed short-lived tokens.

Sources: issue 6, "Interoperability at the edge" (OAuth2 password flow issuing signed
short-lived tokens, passwords hashed with argon2; the token verifier is one function so an
NHS identity provider can replace it). Passwords are hashed with Argon2id (RFC 9106) by
argon2-cffi's ``PasswordHasher`` with its defaults (RFC 9106's second recommended option).
Tokens are JSON Web Tokens (RFC 7519) signed with HMAC-SHA256 (JWS, RFC 7515; ``HS256``),
carrying the user id (``sub``), issue and expiry times and the issuer; PyJWT checks the
signature, the algorithm (only ``HS256`` is accepted, so an unsigned ``alg: none`` token is
refused), the expiry and the issuer.

``verify_token`` is the only place a bearer token is trusted: the service calls whatever
function ``create_app`` was given (this one by default), so an NHS identity provider (NHS CIS2,
OpenID Connect) replaces it by passing a function that checks that provider's tokens and
returns the same ``Principal``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .settings import CareSettings

ALGORITHM = "HS256"
ISSUER = "oneplace-care-plane"
MIN_PASSWORD_CHARS = 12

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("a password no user has, to spend the same time")


class InvalidToken(Exception):
    """A bearer token that is not signed by us, has expired or is malformed."""


@dataclass(frozen=True)
class Principal:
    """Who a verified token speaks for: the care plane's user id."""

    user_id: str


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    return _hasher.hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``. A user without a hash (an identity
    provider's user) never matches, and takes as long to refuse as a wrong password."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(user_id: str, settings: CareSettings, now: datetime) -> str:
    """A signed access token for ``user_id``, valid for ``settings.token_minutes``."""
    claims = {
        "sub": user_id,
        "iss": ISSUER,
        "iat": int(now.timestamp()),
        "exp": int((now + settings.token_lifetime).timestamp()),
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, settings.secret("token_secret"), algorithm=ALGORITHM)


def verify_token(token: str, settings: CareSettings, now: datetime) -> Principal:
    """The one token verifier: the principal of a token we signed that is valid at ``now``
    (the service's clock); ``InvalidToken`` otherwise."""
    try:
        claims = jwt.decode(
            token,
            settings.secret("token_secret"),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss"], "verify_exp": False},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from None
    moment = now.timestamp()
    if not isinstance(claims["exp"], int) or not isinstance(claims["iat"], int):
        raise InvalidToken("the token's times are not whole seconds")
    if moment >= claims["exp"]:
        raise InvalidToken("the token has expired")
    if claims["iat"] > moment + 60:
        raise InvalidToken("the token was issued in the future")
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("the token names no user")
    return Principal(user_id=subject)
