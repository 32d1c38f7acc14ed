"""Population segments (Bridges to Health) and the per-person year they are built on.

Source: Lynn J, Straube BM, Bell KM, Jencks SF, Kambic RT. *Using population segmentation to
provide better health care for all: the "Bridges to Health" model.* Milbank Q
2007;85(2):185-208, table 2 (the eight segments). The rules that place a person in a segment
are oneplace's (the paper defines the segments, not codes), and the order in which they are
tried is a design choice (``METHODS.md`` 3.1): the first that applies wins, in this order:

6. **Short period of decline before dying**: died in the financial year, or metastatic solid
   tumour (Charlson ``metacanc``), or specialist palliative care coded (ICD-10 Z51.5) in the
   year.
7. **Limited reserve and serious exacerbations**: organ failure (Charlson congestive heart
   failure, chronic pulmonary disease, renal disease, or moderate/severe liver disease) and
   at least one emergency admission in the year.
8. **Long decline from frailty and dementia**: dementia (Charlson), or an HFRS of 5 or more
   (intermediate or high risk; scored from the HFRS age, 75 by default).
5. **Stable but serious disability**, including mental disability: hemiplegia or paraplegia
   (Charlson ``hp``, Elixhauser ``para``), other neurological disorders (``ond``) or
   psychoses (``psycho``).
4. **Chronic conditions with normal function**: any other Charlson or Elixhauser condition.
2. **Maternal and infant health**: aged under 1 (the year of birth is the financial year's
   first calendar year), or a pregnancy or childbirth code (ICD-10 chapter XV, O00-O99, or
   Z33-Z39) in the year. (The pregnancy and palliative codes are the reference table
   ``segment_codes_icd10.csv``, read like every code list: dots, case, fillers and markers.)
3. **Acutely ill, likely to return to health**: any A&E attendance or hospital admission in
   the year.
1. **Healthy**: everyone else.

Result contracts:

* ``person_health``: person_id, fy INT, practice_code, network_code, locality_code, age INT,
  age_band, sex, imd_quintile INT, charlson BIGINT, elixhauser BIGINT, hfrs DOUBLE,
  hfrs_band, segment INT (1-8), segment_name, high_intensity_user BOOLEAN, ae_attendances,
  emergency_admissions, bed_days, elective_admissions, activities BIGINT, cost_gbp,
  hospital_cost_gbp (in :data:`oneplace.schema.HOSPITAL_SETTINGS`) DECIMAL(38,2).
* ``segments``: fy, segment, segment_name, people, cost_gbp, cost_per_head DOUBLE.
* ``segment_use``: fy, segment, setting, activities, cost_gbp, activities_per_1000 DOUBLE
  (use of each setting by the segment's people).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from .calendar import financial_year
from .codes import literal_rows
from .comorbidity import code_list, condition_flags
from .high_intensity import is_high_intensity
from .inputs import Inputs
from .person_health import KEYS, people_of_years, person_comorbidity, use_of_services, year_end
from .spend import MONEY_TOTAL, activity_in_years

SEGMENTS = {
    1: "Healthy",
    2: "Maternal and infant health",
    3: "Acutely ill, likely to return to health",
    4: "Chronic conditions, normal function",
    5: "Stable but serious disability",
    6: "Short period of decline before dying",
    7: "Limited reserve and serious exacerbations",
    8: "Long decline from frailty and dementia",
}
ORDER = (6, 7, 8, 5, 4, 2, 3)  # tried in this order; 1 when none applies
ORGAN_FAILURE = ("charlson_chf", "charlson_cpd", "charlson_rend", "charlson_msld")
DISABILITY = ("charlson_hp", "elixhauser_para", "elixhauser_ond", "elixhauser_psycho")
SEGMENT_CODES = "segment_codes_icd10"  # maternity and palliative: reference/
FRAIL_BANDS = ("intermediate", "high")  # HFRS 5 or more


def _coded_in_year(inputs: Inputs) -> ir.Table:
    """Per (person_id, fy) with an ICD-10 diagnosis dated in financial year fy of the run:
    0/1 flags ``maternity`` and ``palliative`` (codes in ``segment_codes_icd10.csv``)."""
    d = inputs.diagnosis.filter(inputs.diagnosis.code_system == "icd10")
    dated = d.mutate(fy=financial_year(d.date))
    in_year = dated.filter(dated.fy.isin(list(inputs.fy))).select(*KEYS, "code")
    return condition_flags(in_year, code_list(SEGMENT_CODES), by=KEYS)


def person_health(inputs: Inputs) -> ir.Table:
    """The ``person_health`` result: each registered person's year, scored and segmented."""
    people = people_of_years(inputs)
    scores = inputs.result("person_comorbidity", person_comorbidity)
    use = use_of_services(inputs)
    coded = _coded_in_year(inputs)

    # One join at a time, each ended with .view(): a chain of joins on tables that share
    # ancestors (all come from the same inputs) trips Ibis's integrity check.
    j = people.join(scores, list(KEYS)).view()
    for extra in (use, coded):
        j = (
            j.left_join(extra, list(KEYS))
            .select(*j.columns, *[extra[c] for c in extra.columns if c not in KEYS])
            .view()
        )
    zero = ibis.literal(0, type="int64")
    ae = j.ae_attendances.fill_null(zero)
    nel = j.emergency_admissions.fill_null(zero)
    elective = j.elective_admissions.fill_null(zero)
    died = j.date_of_death.notnull() & (j.date_of_death <= year_end(j.fy))
    rules = {
        6: died | (j.charlson_metacanc == 1) | (j.palliative.fill_null(0) == 1),
        7: ibis.or_(*[j[c] == 1 for c in ORGAN_FAILURE]) & (nel > 0),
        8: (j.charlson_dementia == 1) | j.hfrs_band.isin(FRAIL_BANDS).fill_null(False),
        5: ibis.or_(*[j[c] == 1 for c in DISABILITY]),
        4: j.flagged_conditions > 0,
        2: (j.age <= 0) | (j.maternity.fill_null(0) == 1),
        3: (ae + nel + elective) > 0,
    }
    segment = ibis.cases(*[(rules[s], s) for s in ORDER], else_=1).cast("int32")
    out = j.select(
        j.person_id,
        j.fy,
        j.practice_code,
        j.network_code,
        j.locality_code,
        j.age,
        j.age_band,
        j.sex,
        j.imd_quintile,
        j.charlson,
        j.elixhauser,
        j.hfrs,
        j.hfrs_band,
        segment=segment,
        high_intensity_user=is_high_intensity(inputs, ae, j.ae_peak_month.fill_null(zero)),
        ae_attendances=ae,
        emergency_admissions=nel,
        bed_days=j.bed_days.fill_null(zero),
        elective_admissions=elective,
        activities=j.activities.fill_null(zero),
        cost_gbp=j.cost_gbp.fill_null(ibis.literal(0, type=MONEY_TOTAL)),
        hospital_cost_gbp=j.hospital_cost_gbp.fill_null(ibis.literal(0, type=MONEY_TOTAL)),
    )
    # The name by a join, not a CASE on the segment expression: that would repeat the whole
    # rule expression eight times, which Spark's optimiser cannot digest.
    names = literal_rows(
        inputs.place_locality,
        [{"segment": s, "segment_name": name} for s, name in SEGMENTS.items()],
        {"segment": "int32", "segment_name": "string"},
    )
    out = out.view()  # ends the join chain above: a join on it starts a new one
    named = out.join(names, "segment")
    columns = list(out.columns)
    columns.insert(columns.index("segment") + 1, "segment_name")
    return named.select(*columns)


def segments(inputs: Inputs) -> ir.Table:
    """The ``segments`` result: people, spend and spend per head by fy and segment."""
    ph = inputs.result("person_health", person_health)
    out = ph.group_by(["fy", "segment", "segment_name"]).agg(
        people=ph.count().cast("int64"), cost_gbp=ph.cost_gbp.sum().cast(MONEY_TOTAL)
    )
    return out.mutate(cost_per_head=out.cost_gbp.cast("float64") / out.people.cast("float64"))


def segment_use(inputs: Inputs) -> ir.Table:
    """The ``segment_use`` result: each segment's use of each setting in the year."""
    ph = inputs.result("person_health", person_health).select("person_id", "fy", "segment")
    sizes = ph.group_by(["fy", "segment"]).agg(people=ph.count())
    act = activity_in_years(inputs)
    j = act.join(ph, [act.person_id == ph.person_id, act.fy == ph.fy])
    use = j.group_by(["fy", "segment", "setting"]).agg(
        activities=j.count().cast("int64"), cost_gbp=j.cost_gbp.sum().cast(MONEY_TOTAL)
    )
    k = use.join(sizes, [use.fy == sizes.fy, use.segment == sizes.segment])
    return k.select(
        use.fy,
        use.segment,
        use.setting,
        use.activities,
        use.cost_gbp,
        activities_per_1000=use.activities.cast("float64") * 1000.0 / sizes.people.cast("float64"),
    )
