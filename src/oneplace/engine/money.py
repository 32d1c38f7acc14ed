"""Exact money in expressions: pence, pounds, and splitting a sum of pence by weights.

Budgets and targets are integer pence in the engine and DECIMAL(38,2) pounds in results, so
that sums add up to the penny on every backend. A pot is split by the largest-remainder
(Hamilton) method: each unit gets the whole pence of its exact share, and the pence left over
go one each to the units with the largest fractional remainders (ties to the lower key), so
the parts always add up to the pot.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from .codes import literal_rows
from .inputs import Inputs
from .spend import MONEY_TOTAL

# Both factors DECIMAL(38,4), so that the product's type differs from the result's and the
# final cast to DECIMAL(38,2) is compiled (Ibis drops a cast to the type it already infers).
EXACT = dt.Decimal(38, 4)
PENNY = ibis.literal(Decimal("0.01"), type=EXACT)


def to_pence(pounds: Decimal) -> int:
    """Pounds (a Decimal with at most 2 places) as whole pence."""
    pence = pounds * 100
    if pence != pence.to_integral_value():
        raise ValueError(f"£{pounds} is not a whole number of pence")
    return int(pence)


def pounds(pence: ir.IntegerValue) -> ir.DecimalValue:
    """Whole pence as DECIMAL(38,2) pounds, exactly."""
    return (pence.cast(EXACT) * PENNY).cast(MONEY_TOTAL)


def pence_of(pounds_value: ir.DecimalValue) -> ir.IntegerValue:
    """DECIMAL pounds as whole pence (BIGINT), exactly."""
    return (pounds_value.cast(MONEY_TOTAL) * 100).cast("int64")


def budget_rows(inputs: Inputs) -> ir.Table:
    """The place's pooled budgets for the run's years: fy INT, setting STRING ('ALL' for the
    total), organisation_code STRING ('ALL' for the total and the settings), pence BIGINT."""
    rows = []
    for b in inputs.budgets:
        if b.year not in inputs.fy:
            continue
        rows.append({"fy": b.year, "setting": "ALL", "org": "ALL", "pence": to_pence(b.total_gbp)})
        for setting, amount in b.by_setting.items():
            rows.append({"fy": b.year, "setting": setting, "org": "ALL", "pence": to_pence(amount)})
        for org, amount in b.by_organisation.items():
            rows.append({"fy": b.year, "setting": "ALL", "org": org, "pence": to_pence(amount)})
    return rows_table(
        inputs,
        rows,
        {"fy": "int32", "setting": "string", "org": "string", "pence": "int64"},
    ).rename(organisation_code="org")


def rows_table(inputs: Inputs, rows: Sequence[dict], schema: dict[str, str]) -> ir.Table:
    """Small literal ``rows`` as a table of the inputs' backend (empty rows allowed)."""
    if rows:
        return literal_rows(inputs.place_locality, rows, schema)
    dummy = {name: 0 if schema[name] not in ("string",) else "x" for name in schema}
    return literal_rows(inputs.place_locality, [dummy], schema).filter(ibis.literal(False))


def apportion(
    table: ir.Table,
    by: Sequence[str],
    pot: str,
    weight: str,
    key: Sequence[str],
) -> ir.Table:
    """``table`` with ``pence``: the pot (column ``pot``, BIGINT pence, the same on every row of
    a ``by`` group) split over the group's rows in proportion to ``weight`` (non-negative),
    by largest remainder, ties broken by ``key``. A group whose weights add up to 0 gets
    nothing (every row 0 pence)."""
    by, key = list(by), list(key)
    group = ibis.window(group_by=by)
    total = table[weight].sum().over(group)
    exact = ibis.ifelse(
        total > 0, table[pot].cast("float64") * table[weight] / total, ibis.literal(0.0)
    )
    floor = exact.floor().cast("int64")
    step = table.mutate(_exact=exact, _floor=floor, _any=total > 0).view()
    left = step[pot] - step["_floor"].sum().over(ibis.window(group_by=by))
    rank = ibis.row_number().over(
        group_by=by,
        order_by=[ibis.desc(step["_exact"] - step["_floor"].cast("float64")), *key],
    )
    extra = ibis.ifelse(step["_any"] & (rank < left), 1, 0).cast("int64")
    return step.mutate(pence=step["_floor"] + extra).drop("_exact", "_floor", "_any")
