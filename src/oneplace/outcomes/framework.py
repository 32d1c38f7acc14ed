"""The partnership's outcomes framework scored: attainment per indicator and overall, and the
incentive pool paid out by attainment.

Rules (the framework is declared in the place file, :mod:`oneplace.place.outcomes`):

O1  Value. An indicator's value for a year is the whole place's value (``indicator_values``,
    level 'place'). A year without a value (a blank statistic, e.g. a DSR under 10 events)
    attains 0: a payment needs evidence.
O2  Attainment. ``(value - baseline) / (target - baseline)``, held between 0 and 1: 0 at the
    baseline or worse, 1 at the target or better, linear between (the direction is in the
    sign of target - baseline). Kept to 6 decimal places, rounded half to even.
O3  Overall score. The weighted mean of the attainments (weights as declared), to 6 decimal
    places, half to even. It is the outcomes score of the risk-share quality gate
    (:mod:`oneplace.settle`) for the same year.
O4  Pool. ``incentive_pool_gbp``, or ``incentive_pool_pct`` % of the year's pooled budget
    (``budgets[].total_gbp``), rounded to the penny half to even. No pool, no payout.
O5  Slices. The pool is split between the indicators in proportion to their weights, in whole
    pence by largest remainder (ties to the earlier indicator), so the slices add up to it.
O6  Earned. Each slice times its attainment, rounded down to the penny: a partner is never paid
    for attainment it did not reach.
O7  Partners. What an indicator earns is split equally between its partners (its own list;
    else the framework's ``partners``; else the risk-share parties; else every partner
    organisation that is not the commissioner), in whole pence by largest remainder.
O8  Unearned. The rest of each slice stays with the commissioner (the risk-share
    commissioner, else the place's commissioner organisation). Every pool is paid out to the
    penny: the amounts of a year add up to its pool.

Result contracts:

* ``outcome_scores``: fy INT, indicator_id ('OVERALL' for the overall score), indicator_name,
  direction, baseline, target, weight, value DOUBLE, attainment DOUBLE (6 places), rule.
* ``incentive_payout``: fy INT, indicator_id, organisation, organisation_name, kind ('earned'
  | 'unearned'), slice_gbp, amount_gbp DECIMAL(38,2), attainment DOUBLE, rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import duckdb
import pyarrow as pa

from ..place.model import OrganisationKind, Place
from ..place.outcomes import ChosenIndicator, OutcomesFramework
from .library import Indicator, indicators_of, parse_indicators

OVERALL = "OVERALL"
SCORE_PLACES = Decimal("0.000001")
PENNY = Decimal("0.01")
SCORES = pa.schema(
    [
        ("fy", pa.int32()),
        ("indicator_id", pa.string()),
        ("indicator_name", pa.string()),
        ("direction", pa.string()),
        ("baseline", pa.float64()),
        ("target", pa.float64()),
        ("weight", pa.float64()),
        ("value", pa.float64()),
        ("attainment", pa.float64()),
        ("rule", pa.string()),
    ]
)
PAYOUT = pa.schema(
    [
        ("fy", pa.int32()),
        ("indicator_id", pa.string()),
        ("organisation", pa.string()),
        ("organisation_name", pa.string()),
        ("kind", pa.string()),
        ("slice_gbp", pa.decimal128(38, 2)),
        ("amount_gbp", pa.decimal128(38, 2)),
        ("attainment", pa.float64()),
        ("rule", pa.string()),
    ]
)


def own_definitions(framework: OutcomesFramework | None) -> tuple[Indicator, ...]:
    if framework is None or not framework.definitions:
        return ()
    return parse_indicators(framework.definitions, "outcomes.definitions")


def indicators_of_place(place: Place) -> tuple[Indicator, ...]:
    """The library and the place's own definitions."""
    return indicators_of(own_definitions(place.outcomes))


def reference_year(place: Place, years: Sequence[int]) -> int:
    """The reference year of indirect standardisation: the framework's, else the first."""
    if place.outcomes is not None and place.outcomes.reference_year is not None:
        return place.outcomes.reference_year
    return min(years)


def direction_of(chosen: ChosenIndicator, definition: Indicator) -> str:
    return chosen.direction or definition.better


def attainment(value: float | None, baseline: float, target: float) -> Decimal:
    """O2: attainment between 0 and 1, to 6 places (O1: no value attains 0)."""
    if value is None or math.isnan(value):
        return Decimal(0)
    share = Fraction(value) - Fraction(baseline)
    share /= Fraction(target) - Fraction(baseline)
    share = min(max(share, Fraction(0)), Fraction(1))
    exact = Decimal(share.numerator) / Decimal(share.denominator)
    return exact.quantize(SCORE_PLACES, rounding=ROUND_HALF_EVEN)


def overall_score(attainments: Sequence[Decimal], weights: Sequence[Decimal]) -> Decimal:
    """O3: the weighted mean attainment, to 6 places."""
    total = sum(weights, Decimal(0))
    mean = sum((a * w for a, w in zip(attainments, weights, strict=True)), Decimal(0)) / total
    return mean.quantize(SCORE_PLACES, rounding=ROUND_HALF_EVEN)


def largest_remainder(pence: int, weights: Sequence[Fraction | Decimal | int]) -> list[int]:
    """``pence`` split in proportion to ``weights`` (non-negative, not all 0) in whole pence,
    by largest remainder; ties go to the earlier share. The shares add up to ``pence``."""
    fractions = [Fraction(w) for w in weights]
    total = sum(fractions, Fraction(0))
    exact = [pence * w / total for w in fractions]
    floors = [math.floor(x) for x in exact]
    left = pence - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def place_values(con: duckdb.DuckDBPyConnection) -> dict[tuple[int, str], float | None]:
    """The whole place's value of each indicator and year, from ``indicator_values``."""
    rows = con.execute(
        "SELECT fy, indicator_id, value FROM indicator_values WHERE level = 'place'"
    ).fetchall()
    return {(fy, ind): value for fy, ind, value in rows}


def scores(
    framework: OutcomesFramework,
    definitions: dict[str, Indicator],
    values: dict[tuple[int, str], float | None],
    years: Sequence[int],
) -> list[dict]:
    """The ``outcome_scores`` rows for ``years``."""
    out = []
    for fy in years:
        got, weights = [], []
        for chosen in framework.indicators:
            definition = definitions[chosen.id]
            value = values.get((fy, chosen.id))
            a = attainment(value, chosen.baseline, chosen.target)
            got.append(a)
            weights.append(chosen.weight)
            out.append(
                {
                    "fy": fy,
                    "indicator_id": chosen.id,
                    "indicator_name": definition.name,
                    "direction": direction_of(chosen, definition),
                    "baseline": chosen.baseline,
                    "target": chosen.target,
                    "weight": float(chosen.weight),
                    "value": value,
                    "attainment": float(a),
                    "rule": "O1, O2" if value is not None else "O1: no value, attains 0",
                }
            )
        overall = float(overall_score(got, weights))
        out.append(
            {
                "fy": fy,
                "indicator_id": OVERALL,
                "indicator_name": "Overall outcomes score",
                "direction": "higher",
                "baseline": 0.0,
                "target": 1.0,
                "weight": float(sum(weights, Decimal(0))),
                "value": overall,
                "attainment": overall,
                "rule": "O3",
            }
        )
    return out


def commissioner_of(place: Place) -> str:
    if place.risk_share is not None:
        return place.risk_share.commissioner
    kinds = [o.code for o in place.organisations if o.kind == OrganisationKind.COMMISSIONER]
    return kinds[0] if kinds else "commissioner"


def default_partners(place: Place) -> list[str]:
    """O7's fallback: the framework's partners, the risk-share parties, or every partner
    organisation other than the commissioner."""
    framework = place.outcomes
    if framework is not None and framework.partners:
        return list(framework.partners)
    commissioner = commissioner_of(place)
    if place.risk_share is not None:
        parties = [p.organisation for p in place.risk_share.parties]
        return [p for p in parties if p != commissioner] or parties
    return [
        o.code
        for o in place.organisations
        if o.partner and o.kind != OrganisationKind.COMMISSIONER and o.code != commissioner
    ]


def pool_pence(place: Place, fy: int) -> int | None:
    """O4: the year's incentive pool in pence, or None."""
    framework = place.outcomes
    if framework is None:
        return None
    if framework.incentive_pool_gbp is not None:
        return int(framework.incentive_pool_gbp * 100)
    budget = place.budget(fy)
    if framework.incentive_pool_pct is None or budget is None:
        return None
    pool = (framework.incentive_pool_pct * budget.total_gbp / 100).quantize(
        PENNY, rounding=ROUND_HALF_EVEN
    )
    return int(pool * 100)


def payout(place: Place, score_rows: list[dict], years: Sequence[int]) -> list[dict]:
    """The ``incentive_payout`` rows (O4-O8)."""
    framework = place.outcomes
    if framework is None:
        return []
    names = {o.code: o.name for o in place.organisations}
    commissioner = commissioner_of(place)
    fallback = default_partners(place)
    out = []
    for fy in years:
        pool = pool_pence(place, fy)
        if pool is None:
            continue
        by_id = {r["indicator_id"]: r for r in score_rows if r["fy"] == fy}
        slices = largest_remainder(pool, [c.weight for c in framework.indicators])
        for chosen, slice_pence in zip(framework.indicators, slices, strict=True):
            a = Decimal(str(by_id[chosen.id]["attainment"]))
            earned = int((slice_pence * a).to_integral_value(rounding=ROUND_DOWN))
            partners = list(chosen.partners) or fallback
            base = {
                "fy": fy,
                "indicator_id": chosen.id,
                "slice_gbp": Decimal(slice_pence) / 100,
                "attainment": float(a),
            }
            if partners:
                for code, pence in zip(
                    partners, largest_remainder(earned, [1] * len(partners)), strict=True
                ):
                    out.append(
                        base
                        | {
                            "organisation": code,
                            "organisation_name": names.get(code, code),
                            "kind": "earned",
                            "amount_gbp": Decimal(pence) / 100,
                            "rule": "O5, O6, O7",
                        }
                    )
            else:
                earned = 0
            out.append(
                base
                | {
                    "organisation": commissioner,
                    "organisation_name": names.get(commissioner, commissioner),
                    "kind": "unearned",
                    "amount_gbp": Decimal(slice_pence - earned) / 100,
                    "rule": "O8",
                }
            )
    return out


def _years(con: duckdb.DuckDBPyConnection) -> list[int]:
    cur = con.execute("SELECT DISTINCT fy FROM indicator_values ORDER BY fy")
    return [fy for (fy,) in cur.fetchall()]


def outcome_scores_table(con: duckdb.DuckDBPyConnection, place: Place) -> pa.Table:
    """The ``outcome_scores`` result (empty without an outcomes framework)."""
    if place.outcomes is None:
        return SCORES.empty_table()
    definitions = {i.id: i for i in indicators_of_place(place)}
    rows = scores(place.outcomes, definitions, place_values(con), _years(con))
    return pa.Table.from_pylist(rows, schema=SCORES)


def incentive_payout_table(con: duckdb.DuckDBPyConnection, place: Place) -> pa.Table:
    """The ``incentive_payout`` result, from the stored ``outcome_scores``."""
    if place.outcomes is None:
        return PAYOUT.empty_table()
    cur = con.execute(
        "SELECT fy, indicator_id, attainment FROM outcome_scores ORDER BY fy, indicator_id"
    )
    rows = [{"fy": fy, "indicator_id": i, "attainment": a} for fy, i, a in cur.fetchall()]
    return pa.Table.from_pylist(payout(place, rows, _years(con)), schema=PAYOUT)


def outcomes_score(con: duckdb.DuckDBPyConnection, fy: int) -> Decimal | None:
    """O3's overall score of year ``fy`` from the stored ``outcome_scores``, if any."""
    row = con.execute(
        "SELECT attainment FROM outcome_scores WHERE fy = ? AND indicator_id = ?", [fy, OVERALL]
    ).fetchone()
    return None if row is None else Decimal(str(row[0])).quantize(SCORE_PLACES)
