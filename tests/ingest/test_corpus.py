"""Every file of tests/corpus gives the outcome tests/corpus/expected.csv documents."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from ingest_helpers import CORPUS, count, quarantined

from oneplace.errors import LoadError
from oneplace.ingest import load_file
from oneplace.workspace import Workspace


def _manifest() -> dict[str, list[dict[str, str]]]:
    with (CORPUS / "expected.csv").open(newline="") as f:
        out: dict[str, list[dict[str, str]]] = {}
        for line in csv.DictReader(f):
            out.setdefault(line["file"], []).append(line)
    return out


MANIFEST = _manifest()


def test_every_corpus_file_is_in_the_manifest():
    files = {p.name for p in CORPUS.iterdir() if p.is_file()} - {"expected.csv", "README.md"}
    assert files == set(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_corpus_file(name: str, based_ws: Workspace):
    lines = MANIFEST[name]
    table = lines[0]["table"]
    before = count(based_ws, table)
    if lines[0]["error"]:
        with pytest.raises(LoadError) as err:
            load_file(based_ws, table, CORPUS / name)
        message = str(err.value)
        assert "\n" not in message
        assert message.startswith(str(CORPUS / name) + ": ")
        assert lines[0]["error"] in message
        assert count(based_ws, table) == before
        assert quarantined(based_ws) == []
        return
    result = load_file(based_ws, table, CORPUS / name)
    expected = sorted(
        (int(x["row"]), x["column"], x["rule"], x["severity"]) for x in lines if x["rule"]
    )
    assert quarantined(based_ws) == expected
    assert result.loaded == int(lines[0]["loaded"])
    assert count(based_ws, table) == before + result.loaded
    assert result.rows_read == len(Path(CORPUS / name).read_text().splitlines()) - 1
