"""Stage three: every rule as one boolean column, computed for the whole batch in one SELECT.

A :class:`Check` is one (rule, column) pair: the generic rules of ``schema.GENERIC_RULES``
(``wrong_type`` and ``missing_value`` per column, ``not_in_vocabulary`` per vocabulary column,
``duplicate_key`` within the file and against the loaded table) followed by the table's own
rules. :func:`checked_select` turns the checks into ``_c<i>`` columns over the typed staging
view ``_typed s``, plus ``_any`` (the row breaks some check), so a 40-million-row batch is
scanned once rather than once per rule. Violations are then unpivoted from the few rows that
have any (:func:`violations_sql`).

A table rule is not evaluated on a row where a column it reads is already reported as
``wrong_type`` or ``missing_value``: one problem, one reason. Within a file the first row with
a key wins and later rows with the same key are ``duplicate_key``, even when that first row is
itself rejected for another reason (the file, not the loader, has to say which row is right).
Key parts that may be empty (``diagnosis.activity_id``) compare with IS NOT DISTINCT FROM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..schema import Severity, Table


@dataclass(frozen=True)
class Check:
    rule: str
    column: str
    severity: Severity
    message: str
    sql: str  # TRUE when the row breaks the check, over the typed alias ``s``
    value: str  # the raw value shown in the quarantine, over the raw alias ``r``


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _raw_value(source: str | None) -> str:
    return "CAST(NULL AS VARCHAR)" if source is None else f"CAST(r.{_q(source)} AS VARCHAR)"


def _referenced(sql: str, names: tuple[str, ...]) -> list[str]:
    found = re.findall(r'\bs\."?([A-Za-z_][A-Za-z0-9_]*)"?', sql)
    return [n for n in dict.fromkeys(found) if n in names]


def checks(table: Table, sources: dict[str, str | None]) -> list[Check]:
    """All checks for ``table``; ``sources`` maps canonical column -> file column (or None)."""
    out: list[Check] = []
    index = {c.name: i for i, c in enumerate(table.columns)}
    for c in table.columns:
        out.append(
            Check(
                "wrong_type", c.name, Severity.ERROR,
                f"{c.name} cannot be read as {_type_words(c.type)}",
                f"s._wt_{index[c.name]}", _raw_value(sources[c.name]),
            )
        )  # fmt: skip
    for c in table.columns:
        if not c.nullable:
            out.append(
                Check(
                    "missing_value", c.name, Severity.ERROR, f"{c.name} may not be empty",
                    f"s.{_q(c.name)} IS NULL AND NOT s._wt_{index[c.name]}",
                    _raw_value(sources[c.name]),
                )
            )  # fmt: skip
    for c in table.columns:
        if c.vocabulary is not None:
            out.append(
                Check(
                    "not_in_vocabulary", c.name, Severity.ERROR,
                    f"{c.name} is not in the {c.vocabulary.name} vocabulary",
                    f"s.{_q(c.name)} NOT IN ({c.vocabulary.sql_list()})",
                    _raw_value(sources[c.name]),
                )
            )  # fmt: skip
    key_col = ", ".join(table.key)
    key_value = (
        "concat_ws(', ', "
        + ", ".join(f"coalesce({_raw_value(sources[k])}, '')" for k in table.key)
        + ")"
    )
    same_key = " AND ".join(f"t.{_q(k)} IS NOT DISTINCT FROM s.{_q(k)}" for k in table.key)
    out.append(
        Check(
            "duplicate_key", key_col, Severity.ERROR, "key repeats an earlier row of this file",
            "_d._first IS NOT NULL AND s._row > _d._first", key_value,
        )
    )  # fmt: skip
    out.append(
        Check(
            "duplicate_key", key_col, Severity.ERROR, "key repeats a row already loaded",
            f"EXISTS (SELECT 1 FROM {_q(table.name)} t WHERE {same_key})", key_value,
        )
    )  # fmt: skip
    for rule in table.rules:
        guards = []
        for name in _referenced(rule.violation, table.column_names):
            guards.append(f"s._wt_{index[name]}")
            if not table.column(name).nullable:
                guards.append(f"s.{_q(name)} IS NULL")
        sql = (
            rule.violation if not guards else f"NOT ({' OR '.join(guards)}) AND ({rule.violation})"
        )
        out.append(
            Check(
                rule.name, rule.column, rule.severity, rule.description, sql,
                _raw_value(sources.get(rule.column)),
            )
        )  # fmt: skip
    return out


def _type_words(sql_type: str) -> str:
    return {
        "VARCHAR": "text",
        "INTEGER": "a whole number",
        "BIGINT": "a whole number",
        "DOUBLE": "a number",
        "DATE": "a date (YYYY-MM-DD)",
        "BOOLEAN": "true/false (true, false, 1, 0, Y, N)",
    }.get(
        sql_type, "money (pounds, at most 2 decimal places)" if "DECIMAL" in sql_type else sql_type
    )


def duplicates_sql(table: Table) -> str:
    """Keys that occur more than once in the batch, with the first row that has each.

    Rows whose non-nullable key parts are empty are left to ``missing_value``.
    """
    keys = ", ".join(_q(k) for k in table.key)
    present = [f"{_q(k)} IS NOT NULL" for k in table.key if not table.column(k).nullable]
    where = f"WHERE {' AND '.join(present)} " if present else ""
    return (
        f"SELECT {keys}, min(_row) AS _first FROM _typed {where}GROUP BY {keys} HAVING count(*) > 1"
    )


def checked_select(table: Table, all_checks: list[Check]) -> str:
    """SELECT over ``_typed s`` joined to ``_dups _d``: ``_row``, one ``_c<i>`` per check, _any."""
    flags = [f"COALESCE(({c.sql}), false) AS _c{i}" for i, c in enumerate(all_checks)]
    on = " AND ".join(f"_d.{_q(k)} IS NOT DISTINCT FROM s.{_q(k)}" for k in table.key)
    inner = (
        "SELECT s._row,\n  " + ",\n  ".join(flags)
        + f"\nFROM _typed s LEFT JOIN _dups _d ON {on}"
    )  # fmt: skip
    names = " OR ".join(f"_c{i}" for i in range(len(all_checks))) or "false"
    return f"SELECT *, ({names}) AS _any FROM ({inner})"


def violations_sql(table: Table, all_checks: list[Check]) -> str:
    """(_row, check_id) for every broken check, unpivoted from the rows that broke any.

    Only these rows are kept: the rows that load are read again from ``_typed``, so a batch
    of 40 million good rows never sits in memory with its flags.
    """
    names = ", ".join(f"_c{i}" for i in range(len(all_checks)))
    return (
        "SELECT _row, CAST(substr(_check, 3) AS INTEGER) AS check_id FROM ("
        f"UNPIVOT (SELECT _row, {names} FROM ({checked_select(table, all_checks)}) WHERE _any) "
        f"ON {names} INTO NAME _check VALUE _hit) WHERE _hit"
    )


def value_case(all_checks: list[Check]) -> str:
    """The raw value a violation shows, chosen by check_id, over ``_raw r``."""
    whens = " ".join(f"WHEN {i} THEN {c.value}" for i, c in enumerate(all_checks))
    return f"CASE v.check_id {whens} END"
