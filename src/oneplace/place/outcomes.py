"""The partnership's outcomes framework, declared in the place file under ``outcomes:``.

The partnership chooses indicators from the library (:mod:`oneplace.outcomes.library`, or its
own ``definitions``), each with a baseline, a target and a weight; the direction that is better
comes from the definition unless the framework says otherwise. An incentive pool (a percentage
of the year's pooled budget, or an amount) is paid out by attainment. The overall score is the
outcomes score of the risk-share quality gate. ``docs/outcomes.md`` has the YAML reference.

Scoring (:mod:`oneplace.outcomes.framework`): attainment = (value - baseline) / (target -
baseline), held between 0 and 1; the overall score is the weighted mean of the attainments.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Code = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_.-]+$")]
Pounds = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=6)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChosenIndicator(_Strict):
    """One indicator of the framework."""

    id: str = Field(min_length=1)
    baseline: float
    target: float
    weight: Decimal = Field(gt=0, max_digits=12, decimal_places=6)
    # Overrides the definition's better direction (which may be 'neither').
    direction: Literal["lower", "higher"] | None = None
    # The partners whose incentive this indicator pays; none: every partner of the pool.
    partners: list[Code] = Field(default_factory=list)

    @model_validator(mode="after")
    def _target_differs(self) -> ChosenIndicator:
        if self.target == self.baseline:
            raise ValueError(f"target: {self.target:g} equals the baseline: nothing to attain")
        return self


class OutcomesFramework(_Strict):
    """The indicators the partnership is held to, and its incentive pool."""

    indicators: list[ChosenIndicator] = Field(min_length=1)
    # The year whose rates indirect standardisation uses as reference; None: the run's first.
    reference_year: int | None = Field(default=None, ge=2000, le=2100)
    # The incentive pool: a % of the year's pooled budget (total_gbp) or an amount; the
    # commissioner keeps what is not earned.
    incentive_pool_pct: Percent | None = None
    incentive_pool_gbp: Pounds | None = None
    # Who receives the incentive: these partner organisations; none: every partner
    # organisation of the place (or the risk-share parties, when there is an agreement).
    partners: list[Code] = Field(default_factory=list)
    # Indicators of the place's own, in the library's format.
    definitions: list[dict[str, Any]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> OutcomesFramework:
        problems = []
        if self.incentive_pool_pct is not None and self.incentive_pool_gbp is not None:
            problems.append("incentive_pool_pct: give incentive_pool_pct or _gbp, not both")
        seen: set[str] = set()
        for i, chosen in enumerate(self.indicators):
            if chosen.id in seen:
                problems.append(f"indicators[{i}].id: {chosen.id!r} is chosen twice")
            seen.add(chosen.id)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def outcomes_problems(data: object, organisations: list[dict]) -> list[str]:
    """Problems of the framework against the library and the rest of the place: unknown
    indicators, a direction to take, partner codes."""
    if not isinstance(data, dict):
        return []
    from ..errors import UserError
    from ..outcomes.library import indicators_of, parse_indicators

    problems: list[str] = []
    try:
        extra = parse_indicators(data.get("definitions") or [], "outcomes.definitions")
        known = {i.id: i for i in indicators_of(extra)}
    except UserError as exc:
        return [str(exc)]
    orgs = {o.get("code") for o in organisations}
    partner_orgs = {o.get("code") for o in organisations if o.get("partner", True)}
    chosen = data.get("indicators")
    for i, item in enumerate(chosen if isinstance(chosen, list) else []):
        if not isinstance(item, dict):
            continue
        where = f"outcomes.indicators[{i}]"
        ind = known.get(item.get("id"))
        if ind is None:
            problems.append(f"{where}.id: {item.get('id')!r} is not an indicator of the library")
            continue
        direction = item.get("direction") or ind.better
        if direction == "neither":
            problems.append(
                f"{where}.direction: {ind.id} has no better direction; say lower or higher"
            )
        else:
            base, target = item.get("baseline"), item.get("target")
            numbers = isinstance(base, int | float) and isinstance(target, int | float)
            if numbers and (target > base if direction == "lower" else target < base):
                problems.append(
                    f"{where}.target: {target:g} is worse than the baseline {base:g} "
                    f"for an indicator where {direction} is better"
                )
        for code in item.get("partners") or []:
            if code not in orgs:
                problems.append(f"{where}.partners: {code!r} is not an organisation")
    for code in data.get("partners") or []:
        if code not in partner_orgs:
            problems.append(f"outcomes.partners: {code!r} is not a partner organisation")
    return problems
