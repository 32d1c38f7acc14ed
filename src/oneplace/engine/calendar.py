"""Financial years. A financial year is named by the year it starts: 2024 = 2024/25,
1 April 2024 to 31 March 2025 (HM Treasury / NHS England convention).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from .inputs import Inputs

# The census day of a financial year: population counts are taken on 1 October, the middle of
# the year, so that the count approximates the average registered list over the year.
CENSUS_MONTH, CENSUS_DAY = 10, 1


def financial_year(date: ir.DateValue) -> ir.IntegerValue:
    """The financial year (start year, INT) that ``date`` falls in."""
    year = date.year()
    return ibis.ifelse(date.month() >= 4, year, year - 1).cast("int32")


def census_date(fy: ir.IntegerValue) -> ir.DateValue:
    """1 October of financial year ``fy``."""
    return ibis.date(fy, CENSUS_MONTH, CENSUS_DAY)


def financial_years(inputs: Inputs) -> ir.Table:
    """One row per financial year of the run (column ``fy`` INT).

    Built by unnesting an array literal from a one-row slice of a place table (every place has
    at least one locality), so that the table compiles to plain SQL on every backend, with no
    in-memory table to register.
    """
    years = ibis.literal(list(inputs.fy), type="array<int32>")
    return inputs.place_locality.limit(1).select(fy=years).unnest("fy")


def month_of(day: ir.DateValue) -> ir.DateValue:
    """The first day of ``day``'s calendar month, as a DATE on every backend (Spark's
    ``date_trunc`` gives a timestamp)."""
    return ibis.date(day.year(), day.month(), 1)


def add_days(day: ir.DateValue, days: int) -> ir.DateValue:
    """``day`` plus ``days`` days, as a DATE on every backend. DuckDB's date + interval gives
    a TIMESTAMP, and an event date compared with a timestamp is cast row by row (a join of
    the activity to registration spells took twice as long). Ibis types the sum as a date and
    would drop a plain cast to date, hence the round trip through timestamp."""
    return (day + ibis.interval(days=days)).cast("timestamp").date()
