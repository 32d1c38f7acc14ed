"""High-intensity users of A&E: who they are, and what share of hospital use they account for.

The definition is the place's choice (``population_health.high_intensity_rule``), because the
sources disagree (``METHODS.md`` 3.6):

* ``attendances`` (default): at least ``high_intensity_attendances`` (default 5) A&E
  attendances in the financial year: the legacy RightCare/Blackpool and British Red Cross
  definition (5 or more a year), under which under 1% of people account for about 16% of
  A&E attendances and 26% of admissions.
* ``nhse``: NHS England's High Intensity Use programme (https://www.england.nhs.uk/
  high-intensity-use-programme/): more than 20 attendances in the year, or more than 5 in
  one calendar month.

Result contract ``high_intensity_users``: fy INT, level STRING ('place', 'locality' or
'practice'), area_code STRING ('ALL' for the place), people, hiu_people BIGINT,
ae_attendances, hiu_ae_attendances, emergency_admissions, hiu_emergency_admissions,
bed_days, hiu_bed_days BIGINT, cost_gbp, hiu_cost_gbp DECIMAL(38,2), and the HIU share of
each (hiu_people_share, ae_share, emergency_admission_share, bed_day_share, cost_share:
DOUBLE, NULL when the total is 0).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from .inputs import Inputs
from .spend import MONEY_TOTAL, WHOLE_PLACE

NHSE_YEAR, NHSE_MONTH = 20, 5
MEASURES = (
    ("ae_attendances", "ae_share"),
    ("emergency_admissions", "emergency_admission_share"),
    ("bed_days", "bed_day_share"),
    ("cost_gbp", "cost_share"),
)


def is_high_intensity(
    inputs: Inputs, ae_year: ir.IntegerValue, ae_peak_month: ir.IntegerValue
) -> ir.BooleanValue:
    """Whether a person with ``ae_year`` A&E attendances in the year, at most
    ``ae_peak_month`` in one month, is a high-intensity user under the place's rule."""
    s = inputs.settings
    if s.high_intensity_rule == "nhse":
        return (ae_year > NHSE_YEAR) | (ae_peak_month > NHSE_MONTH)
    return ae_year >= s.high_intensity_attendances


def _totals(ph: ir.Table, by: list[str]) -> ir.Table:
    hiu = ph.high_intensity_user
    zero = ibis.literal(0, type="int64")
    money0 = ibis.literal(0, type=MONEY_TOTAL)
    aggs = {
        "people": ph.count().cast("int64"),
        "hiu_people": hiu.cast("int64").sum().cast("int64"),
    }
    for measure, _ in MEASURES:
        none = money0 if measure == "cost_gbp" else zero
        kind = MONEY_TOTAL if measure == "cost_gbp" else "int64"
        aggs[measure] = ph[measure].sum().cast(kind)
        aggs[f"hiu_{measure}"] = ibis.ifelse(hiu, ph[measure], none).sum().cast(kind)
    return ph.group_by(by).agg(**aggs)


def high_intensity_users(inputs: Inputs) -> ir.Table:
    """The ``high_intensity_users`` result, for the place, each locality and each practice."""
    from .segments import person_health

    ph = inputs.result("person_health", person_health)
    place = _totals(ph, ["fy"]).mutate(
        level=ibis.literal("place"), area_code=ibis.literal(WHOLE_PLACE)
    )
    locality = _totals(ph, ["fy", "locality_code"]).rename(area_code="locality_code")
    practice = _totals(ph, ["fy", "practice_code"]).rename(area_code="practice_code")
    parts = [
        place,
        locality.mutate(level=ibis.literal("locality")),
        practice.mutate(level=ibis.literal("practice")),
    ]
    columns = [
        "fy",
        "level",
        "area_code",
        *[c for c in place.columns if c not in ("fy", "level", "area_code")],
    ]
    both = ibis.union(*[p.select(*columns) for p in parts])

    def share(part: ir.Value, whole: ir.Value) -> ir.FloatingValue:
        return part.cast("float64") / whole.cast("float64").nullif(0.0)

    return both.mutate(
        hiu_people_share=share(both.hiu_people, both.people),
        **{name: share(both[f"hiu_{m}"], both[m]) for m, name in MEASURES},
    )
