"""Properties of the risk-share settlement over generated agreements and positions (Hypothesis).

(a) The parties, the commissioner and the reserve add up to the total variance, exactly.
(b) No partner's amount exceeds its gain cap or its loss collar.
(c) A larger overspend never makes anyone better off. If one party's actual goes up, no party's
    amount goes up and the reserve's does not either. The commissioner takes the rounding
    pennies, so its total may rise by at most one penny per party.
(d) Every line names a documented rule, and every amount is whole pennies.

Money is generated as integer pence. The runs are derandomised, so every test run checks the
same examples.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from math import ceil

from hypothesis import given, settings
from hypothesis import strategies as st

from oneplace.engine.settlement import RESERVE, RULES, Position, Settlement, settle
from oneplace.place.riskshare import RiskShare

PROPERTIES = settings(max_examples=200, deadline=None, derandomize=True, database=None)
PENNY = Decimal("0.01")


def pounds(pence: int) -> Decimal:
    return Decimal(pence).scaleb(-2)


@dataclass(frozen=True)
class Case:
    agreement: RiskShare
    positions: tuple[Position, ...]
    pool_budget: Decimal | None
    quality_score: Decimal | None

    def settle(self, positions: tuple[Position, ...] | None = None) -> Settlement:
        return settle(
            self.agreement,
            positions if positions is not None else self.positions,
            self.pool_budget,
            self.quality_score,
        )


def _percent(draw, high: int, places: int = 2) -> Decimal:
    return Decimal(draw(st.integers(0, high * 10**places))).scaleb(-places)


def _split_100(draw, n: int) -> list[Decimal]:
    """n percentages with 2 places, each >= 0, adding up to exactly 100."""
    weights = draw(st.lists(st.integers(0, 100), min_size=n, max_size=n))
    if not any(weights):
        weights[0] = 1
    total = sum(weights)
    pcts = [Decimal(w * 10_000 // total).scaleb(-2) for w in weights[:-1]]
    return [*pcts, 100 - sum(pcts, Decimal(0))]


def _limits(draw, prefix: str = "") -> dict:
    out = {}
    for limit in ("gain_cap", "loss_collar"):
        how = draw(st.sampled_from(["none", "none", "pct", "gbp"]))
        if how == "pct":
            out[f"{limit}_pct"] = _percent(draw, 5)
        elif how == "gbp":
            out[f"{limit}_gbp"] = pounds(draw(st.integers(0, 5 * 10**7)))
    return out


@st.composite
def cases(draw) -> Case:
    codes = [f"P{i}" for i in range(draw(st.integers(1, 4)))]
    if draw(st.booleans()):
        codes.insert(draw(st.integers(0, len(codes))), "ICB")
    shares = draw(st.sampled_from(["fixed", "contract_value"]))
    parties = [{"organisation": c} for c in codes]
    if shares == "fixed":
        for side in ("gain", "loss"):
            for party, pct in zip(parties, _split_100(draw, len(codes)), strict=True):
                party[f"{side}_share_pct"] = pct
    else:
        contracts = draw(st.lists(st.integers(0, 10**10), min_size=len(codes), max_size=len(codes)))
        if not any(contracts):
            contracts[0] = 1
        for party, pence in zip(parties, contracts, strict=True):
            party["contract_gbp"] = pounds(pence)
    for party in parties:
        if draw(st.integers(0, 3)) == 0:
            party.update(_limits(draw))

    reserve_pct = _percent(draw, 2)
    data = {
        "name": "Generated pool",
        "settings": ["community"],
        "commissioner": "ICB",
        "risk_reserve_pct": reserve_pct,
        "shares": shares,
        "parties": parties,
        "incurring_band_pct": _percent(draw, 5),
        "shared_band_pct": None if draw(st.booleans()) else _percent(draw, 10),
        **_limits(draw),
    }
    score = None
    if draw(st.booleans()):
        threshold = draw(st.integers(1, 100))
        floor = draw(st.none() | st.integers(0, threshold - 1))
        data["quality_gate"] = {
            "threshold": Decimal(threshold).scaleb(-2),
            "floor": None if floor is None else Decimal(floor).scaleb(-2),
        }
        score = Decimal(draw(st.integers(0, 100))).scaleb(-2)

    # Positions: every partner has one; the commissioner, if a party, may or may not.
    holders = [c for c in codes if c != "ICB" or draw(st.booleans())]
    positions = []
    for code in holders:
        budget = draw(st.integers(0, 10**9))
        over = draw(st.integers(-budget, 3 * budget + 10**6))
        positions.append(Position(code, pounds(budget), pounds(budget + over)))
    # A pool that holds the budgets and the reserve, perhaps with some left unallocated.
    allocated = sum(int(p.budget * 100) for p in positions) + draw(st.integers(0, 10**8))
    pool = ceil(Fraction(allocated) / (1 - Fraction(reserve_pct) / 100))
    pool_in_agreement = draw(st.booleans())
    if pool_in_agreement:
        data["budget_gbp"] = pounds(pool)
    score_in_agreement = score is not None and draw(st.booleans())
    if score_in_agreement:
        data["quality_score"] = score
    return Case(
        agreement=RiskShare.model_validate(data),
        positions=tuple(positions),
        pool_budget=None if pool_in_agreement else pounds(pool),
        quality_score=None if score_in_agreement else score,
    )


def total_variance(case: Case, positions: tuple[Position, ...] | None = None) -> Decimal:
    return sum((p.budget - p.actual for p in positions or case.positions), Decimal(0))


def limit(case: Case, code: str, name: str) -> Decimal | None:
    """The party's cap or collar in pounds, worked out here independently of the engine."""
    party = case.agreement.party(code)
    budget = next((p.budget for p in case.positions if p.organisation == code), Decimal(0))
    for holder in (party, case.agreement):
        pct, gbp = getattr(holder, f"{name}_pct"), getattr(holder, f"{name}_gbp")
        if pct is not None:
            return (pct * budget / 100).quantize(PENNY, rounding=ROUND_HALF_EVEN)
        if gbp is not None:
            return gbp
    return None


@PROPERTIES
@given(cases())
def test_a_everyone_adds_up_to_the_total_variance_to_the_penny(case: Case):
    s = case.settle()
    assert sum(x.amount for x in s.statements) == total_variance(case)
    assert sum(line.amount for line in s.lines if not line.memo) == total_variance(case)
    for statement in s.statements:
        assert statement.amount == sum(
            (line.amount for line in statement.lines if not line.memo), Decimal(0)
        )
    system = s.system
    assert system.variance == total_variance(case)
    assert (
        system.borne_by_partners + system.borne_by_commissioner + system.borne_by_reserve
        == system.variance
    )
    assert system.reserve_used + system.reserve_released == system.reserve


@PROPERTIES
@given(cases())
def test_b_no_cap_or_collar_is_exceeded(case: Case):
    s = case.settle()
    for party in case.agreement.parties:
        if party.organisation == case.agreement.commissioner:
            continue  # R6 and R7 do not apply to the commissioner's own amount
        amount = s.statement(party.organisation).party_amount
        cap = limit(case, party.organisation, "gain_cap")
        collar = limit(case, party.organisation, "loss_collar")
        if cap is not None:
            assert amount <= cap
        if collar is not None:
            assert amount >= -collar
    # The reserve never bears more than its size.
    assert -s.statement(RESERVE).amount <= s.system.reserve


@PROPERTIES
@given(cases(), st.data())
def test_c_a_larger_overspend_never_makes_anyone_better_off(case: Case, data):
    j = data.draw(st.integers(0, len(case.positions) - 1))
    extra = pounds(data.draw(st.integers(1, 10**8)))
    more = list(case.positions)
    more[j] = replace(more[j], actual=more[j].actual + extra)
    before, after = case.settle(), case.settle(tuple(more))
    for party in case.agreement.parties:
        code = party.organisation
        assert after.statement(code).party_amount <= before.statement(code).party_amount
        if code != case.agreement.commissioner:
            assert after.statement(code).amount <= before.statement(code).amount
    assert after.statement(RESERVE).amount <= before.statement(RESERVE).amount
    pennies = PENNY * len(case.agreement.parties)
    commissioner = case.agreement.commissioner
    assert after.statement(commissioner).amount <= before.statement(commissioner).amount + pennies


@PROPERTIES
@given(cases())
def test_d_every_line_names_a_documented_rule_in_whole_pennies(case: Case):
    s = case.settle()
    for line in s.lines:
        assert line.rule in RULES
        assert line.description
        assert line.amount == line.amount.quantize(PENNY)
        assert line.amount.as_tuple().exponent == -2
    for row in s.rows():
        assert row["rule"] in RULES
        assert row["party_kind"] in {"partner", "commissioner", "reserve"}
        assert Decimal(row["amount_gbp"]).as_tuple().exponent == -2
