"""Indicator counts: the numerators and denominators of every indicator of the library
(:mod:`oneplace.outcomes.library`), summed by the smallest units they are compared by.

Each definition compiles to events per person and financial year, whatever its kind:

* **Who is counted**: the denominator people. For most indicators, the registered people of
  the year (``person_health``: registered with a place practice and alive on 1 October),
  within the definition's ages (age in whole years at the start of the year, as everywhere in
  the engine). For ``deaths_in_hospital``, the people who died in the year, placed by their
  registration on the date of death. Events of people outside the denominator are not
  counted, so every rate is of the people it is over.
* **activity**: each matching activity is one event, dated by its start date. A diagnosis
  condition is met by a code recorded on the activity (normalised as everywhere,
  :mod:`oneplace.reference.icd10`); ``primary_*`` means position 1. A code-list row with
  ``secondary_icd10`` counts only with a diagnosis from it in another position.
  ``new_after_days``: several matching activities of a person on one day are one event, and
  a day counts only when the person had no matching activity in the days before (history
  before the run's years counts as history).
* **readmissions**: each discharge (``end_date``) in the year from an ``index_settings``
  spell is a denominator event; it is a numerator event when a spell matching
  ``readmission`` (another activity) starts 0 to ``within_days - 1`` days after the
  discharge. Dated by the discharge.
* **deaths_in_hospital**: each death is a denominator event, a numerator event when the date
  of death falls within a ``spell_settings`` spell (start to end date inclusive).
* **high_intensity_users**, **spend**, **hospital_spend**: read from ``person_health``.

Result contracts:

* ``indicator_cells``: indicator_id, fy INT, practice_code, network_code, locality_code,
  imd_quintile INT, sex, age_band, people BIGINT (the denominator people), numerator DOUBLE,
  denominator DOUBLE (people; discharges; deaths; or spend in pounds).
* ``indicator_monthly`` (indicators with a monthly series): indicator_id, fy INT, month DATE,
  locality_code, numerator DOUBLE, denominator DOUBLE (discharges or deaths in the month; 0
  where the denominator is the year's population).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from ..outcomes.library import ActivityFilter, Indicator
from ..reference import rows as reference_rows
from ..reference.icd10 import expand
from . import comorbidity as cm
from .calendar import add_days, financial_year, month_of
from .inputs import Inputs
from .person_health import described, people_of_years
from .registration import registered_on
from .segments import person_health

KEYS = ("person_id", "fy")
UNIT = ("practice_code", "network_code", "locality_code", "imd_quintile", "sex", "age_band")
NO_DATE = ibis.literal(None, type="date")
# Counted per person from person_health's own columns.
PERSON_HEALTH_KINDS = ("high_intensity_users", "spend", "hospital_spend")


def _listed(diagnoses: ir.Table, codes: str, tag: str = "x") -> ir.Table:
    """Distinct recorded codes of ``diagnoses`` in a list written in Quan notation."""
    idx = cm.Index(tag, (tag,), tuple((p, tag) for p in sorted(expand(codes))), {}, "")
    return cm.code_conditions(diagnoses, idx).select("code")


def _with_code(diagnoses: ir.Table, codes: str) -> ir.Table:
    """Activity ids with a diagnosis in ``diagnoses`` from the list ``codes``."""
    listed = _listed(diagnoses, codes)
    hits = diagnoses.join(listed, "code")
    return hits.select(hit_id=hits.activity_id).distinct()


def _with_listed_primary(inputs: Inputs, table: str) -> ir.Table:
    """Activity ids whose primary diagnosis is in reference code list ``table``, honouring
    each row's ``secondary_icd10`` requirement."""
    diag = inputs.diagnosis.filter(inputs.diagnosis.activity_id.notnull())
    primary = diag.filter(diag.position == 1)
    secondary = diag.filter(diag.position > 1)
    parts = []
    for row in reference_rows(table):
        ids = _with_code(primary, row["icd10"])
        if row.get("secondary_icd10", "").strip():
            also = _with_code(secondary, row["secondary_icd10"]).rename(also_id="hit_id")
            ids = ids.join(also, ids.hit_id == also.also_id).select("hit_id")
        parts.append(ids)
    union = parts[0]
    for part in parts[1:]:
        union = union.union(part)
    return union.select("hit_id").distinct()


def matching_activity(
    inputs: Inputs, rule: ActivityFilter, act: ir.Table | None = None
) -> ir.Table:
    """Activities (every column) meeting ``rule``'s setting, method, type and diagnosis
    conditions; ``new_after_days`` is applied by :func:`_activity_events`."""
    act = inputs.activity if act is None else act
    conditions = [act.setting.isin(rule.settings)]
    if rule.admission_methods:
        conditions.append(act.admission_method.isin(rule.admission_methods))
    if rule.activity_types:
        conditions.append(act.activity_type.isin(rule.activity_types))
    act = act.filter(*conditions)
    diag = inputs.diagnosis.filter(inputs.diagnosis.activity_id.notnull())
    primary = diag.filter(diag.position == 1)
    required = []
    if rule.primary_icd10:
        required.append(_with_code(primary, rule.primary_icd10))
    if rule.primary_list:
        required.append(_with_listed_primary(inputs, rule.primary_list))
    if rule.any_icd10:
        required.append(_with_code(diag, rule.any_icd10))
    for ids in required:
        act = act.semi_join(ids, act.activity_id == ids.hit_id)
    if rule.exclude_primary_icd10:
        ids = _with_code(primary, rule.exclude_primary_icd10)
        act = act.anti_join(ids, act.activity_id == ids.hit_id)
    return act


def _events(
    person_id: ir.Value, fy: ir.Value, month: ir.Value, numerator: ir.Value, denominator: ir.Value
) -> dict:
    return {
        "person_id": person_id,
        "fy": fy.cast("int32"),
        "month": month,
        "numerator": numerator.cast("float64"),
        "denominator": denominator.cast("float64"),
    }


def _activity_events(inputs: Inputs, rule: ActivityFilter) -> ir.Table:
    act = matching_activity(inputs, rule)
    if rule.new_after_days is not None:
        days = act.select("person_id", day=act.start_date).distinct().view()
        before = days.view().rename(prior_person="person_id", prior_day="day")
        act = days.anti_join(
            before,
            [
                days.person_id == before.prior_person,
                before.prior_day < days.day,
                before.prior_day >= add_days(days.day, -rule.new_after_days),
            ],
        ).rename(start_date="day")
    fy = financial_year(act.start_date)
    one = ibis.literal(1)
    return act.select(**_events(act.person_id, fy, month_of(act.start_date), one, ibis.literal(0)))


def _readmission_events(inputs: Inputs, ind: Indicator) -> ir.Table:
    num = ind.numerator
    act = inputs.activity
    index = act.filter(act.setting.isin(num.index_settings)).select(
        "activity_id", "person_id", "end_date"
    )
    rule = num.readmission or ActivityFilter(settings=["acute_non_elective"])
    again = matching_activity(inputs, rule).select(
        again_id="activity_id", again_person="person_id", again_start="start_date"
    )
    pairs = index.join(
        again,
        [
            index.person_id == again.again_person,
            again.again_start >= index.end_date,
            again.again_start <= add_days(index.end_date, num.within_days - 1),
        ],
    )
    pairs = pairs.filter(pairs.again_id != pairs.activity_id)
    readmitted = pairs.select(readmitted_id="activity_id").distinct()
    flagged = index.left_join(readmitted, index.activity_id == readmitted.readmitted_id)
    hit = flagged.readmitted_id.notnull().cast("int64")
    return flagged.select(
        **_events(
            flagged.person_id,
            financial_year(flagged.end_date),
            month_of(flagged.end_date),
            hit,
            ibis.literal(1),
        )
    )


def decedents(inputs: Inputs) -> ir.Table:
    """People who died in the run's years, placed by their registration on the date of death
    (the denominator people of ``deaths_in_hospital``), with the unit columns."""
    dead = inputs.person.filter(inputs.person.date_of_death.notnull())
    dead = dead.mutate(fy=financial_year(dead.date_of_death)).filter(ibis._.fy.isin(inputs.fy))
    placed = registered_on(inputs, dead, ["person_id"], "date_of_death")
    return described(inputs, placed.filter(placed.practice_code.notnull()))


def _death_events(inputs: Inputs, ind: Indicator) -> ir.Table:
    dead = decedents(inputs).select("person_id", "fy", "date_of_death")
    act = inputs.activity
    spells = act.filter(act.setting.isin(ind.numerator.spell_settings)).select(
        s_person="person_id", s_start="start_date", s_end="end_date"
    )
    j = dead.join(
        spells,
        [
            dead.person_id == spells.s_person,
            spells.s_start <= dead.date_of_death,
            spells.s_end >= dead.date_of_death,
        ],
    )
    in_hospital = j.select("person_id").distinct().rename(h_person="person_id")
    k = dead.left_join(in_hospital, dead.person_id == in_hospital.h_person)
    return k.select(
        **_events(
            k.person_id,
            k.fy,
            month_of(k.date_of_death),
            k.h_person.notnull().cast("int64"),
            ibis.literal(1),
        )
    )


def _people(inputs: Inputs, ind: Indicator) -> ir.Table:
    """The indicator's denominator people: person_id, fy, the unit columns, and for the
    person_health kinds the per-person numerator and denominator."""
    kind = ind.numerator.kind
    if kind == "deaths_in_hospital":
        people = decedents(inputs)
    elif kind in PERSON_HEALTH_KINDS or "person_health" in inputs.results:
        people = inputs.result("person_health", person_health)
    else:
        # The same people (person_health is one row per registered person-year), without
        # scoring everyone's comorbidity when the run has not stored it.
        people = people_of_years(inputs)
    pop = ind.population
    if pop.min_age is not None:
        people = people.filter(people.age >= pop.min_age)
    if pop.max_age is not None:
        people = people.filter(people.age <= pop.max_age)
    own = {}
    # Money stays DECIMAL until summed, so that the sums are exact (and the same on every
    # backend, whatever order it adds in) before they become statistics.
    if kind == "high_intensity_users":
        own = {"own_num": people.high_intensity_user.cast("float64"), "own_den": 1.0}
    elif kind == "spend":
        own = {"own_num": people.cost_gbp, "own_den": 1.0}
    elif kind == "hospital_spend":
        own = {"own_num": people.hospital_cost_gbp, "own_den": people.cost_gbp}
    return people.select(*KEYS, *UNIT, **own)


def indicator_events(inputs: Inputs, ind: Indicator) -> ir.Table | None:
    """The indicator's dated events (person_id, fy, month, numerator, denominator), or None
    for the kinds counted per person from ``person_health``."""
    kind = ind.numerator.kind
    if kind == "activity":
        events = _activity_events(inputs, ind.numerator.activity)
    elif kind == "readmissions":
        events = _readmission_events(inputs, ind)
    elif kind == "deaths_in_hospital":
        events = _death_events(inputs, ind)
    else:
        return None
    return events.filter(events.fy.isin(inputs.fy))


def _cells_of(inputs: Inputs, ind: Indicator) -> ir.Table:
    people = _people(inputs, ind).view()
    events = indicator_events(inputs, ind)
    if events is None:
        num, den = people.own_num, people.own_den
        j = people
    else:
        per_person = events.group_by(list(KEYS)).agg(
            e_num=events.numerator.sum(), e_den=events.denominator.sum()
        )
        j = people.left_join(per_person, list(KEYS))
        num = j.e_num.fill_null(0.0)
        # Events of the denominator (discharges, deaths) or, over a population, the person.
        den = j.e_den.fill_null(0.0) if ind.denominator == "discharges" else ibis.literal(1.0)
    cells = j.select(*[people[c] for c in (*KEYS, *UNIT)], num=num, den=den)
    return cells.group_by(["fy", *UNIT]).agg(
        people=cells.count().cast("int64"),
        numerator=cells.num.sum().cast("float64"),
        denominator=cells.den.sum().cast("float64"),
    )


def indicator_cells(inputs: Inputs) -> ir.Table:
    """The ``indicator_cells`` result (see the module docstring)."""
    parts = [
        _cells_of(inputs, ind).mutate(indicator_id=ibis.literal(ind.id))
        for ind in inputs.indicator_definitions
    ]
    columns = ["indicator_id", "fy", *UNIT, "people", "numerator", "denominator"]
    union = parts[0].select(*columns)
    for part in parts[1:]:
        union = union.union(part.select(*columns))
    return union


def _monthly_of(inputs: Inputs, ind: Indicator) -> ir.Table:
    people = _people(inputs, ind).select(*KEYS, "locality_code")
    events = indicator_events(inputs, ind)
    j = events.join(people, list(KEYS))
    return j.group_by(["fy", "month", "locality_code"]).agg(
        numerator=j.numerator.sum().cast("float64"),
        denominator=j.denominator.sum().cast("float64"),
    )


def indicator_monthly(inputs: Inputs) -> ir.Table:
    """The ``indicator_monthly`` result (see the module docstring)."""
    columns = ["indicator_id", "fy", "month", "locality_code", "numerator", "denominator"]
    parts = [
        _monthly_of(inputs, ind).mutate(indicator_id=ibis.literal(ind.id)).select(*columns)
        for ind in inputs.indicator_definitions
        if ind.has_monthly_series
    ]
    if not parts:
        return indicator_cells(inputs).limit(0).select(
            "indicator_id", "fy", month=NO_DATE, locality_code="locality_code",
            numerator="numerator", denominator="denominator",
        )  # fmt: skip
    union = parts[0]
    for part in parts[1:]:
        union = union.union(part)
    return union
