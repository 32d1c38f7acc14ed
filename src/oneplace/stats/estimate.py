"""What every statistic returns: values with 95% and 99.8% limits and the method, per unit.

Blank values are NaN and their ``method`` says why (for example "not published: fewer than
10 events"). Inputs that make a value impossible (a missing or zero denominator) blank it and
raise a :class:`StatsWarning`, never an exception: one bad unit must not stop the others.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

LIMIT_COLUMNS = ("lower95", "upper95", "lower998", "upper998")
COLUMNS = ("value", *LIMIT_COLUMNS, "method")


class StatsWarning(UserWarning):
    """Some units' values are blank because their inputs cannot give one."""


@dataclass(frozen=True)
class Estimate:
    """A statistic per unit with its 95% and 99.8% limits; NaN where blank."""

    value: Array
    lower95: Array
    upper95: Array
    lower998: Array
    upper998: Array
    method: NDArray[np.object_]  # str per unit

    def __len__(self) -> int:
        return int(np.size(self.value))

    def columns(self) -> Iterator[tuple[str, NDArray]]:
        """(name, values) for ``value, lower95, upper95, lower998, upper998, method``."""
        for name in COLUMNS:
            yield name, np.atleast_1d(getattr(self, name))


def estimate(
    value: ArrayLike,
    limits: tuple[ArrayLike, ArrayLike, ArrayLike, ArrayLike],
    method: ArrayLike,
    blank: ArrayLike | None = None,
    reason: ArrayLike = "",
) -> Estimate:
    """An :class:`Estimate`, with every number NaN and the method ``reason`` where ``blank``."""
    arrays = [np.asarray(a, dtype=float) for a in (value, *limits)]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    arrays = [np.broadcast_to(a, shape).copy() for a in arrays]
    methods = np.broadcast_to(np.asarray(method, dtype=object), shape).copy()
    if blank is not None:
        mask = np.broadcast_to(np.asarray(blank, dtype=bool), shape)
        for a in arrays:
            a[mask] = np.nan
        methods[mask] = np.broadcast_to(np.asarray(reason, dtype=object), shape)[mask]
    return Estimate(*arrays, method=methods)


def missing_or_zero(denominator: Array) -> NDArray[np.bool_]:
    """Where a denominator cannot be divided by: missing (NaN) or zero."""
    return np.isnan(denominator) | (denominator == 0)


def warn_blank(mask: ArrayLike, what: str) -> None:
    """Warns once, counting the units blanked for reason ``what``, when there are any."""
    n = int(np.count_nonzero(mask))
    if n:
        warnings.warn(f"{n:,} unit(s) left blank: {what}", StatsWarning, stacklevel=3)
