"""Typed settings: production refuses missing, placeholder and short secrets; development fills
what is unset from the workspace (its SQLite file and random secrets of its own)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from oneplace.care.settings import CareSettings, settings_for

GOOD = "x" * 40


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "DATABASE_URL", "TOKEN_SECRET", "PSEUDONYM_SECRET"):
        monkeypatch.delenv(f"ONEPLACE_{name}", raising=False)


def production(**overrides: object) -> CareSettings:
    values = {
        "environment": "production",
        "database_url": "postgresql+psycopg://db/care",
        "token_secret": GOOD,
        "pseudonym_secret": GOOD + "y",
        **overrides,
    }
    return CareSettings(**values)


def test_good_production_settings_are_accepted() -> None:
    settings = production()
    assert settings.secret("token_secret") == GOOD
    assert settings.break_glass_duration.total_seconds() == 4 * 3600
    assert GOOD not in repr(settings)  # secrets are not printed


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"token_secret": "changethis"}, "ONEPLACE_TOKEN_SECRET: .*placeholder"),
        ({"pseudonym_secret": "ChangeThis-please-" + "x" * 30}, "PSEUDONYM_SECRET: .*placeholder"),
        ({"token_secret": "short"}, "ONEPLACE_TOKEN_SECRET: .*at least 32"),
        ({"token_secret": None}, "ONEPLACE_TOKEN_SECRET is not set"),
        ({"database_url": None}, "ONEPLACE_DATABASE_URL is not set"),
        ({"token_minutes": 0}, "token_minutes"),
        ({"break_glass_hours": 48}, "break_glass_hours"),
    ],
)
def test_production_refuses_weak_or_missing_settings(overrides: dict, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        production(**overrides)


def test_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEPLACE_ENVIRONMENT", "production")
    monkeypatch.setenv("ONEPLACE_DATABASE_URL", "postgresql+psycopg://db/care")
    monkeypatch.setenv("ONEPLACE_TOKEN_SECRET", "changethis")
    monkeypatch.setenv("ONEPLACE_PSEUDONYM_SECRET", GOOD)
    with pytest.raises(ValidationError, match="placeholder"):
        settings_for(None)
    monkeypatch.setenv("ONEPLACE_TOKEN_SECRET", GOOD + "z")
    assert settings_for(None).token_minutes == 15


def test_development_fills_the_workspace_database_and_its_own_secrets(tmp_path: Path) -> None:
    first = settings_for(tmp_path)
    assert first.url == f"sqlite:///{(tmp_path / 'care.db').resolve()}"
    stored = json.loads((tmp_path / "care-secrets.json").read_text())
    assert first.secret("token_secret") == stored["token_secret"]
    assert (
        len(stored["token_secret"]) >= 48 and stored["token_secret"] != stored["pseudonym_secret"]
    )
    assert (tmp_path / "care-secrets.json").stat().st_mode & 0o777 == 0o600
    again = settings_for(tmp_path)
    assert again.secret("pseudonym_secret") == first.secret("pseudonym_secret")
    other = tmp_path / "other"
    other.mkdir()
    assert settings_for(other).secret("token_secret") != first.secret("token_secret")


def test_development_keeps_what_the_environment_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEPLACE_DATABASE_URL", "postgresql+psycopg://db/dev")
    monkeypatch.setenv("ONEPLACE_TOKEN_SECRET", GOOD)
    settings = settings_for(tmp_path)
    assert settings.url == "postgresql+psycopg://db/dev"
    assert settings.secret("token_secret") == GOOD
    assert json.loads((tmp_path / "care-secrets.json").read_text())["pseudonym_secret"]
