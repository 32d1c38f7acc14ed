"""What the outcomes charts share: the colours of a unit's standing against the whole place,
a grid of panels, points with their 95% limits, hover text, and a drop-down over groups of
traces (one indicator at a time)."""

from __future__ import annotations

import math
import textwrap

import pandas as pd
import plotly.graph_objects as go

from ...outcomes.library import Indicator
from ..figures import _LAYOUT, NHS_DARK_BLUE, NHS_GREY, NHS_LIGHT_BLUE, styled
from ..money import NHS_GREEN, NHS_RED, _missing
from .cells import number

NHS_WARM_YELLOW = "#FFB81C"
# A unit's standing against the whole place: its rating, or for an indicator without a better
# direction whether it is significantly higher or lower.
STANDINGS = {
    "worse": ("Worse than the whole place", NHS_RED),
    "similar": ("Similar to the whole place", NHS_WARM_YELLOW),
    "better": ("Better than the whole place", NHS_GREEN),
    "higher": ("Higher (no better direction)", NHS_DARK_BLUE),
    "lower": ("Lower (no better direction)", NHS_LIGHT_BLUE),
    "": ("Not compared", NHS_GREY),
}
MENU_TOP = 140  # px above the panels of a figure with a drop-down: title, menu, legend


def _wrap(text: str, width: int = 52) -> str:
    return "<br>".join(textwrap.wrap(text, width))


def _has_values(frame: pd.DataFrame, ind: Indicator) -> bool:
    return bool(frame.loc[frame["indicator_id"] == ind.id, "value"].notna().any())


def _grid(n: int, cols: int) -> tuple[int, int]:
    cols = min(cols, max(n, 1))
    return math.ceil(max(n, 1) / cols), cols


def _points(x: pd.Series) -> list[float | None]:
    return [None if _missing(v) or not math.isfinite(float(v)) else float(v) for v in x]


def _errors(part: pd.DataFrame) -> dict:
    """Asymmetric error bars from a value to its 95% limits."""
    v, lo, hi = _points(part["value"]), _points(part["lower95"]), _points(part["upper95"])
    up = [None if a is None or b is None else b - a for a, b in zip(v, hi, strict=True)]
    down = [None if a is None or b is None else a - b for a, b in zip(v, lo, strict=True)]
    return {"type": "data", "symmetric": False, "array": up, "arrayminus": down}


def _hover(part: pd.DataFrame, ind: Indicator) -> list[str]:
    out = []
    for r in part.itertuples():
        text = f"{r.label}: {number(float(r.value), ind)}"
        if not _missing(r.lower95) and not _missing(r.upper95):
            text += f" (95% limits {number(r.lower95, ind)} to {number(r.upper95, ind)})"
        if isinstance(r.comparison, str) and r.comparison:
            text += f"<br>{r.comparison}"
        out.append(text)
    return out


def _menu(fig: go.Figure, groups: list[tuple[str, int, dict]], height: int) -> None:
    """A drop-down over groups of traces (label, number of traces, layout when chosen): the
    first group is shown, the others hidden until chosen."""
    total = sum(n for _, n, _ in groups)
    buttons, start = [], 0
    for i, (label, n, layout) in enumerate(groups):
        visible = [False] * total
        visible[start : start + n] = [True] * n
        for trace in fig.data[start : start + n]:
            trace.visible = i == 0
        buttons.append({"label": label, "method": "update", "args": [{"visible": visible}, layout]})
        start += n
    if len(groups) > 1:
        fig.update_layout(
            updatemenus=[
                {
                    "buttons": buttons,
                    "direction": "down",
                    "showactive": True,
                    "x": 0,
                    "xanchor": "left",
                    # Paper coordinates: 40 px from the top of the figure, under the title.
                    "y": 1 + (MENU_TOP - 40) / (height - MENU_TOP - 10),
                    "yanchor": "top",
                    "font": {"size": 12},
                }
            ]
        )
    if groups:
        fig.update_layout({k.replace(".", "_"): v for k, v in groups[0][2].items()})


def _menu_layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    """Title, then the drop-down, then the legend, then the panels."""
    legend = {**_LAYOUT["legend"], "yref": "container", "y": 1 - 76 / height, "yanchor": "top"}
    margin = {"l": 10, "r": 10, "t": MENU_TOP, "b": 10}
    return styled(fig, title, height, margin=margin, legend=legend)
