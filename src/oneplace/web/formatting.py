"""How numbers read on a page: money, counts, percentages and financial years.

Every number the report shows passes through one :class:`Formatter`, so that a public variant
can later be made by giving it a disclosure control for counts (DESIGN.md: counts under 5
suppressed, others rounded to 5) without touching the templates. The partnership's own report
uses :data:`INTERNAL`, which shows every number as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

# A disclosure control takes an exact count and returns what may be shown (None = suppressed).
CountControl = Callable[[int], int | None]

MISSING = "—"  # no value (e.g. no budget for the year, no population to divide by)
SUPPRESSED = "*"  # a value withheld by disclosure control


def fy_label(fy: int) -> str:
    """A financial year by its start year, as the NHS writes it: 2024 -> '2024/25'."""
    return f"{fy}/{(fy + 1) % 100:02d}"


def _is_missing(x: object) -> bool:
    """None, NaN (float or Decimal), pd.NA and NaT: a value that is not there."""
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):  # not a scalar
        return False


def _pounds(x: object) -> Decimal:
    """Exact whole pounds, half up (money arrives as Decimal; floats only from statistics)."""
    d = x if isinstance(x, Decimal) else Decimal(str(x))
    return d.quantize(Decimal(1), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Formatter:
    """Formats numbers for a page. ``count_control`` is applied to every count of people or
    activities before it is shown; None shows counts as they are (internal use only)."""

    count_control: CountControl | None = None

    def count(self, n: object) -> str:
        if _is_missing(n):
            return MISSING
        value: int | None = int(n)  # type: ignore[call-overload]
        if self.count_control is not None:
            value = self.count_control(value)
        return SUPPRESSED if value is None else f"{value:,}"

    def money(self, x: object) -> str:
        """Whole pounds with thousands separators: £1,234,567 (negative: −£1,234)."""
        if _is_missing(x):
            return MISSING
        d = _pounds(x)
        sign = "−" if d < 0 else ""
        return f"{sign}£{abs(d):,}"

    def money_m(self, x: object, digits: int = 1) -> str:
        """Millions of pounds for headlines: £12.3m."""
        if _is_missing(x):
            return MISSING
        d = Decimal(str(x)) if not isinstance(x, Decimal) else x
        m = (d / Decimal(1_000_000)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        sign = "−" if m < 0 else ""
        return f"{sign}£{abs(m):,}m"

    def per_head(self, x: object) -> str:
        """Pounds per head: whole pounds are too coarse for small settings, so show pence."""
        if _is_missing(x):
            return MISSING
        d = Decimal(str(x)) if not isinstance(x, Decimal) else x
        d = d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        sign = "−" if d < 0 else ""
        return f"{sign}£{abs(d):,}"

    def percent(self, x: object, digits: int = 1) -> str:
        """A share given as a fraction: 0.4523 -> '45.2%'."""
        if _is_missing(x):
            return MISSING
        d = Decimal(str(x)) * 100
        q = d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        return f"{q}%"

    def signed_money(self, x: object) -> str:
        """A difference with an explicit sign: +£1,234 / −£1,234."""
        if _is_missing(x):
            return MISSING
        d = _pounds(x)
        return ("+" if d > 0 else "") + self.money(d)


INTERNAL = Formatter()
