"""The workspace's DuckDB settings: a memory limit from the environment, or DuckDB's default."""

from __future__ import annotations

from pathlib import Path

import pytest

from oneplace.errors import WorkspaceError
from oneplace.workspace import MEMORY_LIMIT_ENV, Workspace


def _limits(ws: Workspace) -> tuple[str, str]:
    query = "SELECT current_setting('memory_limit')"
    with ws.connect(read_only=True) as con:
        plain = con.execute(query).fetchone()[0]
    with ws.ibis(read_only=True) as backend:
        through_ibis = backend.raw_sql(query).fetchone()[0]
    return plain, through_ibis


def test_memory_limit_from_the_environment_holds_on_every_connection(
    tiny_place_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    ws = Workspace.create(tmp_path / "ws", tiny_place_file)
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    default = _limits(ws)
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "300MB")
    assert _limits(ws) == ("286.1 MiB", "286.1 MiB")  # DuckDB shows 300 * 10^6 bytes in MiB
    assert default[0] != "286.1 MiB"


@pytest.mark.parametrize("value", ["lots", "4", "GB", "-1GB"])
def test_a_memory_limit_that_is_not_an_amount_is_a_user_error(
    value: str, tiny_place_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    ws = Workspace.create(tmp_path / "ws", tiny_place_file)
    monkeypatch.setenv(MEMORY_LIMIT_ENV, value)
    with pytest.raises(WorkspaceError, match=MEMORY_LIMIT_ENV), ws.connect():
        pass
