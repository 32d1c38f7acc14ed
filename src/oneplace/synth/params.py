"""Utilisation parameters of the generator: base rates by age band and what drives them.

Rates are per person-year for the age bands 0-4, 5-14, 15-44, 45-64, 65-74, 75-84, 85+.
Within an age band, a person's rate is the band rate x a multiplier normalised to mean 1 in
the band, so that the band rates are met on average while use concentrates in people with
conditions, in deprived areas and with a high personal frailty (gamma, shape GAMMA_SHAPE,
raised to the setting's ``dispersion``; the counts are then negative-binomial).

Emergency admissions follow METHODS 5.4's indicative England rates (0-4 ~130, 5-14 ~40,
15-44 ~65, 45-64 ~85, 65-74 ~150, 75-84 ~275, 85+ ~500 per 1,000), set slightly lower for a
London place. Other rates are order-of-magnitude England figures [K]: about 3 GP consultations
a year, 2 outpatient attendances, 0.4 A&E attendances, 0.12 day cases and 0.03 ordinary
elective admissions per person; about 10% of A&E attendances arrive by ambulance under 65 and
far more over 85. Condition excesses (added: 1 + sum) and deprivation ratios (decile 1 vs 10)
are modelling assumptions [K].
"""

from __future__ import annotations

AGE_EDGES = (0, 5, 15, 45, 65, 75, 85)
AGE_LABELS = ("0-4", "5-14", "15-44", "45-64", "65-74", "75-84", "85+")
GAMMA_SHAPE = 0.6

NEL_TARGET_PER_1000 = (130, 40, 65, 85, 150, 275, 500)  # METHODS 5.4, England [K]

SETTINGS: dict[str, dict] = {
    "acute_non_elective": dict(
        rate=(0.125, 0.038, 0.062, 0.082, 0.145, 0.265, 0.48),
        dispersion=1.0,
        dep_ratio=1.8,
        excess=dict(
            copd=2.0,
            heart_failure=2.5,
            frailty=2.0,
            dementia=1.5,
            cancer=1.5,
            ckd=0.8,
            stroke=0.8,
            diabetes=0.6,
            ihd=0.7,
            atrial_fibrillation=0.5,
            smi=1.0,
            depression=0.4,
            asthma=0.4,
        ),
    ),
    "acute_elective": dict(
        rate=(0.008, 0.008, 0.015, 0.035, 0.06, 0.06, 0.035),
        dispersion=0.6,
        dep_ratio=0.9,
        excess=dict(cancer=2.0, ihd=1.0, diabetes=0.3, ckd=0.3),
    ),
    "day_case": dict(
        rate=(0.015, 0.02, 0.06, 0.15, 0.27, 0.3, 0.17),
        dispersion=0.6,
        dep_ratio=0.9,
        excess=dict(cancer=3.0, ckd=0.5, diabetes=0.3, ihd=0.4),
    ),
    "outpatient": dict(  # the age shape; activity.outpatient_rates() scales it to NCC volume
        rate=(1.1, 0.7, 1.2, 2.1, 3.4, 4.2, 3.6),
        dispersion=0.6,
        dep_ratio=1.0,
        excess=dict(
            cancer=2.5,
            heart_failure=1.0,
            ihd=0.7,
            diabetes=0.6,
            ckd=0.8,
            copd=0.5,
            atrial_fibrillation=0.5,
            stroke=0.5,
            asthma=0.2,
        ),
    ),
    "emergency_department": dict(  # attendances not followed by admission
        rate=(0.5, 0.3, 0.4, 0.28, 0.27, 0.33, 0.5),
        dispersion=1.5,
        dep_ratio=1.7,
        excess=dict(
            smi=2.5,
            copd=1.0,
            heart_failure=1.0,
            frailty=1.0,
            dementia=0.8,
            depression=0.8,
            asthma=0.4,
            diabetes=0.3,
        ),
    ),
    "primary_care": dict(
        rate=(4.5, 2.0, 3.2, 4.3, 5.8, 7.5, 8.5),
        dispersion=0.4,
        dep_ratio=1.2,
        excess=dict(
            depression=0.6,
            diabetes=0.5,
            copd=0.6,
            heart_failure=0.6,
            frailty=0.6,
            cancer=0.6,
            asthma=0.3,
            ckd=0.3,
            smi=0.5,
            dementia=0.4,
        ),
    ),
    "community": dict(
        rate=(1.0, 0.5, 0.5, 1.2, 3.5, 11.0, 26.0),
        dispersion=1.4,
        dep_ratio=1.3,
        excess=dict(
            frailty=3.0,
            dementia=1.5,
            heart_failure=1.5,
            stroke=1.0,
            cancer=1.0,
            copd=0.8,
            diabetes=0.4,
            ckd=0.3,
        ),
    ),
    "mental_health": dict(
        rate=(0.04, 0.4, 0.9, 0.8, 0.65, 1.0, 1.5),
        dispersion=1.2,
        dep_ratio=1.6,
        excess=dict(smi=20.0, depression=2.5, dementia=4.0),
    ),
    "voluntary_sector": dict(
        rate=(0.0, 0.01, 0.04, 0.08, 0.15, 0.25, 0.25),
        dispersion=1.0,
        dep_ratio=1.5,
        excess=dict(depression=2.0, frailty=1.5, dementia=1.0, smi=1.0),
    ),
    "ambulance_see_treat": dict(
        rate=(0.015, 0.008, 0.02, 0.025, 0.04, 0.07, 0.13),
        dispersion=1.2,
        dep_ratio=1.6,
        excess=dict(frailty=2.0, dementia=1.5, copd=1.0, smi=1.5),
    ),
}

# Emergency admission method mix; 21 (via A&E) spells come with an A&E attendance that day.
NEL_METHODS = (("21", 0.72), ("22", 0.12), ("2D", 0.08), ("28", 0.08))
ELECTIVE_METHODS = (("11", 0.6), ("12", 0.3), ("13", 0.1))
NEL_SHORT_STAY = (0.6, 0.6, 0.45, 0.4, 0.3, 0.25, 0.2)  # share of spells with 0-1 day stay
NEL_LONG_LOS = (3.0, 3.0, 4.0, 5.5, 7.0, 9.0, 11.0)  # mean stay of long-stay spells, days
AMBULANCE_CONVEY = (0.1, 0.08, 0.15, 0.2, 0.35, 0.5, 0.6)  # share of A&E arriving by ambulance
# Share of consultant-led attendances that are first attendances (NCC 2023/24: WF01B, WF01D
# and WF02B/D firsts are about 35% of consultant-led non-admitted attendances).
OUTPATIENT_FIRST = 0.35

# Repeat prescribing: items per quarter by band, raised by conditions.
PRESCRIBING_ITEMS = (1.2, 0.8, 2.0, 6.0, 13.0, 18.0, 20.0)
PRESCRIBING_EXCESS = dict(
    diabetes=1.5,
    copd=1.2,
    asthma=0.8,
    heart_failure=2.0,
    ihd=1.5,
    atrial_fibrillation=1.0,
    stroke=1.0,
    ckd=0.8,
    cancer=1.0,
    dementia=0.8,
    depression=0.8,
    smi=1.5,
    frailty=1.0,
)

# Adult social care. Care homes (council-funded permanent placements): the share of people
# already in a placement on the first day of the period, by band, and new placements a
# person-year afterwards, each raised by conditions (CARE_HOME_EXCESS, normalised to the band's
# rate); a placement lasts until death or the period's end, written as monthly rows. New
# placements of people 65+ follow ASCOF 2A(2) (NHS Digital; Nuffield Trust QualityWatch,
# "Admissions to care homes", 2021-22: 578 per 100,000 aged 65+ in England in 2018-19, 584 in
# 2019-20, 498 in the pandemic year 2020-21). The admission rates are set above that because
# people already placed, and people who die first, are not placed: as the outcomes library
# counts them (over everyone 65+), they give about 530-560 per 100,000 a year. Placements end
# in death: residents die at CARE_HOME_MORTALITY times the rate of people of their age and
# conditions at home (a third or more of residents a year), so the number of residents holds
# roughly steady [K]. The residents on the first day, and younger adults' placements (ASCOF
# 2A(1): about 14 per 100,000 aged 18-64 a year), keep the generator's earlier spend on care
# homes [K].
CARE_HOME_RESIDENT = (0.0, 0.0, 0.0011, 0.0017, 0.0034, 0.0118, 0.052)
CARE_HOME_ADMISSION = (0.0, 0.0, 0.00014, 0.00014, 0.0018, 0.0073, 0.031)
CARE_HOME_EXCESS = dict(dementia=6.0, frailty=4.0, stroke=1.5)
CARE_HOME_MORTALITY = 2.5
CARE_HOME_NURSING = 0.4
# Home care: share of people with a package at some point in the period, by band; excess by
# condition; hours a week (gamma mean).
HOME_CARE = (0.0, 0.0, 0.006, 0.012, 0.025, 0.06, 0.15)
HOME_CARE_EXCESS = dict(frailty=4.0, dementia=2.0, stroke=2.0, heart_failure=1.0, smi=1.0)
HOME_CARE_HOURS = 10.0
PRIOR_PACKAGE = 0.6  # share of packages already running when the period starts

COMMUNITY_MATRON = 0.15  # share of community contacts by a matron for frail people
COMMUNITY_NURSING = 0.6  # district nursing share of the rest (others are therapies)

# -- Emergency admissions the outcome indicators count -------------------------------------
# They are part of the acute_non_elective rates above: the generator draws them first and the
# rest ("background" admissions) at the band rate less their expected number, so the rates by
# age, and the money, stay where METHODS 5.4 puts them.

# Falls, 65 and over: emergency admissions with a primary injury code and W19X (unspecified
# fall) as the external cause, per person-year by band, raised by frailty and dementia [K].
# PHOF C29 / Fingertips 22401 (OHID, HES): England 1,933 per 100,000 aged 65+ in 2022/23
# (directly standardised, ESP 2013; Lancashire Insight, "Falls", citing Fingertips), 2,100 in
# 2021/22 (Waltham Forest JSNA, 2023); about 30% of people 65+ and 50% of people 80+ fall each
# year (NHS Scorecard, indicator 8135). On ESP 2013's 65+ weights (65-74 10,500, 75-84 6,500,
# 85+ 2,500 of 19,500) these rates standardise to about 1,960.
FALLS_RATE = (0.0, 0.0, 0.0, 0.0, 0.0095, 0.023, 0.061)
FALLS_EXCESS = dict(frailty=2.0, dementia=1.5, stroke=1.0, atrial_fibrillation=0.3)
FALLS_DISPERSION = 0.5
# Primary injury of a fall admission: hip fracture about 30% of falls admissions at 65+ (the
# National Hip Fracture Database annual report 2017: about 76,000 hip fractures a year in the
# UK, against about 200,000 falls admissions at 65+ in England); the rest are written as head
# injury, the only other injury code of reference/icd10_codes.csv [K].
FALL_INJURY = (("S720", 0.3), ("S099", 0.7))
FALL_CAUSE = "W19X"

# Deaths in hospital: a share of the people who die in a year die during an emergency
# admission that ends on the day of death. OHID Palliative and end of life care profiles,
# December 2023 update: 43.4% of deaths in England in 2022 occurred in hospital (46.9% in
# 2016), 20.5% in care homes, 28.7% at home. The share is raised or lowered by age band
# (the oldest die in care homes more often) and lowered for care-home residents [K]; it is
# set a little under 43.4% because some people already die during an admission that would
# have ended later.
DEATH_IN_HOSPITAL = 0.425
DEATH_IN_HOSPITAL_AGE = (1.0, 1.0, 1.05, 1.15, 1.2, 1.1, 0.85)
DEATH_IN_HOSPITAL_RESIDENT = 0.5

# Readmissions: a discharge from an emergency admission is followed by another emergency
# admission 0-29 days later with this probability by band, raised for the people most often
# admitted (their acute_non_elective multiplier to the power READMISSION_DISPERSION,
# normalised to mean 1 over the band's discharges, at most READMISSION_MAX) [K]; after an
# ordinary elective admission with READMISSION_ELECTIVE times that. A readmission may itself
# be readmitted.
# NHS Digital, Compendium of emergency readmissions within 30 days of discharge (I02040), as
# the Nuffield Trust QualityWatch "Emergency readmissions" (2019) reports it: 12.4% of
# discharges in England in 2013/14, 13.7% in 2017/18, rising since; the brief's 14-15%. Days
# to readmission: a truncated exponential of mean READMISSION_GAP_DAYS, so that about a fifth
# come within 2 days (Healthwatch England 2017: 21.6% of readmissions within 48 hours). Chance
# alone (frail people are admitted often) adds about 3 points to these probabilities.
READMISSION = (0.115, 0.095, 0.115, 0.145, 0.175, 0.19, 0.2)
READMISSION_ELECTIVE = 0.4
READMISSION_DISPERSION = 0.5
READMISSION_MAX = 0.6
READMISSION_GAP_DAYS = 9.0
READMISSION_MAX_CHAIN = 8
# A readmission, or an admission at the end of life, is more often for one of the person's
# long-term conditions than other emergency admissions: the acute reasons of the baseline pool
# weigh this much beside the conditions' excess rates (1 for other admissions) [K].
CONDITION_ADMISSION_BASELINE = 0.4
