"""How numbers read on a page: money, counts, percentages and financial years.

Every number the report shows passes through one :class:`Formatter`. The partnership's own
report uses :data:`INTERNAL`, which shows every number as it is; the public report uses
:data:`PUBLIC`, which passes every count through :mod:`oneplace.disclosure` (counts under 5
suppressed, others rounded to the nearest 5), withholds a share, rate or per-head figure given
the counts it is ``of`` when one of them is suppressed, and gives a chart its data through
:func:`oneplace.disclosure.disclose` (:meth:`Formatter.published`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from .. import disclosure

# A disclosure control takes an exact count and returns what may be shown (None = suppressed).
CountControl = Callable[[int], int | None]

MISSING = "—"  # no value (e.g. no budget for the year, no population to divide by)
SUPPRESSED = disclosure.MARKER  # a count suppressed, or a value withheld, by disclosure control


def fy_label(fy: int) -> str:
    """A financial year by its start year, as the NHS writes it: 2024 -> '2024/25'."""
    return f"{fy}/{(fy + 1) % 100:02d}"


_is_missing = disclosure.is_missing  # None, NaN (float or Decimal), pd.NA and NaT


def _pounds(x: object) -> Decimal:
    """Exact whole pounds, half up (money arrives as Decimal; floats only from statistics)."""
    d = x if isinstance(x, Decimal) else Decimal(str(x))
    return d.quantize(Decimal(1), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Formatter:
    """Formats numbers for a page. ``count_control`` is applied to every count of people or
    activities before it is shown; None shows counts as they are (internal use only).

    A share, rate or per-head figure is given with the counts it is computed ``of``: when the
    control suppresses one of them, the value is withheld (shown as :data:`SUPPRESSED`)."""

    count_control: CountControl | None = None

    @property
    def public(self) -> bool:
        """Whether the page goes beyond the partnership (its counts are controlled)."""
        return self.count_control is not None

    def withheld(self, of: Iterable[object]) -> bool:
        """Whether a value derived from the counts ``of`` is withheld: one is suppressed."""
        if self.count_control is None:
            return False
        return any(not _is_missing(n) and self.count_control(int(n)) is None for n in of)  # type: ignore[call-overload]

    def published(
        self,
        frame: pd.DataFrame,
        counts: Sequence[str],
        derived: Mapping[str, Sequence[str]] | None = None,
    ) -> pd.DataFrame:
        """``frame`` as a chart on this page may carry it: on a public page through
        :func:`oneplace.disclosure.disclose` (``counts`` and ``derived`` as there), so that no
        suppressed number reaches a chart's data or hover text; else unchanged."""
        return disclosure.disclose(frame, counts, derived) if self.public else frame

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

    def per_head(self, x: object, of: Iterable[object] = ()) -> str:
        """Pounds per head: whole pounds are too coarse for small settings, so show pence."""
        if self.withheld(of):
            return SUPPRESSED
        if _is_missing(x):
            return MISSING
        d = Decimal(str(x)) if not isinstance(x, Decimal) else x
        d = d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        sign = "−" if d < 0 else ""
        return f"{sign}£{abs(d):,}"

    def percent(self, x: object, digits: int = 1, of: Iterable[object] = ()) -> str:
        """A share given as a fraction: 0.4523 -> '45.2%'."""
        if self.withheld(of):
            return SUPPRESSED
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
PUBLIC = Formatter(count_control=disclosure.published_count)
