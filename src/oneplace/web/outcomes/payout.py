"""The incentive payout: each indicator's slice of the pool, what each partner earned by
attainment and the commissioner's unearned remainder (rules O5 to O8 of
:mod:`oneplace.outcomes.framework`). Payout amounts are money and are shown as they are, to
the penny.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from ...outcomes.library import Indicator
from ...place import Place
from ..figures import (
    _LAYOUT,
    LINE_COLOURS,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_GREY,
    NHS_LIGHT_BLUE,
    styled,
)
from ..formatting import MISSING, Formatter, fy_label
from ..money import Part, _empty_part, _missing
from ..sections import Table
from .cells import score
from .charts import _wrap
from .results import Outcomes


def pence(x: object) -> str:
    """Pounds and pence: the incentive payout adds up to its pool to the penny."""
    if _missing(x):
        return MISSING
    d = x if isinstance(x, Decimal) else Decimal(str(x))
    return f"{'−' if d < 0 else ''}£{abs(d):,.2f}"


def payout_frame(data: Outcomes, place: Place, inds: list[Indicator]) -> pd.DataFrame:
    """The year's payout lines, indicators in the framework's order, partners before the
    commissioner's unearned remainder; organisations named as in the place file."""
    names = {o.code: o.name for o in place.organisations}
    rank = {i.id: k for k, i in enumerate(inds)}
    df = data.payout.copy()
    df["name"] = [
        names.get(c, n or c)
        for c, n in zip(df["organisation"], df["organisation_name"], strict=True)
    ]
    df["indicator"] = df["indicator_id"].map(lambda i: next((x.name for x in inds if x.id == i), i))
    df["_i"] = df["indicator_id"].map(lambda i: rank.get(i, len(rank)))
    df["_k"] = (df["kind"] != "earned").astype(int)
    return (
        df.sort_values(["_i", "_k", "organisation"])
        .drop(columns=["_i", "_k"])
        .reset_index(drop=True)
    )


def payout_figure(frame: pd.DataFrame, fy: int) -> go.Figure:
    """Each indicator's slice of the pool, stacked: what each partner earned, and the
    commissioner's unearned remainder in grey."""
    indicators = list(dict.fromkeys(frame["indicator"]))
    x = [_wrap(i, 28) for i in indicators]
    fig = go.Figure()
    keys = list(
        dict.fromkeys(zip(frame["kind"], frame["organisation"], frame["name"], strict=True))
    )
    keys.sort(key=lambda k: k[0] != "earned")
    colours = iter([NHS_BLUE, NHS_DARK_BLUE, NHS_LIGHT_BLUE, *LINE_COLOURS] * 4)
    for kind, code, name in keys:
        part = frame[(frame["kind"] == kind) & (frame["organisation"] == code)].set_index(
            "indicator"
        )
        label = name if kind == "earned" else f"{name}: unearned"
        fig.add_trace(
            go.Bar(
                x=x,
                y=[float(part["amount_gbp"].get(i, 0)) for i in indicators],
                name=_wrap(label, 40),
                marker_color=next(colours) if kind == "earned" else NHS_GREY,
                hovertemplate=f"{label}: £%{{y:,.2f}}<extra></extra>",
            )
        )
    styled(
        fig,
        f"Incentive pool by indicator, {fy_label(fy)}: earned and unearned (£)",
        480,
        barmode="stack",
        legend={
            **_LAYOUT["legend"],
            "orientation": "v",
            "x": 1.02,
            "y": 1,
            "yanchor": "top",
            "traceorder": "reversed",
            "font": {"size": 12},
        },
    )
    fig.update_yaxes(tickprefix="£", tickformat=",")
    return fig


def payout_tables(frame: pd.DataFrame, fmt: Formatter, fy: int) -> list[Table]:
    pool = sum(frame["amount_gbp"], Decimal("0.00"))
    by_org = frame.groupby(["kind", "organisation", "name"], as_index=False, sort=False)[
        "amount_gbp"
    ].sum()
    by_org = by_org.sort_values("kind", key=lambda k: k != "earned", kind="stable")
    slices = frame.drop_duplicates("indicator_id")
    earned = frame[frame["kind"] == "earned"].groupby("indicator_id")["amount_gbp"].sum()
    unearned = frame[frame["kind"] != "earned"].groupby("indicator_id")["amount_gbp"].sum()
    return [
        Table(
            f"Incentive payout by organisation, {fy_label(fy)}",
            ["Organisation", "Receives", "Amount"],
            [False, False, True],
            [
                [
                    r.name,
                    "Earned" if r.kind == "earned" else "Unearned remainder",
                    pence(r.amount_gbp),
                ]
                for r in by_org.itertuples()
            ],
            ["Incentive pool", "", pence(pool)],
            notes=[
                "Each indicator's slice of the pool (by weight, rule O5) times its attainment, "
                "rounded down to the penny, is earned (O6) and split equally between its "
                "partners (O7); the rest stays with the commissioner (O8)."
            ],
        ),
        Table(
            f"Incentive pool by indicator, {fy_label(fy)}",
            ["Indicator", "Slice", "Attainment", "Earned", "Unearned"],
            [False, True, True, True, True],
            [
                [
                    r.indicator,
                    pence(r.slice_gbp),
                    score(r.attainment),
                    pence(earned.get(r.indicator_id, Decimal("0.00"))),
                    pence(unearned.get(r.indicator_id, Decimal("0.00"))),
                ]
                for r in slices.itertuples()
            ],
            [
                "Incentive pool",
                pence(sum(slices["slice_gbp"], Decimal("0.00"))),
                "",
                pence(sum(earned, Decimal("0.00"))),
                pence(sum(unearned, Decimal("0.00"))),
            ],
        ),
        Table(
            f"Incentive payout by indicator and organisation, {fy_label(fy)}",
            ["Indicator", "Organisation", "Receives", "Amount"],
            [False, False, False, True],
            [
                [
                    r.indicator,
                    r.name,
                    "Earned" if r.kind == "earned" else "Unearned",
                    pence(r.amount_gbp),
                ]
                for r in frame.itertuples()
            ],
            ["Incentive pool", "", "", pence(pool)],
        ),
    ]


def payout_part(data: Outcomes, place: Place, inds: list[Indicator], fmt: Formatter) -> Part:
    fy = data.fy
    title = "Incentive payout"
    framework = place.outcomes
    if framework is None:
        return _empty_part(
            "outcomes-incentive",
            title,
            "No incentive pool: the place file declares no outcomes framework.",
        )
    frame = payout_frame(data, place, inds)
    if not len(frame):
        return _empty_part(
            "outcomes-incentive",
            title,
            f"No incentive pool for {fy_label(fy)}: the framework's pool is a share of the "
            "year's pooled budget, and the place file has none for the year (or the run did "
            "not compute the payout).",
        )
    pool = sum(frame["amount_gbp"], Decimal("0.00"))
    earned = sum(frame.loc[frame["kind"] == "earned", "amount_gbp"], Decimal("0.00"))
    size = (
        f"{framework.incentive_pool_pct.normalize():f}% of the pooled budget"
        if framework.incentive_pool_pct is not None
        else "set in the place file"
    )
    lead = (
        f"The incentive pool for {fy_label(fy)} is {pence(pool)} ({size}), paid out by "
        f"attainment: the partners earned {pence(earned)} "
        f"({fmt.percent(earned / pool if pool else None)}) and the commissioner keeps the "
        f"unearned {pence(pool - earned)}."
    )
    return Part(
        "outcomes-incentive", title, lead, payout_figure(frame, fy), payout_tables(frame, fmt, fy)
    )
