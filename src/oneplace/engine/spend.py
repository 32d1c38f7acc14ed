"""Where the money goes: spend by financial year, setting, organisation and locality, and the
share of it spent in hospitals.

Attribution rules (one per step below):

* **Financial year** from the activity's ``start_date`` (see :mod:`.calendar`).
* **Organisation**: the ``provider_code`` when it is one of the place's organisations; else,
  when it is one of the place's practices, the practice's ``organisation`` (e.g. its GP
  federation), or the practice itself named 'General practice' when it has none; else the
  ``provider_code`` named 'Other providers'.
* **Locality**: that of the person's place registration on the activity's ``start_date``;
  'UNREGISTERED' when there is none (population and cost per head are then NULL).

Money is summed exactly as DECIMAL(38,2); only the per-head and share ratios are floats.
Hospital settings are :data:`oneplace.schema.HOSPITAL_SETTINGS`.

Result contracts:

* ``spend_daily`` (the attributed spend every money result reads, so that the registration
  lookup runs once): fy INT, start_date DATE, setting, organisation_code, organisation_name,
  practice_code (NULL: not registered with the place), locality_code, cost_gbp
  DECIMAL(38,2), activities BIGINT.
* ``spend``: fy INT, setting, organisation_code, organisation_name, locality_code STRING,
  cost_gbp DECIMAL(38,2), activities BIGINT, population BIGINT, cost_per_head DOUBLE.
* ``hospital_share``: fy INT, locality_code STRING (each locality, and 'ALL' for the whole
  place including unregistered activity), hospital_gbp DECIMAL(38,2), total_gbp DECIMAL(38,2),
  hospital_share DOUBLE (NULL when total_gbp is 0).
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from ..schema import HOSPITAL_SETTINGS
from .calendar import financial_year
from .inputs import Inputs
from .population import locality_population
from .registration import UNREGISTERED, registered_on

MONEY_TOTAL = dt.Decimal(38, 2)
GENERAL_PRACTICE = "General practice"
OTHER_PROVIDERS = "Other providers"
WHOLE_PLACE = "ALL"


def activity_in_years(inputs: Inputs) -> ir.Table:
    """Activity of the run's financial years, with its ``fy``."""
    act = inputs.activity.mutate(fy=financial_year(inputs.activity.start_date))
    return act.filter(act.fy.isin(list(inputs.fy)))


def with_organisation(inputs: Inputs, activity: ir.Table) -> ir.Table:
    """Adds ``organisation_code`` and ``organisation_name`` by the attribution rule."""
    org = inputs.place_organisation.select(org_code="code", org_name="name")
    practice = inputs.place_practice.select(prac_code="code", prac_org="organisation")
    prac_org = inputs.place_organisation.select(prac_org_code="code", prac_org_name="name")
    joined = (
        activity.left_join(org, activity.provider_code == org.org_code)
        .left_join(practice, activity.provider_code == practice.prac_code)
        .left_join(prac_org, ibis._.prac_org == prac_org.prac_org_code)
    )
    is_org, is_practice = joined.org_code.notnull(), joined.prac_code.notnull()
    code = ibis.cases(
        (is_org, joined.org_code),
        (is_practice, joined.prac_org.fill_null(joined.prac_code)),
        else_=joined.provider_code,
    )
    name = ibis.cases(
        (is_org, joined.org_name),
        (is_practice & joined.prac_org.notnull(), joined.prac_org_name),
        (is_practice, ibis.literal(GENERAL_PRACTICE)),
        else_=ibis.literal(OTHER_PROVIDERS),
    )
    return joined.select(*activity.columns, organisation_code=code, organisation_name=name)


DAILY_KEYS = (
    "fy",
    "start_date",
    "setting",
    "organisation_code",
    "organisation_name",
    "practice_code",
    "locality_code",
)


def spend_daily(inputs: Inputs) -> ir.Table:
    """The ``spend_daily`` result: attributed spend by day, setting, organisation, practice
    and locality."""
    act = activity_in_years(inputs).select(
        "activity_id", "person_id", "fy", "start_date", "setting", "provider_code", "cost_gbp"
    )
    placed = registered_on(inputs, act, ["activity_id"], "start_date")
    # Summed by codes first; names and localities are attached to the (much smaller) sums.
    sums = placed.group_by(["fy", "start_date", "setting", "provider_code", "practice_code"]).agg(
        cost_gbp=placed.cost_gbp.sum().cast(MONEY_TOTAL),
        activities=placed.count().cast("int64"),
    )
    named = with_organisation(inputs, sums).view()
    practice = inputs.place_practice.select(p_code="code", p_net="network")
    network = inputs.place_network.select(n_code="code", n_loc="locality")
    j = named.left_join(practice, named.practice_code == practice.p_code).view()
    k = j.left_join(network, j.p_net == network.n_code)
    out = k.select(
        *[c for c in DAILY_KEYS if c != "locality_code"],
        "cost_gbp",
        "activities",
        locality_code=k.n_loc.fill_null(UNREGISTERED),
    )
    return out.group_by(list(DAILY_KEYS)).agg(
        cost_gbp=out.cost_gbp.sum().cast(MONEY_TOTAL),
        activities=out.activities.sum().cast("int64"),
    )


def daily(inputs: Inputs) -> ir.Table:
    """``spend_daily``, read from the run when it has been materialised."""
    return inputs.result("spend_daily", spend_daily)


def spend(inputs: Inputs) -> ir.Table:
    """The ``spend`` result: cost and activity count by fy, setting, organisation and
    locality, with the locality's registered population and the cost per head."""
    act = daily(inputs)
    totals = act.aggregate(
        by=["fy", "setting", "organisation_code", "organisation_name", "locality_code"],
        cost_gbp=act.cost_gbp.sum().cast(MONEY_TOTAL),
        activities=act.activities.sum().cast("int64"),
    )
    pop = locality_population(inputs)
    joined = totals.left_join(pop, [totals.fy == pop.fy, totals.locality_code == pop.locality_code])
    return joined.select(
        totals.fy,
        totals.setting,
        totals.organisation_code,
        totals.organisation_name,
        totals.locality_code,
        totals.cost_gbp,
        totals.activities,
        population=pop.population,
        cost_per_head=totals.cost_gbp.cast("float64") / pop.population.cast("float64"),
    )


def _hospital_totals(act: ir.Table, by: list[str]) -> ir.Table:
    zero = ibis.literal(0, type=MONEY_TOTAL)
    hospital = ibis.ifelse(act.setting.isin(HOSPITAL_SETTINGS), act.cost_gbp, zero)
    return act.aggregate(
        by=by,
        hospital_gbp=hospital.sum().cast(MONEY_TOTAL),
        total_gbp=act.cost_gbp.sum().cast(MONEY_TOTAL),
    )


def hospital_share(inputs: Inputs) -> ir.Table:
    """The ``hospital_share`` result: hospital spend over all spend, by fy and locality and
    for the whole place ('ALL')."""
    act = daily(inputs)
    by_locality = _hospital_totals(act, ["fy", "locality_code"])
    whole = _hospital_totals(act, ["fy"]).mutate(locality_code=ibis.literal(WHOLE_PLACE))
    both = by_locality.union(whole.select(*by_locality.columns))
    share = both.hospital_gbp.cast("float64") / both.total_gbp.cast("float64").nullif(0.0)
    return both.mutate(hospital_share=share)
