"""Published reference tables, one CSV file per table, each naming its source on line one.

The first line of every file is a ``# Source: ...`` comment (publisher, table, year, licence);
the rest is an ordinary CSV with a header row. Files:

- ``bhr_population_2020.csv``: ONS mid-2020 population estimates by single year of age for
  Barking and Dagenham, Havering and Redbridge, split by sex in mid-2011 proportions.
- ``england_population_2020.csv``: ONS mid-2020 estimates for England by single year of age.
- ``bhr_lsoa_imd2019.csv``: the three boroughs' LSOAs (2011) with IMD 2019 rank and decile
  (File 1) and mid-2015 population (File 6).
- ``unit_costs_2023_24.csv``: NCC 2023/24 and PSSRU 2024 unit costs, a source per row.
- ``ncc_2023_24_hospital_activity.csv``: NCC 2023/24 national activity and cost of each
  hospital point of delivery: the generator's outpatient volume and mix, and the national
  hospital spend mix its report compares against.
- ``ltc_prevalence.csv``: QOF 2023/24 England prevalence and the age/sex/deprivation shape
  of each long-term condition used by the synthetic generator.
- ``icd10_codes.csv``: WHO ICD-10 codes for each condition and each pool of other reasons.
- ``charlson_quan2005_icd10.csv``, ``elixhauser_quan2005_icd10.csv``: the Quan et al. 2005
  ICD-10 coding algorithms, one row per condition, codes written as the paper writes them
  (expanded to code prefixes by :func:`oneplace.reference.icd10.expand`).
- ``comorbidity_weights.csv``: Charlson 1987, Quan 2011 and van Walraven 2009 weights.
- ``hfrs_gilbert2018.csv``: the Hospital Frailty Risk Score's 109 codes and their points.
- ``segment_codes_icd10.csv``: the pregnancy and palliative care codes of the segment rules.
- ``acsc_chronic_nhsof.csv``: the chronic ambulatory care sensitive conditions of NHS
  Outcomes Framework indicator 2.3.i, primary-diagnosis codes per condition, the secondary
  codes a row needs (acute bronchitis counts only with COPD) and, as notes, the procedure
  exclusions the engine cannot apply.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

HERE = Path(__file__).resolve().parent

TABLES = (
    "bhr_population_2020",
    "england_population_2020",
    "bhr_lsoa_imd2019",
    "unit_costs_2023_24",
    "ncc_2023_24_hospital_activity",
    "ltc_prevalence",
    "icd10_codes",
    "charlson_quan2005_icd10",
    "elixhauser_quan2005_icd10",
    "comorbidity_weights",
    "hfrs_gilbert2018",
    "segment_codes_icd10",
    "acsc_chronic_nhsof",
)


def path(name: str) -> Path:
    """The file of reference table ``name`` (without ``.csv``)."""
    if name not in TABLES:
        raise KeyError(f"unknown reference table {name!r}; tables are {', '.join(TABLES)}")
    return HERE / f"{name}.csv"


def source(name: str) -> str:
    """The source line of a reference table, without the leading ``# Source:``."""
    with path(name).open(encoding="utf-8") as f:
        first = f.readline().strip()
    return first.removeprefix("#").strip().removeprefix("Source:").strip()


@cache
def _read(name: str) -> pd.DataFrame:
    import pandas as pd  # not at import: the engine reads its tables with rows(), without it

    return pd.read_csv(path(name), skiprows=1, dtype={"code": str, "sex": str, "lsoa_code": str})


def read(name: str) -> pd.DataFrame:
    """Reference table ``name`` as a DataFrame (a fresh copy: callers may modify it)."""
    return _read(name).copy()


@cache
def _rows(name: str) -> tuple[dict[str, str], ...]:
    with path(name).open(encoding="utf-8", newline="") as f:
        f.readline()  # the source line
        return tuple(csv.DictReader(f))


def rows(name: str) -> list[dict[str, str]]:
    """Reference table ``name`` as a list of rows (dicts of text, as written in the file)."""
    return [dict(r) for r in _rows(name)]
