"""The four canonical tables of the analytics plane (DESIGN.md), declared once.

Everything that reads or writes these tables (loader, synthetic generator, engine, docs)
takes column names, types, vocabularies and rules from here. Vocabulary codes follow the NHS
Data Dictionary where one exists (admission method, person stated gender), so that extracts
from SUS/HES and GP systems map onto them without loss.
"""

from __future__ import annotations

from .model import (
    BOOLEAN,
    DATE,
    DOUBLE,
    INTEGER,
    MONEY,
    STRING,
    Column,
    Rule,
    Severity,
    Table,
    Vocabulary,
)

E, W = Severity.ERROR, Severity.WARN

SETTING = Vocabulary(
    "setting",
    "Care setting of an activity (the point of delivery the money is counted under).",
    {
        "acute_non_elective": "Emergency (non-elective) hospital admission, one row per spell",
        "acute_elective": "Planned ordinary (overnight) hospital admission, one row per spell",
        "day_case": "Planned admission discharged the same day",
        "outpatient": "Consultant-led or non-consultant-led outpatient attendance",
        "emergency_department": "A&E / urgent treatment centre attendance",
        "community": "Community health service contact (district nursing, therapies, matrons)",
        "mental_health": "Mental health service contact or spell",
        "primary_care": "General practice appointment",
        "prescribing": "Primary care prescribing (cost of items dispensed)",
        "social_care": "Adult social care: home care, care-home placement, reablement",
        "voluntary_sector": "Commissioned voluntary and community sector support",
        "wider_services": "Other services (ambulance, housing, wider determinants)",
    },
)

HOSPITAL_SETTINGS = (
    "acute_non_elective",
    "acute_elective",
    "day_case",
    "outpatient",
    "emergency_department",
)

SEX = Vocabulary(
    "sex",
    "Person stated gender (NHS Data Dictionary codes 1, 2, 9, 0 as letters).",
    {"M": "Male", "F": "Female", "I": "Indeterminate", "U": "Not known"},
)

ADMISSION_METHOD = Vocabulary(
    "admission_method",
    "NHS Data Dictionary ADMISSION METHOD (Hospital Provider Spell); empty outside admissions.",
    {
        "11": "Elective: waiting list",
        "12": "Elective: booked",
        "13": "Elective: planned",
        "21": "Emergency: emergency care department or dental casualty department",
        "22": "Emergency: general practitioner",
        "23": "Emergency: bed bureau",
        "24": "Emergency: consultant clinic",
        "25": "Emergency: mental health crisis resolution team",
        "2A": "Emergency: emergency care department of another provider",
        "2B": "Emergency: transfer from another provider",
        "2C": "Emergency: baby born at home as intended",
        "2D": "Emergency: other emergency admission",
        "28": "Emergency: other means",
        "31": "Maternity: ante partum",
        "32": "Maternity: post partum",
        "81": "Other: transfer of admitted patient from another hospital provider",
        "82": "Other: birth in this provider",
        "83": "Other: birth outside a provider",
    },
)

CODE_SYSTEM = Vocabulary(
    "code_system",
    "Clinical terminology of a diagnosis code.",
    {"icd10": "ICD-10 (WHO, as used in HES/SUS)", "snomed": "SNOMED CT concept id"},
)

ICD10_PATTERN = r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$"
SNOMED_PATTERN = r"^[1-9][0-9]{5,17}$"


def _unknown_person() -> Rule:
    return Rule(
        "unknown_person",
        E,
        "person_id",
        "person_id is not in the person table (load person first)",
        "NOT EXISTS (SELECT 1 FROM person p WHERE p.person_id = s.person_id)",
    )


def _end_before_start() -> Rule:
    return Rule(
        "end_before_start",
        E,
        "end_date",
        "end_date is before start_date",
        "s.end_date < s.start_date",
    )


PERSON = Table(
    "person",
    "One row per person in the population. Pseudonymised: no NHS number, name or address.",
    (
        Column("person_id", STRING, "Pseudonymous person identifier, stable across tables"),
        Column("year_of_birth", INTEGER, "Year of birth"),
        Column("sex", STRING, "Person stated gender", vocabulary=SEX),
        Column("lsoa", STRING, "Lower-layer super output area (2011) of residence", nullable=True),
        Column(
            "imd_decile", INTEGER, "IMD 2019 decile of the LSOA, 1 = most deprived", nullable=True
        ),
        Column("date_of_death", DATE, "Date of death, empty while alive", nullable=True),
        Column(
            "opted_out",
            BOOLEAN,
            "National data opt-out recorded: excluded from uses beyond direct care",
            required=False,
            nullable=True,
        ),
    ),
    key=("person_id",),
    rules=(
        Rule(
            "implausible_year_of_birth",
            E,
            "year_of_birth",
            "year_of_birth is before 1890 or in the future",
            "s.year_of_birth < 1890 OR s.year_of_birth > year(current_date)",
        ),
        Rule(
            "death_before_birth",
            E,
            "date_of_death",
            "date_of_death is before the year of birth",
            # year() rather than make_date(): an absurd year_of_birth must not stop the load.
            "year(s.date_of_death) < s.year_of_birth",
        ),
        Rule(
            "death_in_future",
            E,
            "date_of_death",
            "date_of_death is after today",
            "s.date_of_death > current_date",
        ),
        Rule(
            "imd_decile_out_of_range",
            E,
            "imd_decile",
            "imd_decile is not between 1 and 10",
            "s.imd_decile NOT BETWEEN 1 AND 10",
        ),
        Rule(
            "malformed_lsoa",
            W,
            "lsoa",
            "lsoa is not an English or Welsh LSOA code (E01/W01 and six digits)",
            "NOT regexp_full_match(s.lsoa, '[EW]01[0-9]{6}')",
        ),
        Rule(
            "missing_lsoa",
            W,
            "lsoa",
            "lsoa is empty: the person cannot be placed by deprivation",
            "s.lsoa IS NULL",
        ),
    ),
)

REGISTRATION = Table(
    "registration",
    "One row per person x GP practice x period of registration.",
    (
        Column("person_id", STRING, "Pseudonymous person identifier"),
        Column("practice_code", STRING, "ODS code of the GP practice"),
        Column("start_date", DATE, "First day of registration"),
        Column("end_date", DATE, "Last day of registration, empty if current", nullable=True),
    ),
    key=("person_id", "practice_code", "start_date"),
    rules=(
        _end_before_start(),
        _unknown_person(),
        Rule(
            "practice_outside_place",
            W,
            "practice_code",
            "practice_code is not one of the place's practices",
            "NOT EXISTS (SELECT 1 FROM place_practice pp WHERE pp.code = s.practice_code)",
        ),
    ),
)

ACTIVITY = Table(
    "activity",
    "One row per contact, admission (spell), attendance, prescription month or package of care.",
    (
        Column("activity_id", STRING, "Identifier of the activity, unique in the table"),
        Column("person_id", STRING, "Pseudonymous person identifier"),
        Column("provider_code", STRING, "Organisation or practice code of the provider"),
        Column("setting", STRING, "Care setting", vocabulary=SETTING),
        Column("start_date", DATE, "Start (admission, attendance, contact) date"),
        Column("end_date", DATE, "End (discharge) date; equals start_date for contacts"),
        Column(
            "admission_method",
            STRING,
            "Admission method, admitted care only",
            nullable=True,
            vocabulary=ADMISSION_METHOD,
        ),
        Column("cost_gbp", MONEY, "Cost in pounds at the year's unit costs"),
        Column(
            "units",
            DOUBLE,
            "Quantity the cost is for (contacts, bed days, care hours, care-home weeks, items)",
            required=False,
            nullable=True,
        ),
        Column(
            "activity_type",
            STRING,
            "Finer type within the setting (e.g. first_attendance, home_care, care_home)",
            required=False,
            nullable=True,
        ),
    ),
    key=("activity_id",),
    rules=(
        _end_before_start(),
        _unknown_person(),
        Rule("negative_cost", E, "cost_gbp", "cost_gbp is negative", "s.cost_gbp < 0"),
        Rule(
            "start_in_future",
            E,
            "start_date",
            "start_date is after today",
            "s.start_date > current_date",
        ),
        Rule(
            "admission_without_method",
            W,
            "admission_method",
            "an admitted-care activity has no admission_method",
            "s.setting IN ('acute_non_elective', 'acute_elective', 'day_case') "
            "AND s.admission_method IS NULL",
        ),
        Rule(
            "emergency_setting_elective_method",
            W,
            "admission_method",
            "a non-elective admission carries an elective admission method (11-13)",
            "s.setting = 'acute_non_elective' AND s.admission_method IN ('11', '12', '13')",
        ),
        Rule(
            "activity_after_death",
            W,
            "start_date",
            "start_date is after the person's date of death",
            "EXISTS (SELECT 1 FROM person p WHERE p.person_id = s.person_id "
            "AND s.start_date > p.date_of_death)",
        ),
        Rule(
            "cost_over_one_million",
            W,
            "cost_gbp",
            "cost_gbp is over £1,000,000 for a single activity (reasonableness)",
            "s.cost_gbp > 1000000",
        ),
        Rule(
            "unknown_provider",
            W,
            "provider_code",
            "provider_code is neither an organisation nor a practice of the place",
            "NOT EXISTS (SELECT 1 FROM place_organisation o WHERE o.code = s.provider_code) "
            "AND NOT EXISTS (SELECT 1 FROM place_practice pp WHERE pp.code = s.provider_code)",
        ),
    ),
)

DIAGNOSIS = Table(
    "diagnosis",
    "One row per coded diagnosis, on an activity (activity_id set) or on the GP record.",
    (
        Column("person_id", STRING, "Pseudonymous person identifier"),
        Column("activity_id", STRING, "Activity the diagnosis was coded on, if any", nullable=True),
        Column("date", DATE, "Date the diagnosis was recorded"),
        Column("code_system", STRING, "Terminology of the code", vocabulary=CODE_SYSTEM),
        Column("code", STRING, "The diagnosis code (ICD-10 without or with the dot)"),
        Column("position", INTEGER, "1 = primary diagnosis, 2.. = secondary positions"),
    ),
    key=("person_id", "activity_id", "date", "code_system", "code"),
    rules=(
        _unknown_person(),
        Rule(
            "malformed_icd10",
            E,
            "code",
            "an icd10 code is not a letter, two digits and an optional 1-4 character subdivision",
            f"s.code_system = 'icd10' AND NOT regexp_full_match(s.code, '{ICD10_PATTERN}')",
        ),
        Rule(
            "malformed_snomed",
            E,
            "code",
            "a snomed code is not a 6-18 digit concept id",
            f"s.code_system = 'snomed' AND NOT regexp_full_match(s.code, '{SNOMED_PATTERN}')",
        ),
        Rule(
            "position_below_one",
            E,
            "position",
            "position is below 1",
            "s.position < 1",
        ),
        Rule(
            "unknown_activity",
            W,
            "activity_id",
            "activity_id is set but not in the activity table",
            "s.activity_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM activity a WHERE a.activity_id = s.activity_id)",
        ),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (PERSON, REGISTRATION, ACTIVITY, DIAGNOSIS)}
VOCABULARIES: dict[str, Vocabulary] = {
    v.name: v for v in (SETTING, SEX, ADMISSION_METHOD, CODE_SYSTEM)
}

# Rules every table has, applied by the loader before the table's own rules. Documented here
# so that the data-model page lists them with the rest.
GENERIC_RULES: tuple[tuple[str, Severity, str], ...] = (
    ("wrong_type", E, "the value cannot be read as the column's type"),
    ("missing_value", E, "a column that may not be empty is empty"),
    ("not_in_vocabulary", E, "the value is not in the column's vocabulary"),
    ("duplicate_key", E, "the key repeats a row already loaded or earlier in the same file"),
)


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(
            f"unknown table {name!r}; canonical tables are {', '.join(TABLES)}"
        ) from None
