"""How an indicator's numbers read in the outcomes tables: its value in its own unit (£ per
head, a percentage, a ratio or a rate), its limits, counts and scores.

On a public page a value, its limits and a label derived from counts are withheld
(:data:`~oneplace.web.formatting.SUPPRESSED`) when one of the counts they are of is
suppressed; money is shown as it is.
"""

from __future__ import annotations

from ...outcomes.library import Indicator
from ..formatting import MISSING, SUPPRESSED, Formatter
from ..money import _missing

NUMERATOR_NAMES = {
    "activity": "Events",
    "high_intensity_users": "Users",
    "spend": "Spend",
    "hospital_spend": "Hospital spend",
    "readmissions": "Readmissions",
    "deaths_in_hospital": "Deaths in hospital",
}
DENOMINATOR_NAMES = {
    "population": "People",
    "discharges": "Discharges",
    "deaths": "Deaths",
    "spend": "All spend",
}
# A unit's standing against the whole place: its rating, or for an indicator without a better
# direction whether it is significantly higher or lower.


def number(x: float, ind: Indicator) -> str:
    """An indicator's value in its own unit: £ per head, a percentage, a ratio or a rate."""
    if ind.statistic == "per_head":
        return f"£{x:,.2f}"
    if ind.multiplier == 100:
        return f"{x:.1f}%"
    if ind.multiplier == 1:
        return f"{x:.3f}"
    return f"{x:,.1f}"


def unit_of(ind: Indicator) -> str:
    if ind.statistic == "per_head":
        return "£ per person"
    if ind.multiplier == 100:
        return "%"
    if ind.multiplier == 1:
        return "ratio"
    return f"per {ind.multiplier:,.0f}"


def shown(fmt: Formatter, x: object, ind: Indicator, of: list) -> str:
    """A value of counts ``of`` as the page shows it (withheld on a public page when one of
    them is suppressed)."""
    if fmt.withheld(of):
        return SUPPRESSED
    return MISSING if _missing(x) else number(float(x), ind)  # type: ignore[arg-type]


def interval(fmt: Formatter, low: object, high: object, ind: Indicator, of: list) -> str:
    if fmt.withheld(of):
        return SUPPRESSED
    if _missing(low) or _missing(high):
        return MISSING
    return f"{number(float(low), ind)} to {number(float(high), ind)}"  # type: ignore[arg-type]


def _label(fmt: Formatter, text: object, of: list) -> str:
    if fmt.withheld(of):
        return SUPPRESSED
    return MISSING if _missing(text) or not text else str(text)


def _amount(fmt: Formatter, x: object, is_count: bool) -> str:
    return fmt.count(x) if is_count else fmt.money(x)


def score(x: object) -> str:
    """An attainment or outcomes score (0 to 1), as the quality gate reads it."""
    return MISSING if _missing(x) else f"{float(x):.3f}"  # type: ignore[arg-type]
