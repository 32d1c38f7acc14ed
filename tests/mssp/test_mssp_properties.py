"""Properties every settlement keeps, whatever the track, year and figures (Hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from oneplace.mssp import AcoYear, problems, settle
from oneplace.mssp.rules import CHOSEN_MSR_PERCENT, RULE_BOOKS

TRACK_YEARS = sorted(
    {
        (year, code)
        for book in RULE_BOOKS
        for code, track in book.tracks.items()
        for year in range(
            max(book.first_year, track.first_year), min(book.last_year, track.last_year) + 1
        )
    }
)


def _cents(amount: Decimal) -> Decimal:
    """Rounded as the settlement rounds its amounts: to the cent, half away from zero."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


DOLLARS = st.decimals(min_value=0, max_value=10**9, places=2)


@st.composite
def acos(draw, expenditure=None):
    year, track = draw(st.sampled_from(TRACK_YEARS))
    benchmark = draw(st.decimals(min_value=1_000_000, max_value=10**9, places=2))
    aco = AcoYear(
        aco_id="H",
        performance_year=year,
        track=track,
        assigned_beneficiaries=draw(st.integers(3_000, 200_000)),
        benchmark_total=benchmark,
        expenditure_total=draw(expenditure if expenditure is not None else DOLLARS),
        quality_score=draw(st.decimals(min_value=0, max_value=1, places=4)),
        quality_standard_met=draw(st.booleans()),
        agreement_year=draw(st.integers(1, 3)),
        msr_choice=draw(st.sampled_from([None, "variable", *CHOSEN_MSR_PERCENT])),
        participant_revenue=draw(st.one_of(st.none(), DOLLARS.filter(lambda d: d > 0))),
        disaster_adjustment=draw(st.one_of(st.none(), DOLLARS)) if year >= 2017 else None,
    )
    if problems(aco):  # msr_choice or revenue the track does not take: drop them
        aco = replace(aco, msr_choice=None, participant_revenue=Decimal(10**8))
    return aco


@settings(max_examples=200, deadline=None)
@given(acos())
def test_property_payment_never_exceeds_the_payment_limit(aco):
    s = settle(aco)
    assert s.shared_amount <= _cents(s.payment_limit)


@settings(max_examples=200, deadline=None)
@given(acos())
def test_property_owed_losses_never_exceed_the_loss_limit_and_one_sided_never_owe(aco):
    s = settle(aco)
    if s.loss_limit is None:
        assert s.shared_amount >= 0
    else:
        assert -s.shared_amount <= _cents(s.loss_limit)


@settings(max_examples=200, deadline=None)
@given(acos(), DOLLARS)
def test_property_more_expenditure_never_raises_the_shared_amount(aco, extra):
    more = replace(aco, expenditure_total=aco.expenditure_total + extra)
    assert settle(more).shared_amount <= settle(aco).shared_amount


@settings(max_examples=200, deadline=None)
@given(acos())
def test_property_savings_are_shared_only_when_the_msr_is_met_and_losses_only_past_the_mlr(aco):
    s = settle(aco)
    if s.shared_amount > 0:
        assert s.msr_met and s.savings_rate >= s.msr
    if s.shared_amount < 0:
        assert s.mlr_met and -s.savings_rate >= s.msr
