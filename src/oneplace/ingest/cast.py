"""Stage two: type each column of ``_raw`` to its declared type, flagging what cannot be typed.

For every canonical column this module gives two SQL expressions over the raw alias ``r``:
the typed value, and a ``wrong_type`` flag that is TRUE when a non-empty raw value could not
be typed (the typed value is then NULL). DuckDB's own casts are more forgiving than the
canonical format, so text is first matched against the format the data model documents:

- integers: optional sign and digits (``1.5`` and ``1e3`` are wrong, not rounded);
- money, DECIMAL(14,2): at most two decimal places; ``12.345`` is wrong, never rounded;
- dates: ISO ``YYYY-MM-DD`` only;
- booleans: ``true``/``false``/``1``/``0``/``Y``/``N`` in any case.

Empty text is NULL. Surrounding spaces are ignored for numbers, dates and booleans but kept
in text columns. Parquet columns of a compatible type are cast; a float holding money must
be a whole number of pence to within float rounding.
"""

from __future__ import annotations

from ..schema import Column

INTEGER_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}  # fmt: skip
FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}
DATE_SOURCES = {"DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"}

INTEGER_TEXT = r"[+-]?[0-9]+"
MONEY_TEXT = r"[+-]?([0-9]+(\.[0-9]{0,2})?|\.[0-9]{1,2})"
DOUBLE_TEXT = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
DATE_TEXT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"


def _family(source_type: str) -> str:
    base = source_type.split("(")[0].strip().upper()
    if base == "VARCHAR":
        return "text"
    if base in INTEGER_TYPES:
        return "integer"
    if base in FLOAT_TYPES:
        return "float"
    if base == "DECIMAL":
        return "decimal"
    if base == "BOOLEAN":
        return "boolean"
    if base in DATE_SOURCES or base.startswith("TIMESTAMP"):
        return "date"
    return "other"


def _from_text(target: str, v: str) -> str:
    """Typed expression for a VARCHAR source ``v`` (already NULL when empty)."""
    t = f"trim({v})"
    if target in ("INTEGER", "BIGINT"):
        return (
            f"CASE WHEN regexp_full_match({t}, '{INTEGER_TEXT}') THEN TRY_CAST({t} AS {target}) END"
        )
    if target.startswith("DECIMAL"):
        return (
            f"CASE WHEN regexp_full_match({t}, '{MONEY_TEXT}') THEN TRY_CAST({t} AS {target}) END"
        )
    if target == "DOUBLE":
        return f"CASE WHEN regexp_full_match({t}, '{DOUBLE_TEXT}') THEN TRY_CAST({t} AS DOUBLE) END"
    if target == "DATE":
        return f"CASE WHEN regexp_full_match({t}, '{DATE_TEXT}') THEN TRY_CAST({t} AS DATE) END"
    if target == "BOOLEAN":
        return (
            f"CASE WHEN lower({t}) IN ('true', '1', 'y') THEN true "
            f"WHEN lower({t}) IN ('false', '0', 'n') THEN false END"
        )
    return v  # VARCHAR


def _from_typed(target: str, family: str, r: str) -> str | None:
    """Typed expression for a typed (Parquet) source, or None when the types cannot meet."""
    numeric = family in ("integer", "float", "decimal")
    if target in ("INTEGER", "BIGINT") and numeric:
        whole = "true" if family == "integer" else f"{r} = trunc({r})"
        return f"CASE WHEN {whole} THEN TRY_CAST({r} AS {target}) END"
    if target.startswith("DECIMAL") and numeric:
        if family == "float":
            pence = f"isfinite({r}) AND abs({r} * 100 - round({r} * 100)) < 1e-6"
            return f"CASE WHEN {pence} THEN TRY_CAST(round({r}, 2) AS {target}) END"
        return f"CASE WHEN {r} = round({r}, 2) THEN TRY_CAST({r} AS {target}) END"
    if target == "DOUBLE" and numeric:
        return f"TRY_CAST({r} AS DOUBLE)"
    if target == "DATE" and family == "date":
        return f"TRY_CAST({r} AS DATE)"
    if target == "BOOLEAN" and family == "boolean":
        return r
    if target == "BOOLEAN" and family == "integer":
        return f"CASE {r} WHEN 1 THEN true WHEN 0 THEN false END"
    return None


def typed_column(column: Column, source: str | None, source_type: str | None) -> tuple[str, str]:
    """(typed value, wrong_type flag) for ``column`` read from raw column ``source``.

    ``source`` is None when an optional column is absent from the file: every value is NULL.
    """
    target = column.type
    if source is None or source_type is None:
        return f"CAST(NULL AS {target})", "false"
    r = 'r."' + source.replace('"', '""') + '"'
    family = _family(source_type)
    if family == "text":
        v = f"NULLIF({r}, '')"
        typed = _from_text(target, v)
        present = f"{v} IS NOT NULL"
    elif target == "VARCHAR":
        typed = f"NULLIF(CAST({r} AS VARCHAR), '')"
        present = "false"  # anything can be written as text
    else:
        typed = _from_typed(target, family, r) or f"CAST(NULL AS {target})"
        present = f"{r} IS NOT NULL"
    if target == "DOUBLE" and family in ("text", "float"):
        typed = f"CASE WHEN isfinite({typed}) THEN {typed} END"
    return typed, f"({present} AND ({typed}) IS NULL)"


def typed_select(columns: list[tuple[Column, str | None, str | None]]) -> str:
    """SELECT over ``_raw r``: ``_row``, each canonical column typed, and ``_wt_<i>`` flags.

    ``columns`` holds (column, file column or None, file column's type or None) in order.
    """
    parts = ["r._row AS _row"]
    for i, (col, source, source_type) in enumerate(columns):
        typed, bad = typed_column(col, source, source_type)
        parts.append(f'{typed} AS "{col.name}"')
        parts.append(f"{bad} AS _wt_{i}")
    return "SELECT " + ",\n  ".join(parts) + "\nFROM _raw r"
