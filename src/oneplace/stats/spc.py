"""XmR statistical process control charts with the NHS "Making Data Count" rules.

NHS England / NHS Improvement, "Making Data Count" (2017, 2019) and its "Statistical process
control: a guide" (Wheeler's XmR chart):

* centre line: the mean of the points; moving ranges ``|x_i - x_{i-1}|``;
* natural process limits: ``mean +/- 2.66 x`` the mean moving range (2.66 = 3 / d2, d2 = 1.128
  for ranges of two points, so the limits are the mean +/- 3 sigma);
* special cause variation, each flagged on every point that makes it:
  1. a point outside the process limits;
  2. a shift: a run of 7 or more consecutive points above the mean, or below it (a point on
     the mean breaks the run);
  3. a trend: 7 or more consecutive points each higher than the last, or each lower;
  4. two out of three consecutive points beyond two sigma (two thirds of the way to a process
     limit), on the same side of the mean.

``run_length`` and ``trend_length`` are 7 by default, as Making Data Count uses (some guides
use 6 for trends). Optionally (``screen_outliers=True``, as NHSRplotthedots does) moving ranges
above 3.267 x their mean are left out of the mean moving range. Missing points (NaN) are left
out of the chart, with a :class:`StatsWarning`; their flags are False.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .estimate import Array, warn_blank

LIMIT_FACTOR = 2.66  # 3 / 1.128
SCREEN_FACTOR = 3.267  # upper range limit for moving ranges of two points

OUTSIDE = "outside limits"
SHIFT = "shift"
TREND = "trend"
TWO_OF_THREE = "two of three beyond 2 sigma"


@dataclass(frozen=True)
class XmR:
    """An XmR chart: limits, moving ranges, and each point's special-cause flags."""

    values: Array
    mean: float
    moving_ranges: Array  # NaN for the first point
    mean_moving_range: float
    upper_limit: float
    lower_limit: float
    high: NDArray[np.bool_]  # special cause above the mean
    low: NDArray[np.bool_]  # special cause below the mean
    rules: NDArray[np.object_]  # the rules each point breaks, "; "-separated ("" if none)


def _runs(flags: NDArray[np.bool_], length: int) -> NDArray[np.bool_]:
    """True on every element of a run of at least ``length`` consecutive Trues."""
    out = np.zeros(flags.shape, dtype=bool)
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= length:
                out[start:i] = True
            start = None
    return out


def _trend(values: Array, length: int, rising: bool) -> NDArray[np.bool_]:
    """Points in a run of ``length`` or more points each above (or below) the previous one."""
    step = np.diff(values) > 0 if rising else np.diff(values) < 0
    steps = _runs(step, length - 1)  # n points make n - 1 steps
    out = np.zeros(values.shape, dtype=bool)
    out[1:] |= steps
    out[:-1] |= steps
    return out


def _two_of_three(beyond: NDArray[np.bool_]) -> NDArray[np.bool_]:
    out = np.zeros(beyond.shape, dtype=bool)
    for i in range(len(beyond) - 2):
        window = beyond[i : i + 3]
        if window.sum() >= 2:
            out[i : i + 3] |= window
    return out


def xmr(
    values: ArrayLike,
    run_length: int = 7,
    trend_length: int = 7,
    screen_outliers: bool = False,
) -> XmR:
    """The XmR chart of ``values`` (in time order) and its special-cause flags."""
    all_values = np.asarray(values, dtype=float)
    present = ~np.isnan(all_values)
    warn_blank(~present, "missing value, left out of the XmR chart")
    x = all_values[present]
    if len(x) < 2:
        raise ValueError("an XmR chart needs at least two values")
    centre = float(x.mean())
    ranges = np.abs(np.diff(x))
    mean_range = float(ranges.mean())
    if screen_outliers:
        mean_range = float(ranges[ranges <= SCREEN_FACTOR * mean_range].mean())
    upper, lower = centre + LIMIT_FACTOR * mean_range, centre - LIMIT_FACTOR * mean_range
    two_sigma = 2 / 3 * LIMIT_FACTOR * mean_range

    flags: dict[str, tuple[NDArray[np.bool_], NDArray[np.bool_]]] = {
        OUTSIDE: (x > upper, x < lower),
        SHIFT: (_runs(x > centre, run_length), _runs(x < centre, run_length)),
        TREND: (_trend(x, trend_length, True), _trend(x, trend_length, False)),
        TWO_OF_THREE: (
            _two_of_three(x > centre + two_sigma),
            _two_of_three(x < centre - two_sigma),
        ),
    }
    high = np.zeros(all_values.shape, dtype=bool)
    low = np.zeros(all_values.shape, dtype=bool)
    rules = np.full(all_values.shape, "", dtype=object)
    for name, (up, down) in flags.items():
        high[present] |= up
        low[present] |= down
        hit = np.zeros(all_values.shape, dtype=bool)
        hit[present] = up | down
        rules[hit] = [f"{r}; {name}" if r else name for r in rules[hit]]
    moving = np.full(all_values.shape, np.nan)
    moving[np.flatnonzero(present)[1:]] = ranges
    return XmR(all_values, centre, moving, mean_range, upper, lower, high, low, rules)
