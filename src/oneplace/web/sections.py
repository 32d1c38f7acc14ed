"""The report's summaries: numeric frames for the figures and readable tables beneath them.

Each ``*_frame`` function turns the run's results and the place into a small pandas frame of
numbers (money as ``Decimal``), named in the partnership's words (localities by name,
organisations with their partner flag). The ``*_table`` functions format a frame into a
:class:`Table` of strings through one :class:`~oneplace.web.formatting.Formatter`, so that a
public variant of the page only needs a different formatter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from ..place import Place
from ..place.model import Budget
from ..schema.tables import HOSPITAL_SETTINGS, SETTING
from .figures import age_band_order
from .formatting import Formatter, fy_label
from .results import Results

UNREGISTERED = "UNREGISTERED"
WHOLE_PLACE = "ALL"
UNREGISTERED_NAME = "Not registered with a practice of the place"
# Short names for the chart axis; the vocabulary's descriptions are too long for it.
SETTING_SHORT = {
    "acute_non_elective": "Emergency admissions",
    "acute_elective": "Planned admissions",
    "emergency_department": "A&E attendances",
}
SEX_NAMES = {"M": "Males", "F": "Females", "I": "Indeterminate", "U": "Not known"}


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    numeric: list[bool]  # right-align a column of numbers
    rows: list[list[str]]
    total: list[str] | None = None
    notes: list[str] = field(default_factory=list)


def setting_label(code: str) -> str:
    return SETTING_SHORT.get(code, code.replace("_", " ").capitalize())


def locality_names(place: Place) -> dict[str, str]:
    names = {loc.code: loc.name for loc in place.localities}
    return {**names, UNREGISTERED: UNREGISTERED_NAME, WHOLE_PLACE: "Whole place"}


def _locality_order(place: Place, codes: pd.Series) -> pd.Series:
    """Localities in the place file's order, then any others (unregistered last)."""
    rank = {loc.code: i for i, loc in enumerate(place.localities)}
    rank[WHOLE_PLACE] = -1
    return codes.map(lambda c: rank.get(c, len(rank) + (1 if c == UNREGISTERED else 0)))


def _share(values: pd.Series) -> list[Decimal | None]:
    """Each value's share of the column total, exactly (None when the total is zero)."""
    nums = [Decimal(str(v)) if not isinstance(v, Decimal) else v for v in values]
    total = sum(nums, Decimal(0))
    return [n / total if total else None for n in nums]


# -- population -----------------------------------------------------------------------------
def people_by_locality_frame(results: Results, place: Place) -> pd.DataFrame:
    names = locality_names(place)
    df = results.population.groupby("locality_code", as_index=False, dropna=False)["people"].sum()
    df["name"] = df["locality_code"].map(lambda c: names.get(c, c))
    df = df.assign(order=_locality_order(place, df["locality_code"])).sort_values(["order", "name"])
    df["share"] = _share(df["people"])
    return df.drop(columns="order").reset_index(drop=True)


def people_by_imd_frame(results: Results) -> pd.DataFrame:
    pop = results.population.assign(q=results.population["imd_quintile"].astype("Int64"))
    df = pop.groupby("q", as_index=False, dropna=False)["people"].sum()
    df["order"] = df["q"].fillna(99)
    df = df.sort_values("order")
    labels = {1: "1 (most deprived)", 5: "5 (least deprived)"}
    df["quintile"] = [
        "Not known" if pd.isna(q) else labels.get(int(q), str(int(q))) for q in df["q"]
    ]
    df["share"] = _share(df["people"])
    return df[["quintile", "people", "share"]].reset_index(drop=True)


def population_tables(results: Results, place: Place, fmt: Formatter) -> list[Table]:
    by_loc = people_by_locality_frame(results, place)
    by_imd = people_by_imd_frame(results)
    total = int(results.population["people"].sum())
    others = results.population[~results.population["sex"].isin(["M", "F"])]
    notes = [
        f"{SEX_NAMES.get(sex, sex)}: {fmt.count(n)} people, not drawn in the pyramid."
        for sex, n in others.groupby("sex")["people"].sum().items()
        if n
    ]
    if fmt.public:
        notes.append("The pyramid has no bar for an age band and sex of fewer than 5 people.")
    return [
        Table(
            "People by locality",
            ["Locality", "People", "Share"],
            [False, True, True],
            [
                [r.name, fmt.count(r.people), fmt.percent(r.share, of=[r.people])]
                for r in by_loc.itertuples()
            ],
            ["All localities", fmt.count(total), fmt.percent(1)],
            notes,
        ),
        Table(
            "People by deprivation (IMD quintile)",
            ["IMD quintile", "People", "Share"],
            [False, True, True],
            [
                [r.quintile, fmt.count(r.people), fmt.percent(r.share, of=[r.people])]
                for r in by_imd.itertuples()
            ],
            ["All", fmt.count(total), fmt.percent(1)],
        ),
    ]


# -- spend ----------------------------------------------------------------------------------
def setting_frame(results: Results, budget: Budget | None) -> pd.DataFrame:
    df = results.by_setting.copy()
    df["label"] = df["setting"].map(setting_label)
    df["description"] = df["setting"].map(lambda s: SETTING.values.get(s, ""))
    df["hospital"] = df["setting"].isin(HOSPITAL_SETTINGS)
    df["share"] = _share(df["cost_gbp"])
    split = budget.by_setting if budget else {}
    df["budget_gbp"] = df["setting"].map(lambda s: split.get(s))
    return df


def setting_table(frame: pd.DataFrame, fmt: Formatter, fy: int) -> Table:
    with_budget = frame["budget_gbp"].notna().any()
    headers = ["Setting", "Hospital", "Spend", "Share", "Activities"]
    rows = [
        [
            r.label,
            "Yes" if r.hospital else "No",
            fmt.money(r.cost_gbp),
            fmt.percent(r.share),
            fmt.count(r.activities),
        ]
        + ([fmt.money(r.budget_gbp)] if with_budget else [])
        for r in frame.itertuples()
    ]
    total = [
        "All settings",
        "",
        fmt.money(sum(frame["cost_gbp"], Decimal(0))),
        fmt.percent(1),
        fmt.count(frame["activities"].sum()),
    ]
    if with_budget:
        headers.append("Budget")
        total.append(fmt.money(sum((b for b in frame["budget_gbp"] if b is not None), Decimal(0))))
    return Table(
        f"Spend by care setting, {fy_label(fy)}",
        headers,
        [False, False, True, True, True, True],
        rows,
        total,
    )


def organisation_frame(results: Results, place: Place, budget: Budget | None) -> pd.DataFrame:
    orgs = {o.code: o for o in place.organisations}
    df = results.by_organisation.copy()
    # Providers outside the place share a name ('Other providers', 'General practice'):
    # their code keeps each one its own bar and row.
    df["name"] = [
        orgs[c].name if c in orgs else f"{n or 'Unnamed'} ({c})"
        for c, n in zip(df["organisation_code"], df["organisation_name"], strict=True)
    ]
    df["partner"] = df["organisation_code"].map(lambda c: c in orgs and orgs[c].partner)
    df["partner_label"] = df["organisation_code"].map(
        lambda c: ("Yes" if orgs[c].partner else "No") if c in orgs else "Not in the place file"
    )
    df["share"] = _share(df["cost_gbp"])
    split = budget.by_organisation if budget else {}
    df["budget_gbp"] = df["organisation_code"].map(lambda c: split.get(c))
    return df


def organisation_table(frame: pd.DataFrame, fmt: Formatter, fy: int) -> Table:
    with_budget = frame["budget_gbp"].notna().any()
    headers = ["Organisation", "Code", "Partner", "Spend", "Share"]
    rows = [
        [r.name, r.organisation_code, r.partner_label, fmt.money(r.cost_gbp), fmt.percent(r.share)]
        + ([fmt.money(r.budget_gbp)] if with_budget else [])
        for r in frame.itertuples()
    ]
    total = [
        "All organisations",
        "",
        "",
        fmt.money(sum(frame["cost_gbp"], Decimal(0))),
        fmt.percent(1),
    ]
    if with_budget:
        headers.append("Budget")
        total.append(fmt.money(sum((b for b in frame["budget_gbp"] if b is not None), Decimal(0))))
    return Table(
        f"Spend by organisation, {fy_label(fy)}",
        headers,
        [False, False, False, True, True, True],
        rows,
        total,
    )


def locality_frame(results: Results, place: Place) -> pd.DataFrame:
    names = locality_names(place)
    people = people_by_locality_frame(results, place).set_index("locality_code")["people"]
    df = results.by_locality.copy()
    df["name"] = df["locality_code"].map(lambda c: names.get(c, c))
    # Nullable integers: a locality without registered people has no people, not NaN people.
    df["people"] = df["locality_code"].map(people).astype("Int64")
    df["per_head"] = [
        None if pd.isna(p) or not p else c / Decimal(int(p))
        for c, p in zip(df["cost_gbp"], df["people"], strict=True)
    ]
    df["share"] = _share(df["cost_gbp"])
    df = df.assign(order=_locality_order(place, df["locality_code"])).sort_values(["order", "name"])
    return df.drop(columns="order").reset_index(drop=True)


def locality_table(frame: pd.DataFrame, fmt: Formatter, fy: int, people: int | None) -> Table:
    rows = [
        [
            r.name,
            fmt.money(r.cost_gbp),
            fmt.percent(r.share),
            fmt.count(r.people),
            fmt.per_head(r.per_head, of=[r.people]),
        ]
        for r in frame.itertuples()
    ]
    total_gbp = sum(frame["cost_gbp"], Decimal(0))
    total = [
        "All localities",
        fmt.money(total_gbp),
        fmt.percent(1),
        fmt.count(people),
        fmt.per_head(total_gbp / people if people else None, of=[people]),
    ]
    notes = []
    if (frame["locality_code"] == UNREGISTERED).any():
        notes.append(
            f"'{UNREGISTERED_NAME}' is activity of people without a registration with one of "
            "the place's practices; it has no population of its own, so no spend per head. "
            "It is included in the whole-place spend per head."
        )
    return Table(
        f"Spend by locality, {fy_label(fy)}",
        ["Locality", "Spend", "Share", "People", "Spend per head"],
        [False, True, True, True, True],
        rows,
        total,
        notes,
    )


# -- hospital share -------------------------------------------------------------------------
def hospital_trend_frame(results: Results, place: Place) -> pd.DataFrame:
    names = locality_names(place)
    df = results.hospital_share.copy()
    df["fy_label"] = df["fy"].map(fy_label)
    df["name"] = df["locality_code"].map(lambda c: names.get(c, c))
    df["whole_place"] = df["locality_code"] == WHOLE_PLACE
    df = df.assign(order=_locality_order(place, df["locality_code"]))
    return df.sort_values(["order", "name", "fy"]).drop(columns="order").reset_index(drop=True)


def hospital_tables(frame: pd.DataFrame, fmt: Formatter, fy: int) -> list[Table]:
    latest = frame[frame["fy"] == fy]
    fys = sorted(frame["fy"].unique())
    trend = frame.pivot_table(
        index="name", columns="fy", values="hospital_share", aggfunc="first", sort=False
    )
    return [
        Table(
            f"Hospital share of spend, {fy_label(fy)}",
            ["Locality", "Hospital spend", "All spend", "Hospital share"],
            [False, True, True, True],
            [
                [
                    r.name,
                    fmt.money(r.hospital_gbp),
                    fmt.money(r.total_gbp),
                    fmt.percent(r.hospital_share),
                ]
                for r in latest.itertuples()
            ],
        ),
        Table(
            "Hospital share of spend by year",
            ["Locality", *map(fy_label, fys)],
            [False, *[True] * len(fys)],
            [[name, *(fmt.percent(row.get(y)) for y in fys)] for name, row in trend.iterrows()],
        ),
    ]


def pyramid_frame(results: Results, every_band: bool = False) -> pd.DataFrame:
    """People by age band and sex; ``every_band``: with a row of 0 people for each age band a
    sex has nobody in (males and females), so that disclosure control sees, and suppresses,
    the zeros the pyramid would otherwise draw."""
    df = results.population.groupby(["age_band", "sex"], as_index=False)["people"].sum()
    if every_band:
        keys = pd.MultiIndex.from_product(
            [df["age_band"].unique(), sorted({"M", "F", *df["sex"]})], names=["age_band", "sex"]
        )
        df = df.set_index(["age_band", "sex"]).reindex(keys, fill_value=0).reset_index()
    return df.sort_values("age_band", key=lambda s: s.map(age_band_order)).reset_index(drop=True)
