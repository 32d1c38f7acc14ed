"""The year-end risk-share settlement of a workspace: the run's small step in exact money.

The engine (:mod:`oneplace.engine.settlement`) settles one year from positions; this module
builds those positions from the run's ``spend`` result and the place file, and turns the
statements into the ``settlement`` result table that ``oneplace settle`` prints and the
report draws.

* **Years**: the agreement's ``year``, or every financial year with a pooled budget and
  spend.
* **Pool budget**: the agreement's ``budget_gbp``; else the sum of the year's ``by_setting``
  budgets of the covered settings; else (no by-setting split) the year's ``total_gbp``.
* **Positions**: each party's budget is its ``by_organisation`` amount for the year (0 when
  it has none); its actual spend is the ``spend`` result's cost in the covered settings
  under its organisation code (:mod:`oneplace.engine.spend`'s attribution). A party with
  neither (often the commissioner, which holds shares but provides no care) has no position:
  it takes its shares of the pool and no variance of its own.
* **Quality score**: the overall score of the place's outcomes framework for the year
  (``outcome_scores``, :mod:`oneplace.outcomes.framework` rule O3); without a framework, the
  agreement's own ``quality_score``.

Result contract ``settlement``: fy INT, agreement, party (organisation code, 'risk reserve',
or 'SYSTEM' for the system statement), party_name, party_kind (partner | commissioner | reserve
| system), step INT, rule (R1-R8, or '' for a system total), description, amount_gbp
DECIMAL(38,2), memo BOOLEAN (information outside the variance). A party's non-memo lines add
up to its final gain (+) or loss (-).
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pyarrow as pa

from .engine.settlement import Position, Settlement, settle
from .place.model import Place

SCHEMA = pa.schema(
    [
        ("fy", pa.int32()),
        ("agreement", pa.string()),
        ("party", pa.string()),
        ("party_name", pa.string()),
        ("party_kind", pa.string()),
        ("step", pa.int32()),
        ("rule", pa.string()),
        ("description", pa.string()),
        ("amount_gbp", pa.decimal128(38, 2)),
        ("memo", pa.bool_()),
    ]
)
SYSTEM = "SYSTEM"


def settlement_years(place: Place, spend_years: list[int]) -> list[int]:
    """The financial years the agreement settles."""
    agreement = place.risk_share
    if agreement is None:
        return []
    if agreement.year is not None:
        return [agreement.year] if agreement.year in spend_years else []
    return [b.year for b in place.budgets if b.year in spend_years]


def pool_budget(place: Place, fy: int) -> Decimal | None:
    """The pool budget of year ``fy`` (see the module docstring)."""
    agreement = place.risk_share
    if agreement.budget_gbp is not None:
        return agreement.budget_gbp
    budget = place.budget(fy)
    if budget is None:
        return None
    if budget.by_setting:
        return sum((budget.by_setting.get(s, Decimal(0)) for s in agreement.settings), Decimal(0))
    return budget.total_gbp


def positions(place: Place, fy: int, spend: dict[str, Decimal]) -> list[Position]:
    """Each party's budget and actual spend in the covered settings in ``fy``."""
    budget = place.budget(fy)
    split = budget.by_organisation if budget is not None else {}
    out = []
    for p in place.risk_share.parties:
        budgeted = split.get(p.organisation, Decimal(0))
        actual = spend.get(p.organisation, Decimal("0.00"))
        if budgeted or actual:
            out.append(Position(p.organisation, budgeted, actual))
    return out


def covered_spend(con: duckdb.DuckDBPyConnection, place: Place, fy: int) -> dict[str, Decimal]:
    """Organisation code -> spend in the agreement's settings in ``fy`` (from ``spend``)."""
    settings = list(place.risk_share.settings)
    marks = ", ".join("?" for _ in settings)
    rows = con.execute(
        "SELECT organisation_code, sum(cost_gbp) FROM spend "
        f"WHERE fy = ? AND setting IN ({marks}) GROUP BY organisation_code",
        [fy, *settings],
    ).fetchall()
    return {code: Decimal(total) for code, total in rows}


def quality_score(con: duckdb.DuckDBPyConnection, place: Place, fy: int) -> Decimal | None:
    """The outcomes score of year ``fy`` for the quality gate: the outcomes framework's
    overall score when the place has one, else None (the agreement's own ``quality_score``)."""
    if place.outcomes is None:
        return None
    from .outcomes.framework import outcomes_score

    return outcomes_score(con, fy)


def settle_year(con: duckdb.DuckDBPyConnection, place: Place, fy: int) -> Settlement:
    """Settle year ``fy`` of the place's agreement from the stored ``spend`` result."""
    spend = covered_spend(con, place, fy)
    return settle(
        place.risk_share,
        positions(place, fy, spend),
        pool_budget(place, fy),
        quality_score=quality_score(con, place, fy),
    )


def settlement_table(con: duckdb.DuckDBPyConnection, place: Place) -> pa.Table:
    """The ``settlement`` result for every year the agreement settles (no rows without one)."""
    years = [r[0] for r in con.execute("SELECT DISTINCT fy FROM spend ORDER BY fy").fetchall()]
    names = {o.code: o.name for o in place.organisations}
    rows: list[dict] = []
    for fy in settlement_years(place, years):
        result = settle_year(con, place, fy)
        for line in result.lines:
            rows.append(
                {
                    "fy": fy,
                    "agreement": result.agreement,
                    "party": line.party,
                    "party_name": names.get(line.party, "Risk reserve"),
                    "party_kind": str(line.party_kind),
                    "step": line.step,
                    "rule": line.rule,
                    "description": line.description,
                    "amount_gbp": line.amount,
                    "memo": line.memo,
                }
            )
        for step, item in enumerate(result.system.rows(), start=1):
            rows.append(
                {
                    "fy": fy,
                    "agreement": result.agreement,
                    "party": SYSTEM,
                    "party_name": "The system",
                    "party_kind": "system",
                    "step": step,
                    "rule": item["rule"],
                    "description": item["item"],
                    "amount_gbp": Decimal(item["amount_gbp"]),
                    "memo": False,
                }
            )
    return pa.Table.from_pylist(rows, SCHEMA)
