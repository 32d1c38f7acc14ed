"""The indicator library: each indicator declared as data, one definition per indicator.

A definition says who the denominator people are, what is counted over the canonical tables,
the statistic and multiplier, which direction is better, and its source. The library ships
as ``indicators.yaml`` beside this module; a place may add its own definitions under
``outcomes.definitions`` in its place file. Adding an indicator means adding a definition
(and a spec test), not code: the engine (:mod:`oneplace.engine.indicators`) compiles any
definition from a closed set of numerator kinds.

Numerator kinds and the denominator each implies:

* ``activity``: activities of the person in the financial year matching ``activity`` (care
  settings, admission methods, activity types, a primary ICD-10 diagnosis from a code list
  or written in Quan notation, a diagnosis in any position, and ``new_after_days``: only
  activities with no matching activity of the same person in that many days before, e.g.
  the start of a care-home placement). Denominator: ``population``.
* ``high_intensity_users``: the person is a high-intensity user of A&E in the year (the
  place's rule, :mod:`oneplace.engine.high_intensity`). Denominator: ``population``.
* ``spend``: the person's cost of care in the year. Denominator: ``population``
  (statistic ``per_head``).
* ``hospital_spend``: the person's cost in hospital settings. Denominator: ``spend``
  (statistic ``share``).
* ``readmissions``: discharges from the ``index_settings`` in the year followed by an
  emergency admission within ``within_days`` (METHODS 3.8). Denominator: ``discharges``.
* ``deaths_in_hospital``: deaths in the year while in an admitted spell. Denominator:
  ``deaths`` (the population is the people who died, placed by their registration on the
  date of death).

Statistics (:mod:`oneplace.stats`): ``rate`` (crude, Poisson limits), ``proportion`` (Wilson),
``dsr`` (ESP 2013 over the bands of the population's ages, Dobson), ``isr_rate`` and
``isr_ratio`` (indirect by age band and sex against the place in the reference year),
``per_head`` and ``share`` (money: no confidence limits).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import UserError
from ..reference import TABLES as REFERENCE_TABLES
from ..reference.icd10 import expand
from ..schema.tables import ADMISSION_METHOD, SETTING

Statistic = Literal["rate", "proportion", "dsr", "isr_rate", "isr_ratio", "per_head", "share"]
Kind = Literal[
    "activity", "high_intensity_users", "spend", "hospital_spend", "readmissions",
    "deaths_in_hospital",
]  # fmt: skip
Denominator = Literal["population", "discharges", "deaths", "spend"]
DENOMINATOR_OF: dict[str, Denominator] = {
    "activity": "population",
    "high_intensity_users": "population",
    "spend": "population",
    "hospital_spend": "spend",
    "readmissions": "discharges",
    "deaths_in_hospital": "deaths",
}
MONEY_KINDS = ("spend", "hospital_spend")
COUNT_STATISTICS = ("rate", "proportion", "dsr", "isr_rate", "isr_ratio")
IndicatorId = str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _codes_problem(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        prefixes = expand(value)
    except ValueError as exc:
        return f"{field}: {exc}"
    return None if prefixes else f"{field}: {value!r} names no ICD-10 codes"


class ActivityFilter(_Strict):
    """Which activities count. Every condition given must hold; lists match any member."""

    settings: list[str] = Field(min_length=1)
    admission_methods: list[str] | None = None
    activity_types: list[str] | None = None
    # Primary diagnosis (position 1), in Quan notation ("S00.x-T98.x").
    primary_icd10: str | None = None
    # Primary diagnosis from a reference code list (condition, label, icd10, secondary_icd10):
    # a row with secondary_icd10 counts only with a secondary diagnosis from it.
    primary_list: str | None = None
    # A diagnosis in any position on the activity.
    any_icd10: str | None = None
    # Primary diagnoses that exclude the activity (Quan notation).
    exclude_primary_icd10: str | None = None
    # Only activities with no matching activity of the person in this many days before.
    new_after_days: int | None = Field(default=None, ge=1, le=3660)

    @model_validator(mode="after")
    def _known_codes(self) -> ActivityFilter:
        problems = [
            f"settings: {s!r} is not a setting" for s in self.settings if s not in SETTING.values
        ]
        problems += [
            f"admission_methods: {m!r} is not an admission method"
            for m in self.admission_methods or []
            if m not in ADMISSION_METHOD.values
        ]
        for name in ("primary_icd10", "any_icd10", "exclude_primary_icd10"):
            problem = _codes_problem(name, getattr(self, name))
            if problem:
                problems.append(problem)
        if self.primary_list is not None and self.primary_list not in REFERENCE_TABLES:
            problems.append(f"primary_list: {self.primary_list!r} is not a reference table")
        if self.primary_list is not None and self.primary_icd10 is not None:
            problems.append("primary_list: give primary_list or primary_icd10, not both")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Population(_Strict):
    """The denominator people: registered with the place (on 1 October of the year, or on the
    date of death for deaths), of these ages in whole years at the start of the year."""

    min_age: int | None = Field(default=None, ge=0, le=120)
    max_age: int | None = Field(default=None, ge=0, le=120)


class Numerator(_Strict):
    kind: Kind
    activity: ActivityFilter | None = None
    # readmissions: the index spells' settings, and the readmitting (emergency) spells.
    index_settings: list[str] = Field(
        default_factory=lambda: ["acute_non_elective", "acute_elective"]
    )
    within_days: int = Field(default=30, ge=1, le=365)
    readmission: ActivityFilter | None = None
    # deaths_in_hospital: the settings of an admitted spell.
    spell_settings: list[str] = Field(
        default_factory=lambda: ["acute_non_elective", "acute_elective"]
    )

    @model_validator(mode="after")
    def _kind_fields(self) -> Numerator:
        if self.kind == "activity" and self.activity is None:
            raise ValueError("activity: a numerator of kind 'activity' needs an activity filter")
        if self.kind != "activity" and self.activity is not None:
            raise ValueError(f"activity: only kind 'activity' takes one, not {self.kind!r}")
        bad = [s for s in (*self.index_settings, *self.spell_settings) if s not in SETTING.values]
        if bad:
            raise ValueError(f"settings: {', '.join(map(repr, bad))} are not settings")
        return self


class Indicator(_Strict):
    """One indicator of the library (see the module docstring)."""

    id: IndicatorId = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)
    name: str = Field(min_length=1)
    statistic: Statistic
    multiplier: float = Field(gt=0)
    better: Literal["lower", "higher", "neither"]
    population: Population = Field(default_factory=Population)
    numerator: Numerator
    denominator: Denominator
    source: str = Field(min_length=1)
    description: str = ""
    # Monthly values for statistical process control (counted events only).
    monthly: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        kind = self.numerator.kind
        problems = []
        if self.denominator != DENOMINATOR_OF[kind]:
            problems.append(
                f"denominator: a numerator of kind {kind!r} is counted over "
                f"{DENOMINATOR_OF[kind]!r}, not {self.denominator!r}"
            )
        money = kind in MONEY_KINDS
        if money and self.statistic in COUNT_STATISTICS:
            problems.append(f"statistic: {kind!r} is money; use per_head or share")
        if not money and self.statistic in ("per_head", "share"):
            problems.append(f"statistic: {self.statistic!r} is for money, not {kind!r}")
        if (
            self.statistic == "proportion"
            and self.denominator == "population"
            and kind not in ("high_intensity_users",)
        ):
            problems.append(
                "statistic: a proportion needs each counted event to be one of the denominator "
                "(use rate for activity over a population)"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def is_money(self) -> bool:
        return self.numerator.kind in MONEY_KINDS

    @property
    def has_monthly_series(self) -> bool:
        """Whether the indicator has monthly values for SPC: counted events only (money and
        high-intensity use are annual measures)."""
        return self.monthly and not self.is_money and self.numerator.kind != "high_intensity_users"


def parse_indicators(data: object, where: str) -> tuple[Indicator, ...]:
    """Indicator definitions from parsed YAML (a list of mappings); every problem is reported
    together, each with the indicator and field it concerns."""
    if not isinstance(data, list):
        raise UserError(f"{where}: the indicator definitions must be a list")
    out, problems, seen = [], [], set()
    for i, item in enumerate(data):
        label = item.get("id", f"#{i + 1}") if isinstance(item, dict) else f"#{i + 1}"
        try:
            indicator = Indicator.model_validate(item)
        except ValidationError as exc:
            for err in exc.errors():
                path = ".".join(str(p) for p in err["loc"])
                msg = err["msg"].removeprefix("Value error, ")
                problems.append(f"{where}: indicator {label}: {path + ': ' if path else ''}{msg}")
            continue
        if indicator.id in seen:
            problems.append(f"{where}: indicator {label}: id is defined twice")
        seen.add(indicator.id)
        out.append(indicator)
    if problems:
        raise UserError("; ".join(problems))
    return tuple(out)


@cache
def library() -> tuple[Indicator, ...]:
    """The indicators shipped with oneplace (``indicators.yaml``)."""
    text = resources.files(__package__).joinpath("indicators.yaml").read_text(encoding="utf-8")
    return parse_indicators(yaml.safe_load(text), "oneplace/outcomes/indicators.yaml")


def indicators_of(extra: tuple[Indicator, ...] = ()) -> tuple[Indicator, ...]:
    """The library followed by a place's own definitions (which may not reuse a library id)."""
    ids = {i.id for i in library()}
    clash = [i.id for i in extra if i.id in ids]
    if clash:
        raise UserError(f"outcomes.definitions: {', '.join(clash)} already in the library")
    return (*library(), *extra)
