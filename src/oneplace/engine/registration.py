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


def registered_on(inputs: Inputs, events: ir.Table, keys: Sequence[str], date: str) -> ir.Table:
    """``events`` (unique on ``keys``; with ``person_id`` and a date column ``date``) with the
    place registration covering that date: adds ``practice_code`` and ``locality_code``, both
    NULL when the person was not registered with a place practice on the date.
    """
    keys = list(keys)
    reg = place_registrations(inputs)
    wanted = events.select(*dict.fromkeys([*keys, "person_id", date]))
    covering = wanted.join(
        reg,
        [
            wanted.person_id == reg.person_id,
            reg.start_date <= wanted[date],
            reg.end_date.isnull() | (reg.end_date >= wanted[date]),
        ],
    ).select(*keys, reg.practice_code, reg.locality_code, reg_start=reg.start_date)
    rank = ibis.row_number().over(
        group_by=[covering[k] for k in keys],
        order_by=[ibis.desc(covering.reg_start), ibis.desc(covering.practice_code)],
    )
    chosen = (
        covering.mutate(_rank=rank)
        .filter(ibis._["_rank"] == 0)
        .select(*keys, "practice_code", "locality_code")
    )
    joined = events.left_join(chosen, [events[k] == chosen[k] for k in keys])
    return joined.select(
        *[events[c] for c in events.columns], chosen.practice_code, chosen.locality_code
    )
