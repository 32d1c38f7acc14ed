"""Disclosure control: what may be published beyond the partnership.

DESIGN.md: "Anything published outside the partnership passes disclosure control (counts under
5 suppressed, others rounded to 5) — one function, used everywhere"; issue 5 adds "rates from
suppressed counts withheld". This module is that control: :func:`disclose` for a table, and the
scalar helpers :func:`is_suppressed`, :func:`round_count`, :func:`published_count` and
:func:`published_value` for a single number on a page. The public report
(``oneplace report --public``) passes every count, and every value derived from one, through it.

The rules
---------
1. **A count under 5 is suppressed**: a count of people or of events (admissions, attendances,
   activities) from 0 to 4 is null in published data and shown as ``*`` on a page. Zero is
   suppressed too: "under 5" includes it, and a published zero tells the reader something about
   everyone in the cell (none of them had the condition).
2. **Every other count is rounded to the nearest multiple of 5** (7 -> 5, 8 -> 10, 12 -> 10,
   13 -> 15; a whole number is never halfway between two multiples of 5, so there are no ties).
   A published count is therefore a multiple of 5, at least 5, and within 2 of the true count.
   A total is rounded from the true total, not summed from rounded parts, so published parts
   need not add up to their published total.
3. **A value derived from a suppressed count is withheld** (null): a rate, proportion, ratio,
   per-head figure, share, confidence limit or percentage of a total. A rate with its
   denominator gives its numerator back, so suppressing the count alone protects nothing.
   A value that depends on several counts is withheld when any one of them is suppressed.
4. **A value derived only from unsuppressed counts is kept as computed from the true counts**,
   not recomputed from the rounded ones. The counts behind it are at least 5, so it cannot
   reveal a small number by itself; recomputed from rounded counts it would be wrong by up to
   40% when a count is 5 to 7 (7 published as 5), and a standardised rate or a confidence
   limit cannot be recomputed from rounded counts at all. This follows NHS Digital's
   methodology for Hospital Episode Statistics (below), which applies no disclosure control to
   "complex calculations such as standardised rates, confidence intervals and regression
   models", and for simple ones (means, medians) withholds the value only when it is made from
   a small number of individuals: it withholds by the size of the count behind a value, as
   rule 3 does. (Its publications show percentages of the rounded numerator and denominator,
   which the methodology calls a presentational choice, "not part of the disclosure control
   method".) The cost: a rate shown to many digits beside its rounded denominator can let a
   reader narrow down the true count behind it, which undoes the rounding of a count of at
   least 5, never the suppression of a smaller one.
5. **Money is not a count**: an amount in pounds is published as it is, unrounded, whatever
   the number of people behind it. But money per head of a suppressed population (spend per
   head) is a value derived from that count, and is withheld by rule 3.

Which columns of a table are counts, and which derived columns depend on which counts, is the
caller's declaration (:func:`disclose`'s ``counts`` and ``derived``): the rules cannot tell a
share of people from a share of money by looking at the numbers.

Known limitation: no secondary suppression
------------------------------------------
Where a breakdown has a published total and exactly one suppressed cell, the total less the
other cells gives the suppressed cell back. NHS Digital's rules for HES before 2018 suppressed a
second cell to prevent this; its 2018 methodology dropped that manual, error-prone step and
rounds every other count to 5 instead, so that the difference carries the rounding error of
every cell and of the total (up to 2 each). This module does the same and does **not** do
secondary suppression. In a small breakdown the difference can still narrow a suppressed cell
(say to "2 to 4" rather than "0 to 4"), the more so when shares of the other cells, computed
from the true counts (rule 4), are published to 0.1%. A table that must withstand this needs
secondary suppression, or coarser categories, before it is published.

Sources
-------
- NHS Digital (2018). *Disclosure control methodology for Hospital Episode Statistics (HES) and
  Emergency Care Data Set (ECDS)*, applied to HES and ECDS outputs from September 2018:
  https://digital.nhs.uk/data-and-information/data-tools-and-services/data-services/hospital-episode-statistics/change-to-disclosure-control-methodology-for-hes-and-ecds-from-september-2018
  (suppression of small counts below national level and rounding of all others to the nearest
  5, in place of manual secondary suppression; its threshold is its own, ours is the
  partnership's: under 5). NHS Digital applies the same rules to its other secondary care data
  sets, e.g. the Sexual and Reproductive Health Activity Dataset from 2019-20.
- Office for National Statistics (2006). *Review of the Dissemination of Health Statistics:
  Confidentiality Guidance*, the National Statistician's guidance for health statistics
  published for England, and ONS, *Policy on protecting confidentiality in tables of birth and
  death statistics*, which applies to "tables, charts or individual figures":
  https://www.ons.gov.uk/methodology/methodologytopicsandstatisticalconcepts/disclosurecontrol/policyonprotectingconfidentialityintablesofbirthanddeathstatistics
  (hence a chart of a suppressed value carries no number either).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar, overload

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

THRESHOLD = 5  # a count under this is suppressed
BASE = 5  # every other count is rounded to a multiple of this
STATEMENT = "Public version: counts under 5 suppressed and others rounded to the nearest 5"
MARKER = "*"  # a suppressed count, or a withheld value, on a page

Table = TypeVar("Table", pd.DataFrame, pa.Table)


# -- one number ------------------------------------------------------------------------------
def is_missing(n: object) -> bool:
    """None, NaN (float or Decimal), pd.NA and NaT: a value that is not there (a missing count
    is not suppressed, and withholds nothing)."""
    try:
        return bool(pd.isna(n))
    except (TypeError, ValueError):  # not a scalar
        return False


def _count(n: object) -> int:
    """``n`` as a whole number of people or events, or ValueError."""
    value = float(n)  # type: ignore[arg-type]
    if not value.is_integer() or value < 0:
        raise ValueError(f"a count is a whole number of at least 0, not {n!r}")
    return int(value)


def is_suppressed(n: object) -> bool:
    """Whether count ``n`` is suppressed: it is under 5 (0 included). A missing count (None,
    NaN) is not suppressed: there is nothing to suppress.

    >>> [is_suppressed(n) for n in (0, 4, 5, None)]
    [True, True, False, False]
    """
    return not is_missing(n) and _count(n) < THRESHOLD


def round_count(n: object) -> int:
    """Count ``n`` rounded to the nearest multiple of 5 (no suppression: see
    :func:`published_count`).

    >>> [round_count(n) for n in (5, 7, 8, 12, 13)]
    [5, 5, 10, 10, 15]
    """
    return (_count(n) + BASE // 2) // BASE * BASE


def published_count(n: object) -> int | None:
    """What may be published of count ``n``: None when it is suppressed (or missing), else
    ``n`` rounded to the nearest 5.

    >>> [published_count(n) for n in (0, 4, 5, 7, 8, 12, 13, None)]
    [None, None, 5, 5, 10, 10, 15, None]
    """
    return None if is_missing(n) or is_suppressed(n) else round_count(n)


def published_value(value: object, *counts: object) -> object:
    """``value``, derived from ``counts``, as it may be published: None when any of the counts
    is suppressed, else ``value`` unchanged (as computed from the true counts).

    >>> published_value(0.25, 1, 4) is None, published_value(0.4, 8, 20)
    (True, 0.4)
    """
    return None if any(is_suppressed(c) for c in counts) else value


# -- a table ---------------------------------------------------------------------------------
def _check(columns: Sequence[str], counts: Sequence[str], derived: Mapping[str, Sequence[str]]):
    unknown = [c for c in [*counts, *derived] if c not in columns]
    if unknown:
        raise ValueError(f"disclosure control: no column(s) {', '.join(map(str, unknown))}")
    both = [c for c in derived if c in counts]
    if both:
        raise ValueError(f"disclosure control: {', '.join(both)} declared a count and derived")
    for name, deps in derived.items():
        if not deps:
            raise ValueError(f"disclosure control: derived column {name} depends on no count")
        stray = [d for d in deps if d not in counts]
        if stray:
            raise ValueError(
                f"disclosure control: derived column {name} depends on {', '.join(stray)}, "
                "which is not declared a count"
            )


def _published(values: pd.Series, name: str) -> tuple[np.ndarray, pd.Series]:
    """A count column's suppressed cells (a boolean array) and its published values (nullable
    Int64: null where suppressed or missing, else rounded)."""
    x = pd.to_numeric(values).astype("float64")
    present = x.notna()
    bad = present & ((x < 0) | (x % 1 != 0))
    if bad.any():
        raise ValueError(
            f"disclosure control: {name} is a count, but holds {x[bad].iloc[0]!r} "
            "(counts are whole numbers of at least 0)"
        )
    suppressed = present & (x < THRESHOLD)
    rounded = (x + BASE // 2) // BASE * BASE
    return suppressed.to_numpy(), rounded.where(present & ~suppressed).astype("Int64")


@overload
def disclose(
    table: pd.DataFrame, counts: Sequence[str], derived: Mapping[str, Sequence[str]] | None = ...
) -> pd.DataFrame: ...
@overload
def disclose(
    table: pa.Table, counts: Sequence[str], derived: Mapping[str, Sequence[str]] | None = ...
) -> pa.Table: ...
def disclose(table, counts, derived=None):
    """``table`` as it may be published beyond the partnership: a new table of the same kind
    (pandas or Arrow); the input is not modified.

    ``counts`` names the columns that are counts of people or events: each value under 5 is
    suppressed (null) and every other is rounded to the nearest 5 (the column becomes a
    nullable 64-bit integer). ``derived`` maps each column derived from counts (a rate, share,
    per-head figure, confidence limit) to the count columns it is computed from: in a row where
    any of them is suppressed it is withheld (null); elsewhere it is kept as it is, computed
    from the true counts. Other columns (names, money) pass unchanged. Missing counts stay
    missing and withhold nothing.

    >>> t = pd.DataFrame({"area": ["A", "B"], "people": [4, 212], "users": [1, 8],
    ...                   "per_1000": [250.0, 37.7]})
    >>> disclose(t, ["people", "users"], {"per_1000": ["users", "people"]})
      area  people  users  per_1000
    0    A    <NA>   <NA>       NaN
    1    B     210     10      37.7
    """
    derived = dict(derived or {})
    arrow = isinstance(table, pa.Table)
    columns = table.column_names if arrow else list(table.columns)
    _check(columns, counts, derived)
    published = {
        name: _published(table.column(name).to_pandas() if arrow else table[name], name)
        for name in counts
    }
    withheld = {
        name: np.logical_or.reduce([published[c][0] for c in deps])
        for name, deps in derived.items()
    }
    if not arrow:
        out = table.copy()
        for name, (_, values) in published.items():
            out[name] = values
        for name, mask in withheld.items():
            out[name] = out[name].mask(mask)
        return out
    for name, (_, values) in published.items():
        table = table.set_column(
            columns.index(name), name, pa.Array.from_pandas(values, type=pa.int64())
        )
    for name, mask in withheld.items():
        column = table.column(name).combine_chunks()
        kept = pc.if_else(pa.array(mask, type=pa.bool_()), pa.scalar(None, column.type), column)
        table = table.set_column(columns.index(name), name, kept)
    return table


__all__ = [
    "BASE",
    "MARKER",
    "STATEMENT",
    "THRESHOLD",
    "disclose",
    "is_missing",
    "is_suppressed",
    "published_count",
    "published_value",
    "round_count",
]
