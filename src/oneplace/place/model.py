"""The partnership ("the place"): organisations, practices -> networks -> localities, budget.

One YAML file describes a partnership; pydantic validates it. Every error in a file is
reported together with its path (``organisations[3].kind: ...``) by :func:`load_place`.
The risk-share agreement (:mod:`.riskshare`) and the outcomes framework (:mod:`.outcomes`) are
declared in the same file.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..schema.tables import SETTING
from .outcomes import OutcomesFramework, outcomes_problems
from .riskshare import RiskShare, risk_share_problems


class OrganisationKind(StrEnum):
    COMMISSIONER = "commissioner"
    ACUTE_TRUST = "acute_trust"
    COMMUNITY_TRUST = "community_trust"
    MENTAL_HEALTH_TRUST = "mental_health_trust"
    AMBULANCE_TRUST = "ambulance_trust"
    COUNCIL = "council"
    GP_FEDERATION = "gp_federation"
    VOLUNTARY_SECTOR = "voluntary_sector"
    OTHER = "other"


Code = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_.-]+$")]
Pounds = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Organisation(_Strict):
    code: Code
    name: str = Field(min_length=1)
    kind: OrganisationKind
    partner: bool = True


class Locality(_Strict):
    code: Code
    name: str = Field(min_length=1)
    community_hub: str = Field(min_length=1)
    lad_code: str | None = None  # ONS local authority district the locality lies in


class Network(_Strict):
    """A primary care network: 8-15 practices working together (seed 003)."""

    code: Code
    name: str = Field(min_length=1)
    locality: Code


class Practice(_Strict):
    code: Code
    name: str = Field(min_length=1)
    network: Code
    # The organisation whose spend a practice's activity counts under (e.g. its GP federation).
    organisation: Code | None = None


class Budget(_Strict):
    """The pooled budget for one financial year (``year`` = the year it starts: 2024 = 2024/25)."""

    year: int = Field(ge=2000, le=2100)
    total_gbp: Pounds
    by_setting: dict[str, Pounds] = Field(default_factory=dict)
    by_organisation: dict[Code, Pounds] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _splits_fit(self) -> Budget:
        problems = []
        unknown = sorted(set(self.by_setting) - set(SETTING.values))
        if unknown:
            problems.append(
                f"by_setting: {', '.join(map(repr, unknown))} not in the setting vocabulary"
            )
        for name, split in (
            ("by_setting", self.by_setting),
            ("by_organisation", self.by_organisation),
        ):
            if split and sum(split.values()) > self.total_gbp:
                problems.append(
                    f"{name}: adds up to £{sum(split.values()):,} which is more than "
                    f"total_gbp £{self.total_gbp:,}"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class PopulationHealth(_Strict):
    """The partnership's choices for the population health engine (all optional).

    Weightings and look-backs of the comorbidity and frailty indices
    (:mod:`oneplace.engine.comorbidity`), the diagnosis positions that count, and the rule
    that makes a person a high-intensity user of A&E (:mod:`oneplace.engine.high_intensity`).
    """

    charlson_weights: Literal["charlson1987", "quan2011"] = "charlson1987"
    elixhauser_weights: Literal["van_walraven"] = "van_walraven"
    # Years of diagnoses before the end of the financial year that count; None = all history.
    comorbidity_lookback_years: int | None = Field(default=None, ge=1, le=50)
    hfrs_lookback_years: int = Field(default=2, ge=1, le=10)
    hfrs_min_age: int = Field(default=75, ge=0, le=120)
    # First and last diagnosis position that count (1 = primary); None = every position.
    diagnosis_positions: tuple[int, int] | None = None
    # "attendances": at least high_intensity_attendances A&E attendances in the year;
    # "nhse": NHS England's programme, more than 20 in the year or more than 5 in a month.
    high_intensity_rule: Literal["attendances", "nhse"] = "attendances"
    high_intensity_attendances: int = Field(default=5, ge=1, le=366)

    @model_validator(mode="after")
    def _positions_ordered(self) -> PopulationHealth:
        first, last = self.diagnosis_positions or (1, 1)
        if not 1 <= first <= last:
            raise ValueError("diagnosis_positions must be [first, last] with 1 <= first <= last")
        return self


class Worklists(_Strict):
    """Who the care plane's locality worklists hold (issue 6, "Worklists from the analytics";
    :mod:`oneplace.care.worklists`): the people of the latest financial year's
    ``person_health`` who meet any of the chosen criteria. Set every criterion off to keep
    the worklists empty."""

    # High-intensity users of A&E, by the place's high_intensity_rule.
    high_intensity_users: bool = True
    # Hospital Frailty Risk Score bands (Gilbert 2018): low, intermediate, high.
    frailty_bands: tuple[Literal["low", "intermediate", "high"], ...] = ("high",)
    # Bridges to Health segments (1-8, oneplace.engine.segments); 7 = limited reserve and
    # serious exacerbations, the people a proactive care plan is most likely to help.
    segments: tuple[Annotated[int, Field(ge=1, le=8)], ...] = (7,)


ESP2013_BANDS = tuple(f"{a}-{a + 4}" for a in range(0, 90, 5)) + ("90+",)
Percent = Annotated[Decimal, Field(ge=-50, le=100, max_digits=8, decimal_places=4)]


class FairShares(_Strict):
    """How the pooled budget is split into fair shares (:mod:`oneplace.engine.fair_shares`).

    ``base_year``: the financial year whose cost per head by age band x sex gives the weights
    (default: the year before the budget year when there is activity for it, else the budget
    year itself). ``need_index``: an additional-need multiplier per person, from the base
    year's cost of people in the same IMD quintile (``deprivation``) or Charlson band
    (``morbidity``) over the cost their age and sex predict; ``none`` for age-sex only.
    """

    base_year: int | None = Field(default=None, ge=2000, le=2100)
    need_index: Literal["none", "deprivation", "morbidity"] = "none"


class Projection(_Strict):
    """Growth assumptions for projecting population, need and budget forward
    (:mod:`oneplace.engine.projection`). Percentages a year; ``population_growth_pct`` by
    ESP 2013 age band (``0-4`` ... ``90+``), with ``default`` for bands not named."""

    to_year: int = Field(default=2030, ge=2000, le=2100)
    population_growth_pct: dict[str, Percent] = Field(default_factory=dict)
    budget_growth_pct: Percent = Decimal(0)
    cost_growth_pct: Percent = Decimal(0)

    @model_validator(mode="after")
    def _bands_known(self) -> Projection:
        unknown = sorted(set(self.population_growth_pct) - {*ESP2013_BANDS, "default"})
        if unknown:
            raise ValueError(
                f"population_growth_pct: {', '.join(map(repr, unknown))} are not age bands "
                f"(use {ESP2013_BANDS[0]!r} ... {ESP2013_BANDS[-1]!r} or 'default')"
            )
        return self

    def growth(self, band: str) -> Decimal:
        """The yearly population growth (%) of an age band."""
        return self.population_growth_pct.get(
            band, self.population_growth_pct.get("default", Decimal(0))
        )


class Finance(_Strict):
    """The money engine's settings: fair shares, projection, and the year-to-date cut-off
    (``as_of``: the last day of activity counted; default: the last activity date of the
    year)."""

    fair_shares: FairShares = Field(default_factory=FairShares)
    projection: Projection = Field(default_factory=Projection)
    as_of: date | None = None


class Place(_Strict):
    name: str = Field(min_length=1)
    organisations: list[Organisation] = Field(min_length=1)
    localities: list[Locality] = Field(min_length=1)
    networks: list[Network] = Field(min_length=1)
    practices: list[Practice] = Field(min_length=1)
    budgets: list[Budget] = Field(default_factory=list)
    population_health: PopulationHealth = Field(default_factory=PopulationHealth)
    risk_share: RiskShare | None = None
    finance: Finance = Field(default_factory=Finance)
    outcomes: OutcomesFramework | None = None
    worklists: Worklists = Field(default_factory=Worklists)

    @model_validator(mode="after")
    def _references_resolve(self) -> Place:
        problems = reference_problems(self.model_dump(mode="json"))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Lookups the engine and the report use.
    def practice_locality(self) -> dict[str, str]:
        net = {n.code: n.locality for n in self.networks}
        return {p.code: net[p.network] for p in self.practices}

    def budget(self, year: int) -> Budget | None:
        return next((b for b in self.budgets if b.year == year), None)


def reference_problems(data: dict) -> list[str]:
    """Cross-references within a place (codes unique, networks -> localities, ...).

    Works on the raw mapping, defensively, so that these problems are reported together with
    field errors even when some items failed their own validation.
    """

    def items(name: str) -> list[dict]:
        value = data.get(name)
        return [x if isinstance(x, dict) else {} for x in value] if isinstance(value, list) else []

    problems: list[str] = []
    codes: dict[str, set] = {}
    for field_name in ("organisations", "localities", "networks", "practices"):
        seen: set = set()
        for i, item in enumerate(items(field_name)):
            code = item.get("code")
            if code is not None and code in seen:
                problems.append(f"{field_name}[{i}].code: {code!r} is used twice")
            seen.add(code)
        codes[field_name] = seen - {None}
    for i, n in enumerate(items("networks")):
        if "locality" in n and n["locality"] not in codes["localities"]:
            problems.append(f"networks[{i}].locality: {n['locality']!r} is not a locality code")
    for i, p in enumerate(items("practices")):
        if "network" in p and p["network"] not in codes["networks"]:
            problems.append(f"practices[{i}].network: {p['network']!r} is not a network code")
        org = p.get("organisation")
        if org is not None and org not in codes["organisations"]:
            problems.append(f"practices[{i}].organisation: {org!r} is not an organisation code")
    clash = codes["organisations"] & codes["practices"]
    if clash:
        problems.append(f"practices: codes {sorted(clash)} are also organisation codes")
    years: set = set()
    for i, b in enumerate(items("budgets")):
        if b.get("year") in years:
            problems.append(f"budgets[{i}].year: {b.get('year')} has two budgets")
        years.add(b.get("year"))
        split = b.get("by_organisation")
        for code in split if isinstance(split, dict) else {}:
            if code not in codes["organisations"]:
                problems.append(
                    f"budgets[{i}].by_organisation: {code!r} is not an organisation code"
                )
    problems += risk_share_problems(data.get("risk_share"), items("organisations"))
    problems += outcomes_problems(data.get("outcomes"), items("organisations"))
    agreement = data.get("risk_share")
    if (
        isinstance(data.get("outcomes"), dict)
        and isinstance(agreement, dict)
        and agreement.get("quality_score") is not None
    ):
        problems.append(
            "risk_share.quality_score: the outcomes framework supplies the outcomes score; "
            "remove quality_score"
        )
    return problems
