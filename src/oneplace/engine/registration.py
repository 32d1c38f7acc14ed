"""Who is registered where, on a given date: the place's GP registration lookup.

Shared by every capability that places a person in a practice and locality at a point in
time (the population on 1 October, the locality of an activity on its start date). Only
registrations with one of the place's practices count. A registration covers ``date`` when
``start_date <= date`` and (``end_date`` is empty or ``end_date >= date``). Where a person has
overlapping registrations on the date (a data-quality problem), the one that started last
wins, ties broken by the higher practice code, so that every event is placed exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from .calendar import add_days
from .inputs import Inputs

UNREGISTERED = "UNREGISTERED"


def place_registrations(inputs: Inputs) -> ir.Table:
    """Registrations with a practice of the place, with the practice's locality."""
    reg, practice = inputs.registration, inputs.place_practice
    return reg.join(practice, reg.practice_code == practice.code).select(
        reg.person_id,
        reg.practice_code,
        reg.start_date,
        reg.end_date,
        locality_code=practice.locality,
    )


def registration_spells(inputs: Inputs) -> ir.Table:
    """Each person's place registrations as non-overlapping spells: person_id, spell_from,
    spell_to (NULL: open), practice_code, locality_code.

    The overlap rule is resolved once here, on the (small) registration table, so that
    placing an event is a join that finds at most one spell. Every start date and every day
    after an end date is a boundary; between two boundaries the set of covering registrations
    does not change, and the covering registration that started last (ties: the higher
    practice code) wins the whole stretch.
    """
    reg = place_registrations(inputs)
    starts = reg.select("person_id", day=reg.start_date)
    after = reg.filter(reg.end_date.notnull())
    ends = after.select("person_id", day=add_days(after.end_date, 1))
    bounds = starts.union(ends).distinct().view()
    following = bounds.day.lead().over(group_by=bounds.person_id, order_by=bounds.day)
    stretches = bounds.select(
        "person_id", spell_from=bounds.day, spell_to=add_days(following, -1)
    ).view()
    covering = stretches.join(
        reg,
        [
            stretches.person_id == reg.person_id,
            reg.start_date <= stretches.spell_from,
            reg.end_date.fill_null(ibis.date(9999, 12, 31)) >= stretches.spell_from,
        ],
    ).select(
        stretches.person_id,
        stretches.spell_from,
        stretches.spell_to,
        reg.practice_code,
        reg.locality_code,
        reg_start=reg.start_date,
    )
    rank = ibis.row_number().over(
        group_by=[covering.person_id, covering.spell_from],
        order_by=[ibis.desc(covering.reg_start), ibis.desc(covering.practice_code)],
    )
    return (
        covering.mutate(_rank=rank)
        .filter(ibis._["_rank"] == 0)
        .select("person_id", "spell_from", "spell_to", "practice_code", "locality_code")
    )


def registered_on(inputs: Inputs, events: ir.Table, keys: Sequence[str], date: str) -> ir.Table:
    """``events`` (unique on ``keys``; with ``person_id`` and a date column ``date``) with the
    place registration covering that date: adds ``practice_code`` and ``locality_code``, both
    NULL when the person was not registered with a place practice on the date.
    """
    spells = registration_spells(inputs).rename(spell_person="person_id")
    # An open spell ends on the last day there is: no OR in the join condition, which would
    # turn DuckDB's hash join into a nested loop.
    spells = spells.mutate(spell_to=spells.spell_to.fill_null(ibis.date(9999, 12, 31)))
    joined = events.left_join(
        spells,
        [
            events.person_id == spells.spell_person,
            spells.spell_from <= events[date],
            spells.spell_to >= events[date],
        ],
    )
    return joined.select(
        *[events[c] for c in events.columns], spells.practice_code, spells.locality_code
    )
