"""Settle one ACO's performance year: earned shared savings or owed shared losses.

The algorithm is METHODS.md 1.3 and 1.5 (42 CFR 425.604-425.610 as in force for the year);
every parameter comes from the ACO's rule book in :mod:`oneplace.mssp.rules`:

1. savings = total benchmark - total expenditure; savings rate = savings / total benchmark.
2. The MSR is the track's fixed rate, the ACO's chosen one, or the variable table (METHODS 1.2).
   On two-sided tracks the minimum loss rate (MLR) equals the MSR.
3. Savings rate >= MSR (and savings > 0): savings are shared from the first dollar.
   payment = min(savings x final sharing rate x (1 - 2% sequestration),
   payment limit x total benchmark); the limit binds on the sequestered amount, as in CMS's
   published results (METHODS 1.5).
4. Two-sided track and losses / benchmark >= MLR: owed = min(losses x shared loss rate,
   loss limit), less the disaster adjustment from PY2017, never below 0. Losses are not
   sequestered.
5. Otherwise nothing is shared or owed.

All arithmetic is :class:`decimal.Decimal` (28 significant digits); the amount is rounded
to the cent, half away from zero, only at the end. ``rule`` says in words which rule decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Literal

from .rules import (
    CHOSEN_MSR_PERCENT,
    VARIABLE_MSR_SMALLEST,
    RuleBook,
    RuleLookupError,
    TrackRules,
    rules_for,
    variable_msr,
)

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

MsrChoice = Decimal | Literal["variable"] | None


@dataclass(frozen=True)
class AcoYear:
    """One ACO's performance year, as the settlement needs it.

    ``track`` is a code from :data:`oneplace.mssp.rules.TRACK_CODES`; money in dollars;
    ``quality_score`` 0-1 (None when not given; pay-for-reporting counts as 1);
    ``msr_choice`` a percentage (1.5 means 1.5%), ``"variable"``, or None for the track's
    default.
    """

    aco_id: str
    performance_year: int
    track: str
    assigned_beneficiaries: int
    benchmark_total: Decimal
    expenditure_total: Decimal
    quality_score: Decimal | None
    quality_standard_met: bool
    agreement_year: int
    msr_choice: MsrChoice = None
    participant_revenue: Decimal | None = None
    disaster_adjustment: Decimal | None = None
    pay_for_reporting: bool = False


@dataclass(frozen=True)
class Settlement:
    """The result for one ACO. Rates are fractions (0.0714 is 7.14%); ``shared_amount`` is
    positive for earned savings, negative for owed losses, in dollars to the cent."""

    aco_id: str
    savings: Decimal
    savings_rate: Decimal
    msr: Decimal
    msr_met: bool
    mlr_met: bool
    final_sharing_rate: Decimal
    shared_loss_rate: Decimal | None
    earned_before_sequestration: Decimal
    payment_limit: Decimal
    loss_limit: Decimal | None
    shared_amount: Decimal
    rule: str


class SettlementError(ValueError):
    """The ACO's figures break a rule of its rule book (see :func:`problems`)."""


def problems(aco: AcoYear) -> list[str]:
    """Every rule of the ACO's rule book that its figures break (empty when it can be settled)."""
    try:
        book, track = rules_for(aco.performance_year, aco.track)
    except RuleLookupError as exc:
        return [str(exc)]
    found = []
    name = f"{track.label} in PY{aco.performance_year}"
    choice = aco.msr_choice
    if track.msr.kind == "variable" and choice not in (None, "variable"):
        found.append(f"msr_choice {_num(choice)} is not allowed: {name} uses the variable MSR")
    elif track.msr.kind == "fixed" and choice is not None:
        if choice == "variable" or choice / HUNDRED != track.msr.fixed_rate:
            fixed = _share(track.msr.fixed_rate or ZERO)
            found.append(f"msr_choice {_num(choice)} is not allowed: {name} has a flat {fixed}")
    elif isinstance(choice, Decimal) and choice not in CHOSEN_MSR_PERCENT:
        allowed = ", ".join(_num(c) for c in CHOSEN_MSR_PERCENT)
        found.append(
            f"msr_choice {_num(choice)} is not allowed: {name} takes {allowed} or variable"
        )
    if _uses_variable_msr(track, aco) and variable_msr(aco.assigned_beneficiaries) is None:
        found.append(
            f"no variable MSR for {aco.assigned_beneficiaries:,} assigned beneficiaries "
            f"(the table starts at {VARIABLE_MSR_SMALLEST:,})"
        )
    if aco.quality_score is None and _needs_quality_score(book, track, aco):
        found.append(f"quality_score is needed: {_quality_need(book, track, aco)}")
    loss = track.loss
    if loss is not None and loss.revenue_required and aco.participant_revenue is None:
        found.append(
            f"participant_revenue is needed: {name}'s loss limit is "
            f"{_share(loss.revenue_share or ZERO)} of ACO participants' revenue"
        )
    if loss is not None and loss.benchmark_share_by_agreement_year is not None:
        years = len(loss.benchmark_share_by_agreement_year)
        if not 1 <= aco.agreement_year <= years:
            found.append(
                f"agreement_year {aco.agreement_year} has no loss limit: {name} sets it for "
                f"agreement years 1-{years}"
            )
    if aco.disaster_adjustment and aco.performance_year < book.disaster_adjustment_from:
        found.append(
            f"disaster_adjustment is not allowed before PY{book.disaster_adjustment_from} "
            "(extreme and uncontrollable circumstances)"
        )
    return found


def settle(aco: AcoYear) -> Settlement:
    """Settles ``aco`` under its performance year's rule book (see the module docstring).

    Raises :class:`SettlementError` when the figures break a rule (:func:`problems`).
    """
    found = problems(aco)
    if found:
        raise SettlementError(f"{aco.aco_id}: " + "; ".join(found))
    return settle_checked(aco)


def settle_checked(aco: AcoYear) -> Settlement:
    """:func:`settle` for an ``aco`` that :func:`problems` has already passed."""
    book, track = rules_for(aco.performance_year, aco.track)
    benchmark = aco.benchmark_total
    savings = benchmark - aco.expenditure_total
    rate = savings / benchmark
    msr, kind = _msr(track, aco)
    final_rate, quality_text = _final_sharing_rate(book, track, aco)
    head = f"PY{aco.performance_year} {track.label}"
    shown, msr_shown = _pcts(abs(rate), msr)
    cap = track.payment_limit * benchmark
    earned = ZERO
    amount = ZERO
    loss_rate = loss_limit = None
    msr_met = savings > 0 and rate >= msr
    mlr_met = track.loss is not None and savings < 0 and -rate >= msr
    if track.loss is not None:
        loss_rate, loss_text = _shared_loss_rate(track, aco)
        loss_limit, limit_text = _loss_limit(track, aco)
    if msr_met:
        earned = savings * final_rate
        step = f"{head}: savings rate {shown} >= {kind}MSR {msr_shown}; {quality_text}"
        if final_rate == 0:
            rule = f"{step}, so nothing is shared"
        else:
            kept = ONE - book.sequestration
            paid = earned * kept
            seq = f"x {_num(kept)} sequestration"
            limit = f"{_share(track.payment_limit)} of benchmark"
            if paid > cap:
                amount = cap
                rule = f"{step}; {seq} = {_usd(paid)}; capped at {limit} = {_usd(cap)}"
            else:
                amount = paid
                rule = f"{step}; {seq}; under the {limit} cap"
    elif mlr_met:
        assert loss_rate is not None and loss_limit is not None
        owed = -savings * loss_rate
        step = f"{head}: losses {shown} of benchmark >= {kind}MLR {msr_shown}; "
        step += f"shared loss rate {loss_text}"
        limit = f"the loss limit, {limit_text} = {_usd(loss_limit)}"
        if owed > loss_limit:
            step += f"; {_usd(owed)} capped by {limit}"
            owed = loss_limit
        else:
            step += f"; owed {_usd(owed)}, under {limit}"
        adjustment = aco.disaster_adjustment or ZERO
        if adjustment:
            step += f"; less disaster adjustment {_usd(adjustment)}"
            owed = max(owed - adjustment, ZERO)
        amount = -owed
        rule = step
    elif savings > 0:
        rule = f"{head}: savings rate {shown} < {kind}MSR {msr_shown}: nothing shared"
    elif track.loss is None:
        rule = f"{head}: savings rate {_pct(rate)}: no savings; one-sided, no losses owed"
    elif savings < 0:
        rule = f"{head}: losses {shown} of benchmark < {kind}MLR {msr_shown}: nothing owed"
    else:
        rule = f"{head}: expenditure equals the benchmark: nothing shared or owed"
    return Settlement(
        aco_id=aco.aco_id,
        savings=savings,
        savings_rate=rate,
        msr=msr,
        msr_met=msr_met,
        mlr_met=mlr_met,
        final_sharing_rate=final_rate,
        shared_loss_rate=loss_rate,
        earned_before_sequestration=earned,
        payment_limit=cap,
        loss_limit=loss_limit,
        shared_amount=amount.quantize(CENT, rounding=ROUND_HALF_UP),
        rule=rule,
    )


# --- the steps ---------------------------------------------------------------------------------
def _uses_variable_msr(track: TrackRules, aco: AcoYear) -> bool:
    kind = track.msr.kind
    return kind == "variable" or (kind == "chosen" and not isinstance(aco.msr_choice, Decimal))


def _msr(track: TrackRules, aco: AcoYear) -> tuple[Decimal, str]:
    """The MSR (= MLR) and the word before "MSR"/"MLR" in the rule text."""
    if track.msr.kind == "fixed":
        assert track.msr.fixed_rate is not None
        return track.msr.fixed_rate, "flat "
    if isinstance(aco.msr_choice, Decimal):
        return aco.msr_choice / HUNDRED, "chosen "
    msr = variable_msr(aco.assigned_beneficiaries)
    assert msr is not None
    return msr, ("variable " if track.loss else "")


def _full_rate(book: RuleBook, year: int) -> bool:
    return book.quality.full_rate_from is not None and year >= book.quality.full_rate_from


def _sliding_scale(book: RuleBook, year: int) -> bool:
    start = book.quality.sliding_scale_from
    return start is not None and year >= start


def _needs_quality_score(book: RuleBook, track: TrackRules, aco: AcoYear) -> bool:
    if not aco.quality_standard_met:
        return False
    scaled_loss = track.loss is not None and track.loss.fixed_rate is None
    return scaled_loss or not _full_rate(book, aco.performance_year)


def _quality_need(book: RuleBook, track: TrackRules, aco: AcoYear) -> str:
    if not _full_rate(book, aco.performance_year):
        return f"the final sharing rate in PY{aco.performance_year} is the maximum x quality score"
    return f"{track.label}'s shared loss rate is 1 - {_share(track.max_sharing_rate)} x quality"


def _quality(aco: AcoYear) -> str:
    q = aco.quality_score if aco.quality_score is not None else ZERO
    return "quality 1 (P4R)" if aco.pay_for_reporting else f"quality {q:.3f}"


def _final_sharing_rate(book: RuleBook, track: TrackRules, aco: AcoYear) -> tuple[Decimal, str]:
    top = track.max_sharing_rate
    q = aco.quality_score
    year = aco.performance_year
    if aco.quality_standard_met:
        if _full_rate(book, year):
            return top, f"quality standard met: full {_share(top)}"
        assert q is not None
        return top * q, f"{_share(top)} x {_quality(aco)} = {_pct(top * q)}"
    if _sliding_scale(book, year) and q is not None and q > 0:
        text = f"quality standard not met, alternative: {_share(top)} x {_quality(aco)}"
        return top * q, f"{text} = {_pct(top * q)}"
    return ZERO, "quality standard not met: final sharing rate 0"


def _shared_loss_rate(track: TrackRules, aco: AcoYear) -> tuple[Decimal, str]:
    loss = track.loss
    assert loss is not None
    if loss.fixed_rate is not None:
        return loss.fixed_rate, f"fixed {_share(loss.fixed_rate)}"
    assert loss.floor is not None and loss.ceiling is not None
    if not aco.quality_standard_met:
        return loss.ceiling, f"{_share(loss.ceiling)} (quality standard not met)"
    assert aco.quality_score is not None
    raw = ONE - track.max_sharing_rate * aco.quality_score
    text = f"1 - {_share(track.max_sharing_rate)} x {_quality(aco)} = {_pct(raw)}"
    if raw < loss.floor:
        return loss.floor, f"{text}, raised to the {_share(loss.floor)} floor"
    if raw > loss.ceiling:
        return loss.ceiling, f"{text}, held to the {_share(loss.ceiling)} ceiling"
    return raw, text


def _loss_limit(track: TrackRules, aco: AcoYear) -> tuple[Decimal, str]:
    loss = track.loss
    assert loss is not None
    by_year = loss.benchmark_share_by_agreement_year
    if by_year is not None:
        share = by_year[aco.agreement_year - 1]
        where = f" (agreement year {aco.agreement_year})"
    else:
        assert loss.benchmark_share is not None
        share, where = loss.benchmark_share, ""
    limit = share * aco.benchmark_total
    text = f"{_share(share)} of benchmark{where}"
    if loss.revenue_share is not None:
        if aco.participant_revenue is None:
            return limit, f"{text} (benchmark-based: no participant revenue given)"
        by_revenue = loss.revenue_share * aco.participant_revenue
        revenue_text = f"{_share(loss.revenue_share)} of participant revenue"
        if by_revenue <= limit:
            return by_revenue, f"{revenue_text} (not above {text})"
        return limit, f"{text} (less than {revenue_text})"
    return limit, text


# --- words -------------------------------------------------------------------------------------
def _pct(rate: Decimal, places: int = 2) -> str:
    return f"{rate * HUNDRED:.{places}f}%"


def _pcts(rate: Decimal, msr: Decimal) -> tuple[str, str]:
    """Both as percentages, with as many places as it takes to tell them apart (up to 6)."""
    for places in (2, 4, 6):
        shown, msr_shown = _pct(rate, places), _pct(msr, places)
        if shown != msr_shown or rate == msr:
            break
    return shown, msr_shown


@cache  # a few dozen parameters, formatted once each
def _share(rate: Decimal) -> str:
    """A parameter as a percentage without trailing zeros: 0.075 -> '7.5%'."""
    return f"{_num(rate * HUNDRED)}%"


def _num(value: Decimal | str | None) -> str:
    if not isinstance(value, Decimal):
        return repr(value)
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _usd(amount: Decimal) -> str:
    return f"${amount.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"
