"""Year-end settlement of the partners' risk-share agreement (METHODS.md 2.1).

The agreement (:class:`oneplace.place.riskshare.RiskShare`) pools a budget for some settings.
Each party to it has a *position*: its budget and its actual spend in the covered settings for
the year. Its variance is ``v = budget - actual``. A positive variance is an underspend (a
gain). A negative one is an overspend (a loss). The total variance ``V`` is the sum over the
positions. It is measured against the allocated budgets, so it excludes the reserve and any
unallocated budget.

Settlement divides ``V`` exactly between the parties, the commissioner and the risk reserve.
Each gets a statement, and every line of a statement names the rule below that produced it.
Amounts are pounds with 2 places. Internally they are integer pence, and the fractions are
exact (:class:`fractions.Fraction`). A positive amount is a gain to whoever holds the line. A
negative amount is a loss they bear.

Rules:

R1  Reserve top-slice. The reserve is ``R = risk_reserve_pct % of the pool budget``. The
    parties' budgets come from the rest of the pool, so ``sum(budgets) + R <= pool budget``
    must hold (:class:`SettlementError` otherwise). Any part of the pool that is neither
    reserve nor a party's budget stays with the commissioner. It is outside the variance
    because no spend was measured against it, so it appears only as a memo line.
R2  Incurring band. Each party bears its own variance up to ``t1 = incurring_band_pct %`` of
    its own budget: ``own = clamp(v, -t1, +t1)``. The excess ``v - own`` passes to the pool.
    ``P`` is the pooled amount, the sum of the excesses.
R3  Risk reserve. If ``P < 0`` (a pooled loss), the reserve absorbs ``min(R, -P)``. The
    reserve's amount is minus that. The unused reserve is released to the commissioner. This
    is a memo line outside the variance identity: the reserve was top-sliced before the
    budgets were set, so it was never part of ``V``.
R4  Shared band. What is left of the pool, up to ``S = shared_band_pct %`` of the pool budget
    in size, is shared between the parties. A gain is split by the gain shares and a loss by
    the loss shares. The shares are fixed percentages or pro rata to ``contract_gbp``. Each
    party's share is rounded to the penny, half to even.
R5  Stop-loss. Whatever pooled amount is beyond the shared band goes to the commissioner.
    With no ``shared_band_pct`` there is no stop-loss.
R6  Quality gate. A party's net gain after R2-R4 is multiplied by the gate factor: 1 at or
    above the threshold; from 0 at the floor rising linearly to 1 at the threshold; 0 below
    the floor (or below the threshold if there is no floor). The paid gain is rounded to the
    penny, half to even. The part withheld goes to the commissioner. Losses are not scaled.
R7  Caps and collars. A party's gain above its cap, or its loss beyond its collar, goes to the
    commissioner. The cap is taken after the quality gate, on what would be paid. Caps and
    collars are a % of the party's own budget or an amount in pounds.
R8  Rounding. The pennies left over from rounding the R4 shares go to the commissioner. So
    ``sum(parties) + commissioner + reserve == V`` to the penny.

Every money limit (R, ``t1``, ``S``, a cap or collar given as a %) is rounded to the penny,
half to even, when it is computed.

The commissioner may also be a party. It then has a position and shares like any other party,
but R6 and R7 do not apply to its own amount: whatever they took from it would come straight
back to it as commissioner. Its statement holds its lines as a party, then the residual lines
it takes as commissioner (R5, R6, R7, R8 and the memos). Its ``party_amount`` is its amount as
a party, and ``amount`` is the total. A party with no position has budget and actual 0: it can
hold a share but has no variance of its own and no R2 line. A cap or collar given as a % of
its budget is then 0, so such a party needs its limits in pounds.

Monotonicity: if any party's actual goes up, no party's final amount goes up. Each rule is a
non-decreasing function of the variances it sees:

- ``clamp`` (R2, R4, R7) and ``x -> x + min(R, max(0, -x))`` (R3) are non-decreasing.
- The shares (R4), the gate factor (R6) and the caps and collars (R7) depend only on the
  agreement, the budgets and the outcomes score, never on actual spend.
- The split switches between gain and loss shares at exactly 0, where both give 0.
- Rounding each figure on its own to the penny is a non-decreasing map.

That last point is why the leftover pennies go to the commissioner (R8). A largest-remainder
split would give the pennies to parties, but then one party's share can fall while the pool
grows. The commissioner's total is non-decreasing in every variance except for those R8
pennies (at most one per party). The reserve's amount is non-decreasing in every variance.
``tests/engine/test_settlement_properties.py`` checks all of this with Hypothesis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from ..errors import UserError
from ..place.riskshare import RiskShare

RULES: dict[str, str] = {
    "R1": "reserve top-slice",
    "R2": "incurring band",
    "R3": "risk reserve",
    "R4": "shared band",
    "R5": "stop-loss",
    "R6": "quality gate",
    "R7": "caps and collars",
    "R8": "rounding",
}

PartyKind = Literal["partner", "commissioner", "reserve"]
RESERVE = "risk reserve"  # the reserve's party name (has a space, so it is never an org code)


class SettlementError(UserError):
    """The inputs cannot be settled. ``details`` holds one line per problem."""


@dataclass(frozen=True)
class Position:
    """A party's budget and actual spend (pounds, whole pennies) in the covered settings."""

    organisation: str
    budget: Decimal
    actual: Decimal

    @property
    def variance(self) -> Decimal:
        return self.budget - self.actual


@dataclass(frozen=True)
class Line:
    """One line of a statement. ``memo`` lines are information and sit outside the variance."""

    party: str
    party_kind: PartyKind
    step: int
    rule: str
    description: str
    amount: Decimal
    memo: bool = False


@dataclass(frozen=True)
class Statement:
    """One party's settlement. ``amount`` is the sum of its non-memo lines.

    The reserve's ``budget`` is its size. The reserve, and a commissioner without a position,
    have no spend of their own, so their actual and variance are 0.
    """

    party: str
    kind: PartyKind
    budget: Decimal
    actual: Decimal
    variance: Decimal
    lines: tuple[Line, ...]
    party_amount: Decimal
    amount: Decimal


@dataclass(frozen=True)
class SystemStatement:
    """The pool as a whole: where the total variance went, rule by rule."""

    pool_budget: Decimal
    reserve: Decimal
    allocated: Decimal
    unallocated: Decimal
    actual: Decimal
    variance: Decimal
    incurred: Decimal  # R2: borne by the parties within their incurring bands
    pooled: Decimal  # R2: passed to the pool
    reserve_used: Decimal  # R3: absorbed by the reserve (>= 0)
    reserve_released: Decimal  # R3: unused reserve released to the commissioner (memo)
    shared: Decimal  # R4
    stop_loss: Decimal  # R5: beyond the shared band, to the commissioner
    withheld: Decimal  # R6: withheld by the quality gate, to the commissioner
    capped: Decimal  # R7: above caps (+) and beyond collars (-), to the commissioner
    rounding: Decimal  # R8
    quality_score: Decimal | None
    quality_factor: Fraction | None
    borne_by_partners: Decimal
    borne_by_commissioner: Decimal
    borne_by_reserve: Decimal

    def rows(self) -> list[dict]:
        """The statement as ``item, rule, amount_gbp`` rows (amounts as 2-place strings)."""
        items = [
            ("Pool budget", "", self.pool_budget),
            ("Risk reserve top-sliced", "R1", self.reserve),
            ("Allocated to the parties", "R1", self.allocated),
            (
                "Not allocated (stays with the commissioner, outside the variance)",
                "R1",
                self.unallocated,
            ),
            ("Actual spend", "", self.actual),
            ("Total variance (allocated budget - actual spend)", "", self.variance),
            ("Borne by the parties within their incurring bands", "R2", self.incurred),
            ("Passed to the pool", "R2", self.pooled),
            ("Absorbed by the risk reserve", "R3", -self.reserve_used),
            ("Shared between the parties", "R4", self.shared),
            ("Beyond the stop-loss, to the commissioner", "R5", self.stop_loss),
            ("Withheld by the quality gate, to the commissioner", "R6", self.withheld),
            ("Above caps and beyond collars, to the commissioner", "R7", self.capped),
            ("Rounding pennies, to the commissioner", "R8", self.rounding),
            ("Borne by the partners", "", self.borne_by_partners),
            ("Borne by the commissioner", "", self.borne_by_commissioner),
            ("Borne by the risk reserve", "", self.borne_by_reserve),
            ("Unused risk reserve released to the commissioner", "R3", self.reserve_released),
        ]
        return [{"item": i, "rule": r, "amount_gbp": str(a)} for i, r, a in items]


@dataclass(frozen=True)
class Settlement:
    """The statements in order: the partners (as the agreement lists them), the reserve, then
    the commissioner. The system statement comes separately."""

    agreement: str
    statements: tuple[Statement, ...]
    system: SystemStatement

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(line for s in self.statements for line in s.lines)

    def statement(self, party: str) -> Statement:
        return next(s for s in self.statements if s.party == party)

    def rows(self) -> list[dict]:
        """Every line as a plain dict for a result table (``amount_gbp`` as a 2-place string)."""
        return [
            {
                "party": line.party,
                "party_kind": line.party_kind,
                "step": line.step,
                "rule": line.rule,
                "description": line.description,
                "amount_gbp": str(line.amount),
                "memo": line.memo,
            }
            for line in self.lines
        ]


# Money helpers: integer pence in, exact arithmetic, half-to-even rounding.


def _money(pence: int) -> Decimal:
    return Decimal(pence).scaleb(-2)


def _gbp(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    return f"{sign}£{abs(pence) // 100:,}.{abs(pence) % 100:02d}"


def _pct(value: Decimal | Fraction) -> str:
    """A percentage or score without trailing zeros; exact fractions to 4 places."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
        value = value.quantize(Decimal("0.0001"))
    return format(value.normalize(), "f")


def _of(pct: Decimal, base: int) -> int:
    """``pct`` % of ``base`` pence, rounded to the penny (half to even)."""
    return round(Fraction(pct) * base / 100)


def _clamp(x: int, low: int | None, high: int | None) -> int:
    if high is not None and x > high:
        return high
    if low is not None and x < low:
        return low
    return x


def _pence(value: object, what: str, problems: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        problems.append(f"{what}: {value!r} is not an exact amount (give a Decimal, never a float)")
        return 0
    if isinstance(value, Decimal) and not value.is_finite():
        problems.append(f"{what}: {value} is not an amount")
        return 0
    pence = Fraction(value) * 100
    if pence.denominator != 1:
        problems.append(f"{what}: {value} is not a whole number of pennies")
        return 0
    if pence < 0:
        problems.append(f"{what}: {value} is negative")
        return 0
    return int(pence)


@dataclass
class _Draft:
    """A statement being built: lines as (rule, description, pence, memo)."""

    party: str
    kind: PartyKind
    budget: int = 0
    actual: int = 0
    lines: list[tuple[str, str, int, bool]] = field(default_factory=list)
    party_amount: int = 0

    def add(self, rule: str, description: str, pence: int, memo: bool = False) -> None:
        self.lines.append((rule, description, pence, memo))


def settle(
    agreement: RiskShare,
    positions: Sequence[Position],
    pool_budget: Decimal | None = None,
    quality_score: Decimal | None = None,
) -> Settlement:
    """Settle one year of ``agreement`` (rules R1-R8 in the module docstring).

    ``positions`` holds each party's budget and actual spend in the covered settings. A party
    with no position has budget and actual 0. ``pool_budget`` defaults to the agreement's
    ``budget_gbp``. If both are given they must agree. ``quality_score`` (0-1) overrides the
    agreement's interim ``quality_score``. A quality gate needs one of the two.
    """
    problems: list[str] = []
    pool = _pool_budget(agreement, pool_budget, problems)
    score = quality_score if quality_score is not None else agreement.quality_score
    factor: Fraction | None = None
    if agreement.quality_gate is not None:
        if score is None:
            problems.append(
                "quality_score: the quality gate needs an outcomes score (in the agreement or "
                "given to settle)"
            )
        elif not isinstance(score, Decimal | int) or not 0 <= score <= 1:
            problems.append(f"quality_score: {score!r} is not a score between 0 and 1")
        else:
            factor = agreement.quality_gate.factor(Decimal(score))
    budget, actual, held = _positions(agreement, positions, problems)
    if problems:
        raise SettlementError(f"cannot settle {agreement.name!r}", problems)

    # R1
    reserve = _of(agreement.risk_reserve_pct, pool)
    allocated = sum(budget.values())
    if allocated + reserve > pool:
        raise SettlementError(
            f"cannot settle {agreement.name!r}",
            [
                f"the parties' budgets ({_gbp(allocated)}) and the risk reserve ({_gbp(reserve)}) "
                f"add up to more than the pool budget ({_gbp(pool)})"
            ],
        )
    unallocated = pool - allocated - reserve

    codes = [p.organisation for p in agreement.parties]
    commissioner = agreement.commissioner
    drafts = {
        code: _Draft(code, "commissioner" if code == commissioner else "partner") for code in codes
    }
    for code in codes:
        drafts[code].budget, drafts[code].actual = budget[code], actual[code]
    comm = drafts.get(commissioner) or _Draft(commissioner, "commissioner")
    res = _Draft(RESERVE, "reserve", budget=reserve)
    residual: list[tuple[str, str, int]] = []  # the commissioner's lines as commissioner

    # R2
    variance = {c: budget[c] - actual[c] for c in codes}
    own: dict[str, int] = {}
    for code in codes:
        band = _of(agreement.incurring_band_pct, budget[code])
        v = variance[code]
        own[code] = _clamp(v, -band, band)
        terms = (
            f"its incurring band of ±{_gbp(band)} "
            f"({_pct(agreement.incurring_band_pct)}% of its budget {_gbp(budget[code])})"
        )
        if own[code] == v:
            text = f"Variance of {_gbp(v)} is within {terms}: all of it is its own"
        else:
            text = f"Variance of {_gbp(v)} is beyond {terms}: {_gbp(own[code])} is its own"
        if code in held:  # a party without a position has no variance to show
            drafts[code].add("R2", text, own[code])
        if v != own[code]:
            drafts[code].add(
                "R2",
                f"The rest, {_gbp(v - own[code])}, passes to the pool",
                v - own[code],
                memo=True,
            )
    pooled = sum(variance.values()) - sum(own.values())

    # R3
    used = min(reserve, -pooled) if pooled < 0 else 0
    if reserve:
        res.add(
            "R1",
            f"Top-sliced from the pool budget {_gbp(pool)}: "
            f"{_pct(agreement.risk_reserve_pct)}% = {_gbp(reserve)}",
            reserve,
            memo=True,
        )
        if pooled < 0:
            how = "all of it" if used == -pooled else "up to its size"
            text = (
                f"The reserve of {_gbp(reserve)} absorbs the pooled loss of {_gbp(pooled)}, {how}"
            )
        else:
            text = (
                f"No pooled loss to absorb (the pool is {_gbp(pooled)} after the incurring bands)"
            )
        res.add("R3", text, -used)
    after_reserve = pooled + used

    # R4 and R5
    band = None if agreement.shared_band_pct is None else _of(agreement.shared_band_pct, pool)
    shared = _clamp(after_reserve, None if band is None else -band, band)
    beyond = after_reserve - shared
    side: Literal["gain", "loss"] = "gain" if shared >= 0 else "loss"
    weights = agreement.weights(side)
    share = {c: round(weights[c] * shared) for c in codes}
    total_contract = _pence(sum(p.contract_gbp or 0 for p in agreement.parties), "", [])
    for p in agreement.parties:
        code = p.organisation
        if shared == 0:
            text = "Nothing is left in the pool to share"
        else:
            basis = (
                f"pro rata to its contract of {_gbp(_pence(p.contract_gbp or 0, '', []))} "
                f"out of {_gbp(total_contract)}"
                if agreement.shares == "contract_value"
                else "a fixed share"
            )
            text = (
                f"{_pct(weights[code] * 100)}% ({basis}) of the shared pooled {side} "
                f"of {_gbp(shared)}"
            )
        drafts[code].add("R4", text, share[code])
    if beyond:
        residual.append(
            (
                "R5",
                f"Pooled {'gain' if beyond > 0 else 'loss'} beyond the shared band of ±{_gbp(band)} "
                f"({_pct(agreement.shared_band_pct)}% of the pool budget {_gbp(pool)}): "
                "the stop-loss passes it to the commissioner",
                beyond,
            )
        )
    rounding = shared - sum(share.values())

    # R6 and R7
    gate = agreement.quality_gate
    withheld_total = capped_total = 0
    for code in codes:
        net = own[code] + share[code]
        paid = net
        if code == commissioner:
            # What R6 and R7 would take from the commissioner's own amount would go straight
            # back to it as commissioner, so they do not apply to it.
            drafts[code].party_amount = net
            continue
        if gate is not None and factor is not None and net > 0:
            paid = round(factor * net)
            withheld = net - paid
            if factor == 1:
                text = (
                    f"Quality gate: the outcomes score {_pct(Decimal(score))} reaches the threshold "
                    f"{_pct(gate.threshold)}, so the net gain of {_gbp(net)} is paid in full"
                )
            elif factor == 0:
                below = (
                    f"the floor {_pct(gate.floor)}"
                    if gate.floor is not None
                    else f"the threshold {_pct(gate.threshold)}"
                )
                text = (
                    f"Quality gate: the outcomes score {_pct(Decimal(score))} is below {below}, "
                    f"so none of the net gain of {_gbp(net)} is paid"
                )
            else:
                text = (
                    f"Quality gate: the outcomes score {_pct(Decimal(score))} is between the floor "
                    f"{_pct(gate.floor)} and the threshold {_pct(gate.threshold)}, so "
                    f"{_pct(factor * 100)}% of the net gain of {_gbp(net)} is paid: "
                    f"{_gbp(withheld)} withheld"
                )
            drafts[code].add("R6", text, -withheld)
            if withheld:
                residual.append(("R6", f"Gain withheld from {code} by the quality gate", withheld))
                withheld_total += withheld
        (cap_pct, cap_gbp), (collar_pct, collar_gbp) = agreement.limits(code)
        cap = _limit(cap_pct, cap_gbp, budget[code])
        collar = _limit(collar_pct, collar_gbp, budget[code])
        final = _clamp(paid, None if collar is None else -collar, cap)
        excess = paid - final
        if excess > 0:
            terms = _limit_terms(cap_pct, budget[code])
            drafts[code].add(
                "R7",
                f"Gain cap of {_gbp(cap)}{terms}: the gain of {_gbp(paid)} is cut to the cap",
                -excess,
            )
            residual.append(("R7", f"{code}'s gain above its cap of {_gbp(cap)}", excess))
        elif excess < 0:
            terms = _limit_terms(collar_pct, budget[code])
            drafts[code].add(
                "R7",
                f"Loss collar of {_gbp(collar)}{terms}: the loss of {_gbp(paid)} is limited to the collar",
                -excess,
            )
            residual.append(("R7", f"{code}'s loss beyond its collar of {_gbp(collar)}", excess))
        capped_total += excess
        drafts[code].party_amount = final

    # R8 and the commissioner's residual lines
    if rounding:
        residual.append(
            (
                "R8",
                f"Pennies left when the shared {side} of {_gbp(shared)} was split and each share "
                "rounded to the penny (half to even)",
                rounding,
            )
        )
    for rule, text, pence in sorted(residual, key=lambda line: line[0]):
        comm.add(rule, text, pence)
    if reserve:
        comm.add(
            "R3",
            f"Unused risk reserve released to the commissioner: {_gbp(reserve - used)} "
            f"of {_gbp(reserve)}",
            reserve - used,
            memo=True,
        )
    if unallocated:
        comm.add(
            "R1",
            f"Pool budget not allocated to any party stays with the commissioner, outside the "
            f"variance: {_gbp(unallocated)}",
            unallocated,
            memo=True,
        )
    res.party_amount = -used

    order = [drafts[c] for c in codes if c != commissioner] + [res, comm]
    statements = _statements(order, variance)
    total_variance = sum(variance.values())
    by_kind = {
        k: sum(s.amount for s in statements if s.kind == k)
        for k in ("partner", "commissioner", "reserve")
    }
    if sum(by_kind.values()) != _money(total_variance):  # pragma: no cover - guards the algebra
        raise RuntimeError("settlement does not add up to the total variance")
    system = SystemStatement(
        pool_budget=_money(pool),
        reserve=_money(reserve),
        allocated=_money(allocated),
        unallocated=_money(unallocated),
        actual=_money(sum(actual.values())),
        variance=_money(total_variance),
        incurred=_money(sum(own.values())),
        pooled=_money(pooled),
        reserve_used=_money(used),
        reserve_released=_money(reserve - used),
        shared=_money(shared),
        stop_loss=_money(beyond),
        withheld=_money(withheld_total),
        capped=_money(capped_total),
        rounding=_money(rounding),
        quality_score=None if score is None else Decimal(score),
        quality_factor=factor,
        borne_by_partners=by_kind["partner"],
        borne_by_commissioner=by_kind["commissioner"],
        borne_by_reserve=by_kind["reserve"],
    )
    return Settlement(agreement.name, statements, system)


def _pool_budget(agreement: RiskShare, given: Decimal | None, problems: list[str]) -> int:
    if given is None and agreement.budget_gbp is None:
        problems.append("pool_budget: the agreement has no budget_gbp, so the caller must give one")
        return 0
    if given is None:
        return _pence(agreement.budget_gbp, "budget_gbp", problems)
    pence = _pence(given, "pool_budget", problems)
    if agreement.budget_gbp is not None and Fraction(agreement.budget_gbp) * 100 != pence:
        problems.append(
            f"pool_budget: {given} differs from the agreement's budget_gbp {agreement.budget_gbp}"
        )
    return pence


def _positions(
    agreement: RiskShare, positions: Sequence[Position], problems: list[str]
) -> tuple[dict[str, int], dict[str, int], set[str]]:
    codes = [p.organisation for p in agreement.parties]
    budget = dict.fromkeys(codes, 0)
    actual = dict.fromkeys(codes, 0)
    seen: set[str] = set()
    for i, pos in enumerate(positions):
        where = f"positions[{i}] ({pos.organisation})"
        if pos.organisation in seen:
            problems.append(f"{where}: {pos.organisation!r} has two positions")
        seen.add(pos.organisation)
        if pos.organisation not in budget:
            problems.append(f"{where}: {pos.organisation!r} is not a party to the agreement")
            continue
        budget[pos.organisation] = _pence(pos.budget, f"{where}.budget", problems)
        actual[pos.organisation] = _pence(pos.actual, f"{where}.actual", problems)
    return budget, actual, seen & set(codes)


def _limit(pct: Decimal | None, gbp: Decimal | None, budget: int) -> int | None:
    if pct is not None:
        return _of(pct, budget)
    if gbp is not None:
        return int(Fraction(gbp) * 100)
    return None


def _limit_terms(pct: Decimal | None, budget: int) -> str:
    return "" if pct is None else f" ({_pct(pct)}% of its budget {_gbp(budget)})"


def _statements(drafts: list[_Draft], variance: dict[str, int]) -> tuple[Statement, ...]:
    out = []
    step = 0
    for d in drafts:
        lines = []
        for rule, text, pence, memo in d.lines:
            step += 1
            lines.append(Line(d.party, d.kind, step, rule, text, _money(pence), memo))
        out.append(
            Statement(
                party=d.party,
                kind=d.kind,
                budget=_money(d.budget),
                actual=_money(d.actual),
                variance=_money(variance.get(d.party, 0) if d.kind != "reserve" else 0),
                lines=tuple(lines),
                party_amount=_money(d.party_amount),
                amount=sum((line.amount for line in lines if not line.memo), _money(0)),
            )
        )
    return tuple(out)
