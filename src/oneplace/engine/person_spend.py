"""The spend of the place's registered people, summed by the person-year attributes the money
results weigh it by: one pass over the activity, joined to each person's year once.

Who: registered people of the year (:mod:`.segments`' ``person_health``); their activity in
the financial year, by the calendar month of its start date. The Charlson band is 0, 1-2,
3-4 or 5+ (the morbidity groups of :mod:`.fair_shares`).

Result contract ``spend_cells``: fy INT, month DATE, setting, age_band, sex, imd_quintile INT,
charlson_band STRING, segment INT, segment_name, cost_gbp DECIMAL(38,2), activities BIGINT.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from .calendar import month_of
from .segments import person_health
from .spend import MONEY_TOTAL, activity_in_years

MORBIDITY_BANDS = ((0, 0, "0"), (1, 2, "1-2"), (3, 4, "3-4"), (5, None, "5+"))
CELL_KEYS = (
    "age_band",
    "sex",
    "imd_quintile",
    "charlson_band",
    "segment",
    "segment_name",
)


def charlson_band(score: ir.IntegerValue) -> ir.StringValue:
    """The morbidity group of a Charlson score: '0', '1-2', '3-4' or '5+'."""
    return ibis.cases(
        *[
            ((score >= lo) & (score <= hi) if hi is not None else score >= lo, label)
            for lo, hi, label in MORBIDITY_BANDS
        ],
        else_="0",
    )


def spend_cells(inputs) -> ir.Table:
    """The ``spend_cells`` result (see the module docstring)."""
    ph = inputs.result("person_health", person_health)
    people = ph.select(
        "person_id",
        "fy",
        "age_band",
        "sex",
        "imd_quintile",
        "segment",
        "segment_name",
        charlson_band=charlson_band(ph.charlson),
    )
    act = activity_in_years(inputs).select("person_id", "fy", "setting", "start_date", "cost_gbp")
    j = act.join(people, ["person_id", "fy"])
    return j.group_by(
        [j.fy, month_of(j.start_date).name("month"), j.setting, *[j[k] for k in CELL_KEYS]]
    ).agg(cost_gbp=j.cost_gbp.sum().cast(MONEY_TOTAL), activities=j.count().cast("int64"))
