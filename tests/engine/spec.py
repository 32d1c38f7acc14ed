"""Spec tests in the manner of ehrQL: a tiny table of people and events, the result
expression, and the rows expected. The same specs run on DuckDB here and on Spark in
``tests/parity``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from oneplace.backends import read_parquet_inputs, to_arrow
from oneplace.engine import CANONICAL_TABLES, RESULTS, Inputs
from oneplace.place import Budget, Finance, PopulationHealth, parse_place
from oneplace.workspace import place_tables


@dataclass(frozen=True)
class Spec:
    """One rule: given ``tables`` (rows per canonical table), ``result`` gives ``expect``
    (rows, compared on the columns they name, in any order)."""

    rule: str
    result: Callable[[Inputs], ibis.Table]
    tables: dict[str, list[dict]]
    expect: list[dict]
    fy: tuple[int, ...] = (2024,)
    columns: tuple[str, ...] = field(default=())
    health: dict[str, Any] = field(default_factory=dict)  # population_health settings
    budgets: tuple = ()  # pooled budgets: Budget objects or dicts of Budget's fields
    finance: dict[str, Any] = field(default_factory=dict)  # finance settings (Finance fields)
    place: str | None = None  # a place file (YAML) to use instead of the tiny place
    xfail: str = ""  # a known engine bug: the spec is expected to fail until it is fixed
    # Results computed and stored first, in this order, as the run does, so that the result
    # reads them rather than building them inline (which makes big plans: slow on DuckDB,
    # out of memory in Spark's optimiser).
    materialise: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.columns:
            names = list(self.expect[0]) if self.expect else []
            object.__setattr__(self, "columns", tuple(names))


def where(result: Callable[[Inputs], ibis.Table], **equals: Any) -> Callable:
    """``result`` keeping only the rows whose columns equal ``equals`` (a tuple: any of its
    values), under the same ``__name__``."""

    def selected(inputs: Inputs) -> ibis.Table:
        table = result(inputs)
        return table.filter(
            *[
                table[c].isin(list(v)) if isinstance(v, tuple) else table[c] == v
                for c, v in equals.items()
            ]
        )

    selected.__name__ = result.__name__
    return selected


def cases(specs: list[Spec], name: Callable[[Spec], str] = lambda s: s.rule) -> list:
    """``specs`` as pytest parameters, each named by ``name``; a spec with ``xfail`` set is
    expected to fail (strictly: it fails the suite once the bug is fixed)."""
    return [
        pytest.param(s, id=name(s), marks=[pytest.mark.xfail(strict=True, reason=s.xfail)])
        if s.xfail
        else pytest.param(s, id=name(s))
        for s in specs
    ]


def person(pid: str, yob: int = 1980, sex: str = "F", imd: int | None = 5, died=None) -> dict:
    return {
        "person_id": pid,
        "year_of_birth": yob,
        "sex": sex,
        "imd_decile": imd,
        "date_of_death": _date(died),
    }


def reg(pid: str, practice: str, start: str, end: str | None = None) -> dict:
    return {
        "person_id": pid,
        "practice_code": practice,
        "start_date": _date(start),
        "end_date": _date(end),
    }


def act(
    aid: str,
    pid: str,
    provider: str,
    setting: str,
    start: str,
    cost: str,
    end: str | None = None,
) -> dict:
    return {
        "activity_id": aid,
        "person_id": pid,
        "provider_code": provider,
        "setting": setting,
        "start_date": _date(start),
        "end_date": _date(end or start),
        "cost_gbp": Decimal(cost),
    }


def diag(pid: str, code: str, day: str, aid: str | None = None, position: int = 1) -> dict:
    """A diagnosis: on activity ``aid``, or on the GP record when ``aid`` is None."""
    return {
        "person_id": pid,
        "activity_id": aid,
        "date": _date(day),
        "code_system": "icd10",
        "code": code,
        "position": position,
    }


def _date(value: str | date | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def write_inputs(
    spec: Spec,
    place: dict[str, pa.Table],
    folder: Path,
    canonical_arrow: Callable[[str, list[dict]], pa.Table],
) -> Path:
    """The spec's tables (and the place: the spec's own when it has one) as Parquet files,
    one per input table."""
    folder.mkdir(parents=True, exist_ok=True)
    if spec.place is not None:
        place = place_tables(parse_place(spec.place, spec.rule))
    for name in CANONICAL_TABLES:
        pq.write_table(canonical_arrow(name, spec.tables.get(name, [])), folder / f"{name}.parquet")
    for name, table in place.items():
        pq.write_table(table, folder / f"{name}.parquet")
    return folder


def evaluate(spec: Spec, con: ibis.BaseBackend, folder: Path) -> pa.Table:
    """The spec's result computed on backend ``con`` from the Parquet files in ``folder``."""
    health = PopulationHealth(**spec.health)
    inputs = read_parquet_inputs(con, folder, list(spec.fy), health)
    inputs = dataclasses.replace(
        inputs,
        budgets=tuple(b if isinstance(b, Budget) else Budget(**b) for b in spec.budgets),
        finance=Finance.model_validate(spec.finance),
        results={},
    )
    for name in spec.materialise:
        stored = con.create_table(f"spec_{name}", RESULTS[name](inputs), overwrite=True)
        inputs.results[name] = stored
    return to_arrow(con, spec.result(inputs))


def _sort_key(row: tuple) -> tuple:
    return tuple((v is not None, v if v is not None else 0) for v in row)


def rows(table: pa.Table, columns: tuple[str, ...] | None = None) -> list[tuple[Any, ...]]:
    """The table's rows as tuples (of ``columns``), sorted, NULLs first."""
    names = list(columns or table.column_names)
    data = table.select(names).to_pylist()
    return sorted((tuple(r[c] for c in names) for r in data), key=_sort_key)


def check(spec: Spec, result: pa.Table) -> None:
    expected = sorted((tuple(r[c] for c in spec.columns) for r in spec.expect), key=_sort_key)
    assert rows(result, spec.columns) == expected
