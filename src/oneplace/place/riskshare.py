"""The partners' risk-share agreement, declared in the place file under ``risk_share:``.

The partnership pools a budget for some care settings and shares the year-end variance. This
module only declares and validates the agreement; :mod:`oneplace.engine.settlement` settles a
year and documents the rules (R1-R8). ``docs/risk-share.md`` has the YAML reference and a worked
example. METHODS.md 2.1 ("Suggested engine model") is the source. The example percentages there
are illustrative: every parameter here is set locally.

Percentages are written as percent (``2.5`` = 2.5 %). They and all money are exact ``Decimal``
values, never floats.

The model's own checks need only the agreement. :func:`risk_share_problems` checks it against
the rest of the place (party and commissioner codes, settings); the place's
``reference_problems`` calls it.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..schema.tables import SETTING

# Copies of model.py's building blocks. model.py imports this module, so importing them from
# there would be circular.
Code = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_.-]+$")]
Pounds = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=6)]
Score = Annotated[Decimal, Field(ge=0, le=1, decimal_places=6)]

ShareBasis = Literal["fixed", "contract_value"]
# A gain cap or loss collar: (% of the party's budget, amount in pounds); at most one is set.
_Limit = tuple[Decimal | None, Decimal | None]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _pct(value: Decimal) -> str:
    return format(value.normalize(), "f")


class _Limits(_Strict):
    """A cap on gains and a collar on losses. Each is a % of the party's budget or an amount."""

    gain_cap_pct: Percent | None = None
    gain_cap_gbp: Pounds | None = None
    loss_collar_pct: Percent | None = None
    loss_collar_gbp: Pounds | None = None

    def _limit_problems(self) -> list[str]:
        problems = []
        for limit in ("gain_cap", "loss_collar"):
            if (
                getattr(self, f"{limit}_pct") is not None
                and getattr(self, f"{limit}_gbp") is not None
            ):
                problems.append(f"{limit}_pct: give {limit}_pct or {limit}_gbp, not both")
        return problems


class QualityGate(_Strict):
    """A gain is paid in full only when the outcomes score reaches ``threshold``.

    With a ``floor``, the paid fraction rises linearly from 0 at the floor to 1 at the threshold,
    and is 0 below the floor. Without one, the gate is all or nothing at the threshold.
    """

    threshold: Score
    floor: Score | None = None

    @model_validator(mode="after")
    def _floor_below_threshold(self) -> QualityGate:
        if self.floor is not None and self.floor >= self.threshold:
            raise ValueError(
                f"floor: {_pct(self.floor)} must be below the threshold {_pct(self.threshold)}"
            )
        return self

    def factor(self, score: Decimal) -> Fraction:
        """The fraction of a gain paid at outcomes score ``score`` (0-1), exactly."""
        if score >= self.threshold:
            return Fraction(1)
        if self.floor is None or score <= self.floor:
            return Fraction(0)
        return (Fraction(score) - Fraction(self.floor)) / (
            Fraction(self.threshold) - Fraction(self.floor)
        )


class RiskShareParty(_Limits):
    """One partner to the agreement. Its caps and collars override the agreement's."""

    organisation: Code
    contract_gbp: Pounds | None = None
    gain_share_pct: Percent | None = None
    loss_share_pct: Percent | None = None

    @model_validator(mode="after")
    def _one_limit_each(self) -> RiskShareParty:
        problems = self._limit_problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self


class RiskShare(_Limits):
    """A pooled budget over some settings and the rules for sharing its year-end variance."""

    name: str = Field(min_length=1)
    # The budget year settled (2024 = 2024/25). None: the agreement applies to every year.
    year: int | None = Field(default=None, ge=2000, le=2100)
    settings: list[str] = Field(min_length=1)
    # Bears what no party bears: beyond the stop-loss, above caps and beyond collars, gains
    # withheld by the quality gate, and rounding pennies.
    commissioner: Code
    # The pool budget. None: the caller supplies it (from the place budget).
    budget_gbp: Pounds | None = None
    risk_reserve_pct: Percent = Decimal(0)
    shares: ShareBasis = "fixed"
    parties: list[RiskShareParty] = Field(min_length=1)
    # Each party bears its own variance up to this % of its own budget.
    incurring_band_pct: Percent
    # Width of the next band, as a % of the pool budget. The pooled residual up to this size is
    # shared, and the rest passes to the commissioner (the stop-loss). None: no stop-loss.
    shared_band_pct: Percent | None = None
    quality_gate: QualityGate | None = None
    # Outcomes score (0-1) until the outcomes engine supplies it.
    quality_score: Score | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RiskShare:
        problems = self._limit_problems()
        seen: set[str] = set()
        for i, setting in enumerate(self.settings):
            if setting in seen:
                problems.append(f"settings[{i}]: {setting!r} is listed twice")
            seen.add(setting)
        seen = set()
        for i, party in enumerate(self.parties):
            if party.organisation in seen:
                problems.append(
                    f"parties[{i}].organisation: {party.organisation!r} is listed twice"
                )
            seen.add(party.organisation)
        if self.shares == "fixed":
            for field in ("gain_share_pct", "loss_share_pct"):
                missing = [i for i, p in enumerate(self.parties) if getattr(p, field) is None]
                problems += [
                    f"parties[{i}].{field}: is required with shares: fixed" for i in missing
                ]
                total = sum((getattr(p, field) or Decimal(0)) for p in self.parties)
                if not missing and total != 100:
                    problems.append(f"parties: {field} adds up to {_pct(total)}, not 100")
        else:
            for i, party in enumerate(self.parties):
                if party.contract_gbp is None:
                    problems.append(
                        f"parties[{i}].contract_gbp: is required with shares: contract_value"
                    )
                for field in ("gain_share_pct", "loss_share_pct"):
                    if getattr(party, field) is not None:
                        problems.append(
                            f"parties[{i}].{field}: is not used with shares: contract_value "
                            "(shares are pro rata to contract_gbp)"
                        )
            if all(p.contract_gbp is not None for p in self.parties) and not any(
                p.contract_gbp for p in self.parties
            ):
                problems.append(
                    "parties: contract_gbp adds up to 0, so there is nothing to share by"
                )
        if self.quality_score is not None and self.quality_gate is None:
            problems.append("quality_score: is given but there is no quality_gate to apply it")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Lookups the settlement uses.
    def covers(self, year: int) -> bool:
        """Whether the agreement settles budget year ``year``."""
        return self.year is None or self.year == year

    def party(self, organisation: str) -> RiskShareParty | None:
        return next((p for p in self.parties if p.organisation == organisation), None)

    def weights(self, side: Literal["gain", "loss"]) -> dict[str, Fraction]:
        """Each party's exact share of a shared gain or loss. The shares add up to 1."""
        if self.shares == "contract_value":
            total = sum(Fraction(p.contract_gbp or 0) for p in self.parties)
            return {p.organisation: Fraction(p.contract_gbp or 0) / total for p in self.parties}
        field = f"{side}_share_pct"
        return {p.organisation: Fraction(getattr(p, field) or 0) / 100 for p in self.parties}

    def limits(self, organisation: str) -> tuple[_Limit, _Limit]:
        """The party's gain cap and loss collar, each as ``(pct, gbp)``.

        The party's own terms win over the agreement's. ``(None, None)`` means no limit.
        """
        party = self.party(organisation)
        out = []
        for limit in ("gain_cap", "loss_collar"):
            terms = (getattr(party, f"{limit}_pct", None), getattr(party, f"{limit}_gbp", None))
            if terms == (None, None):
                terms = (getattr(self, f"{limit}_pct"), getattr(self, f"{limit}_gbp"))
            out.append(terms)
        return out[0], out[1]


def risk_share_problems(data: object, organisations: list[dict]) -> list[str]:
    """Problems of a raw ``risk_share`` mapping against the rest of the place.

    Every party must be an organisation, the commissioner must be an organisation of kind
    ``commissioner``, and each setting must be in the setting vocabulary. The function works on
    the raw mapping, defensively, like :func:`oneplace.place.model.reference_problems`, which
    calls it.
    """
    if not isinstance(data, dict):
        return []
    kinds = {o["code"]: o.get("kind") for o in organisations if isinstance(o.get("code"), str)}
    problems = []
    parties = data.get("parties")
    for i, party in enumerate(parties if isinstance(parties, list) else []):
        org = party.get("organisation") if isinstance(party, dict) else None
        if isinstance(org, str) and org not in kinds:
            problems.append(
                f"risk_share.parties[{i}].organisation: {org!r} is not an organisation code"
            )
    commissioner = data.get("commissioner")
    if isinstance(commissioner, str) and commissioner not in kinds:
        problems.append(f"risk_share.commissioner: {commissioner!r} is not an organisation code")
    elif isinstance(commissioner, str) and kinds[commissioner] != "commissioner":
        problems.append(
            f"risk_share.commissioner: {commissioner!r} is of kind {kinds[commissioner]}, "
            "not commissioner"
        )
    settings = data.get("settings")
    for i, setting in enumerate(settings if isinstance(settings, list) else []):
        if isinstance(setting, str) and setting not in SETTING.values:
            problems.append(
                f"risk_share.settings[{i}]: {setting!r} is not in the setting vocabulary"
            )
    return problems
