"""The registered population of the place, by financial year, age band, sex, locality and
deprivation quintile.

Who counts: a person registered with one of the place's practices on 1 October of the
financial year (the census day; see :mod:`.calendar` and :mod:`.registration`) and alive then
(no date of death, or one after 1 October). The locality is that of the practice of the
registration covering 1 October.

Age is approximated as ``fy - year_of_birth``: the age reached during the calendar year in
which the financial year starts. The canonical tables hold only the year of birth, so the
exact age on 1 October is unknown; the approximation is one year too old for people whose
birthday falls between 2 October and 31 December. Ages below 0 (a registration before the
recorded year of birth) are counted in the youngest band.

Age bands are the 19 five-year bands of the European Standard Population 2013 (Eurostat,
*Revision of the European Standard Population*, 2013): 0-4, 5-9, ..., 85-89, 90+.

Deprivation quintiles are built from IMD 2019 deciles (MHCLG, *English Indices of
Deprivation 2019*): quintile 1 = deciles 1-2 (most deprived) ... quintile 5 = deciles 9-10;
NULL when the decile is unknown.

Result contract ``population``: fy INT, age_band STRING, sex STRING, locality_code STRING,
imd_quintile INT, people BIGINT.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from .calendar import census_date, financial_years
from .inputs import Inputs
from .registration import registered_on

ESP2013_TOP_BAND = 90  # the open-ended band: 90+
ESP2013_BAND_WIDTH = 5


def age_band(age: ir.IntegerValue) -> ir.StringValue:
    """The ESP 2013 band label of an age in whole years ('0-4', ..., '85-89', '90+')."""
    low = ibis.least(
        (ibis.greatest(age, 0) // ESP2013_BAND_WIDTH) * ESP2013_BAND_WIDTH, ESP2013_TOP_BAND
    ).cast("int32")
    high = low + (ESP2013_BAND_WIDTH - 1)
    return ibis.ifelse(
        low >= ESP2013_TOP_BAND,
        f"{ESP2013_TOP_BAND}+",
        low.cast("string").concat("-", high.cast("string")),
    )


def imd_quintile(decile: ir.IntegerValue) -> ir.IntegerValue:
    """IMD quintile from decile: 1-2 -> 1, ..., 9-10 -> 5; NULL stays NULL."""
    return ((decile + 1) // 2).cast("int32")


def census(inputs: Inputs) -> ir.Table:
    """One row per person x financial year: the person on that year's census day (1 October)."""
    years = financial_years(inputs).mutate(census_date=census_date(ibis._.fy))
    return inputs.person.cross_join(years)


def registered_people(inputs: Inputs) -> ir.Table:
    """Person x fy rows of people registered with a place practice and alive on 1 October."""
    people = registered_on(inputs, census(inputs), ["person_id", "fy"], "census_date")
    return people.filter(
        people.locality_code.notnull(),
        people.date_of_death.isnull() | (people.date_of_death > people.census_date),
    )


def population(inputs: Inputs) -> ir.Table:
    """The ``population`` result: registered people counted by fy, age band, sex, locality
    and IMD quintile."""
    people = registered_people(inputs)
    described = people.select(
        "fy",
        age_band=age_band(people.fy - people.year_of_birth),
        sex=people.sex,
        locality_code=people.locality_code,
        imd_quintile=imd_quintile(people.imd_decile),
    )
    return described.aggregate(
        by=["fy", "age_band", "sex", "locality_code", "imd_quintile"],
        people=described.count().cast("int64"),
    )


def locality_population(inputs: Inputs) -> ir.Table:
    """Registered people by fy and locality (columns fy, locality_code, population BIGINT)."""
    people = registered_people(inputs)
    return people.aggregate(by=["fy", "locality_code"], population=people.count().cast("int64"))
