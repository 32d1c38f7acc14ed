"""Year-end risk-share settlement: hand-worked examples, one rule per test (rule in the name).

The pool unless a test says otherwise: pool budget £3,000,000, three partners A, B, C with
budgets of £1,000,000 each, shares 50/30/20 of gains and losses, an incurring band of 1 %
(£10,000 each), no reserve, no stop-loss, no gate, no caps; the ICB is the commissioner and
not a party.
"""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction

import pytest
import yaml

from oneplace.engine.settlement import RESERVE, RULES, Position, SettlementError, settle
from oneplace.place.riskshare import RiskShare

MILLION = D(1_000_000)


def agreement(**changes) -> RiskShare:
    data = {
        "name": "Test pool",
        "settings": ["acute_elective", "community"],
        "commissioner": "ICB",
        "budget_gbp": "3000000.00",
        "parties": [
            {"organisation": "A", "gain_share_pct": 50, "loss_share_pct": 50},
            {"organisation": "B", "gain_share_pct": 30, "loss_share_pct": 30},
            {"organisation": "C", "gain_share_pct": 20, "loss_share_pct": 20},
        ],
        "incurring_band_pct": 1,
    }
    data.update(changes)
    return RiskShare.model_validate(data)


def positions(a="0", b="0", c="0", budget=MILLION, **budgets) -> list[Position]:
    """Each partner's overspend (negative: underspend) against its budget."""
    over = {"A": D(a), "B": D(b), "C": D(c)}
    return [
        Position(code, budgets.get(code, budget), budgets.get(code, budget) + over[code])
        for code in over
    ]


def amounts(settlement) -> dict[str, D]:
    return {s.party: s.amount for s in settlement.statements}


def rules(statement) -> list[str]:
    return [line.rule for line in statement.lines if not line.memo]


def test_r2_variance_within_the_incurring_band_is_the_partys_own():
    s = settle(agreement(), positions(a="5000", b="-5000"))
    assert amounts(s) == {"A": D("-5000.00"), "B": D("5000.00"), "C": 0, RESERVE: 0, "ICB": 0}
    assert s.system.pooled == 0
    (own, share) = s.statement("A").lines
    assert (own.rule, own.amount, share.rule, share.amount) == ("R2", D("-5000.00"), "R4", 0)
    assert "within its incurring band of ±£10,000.00 (1% of its budget £1,000,000.00)" in (
        own.description
    )


def test_r2_variance_beyond_the_band_passes_to_the_pool_and_r4_shares_it_by_loss_shares():
    s = settle(agreement(), positions(a="30000"))
    # A bears £10,000 itself; £20,000 is pooled and split 50/30/20.
    assert amounts(s) == {
        "A": D("-20000.00"),
        "B": D("-6000.00"),
        "C": D("-4000.00"),
        RESERVE: 0,
        "ICB": 0,
    }
    a = s.statement("A")
    assert [(x.rule, x.amount, x.memo) for x in a.lines] == [
        ("R2", D("-10000.00"), False),
        ("R2", D("-20000.00"), True),
        ("R4", D("-10000.00"), False),
    ]
    assert a.variance == D("-30000.00")
    assert "50% (a fixed share) of the shared pooled loss of -£20,000.00" in a.lines[2].description


def test_r4_a_gain_is_split_by_gain_shares_and_a_loss_by_loss_shares():
    parties = [
        {"organisation": "A", "gain_share_pct": 50, "loss_share_pct": 60},
        {"organisation": "B", "gain_share_pct": 30, "loss_share_pct": 25},
        {"organisation": "C", "gain_share_pct": 20, "loss_share_pct": 15},
    ]
    gain = settle(agreement(parties=parties), positions(b="-30000"))
    assert [gain.statement(c).amount for c in "ABC"] == [D(10000), D(16000), D(4000)]
    loss = settle(agreement(parties=parties), positions(b="30000"))
    assert [loss.statement(c).amount for c in "ABC"] == [D(-12000), D(-15000), D(-3000)]


def test_r4_shares_pro_rata_to_contract_value():
    parties = [
        {"organisation": "A", "contract_gbp": 600_000},
        {"organisation": "B", "contract_gbp": 300_000},
        {"organisation": "C", "contract_gbp": 100_000},
    ]
    s = settle(agreement(shares="contract_value", parties=parties), positions(a="30000"))
    assert [s.statement(c).amount for c in "ABC"] == [D(-22000), D(-6000), D(-2000)]
    assert "pro rata to its contract of £600,000.00 out of £1,000,000.00" in (
        s.statement("A").lines[-1].description
    )


def test_r3_the_reserve_absorbs_a_pooled_loss():
    # 1 % of £3,000,000 is a £30,000 reserve; C's budget is what is left.
    pos = positions(a="30000", C=D(970_000))
    s = settle(agreement(risk_reserve_pct=1), pos)
    assert amounts(s) == {"A": D(-10000), "B": 0, "C": 0, RESERVE: D(-20000), "ICB": 0}
    reserve = s.statement(RESERVE)
    assert [(x.rule, x.amount, x.memo) for x in reserve.lines] == [
        ("R1", D(30000), True),
        ("R3", D(-20000), False),
    ]
    (release,) = [x for x in s.statement("ICB").lines if x.rule == "R3"]
    assert (release.amount, release.memo) == (D(10000), True)
    assert (s.system.reserve_used, s.system.reserve_released) == (D(20000), D(10000))


def test_r3_once_the_reserve_is_exhausted_the_rest_is_shared():
    s = settle(agreement(risk_reserve_pct=1), positions(a="60000", C=D(970_000)))
    # Pooled -£50,000: the reserve takes £30,000, the parties share £20,000.
    assert amounts(s) == {
        "A": D(-20000),
        "B": D(-6000),
        "C": D(-4000),
        RESERVE: D(-30000),
        "ICB": 0,
    }
    assert s.system.reserve_released == 0


def test_r3_the_reserve_is_not_used_for_a_pooled_gain_and_is_released():
    s = settle(agreement(risk_reserve_pct=1), positions(b="-30000", C=D(970_000)))
    assert s.statement(RESERVE).amount == 0
    assert s.system.reserve_released == D(30000)
    assert [s.statement(c).amount for c in "ABC"] == [D(10000), D(16000), D(4000)]


def test_r5_stop_loss_passes_the_pooled_loss_beyond_the_shared_band_to_the_commissioner():
    # The shared band is 0.5 % of £3,000,000 = £15,000.
    s = settle(agreement(shared_band_pct="0.5"), positions(a="60000"))
    assert amounts(s) == {
        "A": D(-17500),
        "B": D(-4500),
        "C": D(-3000),
        RESERVE: 0,
        "ICB": D(-35000),
    }
    (line,) = s.statement("ICB").lines
    assert line.rule == "R5"
    assert "beyond the shared band of ±£15,000.00 (0.5% of the pool budget" in line.description


def test_r5_stop_loss_applies_to_a_pooled_gain_too():
    s = settle(agreement(shared_band_pct="0.5"), positions(b="-60000"))
    assert amounts(s) == {
        "A": D(7500),
        "B": D(14500),
        "C": D(3000),
        RESERVE: 0,
        "ICB": D(35000),
    }


def test_r5_the_stop_loss_counts_after_the_reserve():
    # Pooled -£50,000; the reserve takes £30,000; the shared band (£15,000) takes the next
    # £15,000; the last £5,000 passes to the commissioner.
    a = agreement(risk_reserve_pct=1, shared_band_pct="0.5")
    s = settle(a, positions(a="60000", C=D(970_000)))
    assert s.statement(RESERVE).amount == D(-30000)
    assert s.statement("ICB").amount == D(-5000)
    assert [s.statement(c).amount for c in "ABC"] == [D(-17500), D(-4500), D(-3000)]


GATE = {"quality_gate": {"threshold": "0.8", "floor": "0.5"}}


def test_r6_quality_gate_pays_in_full_at_the_threshold():
    s = settle(agreement(**GATE, quality_score="0.8"), positions(b="-30000"))
    assert [s.statement(c).amount for c in "ABC"] == [D(10000), D(16000), D(4000)]
    assert s.statement("ICB").amount == 0
    assert s.system.quality_factor == 1
    assert "reaches the threshold 0.8" in s.statement("B").lines[-1].description


def test_r6_quality_gate_scales_a_gain_between_floor_and_threshold():
    # (0.74 - 0.5) / (0.8 - 0.5) = 80 % of each net gain is paid.
    s = settle(agreement(**GATE, quality_score="0.74"), positions(b="-30000"))
    assert [s.statement(c).amount for c in "ABC"] == [D(8000), D(12800), D(3200)]
    icb = s.statement("ICB")
    assert [(x.rule, x.amount) for x in icb.lines] == [
        ("R6", D(2000)),
        ("R6", D(3200)),
        ("R6", D(800)),
    ]
    assert s.system.quality_factor == Fraction(4, 5)
    assert "80% of the net gain of £16,000.00 is paid: £3,200.00 withheld" in (
        s.statement("B").lines[-1].description
    )


def test_r6_quality_gate_pays_nothing_below_the_floor():
    s = settle(agreement(**GATE, quality_score="0.4"), positions(b="-30000"))
    assert [s.statement(c).amount for c in "ABC"] == [0, 0, 0]
    assert s.statement("ICB").amount == D(30000)


def test_r6_quality_gate_without_a_floor_is_all_or_nothing():
    gate = {"quality_gate": {"threshold": "0.8"}}
    s = settle(agreement(**gate, quality_score="0.79"), positions(b="-30000"))
    assert [s.statement(c).amount for c in "ABC"] == [0, 0, 0]
    s = settle(agreement(**gate, quality_score="0.8"), positions(b="-30000"))
    assert [s.statement(c).amount for c in "ABC"] == [D(10000), D(16000), D(4000)]


def test_r6_quality_gate_does_not_scale_losses():
    s = settle(agreement(**GATE, quality_score="0"), positions(a="30000", b="-5000"))
    # A: -10,000 own - 10,000 share = -20,000 (a loss, not scaled).
    # B: +5,000 own - 6,000 share = -1,000 (a loss, not scaled). C: -4,000.
    assert [s.statement(c).amount for c in "ABC"] == [D(-20000), D(-1000), D(-4000)]
    assert s.statement("ICB").amount == 0


def test_r6_the_score_given_to_settle_overrides_the_interim_score():
    s = settle(agreement(**GATE, quality_score="0.4"), positions(b="-30000"), quality_score=D(1))
    assert s.statement("B").amount == D(16000)


def test_r7_gain_cap_binds():
    # A cap of 1 % of budget = £10,000; B's net gain of £16,000 is cut to it.
    s = settle(agreement(gain_cap_pct=1), positions(b="-30000"))
    assert [s.statement(c).amount for c in "ABC"] == [D(10000), D(10000), D(4000)]
    icb = s.statement("ICB")
    assert [(x.rule, x.amount, x.description) for x in icb.lines] == [
        ("R7", D(6000), "B's gain above its cap of £10,000.00")
    ]
    assert "Gain cap of £10,000.00 (1% of its budget £1,000,000.00)" in (
        s.statement("B").lines[-1].description
    )


def test_r7_loss_collar_binds():
    s = settle(agreement(loss_collar_gbp=15000), positions(a="30000"))
    assert [s.statement(c).amount for c in "ABC"] == [D(-15000), D(-6000), D(-4000)]
    assert [(x.rule, x.amount) for x in s.statement("A").lines if not x.memo] == [
        ("R2", D(-10000)),
        ("R4", D(-10000)),
        ("R7", D(5000)),
    ]
    assert s.statement("ICB").amount == D(-5000)


def test_r7_a_partys_own_cap_overrides_the_agreements():
    parties = [
        {"organisation": "A", "gain_share_pct": 50, "loss_share_pct": 50},
        {"organisation": "B", "gain_share_pct": 30, "loss_share_pct": 30, "gain_cap_gbp": 1000},
        {"organisation": "C", "gain_share_pct": 20, "loss_share_pct": 20},
    ]
    s = settle(agreement(parties=parties, gain_cap_pct="0.5"), positions(b="-30000"))
    # A and C: capped at 0.5 % = £5,000; B at its own £1,000.
    assert [s.statement(c).amount for c in "ABC"] == [D(5000), D(1000), D(4000)]
    assert s.statement("ICB").amount == D(5000 + 15000)


def test_r7_the_cap_applies_after_the_quality_gate():
    s = settle(agreement(**GATE, quality_score="0.74", gain_cap_pct=1), positions(b="-30000"))
    # B: 16,000 x 80 % = 12,800 paid, then capped at 10,000.
    assert s.statement("B").amount == D(10000)
    assert [x.rule for x in s.statement("B").lines if not x.memo] == ["R2", "R4", "R6", "R7"]


def test_r8_rounding_pennies_go_to_the_commissioner():
    parties = [
        {"organisation": "A", "gain_share_pct": "33.33", "loss_share_pct": "33.33"},
        {"organisation": "B", "gain_share_pct": "33.33", "loss_share_pct": "33.33"},
        {"organisation": "C", "gain_share_pct": "33.34", "loss_share_pct": "33.34"},
    ]
    # A overspends by £10,000.10: 10p is pooled; each third (3.333p, 3.334p) rounds to 3p.
    s = settle(agreement(parties=parties), positions(a="10000.10"))
    assert amounts(s) == {
        "A": D("-10000.03"),
        "B": D("-0.03"),
        "C": D("-0.03"),
        RESERVE: 0,
        "ICB": D("-0.01"),
    }
    (line,) = s.statement("ICB").lines
    assert line.rule == "R8"
    assert sum(amounts(s).values()) == s.system.variance == D("-10000.10")


def test_r8_shares_round_half_to_even():
    parties = [
        {"organisation": "A", "gain_share_pct": 50, "loss_share_pct": 50},
        {"organisation": "B", "gain_share_pct": 50, "loss_share_pct": 50},
    ]
    # 5p pooled: each half is 2.5p, which rounds to 2p; the odd penny is the commissioner's.
    s = settle(agreement(parties=parties), positions(a="10000.05")[:2])
    assert [s.statement(c).amount for c in "AB"] == [D("-10000.02"), D("-0.02")]
    assert s.statement("ICB").amount == D("-0.01")


def test_commissioner_as_a_party_has_its_own_lines_then_its_residual_lines():
    parties = [
        {"organisation": "A", "gain_share_pct": 40, "loss_share_pct": 40},
        {"organisation": "B", "gain_share_pct": 30, "loss_share_pct": 30},
        {"organisation": "C", "gain_share_pct": 10, "loss_share_pct": 10},
        {"organisation": "ICB", "gain_share_pct": 20, "loss_share_pct": 20},
    ]
    pos = [*positions(a="60000"), Position("ICB", D(0), D(0))]
    s = settle(agreement(parties=parties, shared_band_pct="0.5"), pos)
    icb = s.statement("ICB")
    assert icb.kind == "commissioner"
    # Pooled -£50,000: £15,000 shared (ICB's 20 % = -£3,000), £35,000 beyond the stop-loss.
    assert [(x.rule, x.amount) for x in icb.lines] == [
        ("R2", 0),
        ("R4", D(-3000)),
        ("R5", D(-35000)),
    ]
    assert (icb.party_amount, icb.amount) == (D(-3000), D(-38000))
    assert [s.statement(c).amount for c in "ABC"] == [D(-16000), D(-4500), D(-1500)]
    assert [st.party for st in s.statements] == ["A", "B", "C", RESERVE, "ICB"]
    assert sum(amounts(s).values()) == D(-60000)


def test_a_party_without_a_position_holds_a_share_but_no_variance():
    parties = [
        {"organisation": "A", "gain_share_pct": 80, "loss_share_pct": 80},
        {"organisation": "ICB", "gain_share_pct": 20, "loss_share_pct": 20},
    ]
    s = settle(agreement(parties=parties), positions(a="30000")[:1])
    assert (s.statement("A").amount, s.statement("ICB").amount) == (D(-26000), D(-4000))
    assert s.statement("ICB").variance == 0


def test_r1_unallocated_budget_stays_with_the_commissioner_outside_the_variance():
    s = settle(agreement(budget_gbp="3500000"), positions(a="30000"))
    (memo,) = s.statement("ICB").lines
    assert (memo.rule, memo.amount, memo.memo) == ("R1", D(500000), True)
    assert s.statement("ICB").amount == 0
    assert (s.system.unallocated, s.system.variance) == (D(500000), D(-30000))


def test_r1_error_when_the_budgets_and_the_reserve_exceed_the_pool():
    with pytest.raises(SettlementError) as info:
        settle(agreement(risk_reserve_pct="0.5"), positions())
    assert info.value.details == [
        "the parties' budgets (£3,000,000.00) and the risk reserve (£15,000.00) add up to more "
        "than the pool budget (£3,000,000.00)"
    ]


def test_error_positions_must_be_exact_parties_once_each():
    bad = [
        Position("A", D(1000), 1000.5),  # a float
        Position("B", D("1000.001"), D(0)),
        Position("B", D(1), D(1)),
        Position("Z", D(1), D(1)),
        Position("C", D(-1), D(0)),
    ]
    with pytest.raises(SettlementError) as info:
        settle(agreement(), bad)
    assert info.value.details == [
        "positions[0] (A).actual: 1000.5 is not an exact amount (give a Decimal, never a float)",
        "positions[1] (B).budget: 1000.001 is not a whole number of pennies",
        "positions[2] (B): 'B' has two positions",
        "positions[3] (Z): 'Z' is not a party to the agreement",
        "positions[4] (C).budget: -1 is negative",
    ]


def test_error_without_a_pool_budget_or_with_two_that_disagree():
    with pytest.raises(SettlementError, match="cannot settle") as info:
        settle(agreement(budget_gbp=None), positions())
    assert info.value.details[0].startswith("pool_budget: the agreement has no budget_gbp")
    with pytest.raises(SettlementError) as info:
        settle(agreement(), positions(), pool_budget=D(4_000_000))
    assert info.value.details == [
        "pool_budget: 4000000 differs from the agreement's budget_gbp 3000000.00"
    ]
    s = settle(agreement(budget_gbp=None), positions(a="30000"), pool_budget=D(3_000_000))
    assert s.system.pool_budget == D("3000000.00")


def test_error_a_quality_gate_needs_a_score():
    with pytest.raises(SettlementError) as info:
        settle(agreement(**GATE), positions())
    assert info.value.details[0].startswith("quality_score: the quality gate needs")
    with pytest.raises(SettlementError, match="cannot settle"):
        settle(agreement(**GATE), positions(), quality_score=D("1.5"))


def test_rows_are_plain_dicts_with_amounts_to_two_places_in_step_order():
    s = settle(
        agreement(risk_reserve_pct=1, shared_band_pct="0.5"), positions(a="60000", C=D(970_000))
    )
    rows = s.rows()
    assert set(rows[0]) == {
        "party",
        "party_kind",
        "step",
        "rule",
        "description",
        "amount_gbp",
        "memo",
    }
    assert [r["step"] for r in rows] == list(range(1, len(rows) + 1))
    assert {r["party_kind"] for r in rows} == {"partner", "reserve", "commissioner"}
    assert all(r["rule"] in RULES for r in rows)
    assert rows[0]["amount_gbp"] == "-10000.00"
    assert sum(D(r["amount_gbp"]) for r in rows if not r["memo"]) == s.system.variance


def test_system_statement_says_who_bears_what():
    s = settle(
        agreement(risk_reserve_pct=1, shared_band_pct="0.5"), positions(a="60000", C=D(970_000))
    )
    sys = s.system
    assert (sys.pool_budget, sys.reserve, sys.allocated, sys.unallocated) == (
        D(3_000_000),
        D(30000),
        D(2_970_000),
        0,
    )
    assert (sys.actual, sys.variance, sys.incurred, sys.pooled) == (
        D(3_030_000),
        D(-60000),
        D(-10000),
        D(-50000),
    )
    assert (sys.reserve_used, sys.shared, sys.stop_loss) == (D(30000), D(-15000), D(-5000))
    assert (sys.borne_by_partners, sys.borne_by_reserve, sys.borne_by_commissioner) == (
        D(-25000),
        D(-30000),
        D(-5000),
    )
    rows = {r["item"]: r["amount_gbp"] for r in sys.rows()}
    assert rows["Total variance (allocated budget - actual spend)"] == "-60000.00"
    assert rows["Absorbed by the risk reserve"] == "-30000.00"


def test_r8_each_share_rounds_on_its_own_so_a_larger_pool_never_shrinks_a_share():
    # Split by largest remainder, shares of 1/3/96 % give 1p, 1p, 48p of a 50p pooled gain and
    # 0p, 2p, 49p of 51p: A would get less of a larger gain (the Alabama paradox). Rounding each
    # share on its own is monotone; the commissioner takes the odd pennies.
    parties = [
        {"organisation": "A", "gain_share_pct": 1, "loss_share_pct": 1},
        {"organisation": "B", "gain_share_pct": 3, "loss_share_pct": 3},
        {"organisation": "C", "gain_share_pct": 96, "loss_share_pct": 96},
    ]
    shares = {}
    for pooled in ("0.50", "0.51"):
        s = settle(agreement(parties=parties), positions(b=f"-{D(10000) + D(pooled)}"))
        shares[pooled] = [s.statement(c).lines[-1].amount for c in "ABC"]
        assert sum(amounts(s).values()) == s.system.variance
    assert shares == {
        "0.50": [D("0.00"), D("0.02"), D("0.48")],
        "0.51": [D("0.01"), D("0.02"), D("0.49")],
    }


def test_r6_and_r7_do_not_apply_to_the_commissioners_own_amount():
    parties = [
        {"organisation": "A", "gain_share_pct": 80, "loss_share_pct": 80},
        {"organisation": "ICB", "gain_share_pct": 20, "loss_share_pct": 20},
    ]
    a = agreement(parties=parties, gain_cap_pct=1, **GATE, quality_score="0.5")
    s = settle(a, positions(a="-30000")[:1])
    # ICB has no position (no R2 line); its 20 % of the £20,000 pooled gain is neither gated
    # nor capped at 1 % of a zero budget. A's gain is gated to nothing.
    icb = s.statement("ICB")
    assert [(x.rule, x.amount) for x in icb.lines if not x.memo] == [
        ("R4", D(4000)),
        ("R6", D(26000)),
    ]
    assert (icb.party_amount, icb.amount) == (D(4000), D(30000))
    assert s.statement("A").amount == 0


WORKED_EXAMPLE = """\
name: Example risk share
settings: [acute_non_elective, acute_elective, outpatient, community]
commissioner: ICB
budget_gbp: 10000000.00
risk_reserve_pct: 0.5
shares: fixed
parties:
  - {organisation: ACUTE, gain_share_pct: 40, loss_share_pct: 45}
  - {organisation: COMM, gain_share_pct: 25, loss_share_pct: 20}
  - {organisation: FED, gain_share_pct: 15, loss_share_pct: 15}
  - {organisation: ICB, gain_share_pct: 20, loss_share_pct: 20}
incurring_band_pct: 1.0
shared_band_pct: 0.5
gain_cap_pct: 2.0
loss_collar_pct: 1.25
quality_gate: {threshold: 0.8, floor: 0.5}
quality_score: 0.74
"""


def test_the_worked_example_in_docs_risk_share_md():
    a = RiskShare.model_validate(yaml.safe_load(WORKED_EXAMPLE))
    pos = [
        Position("ACUTE", D(6_000_000), D(6_240_000)),
        Position("COMM", D(2_000_000), D(1_950_000)),
        Position("FED", D(1_950_000), D(1_940_000)),
    ]
    s = settle(a, pos)
    table = {st.party: [(x.rule, x.amount) for x in st.lines if not x.memo] for st in s.statements}
    assert table == {
        "ACUTE": [("R2", D(-60000)), ("R4", D(-22500)), ("R7", D(7500))],
        "COMM": [("R2", D(20000)), ("R4", D(-10000)), ("R6", D(-2000))],
        "FED": [("R2", D(10000)), ("R4", D(-7500)), ("R6", D(-500))],
        RESERVE: [("R3", D(-50000))],
        "ICB": [
            ("R4", D(-10000)),
            ("R5", D(-50000)),
            ("R6", D(2000)),
            ("R6", D(500)),
            ("R7", D(-7500)),
        ],
    }
    assert amounts(s) == {
        "ACUTE": D(-75000),
        "COMM": D(8000),
        "FED": D(2000),
        RESERVE: D(-50000),
        "ICB": D(-65000),
    }
    assert s.system.variance == D(-180000)
