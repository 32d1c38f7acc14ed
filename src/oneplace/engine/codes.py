"""Recorded ICD-10 codes, normalised, and code lists as tables of the backend.

The normalisation rule is written down (and implemented in plain Python, as the reference)
in :mod:`oneplace.reference.icd10`; this module is the same rule as an Ibis expression, so
that it runs on DuckDB and Spark alike. Code lists enter a pipeline as literal rows unnested
from a one-row slice of a table the pipeline already reads, so that every expression compiles
to plain SQL with no in-memory table to register on the backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import ibis
import ibis.expr.types as ir

from ..reference.icd10 import DOTTED, MARKERS, MAX_LENGTH, MIN_LENGTH

FIELD, ROW = ";", "~"  # neither is special in a Java regex (Spark splits by regex)


def normalised_icd10(code: ir.StringValue) -> ir.StringValue:
    """The normalised code (``I10X`` -> ``I10``, ``a17.0d`` -> ``A170``), or NULL when
    ``code`` is not an ICD-10 code (see :mod:`oneplace.reference.icd10`)."""
    text = code.strip().upper()
    for marker in MARKERS:
        text = text.replace(marker, "")
    length = text.replace(".", "").length()
    ok = (length >= MIN_LENGTH) & (length <= MAX_LENGTH) & text.re_search(DOTTED)
    normal = text.re_extract(DOTTED, 1).concat(text.re_extract(DOTTED, 2))
    return ibis.ifelse(ok.fill_null(False), normal, ibis.null("string"))


def literal_rows(anchor: ir.Table, rows: Iterable[Mapping], schema: Mapping[str, str]) -> ir.Table:
    """``rows`` as a table on ``anchor``'s backend (empty when ``anchor`` is empty).

    The rows travel as one string literal (fields joined by ``;``, rows by ``~``), split and
    unnested from ``anchor.limit(1)`` and cast to ``schema``: a list of a thousand codes
    compiles to one short SQL literal rather than a thousand nested expressions. Values must
    not contain the two separators.
    """
    names = list(schema)
    lines = []
    for row in rows:
        fields = [str(row[name]) for name in names]
        if any(FIELD in f or ROW in f for f in fields):
            raise ValueError(f"a literal row holds a separator: {fields}")
        lines.append(FIELD.join(fields))
    text = ibis.literal(ROW.join(lines), type="string")
    one = anchor.limit(1).select(_row=text.split(ROW)).unnest("_row")
    parts = one["_row"].split(FIELD)
    return one.select(**{name: parts[i].cast(schema[name]) for i, name in enumerate(names)})


def code_prefixes(code: ir.StringValue, lengths: Iterable[int]) -> ir.ArrayValue:
    """The prefixes of ``code`` of each length in ``lengths`` (as an array), for an equi-join
    with a code list of prefixes."""
    return ibis.array([code.substr(0, n) for n in sorted(set(lengths))])
