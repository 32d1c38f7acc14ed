"""Each registered person's year: comorbidity and frailty scores, use of services, and
the flags and segment built on them.

Who: the people of :func:`.population.registered_people` (registered with a place practice
and alive on 1 October of the financial year), with their practice, network and locality.

Scores (:mod:`.comorbidity`), as at the end of the financial year (31 March):

* Charlson and Elixhauser from every ICD-10 diagnosis (GP record and hospital) dated up to
  the year end, over ``comorbidity_lookback_years`` (the place's settings; default: all
  history, since a long-term condition on the GP record stays diagnosed), in
  ``diagnosis_positions``;
* the HFRS as Gilbert 2018 defined it: diagnoses coded on hospital admissions (emergency,
  elective, day case) in the ``hfrs_lookback_years`` (default 2) to the year end, for people
  aged ``hfrs_min_age`` (default 75) or over; NULL below that age.

Use of services in the financial year (the 12 months the segment and high-intensity rules
look at): A&E attendances (setting emergency_department), emergency admissions
(acute_non_elective) and their bed days (discharge date minus admission date), elective
admissions (acute_elective and day_case), and the cost of all activity.

Result contract ``person_comorbidity``: person_id, fy INT, charlson BIGINT, elixhauser
BIGINT, hfrs DOUBLE, hfrs_band STRING, flagged_conditions INT (how many Charlson and
Elixhauser flags are set), then charlson_<condition> and elixhauser_<condition> INT8 flags
(condition keys as in ``oneplace score``).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from ..schema import HOSPITAL_SETTINGS
from . import comorbidity as cm
from .calendar import financial_years
from .inputs import Inputs
from .population import age_band, imd_quintile, registered_people
from .spend import MONEY_TOTAL, activity_in_years

KEYS = ("person_id", "fy")
ADMITTED = ("acute_non_elective", "acute_elective", "day_case")
ELECTIVE = ("acute_elective", "day_case")
A_AND_E = "emergency_department"
EMERGENCY = "acute_non_elective"


def year_end(fy: ir.IntegerValue) -> ir.DateValue:
    """31 March at the end of financial year ``fy``."""
    return ibis.date(fy + 1, 3, 31)


def described(inputs: Inputs, people: ir.Table) -> ir.Table:
    """``people`` (person x fy rows with the person's columns and a place ``practice_code``
    and ``locality_code``) with network, age, ESP age band and IMD quintile."""
    practice = inputs.place_practice.select(p_code="code", network_code="network")
    joined = people.left_join(practice, people.practice_code == practice.p_code)
    age = (joined.fy - joined.year_of_birth).cast("int32")
    return joined.select(
        "person_id",
        "fy",
        "practice_code",
        "network_code",
        "locality_code",
        "sex",
        "date_of_death",
        age=age,
        age_band=age_band(age),
        imd_quintile=imd_quintile(joined.imd_decile),
    )


def people_of_years(inputs: Inputs) -> ir.Table:
    """Registered people by fy, with practice, network and locality, age and IMD quintile."""
    return described(inputs, registered_people(inputs))


def _diagnoses_by_year(inputs: Inputs, diagnoses: ir.Table, lookback: int | None) -> ir.Table:
    """ICD-10 ``diagnoses`` x fy of the run, kept when dated in the look-back to the year
    end and in the positions that count."""
    icd = diagnoses.filter(diagnoses.code_system == "icd10")
    years = financial_years(inputs)
    both = icd.cross_join(years)
    kept = cm.in_window(both, year_end(both.fy), lookback, inputs.settings.diagnosis_positions)
    return kept.select(*KEYS, "code")


def admission_diagnoses(inputs: Inputs) -> ir.Table:
    """Diagnoses coded on hospital admissions (emergency, elective, day case)."""
    admitted = inputs.activity.filter(inputs.activity.setting.isin(ADMITTED)).select(
        adm_id="activity_id"
    )
    diag = inputs.diagnosis
    return diag.join(admitted, diag.activity_id == admitted.adm_id).select(*diag.columns)


def person_comorbidity(inputs: Inputs) -> ir.Table:
    """The ``person_comorbidity`` result (see the module docstring)."""
    s = inputs.settings
    people = people_of_years(inputs)
    keys = people.select(*KEYS)
    diag = _diagnoses_by_year(inputs, inputs.diagnosis, s.comorbidity_lookback_years)
    ch = cm.comorbidity_scores(diag, "charlson", s.charlson_weights, keys, KEYS)
    el = cm.comorbidity_scores(diag, "elixhauser", s.elixhauser_weights, keys, KEYS)
    frail_diag = _diagnoses_by_year(inputs, admission_diagnoses(inputs), s.hfrs_lookback_years)
    tenths = cm.hfrs_tenths(frail_diag, keys, KEYS)
    ages = people.select(*KEYS, "age")
    aged = tenths.join(ages, [tenths[k] == ages[k] for k in KEYS])
    old_enough = aged.age >= s.hfrs_min_age
    hf = aged.select(
        *[tenths[k] for k in KEYS],
        hfrs=ibis.ifelse(old_enough, aged.tenths.cast("float64") / 10.0, ibis.null("float64")),
        hfrs_band=ibis.ifelse(old_enough, cm.hfrs_band(aged.tenths), ibis.null("string")),
    )
    # Joined on the keys of the three score tables, which are the same people: joining back to
    # `people` instead makes Spark's optimiser run out of memory on the resulting plan.
    j = ch.join(el, [ch[k] == el[k] for k in KEYS]).join(hf, [ch[k] == hf[k] for k in KEYS])
    flags = [ch[c] for c in cm.index("charlson").conditions]
    flags += [el[c] for c in cm.index("elixhauser").conditions]
    return j.select(
        *[ch[k] for k in KEYS],
        ch.score.name("charlson"),
        el.score.name("elixhauser"),
        hf.hfrs,
        hf.hfrs_band,
        sum(f.cast("int32") for f in flags).cast("int32").name("flagged_conditions"),
        *[ch[c].name(f"charlson_{c}") for c in cm.index("charlson").conditions],
        *[el[c].name(f"elixhauser_{c}") for c in cm.index("elixhauser").conditions],
    )


def use_of_services(inputs: Inputs) -> ir.Table:
    """Per person and fy with any activity: ae_attendances, ae_peak_month (the most A&E
    attendances in one calendar month), emergency_admissions, bed_days,
    elective_admissions, activities, cost_gbp and hospital_cost_gbp (hospital settings)."""
    act = activity_in_years(inputs)
    is_ae = act.setting == A_AND_E
    is_nel = act.setting == EMERGENCY
    days = ibis.ifelse(is_nel, act.end_date.delta(act.start_date, unit="day"), 0)
    totals = act.group_by(list(KEYS)).agg(
        ae_attendances=is_ae.cast("int64").sum().cast("int64"),
        emergency_admissions=is_nel.cast("int64").sum().cast("int64"),
        bed_days=days.sum().cast("int64"),
        elective_admissions=act.setting.isin(ELECTIVE).cast("int64").sum().cast("int64"),
        activities=act.count().cast("int64"),
        cost_gbp=act.cost_gbp.sum().cast(MONEY_TOTAL),
        hospital_cost_gbp=ibis.ifelse(
            act.setting.isin(HOSPITAL_SETTINGS), act.cost_gbp, ibis.literal(0, type=MONEY_TOTAL)
        )
        .sum()
        .cast(MONEY_TOTAL),
    )
    ae = act.filter(is_ae)
    monthly = ae.group_by([*KEYS, ae.start_date.year().name("y"), ae.start_date.month().name("m")])
    monthly = monthly.agg(n=ibis._.count())
    peak = monthly.group_by(list(KEYS)).agg(ae_peak_month=monthly.n.max().cast("int64"))
    joined = totals.left_join(peak, [totals[k] == peak[k] for k in KEYS])
    return joined.select(
        *[totals[k] for k in KEYS],
        *[totals[c] for c in totals.columns if c not in KEYS],
        ae_peak_month=joined.ae_peak_month.fill_null(0),
    )
