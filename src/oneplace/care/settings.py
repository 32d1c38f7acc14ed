"""The care plane's settings: typed, read from the environment, refusing placeholder secrets.

Source: issue 6, "Service and storage" (typed settings refuse placeholder secrets outside
development), and STYLE.md's fastapi/full-stack-fastapi-template, whose ``Settings`` read
``.env`` and environment variables with pydantic-settings and refuse the placeholder
"changethis" outside local development. Every variable is ``ONEPLACE_`` + the field name in
capitals:

=========================  =================================================================
``ONEPLACE_ENVIRONMENT``   ``development`` (default) or ``production``
``ONEPLACE_DATABASE_URL``  SQLAlchemy URL; default ``sqlite:///WORKSPACE/care.db``
``ONEPLACE_TOKEN_SECRET``  key that signs access tokens (HMAC-SHA256, at least 32 bytes)
``ONEPLACE_PSEUDONYM_SECRET``  key of the patient <-> ``person_id`` link (``pseudonym``)
``ONEPLACE_TOKEN_MINUTES`` access token lifetime, 1-60 minutes (default 15)
``ONEPLACE_BREAK_GLASS_HOURS``  how long a break-glass grant lasts, up to 24 (default 4)
=========================  =================================================================

In production both secrets must be given, must not be placeholders and must carry at least
32 bytes (``pseudonym.check_secret``): a missing or weak secret stops the service at start.
In development a workspace gets random secrets of its own on first use, kept in
``WORKSPACE/care-secrets.json`` (readable by its owner only), so the demo needs no set-up and
never runs on a known key.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .pseudonym import check_secret

SECRETS_FILE = "care-secrets.json"
DATABASE_FILE = "care.db"
SECRET_FIELDS = ("token_secret", "pseudonym_secret")


class CareSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONEPLACE_", extra="ignore", frozen=True)

    environment: Literal["development", "production"] = "development"
    database_url: str | None = None
    token_secret: SecretStr | None = None
    pseudonym_secret: SecretStr | None = None
    token_minutes: int = Field(default=15, ge=1, le=60)
    break_glass_hours: float = Field(default=4, gt=0, le=24)

    @model_validator(mode="after")
    def _secrets_are_real(self) -> CareSettings:
        if self.environment == "development":
            return self
        problems = []
        for name in SECRET_FIELDS:
            value = getattr(self, name)
            if value is None:
                problems.append(f"ONEPLACE_{name.upper()} is not set")
                continue
            try:
                check_secret(value.get_secret_value())
            except ValueError as error:
                problems.append(f"ONEPLACE_{name.upper()}: {error}")
        if self.database_url is None:
            problems.append("ONEPLACE_DATABASE_URL is not set")
        if problems:
            raise ValueError("production settings: " + "; ".join(problems))
        return self

    @property
    def break_glass_duration(self) -> timedelta:
        return timedelta(hours=self.break_glass_hours)

    @property
    def token_lifetime(self) -> timedelta:
        return timedelta(minutes=self.token_minutes)

    def secret(self, name: str) -> str:
        value = getattr(self, name)
        if value is None:
            raise ValueError(f"ONEPLACE_{name.upper()} is not set")
        return value.get_secret_value()

    @property
    def url(self) -> str:
        if self.database_url is None:
            raise ValueError("ONEPLACE_DATABASE_URL is not set")
        return self.database_url


def _workspace_secrets(path: Path) -> dict[str, str]:
    """The development secrets of a workspace, created (owner-only) on first use."""
    file = path / SECRETS_FILE
    if file.exists():
        return json.loads(file.read_text(encoding="utf-8"))
    values = {name: secrets.token_urlsafe(48) for name in SECRET_FIELDS}
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(values, handle, indent=2)
    return values


def settings_for(workspace: Path | None = None, **overrides: object) -> CareSettings:
    """The settings from the environment (and ``overrides``); in development, what is unset is
    filled from ``workspace``: its SQLite file and its own random secrets."""
    settings = CareSettings(**overrides)  # type: ignore[arg-type]
    if settings.environment != "development" or workspace is None:
        return settings
    workspace = Path(workspace)
    fill: dict[str, object] = {}
    if settings.database_url is None:
        fill["database_url"] = f"sqlite:///{(workspace / DATABASE_FILE).resolve()}"
    if any(getattr(settings, name) is None for name in SECRET_FIELDS):
        stored = _workspace_secrets(workspace)
        fill.update(
            {name: stored[name] for name in SECRET_FIELDS if getattr(settings, name) is None}
        )
    return CareSettings(**{**overrides, **fill}) if fill else settings  # type: ignore[arg-type]
