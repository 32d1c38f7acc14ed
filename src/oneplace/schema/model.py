"""The building blocks of a canonical table declaration: columns, vocabularies and row rules.

Declarations are data, not code paths: the loader, the documentation generator and the
synthetic generator all read the same objects (in the manner of ehrQL's ``tables/core.py``).
A row rule is a SQL boolean expression that is TRUE for a row that breaks the rule, evaluated
by the loader over the typed staging table (alias ``s``) of the batch being loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import pyarrow as pa


class Severity(StrEnum):
    ERROR = "error"  # the row is rejected to quarantine
    WARN = "warn"  # the row is loaded and the breach reported


# Column types, named in DuckDB's SQL (the workspace store); ibis maps them to other engines.
STRING = "VARCHAR"
INTEGER = "INTEGER"
BIGINT = "BIGINT"
DATE = "DATE"
BOOLEAN = "BOOLEAN"
MONEY = "DECIMAL(14,2)"  # pounds and pence, exact
DOUBLE = "DOUBLE"

# The same types in Arrow: how the tables are written as Parquet and handed between engines.
ARROW_TYPES: dict[str, pa.DataType] = {
    STRING: pa.string(),
    INTEGER: pa.int32(),
    BIGINT: pa.int64(),
    DATE: pa.date32(),
    BOOLEAN: pa.bool_(),
    MONEY: pa.decimal128(14, 2),
    DOUBLE: pa.float64(),
}


@dataclass(frozen=True)
class Vocabulary:
    name: str
    description: str
    values: dict[str, str]  # value -> meaning

    def sql_list(self) -> str:
        return ", ".join("'" + v.replace("'", "''") + "'" for v in self.values)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    required: bool = True  # must be present in every file
    nullable: bool = False  # may be empty in a row
    vocabulary: Vocabulary | None = None


@dataclass(frozen=True)
class Rule:
    """A row rule. ``violation`` is SQL over the staging alias ``s`` (and the workspace's tables)."""

    name: str
    severity: Severity
    column: str
    description: str
    violation: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def arrow_schema(self, nullability: bool = False) -> pa.Schema:
        """The table as an Arrow schema; with ``nullability``, non-nullable columns say so."""
        return pa.schema(
            [
                pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable or not nullability)
                for c in self.columns
            ]
        )

    def ddl(self, name: str | None = None) -> str:
        cols = ", ".join(f'"{c.name}" {c.type}' for c in self.columns)
        return f'CREATE TABLE IF NOT EXISTS "{name or self.name}" ({cols})'
