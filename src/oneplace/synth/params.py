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

# Adult social care: share of people with a care-home placement / home-care package at some
# point in the period, by band; excess by condition; home-care hours a week (gamma mean).
CARE_HOME = (0.0, 0.0, 0.002, 0.003, 0.006, 0.02, 0.09)
CARE_HOME_EXCESS = dict(dementia=6.0, frailty=4.0, stroke=1.5)
CARE_HOME_NURSING = 0.4
HOME_CARE = (0.0, 0.0, 0.006, 0.012, 0.025, 0.06, 0.15)
HOME_CARE_EXCESS = dict(frailty=4.0, dementia=2.0, stroke=2.0, heart_failure=1.0, smi=1.0)
HOME_CARE_HOURS = 10.0
PRIOR_PACKAGE = 0.6  # share of packages already running when the period starts

COMMUNITY_MATRON = 0.15  # share of community contacts by a matron for frail people
COMMUNITY_NURSING = 0.6  # district nursing share of the rest (others are therapies)
