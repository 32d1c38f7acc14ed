"""Population health by locality, network, practice, age band and deprivation quintile.

Built on ``person_health`` (:mod:`.segments`): for each financial year and each group of
each dimension, the registered people, their mean Charlson and Elixhauser scores, how many
have a Charlson score of 3 or more, how many of those of HFRS age are at intermediate or
high frailty risk, how many are high-intensity users of A&E, the spend, and the people in
each Bridges to Health segment (``segment_1`` ... ``segment_8``, numbered as in
:data:`.segments.SEGMENTS`).

Result contract ``population_health_summary``: fy INT, dimension STRING (locality, network,
practice, age_band, imd_quintile), group_code STRING (NULL for an unknown IMD quintile),
people, charlson_mean DOUBLE, elixhauser_mean DOUBLE, charlson_3plus, hfrs_scored,
hfrs_intermediate, hfrs_high, high_intensity_users BIGINT, cost_gbp DECIMAL(38,2),
segment_1 ... segment_8 BIGINT.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from .inputs import Inputs
from .segments import SEGMENTS, person_health
from .spend import MONEY_TOTAL

DIMENSIONS = {
    "locality": "locality_code",
    "network": "network_code",
    "practice": "practice_code",
    "age_band": "age_band",
    "imd_quintile": "imd_quintile",
}
CHARLSON_HIGH = 3


def _count(condition: ir.BooleanValue) -> ir.IntegerScalar:
    return condition.fill_null(False).cast("int64").sum().cast("int64")


def population_health_summary(inputs: Inputs) -> ir.Table:
    """The ``population_health_summary`` result (see the module docstring)."""
    ph = inputs.result("person_health", person_health)
    parts = []
    for dimension, column in DIMENSIONS.items():
        grouped = ph.mutate(group_code=ph[column].cast("string"))
        summary = grouped.group_by(["fy", "group_code"]).agg(
            people=grouped.count().cast("int64"),
            charlson_mean=grouped.charlson.mean(),
            elixhauser_mean=grouped.elixhauser.mean(),
            charlson_3plus=_count(grouped.charlson >= CHARLSON_HIGH),
            hfrs_scored=_count(grouped.hfrs.notnull()),
            hfrs_intermediate=_count(grouped.hfrs_band == "intermediate"),
            hfrs_high=_count(grouped.hfrs_band == "high"),
            high_intensity_users=_count(grouped.high_intensity_user),
            cost_gbp=grouped.cost_gbp.sum().cast(MONEY_TOTAL),
            **{f"segment_{s}": _count(grouped.segment == s) for s in SEGMENTS},
        )
        parts.append(summary.mutate(dimension=ibis.literal(dimension)))
    columns = ["fy", "dimension", "group_code"]
    columns += [c for c in parts[0].columns if c not in columns]
    return ibis.union(*[p.select(*columns) for p in parts])
