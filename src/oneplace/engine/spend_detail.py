"""Spend per head per month, by locality and by segment, and the few people behind most of
the spend.

Rules:

* **Month**: the calendar month of the activity's start date, within the run's financial
  years. **Locality**: of the registration on the start date (:mod:`.spend`; activity of
  people not registered with the place counts for the place only). **Segment**: the
  person's segment in that financial year (:mod:`.segments`; registered people only; read
  from :mod:`.person_spend`'s ``spend_cells``).
* **Per head**: the month's spend over the people of the unit in the year (registered on
  1 October, :mod:`.population`), so spend per head per month adds up over the months to
  the year's spend per head.
* **Concentration**: registered people of the year ranked by their spend in it (highest
  first); the top 1% and top 5% are the first ``ceil(p x people)``; their spend as a share
  of all registered people's spend, for the place and each locality. People who tie are
  not ordered among themselves: they spent the same, so which of them falls inside the
  group changes neither its spend nor its threshold.

Result contracts:

* ``spend_by_month``: fy INT, month DATE (first day), dimension (place | locality |
  segment), code, name, cost_gbp DECIMAL(38,2), hospital_gbp DECIMAL(38,2), population
  BIGINT, cost_per_head DOUBLE, hospital_share DOUBLE.
* ``spend_concentration``: fy, locality_code (each, and 'ALL'), top_pct INT (1 or 5),
  people BIGINT, population BIGINT, cost_gbp, total_gbp DECIMAL(38,2), share_of_spend
  DOUBLE, threshold_gbp DECIMAL(38,2) (the least any of them spent).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from ..schema import HOSPITAL_SETTINGS
from .calendar import month_of
from .money import rows_table
from .person_spend import spend_cells
from .population import locality_population
from .segments import person_health
from .spend import MONEY_TOTAL, WHOLE_PLACE, daily

ZERO = ibis.literal(0, type=MONEY_TOTAL)
TOP_PCT = (1, 5)


def _monthly(act: ir.Table, dimension: str, code, name) -> ir.Table:
    unit = act.select(
        "fy",
        month=act.month if "month" in act.columns else month_of(act.start_date),
        code=code,
        name=name,
        cost=act.cost_gbp,
        hospital=ibis.ifelse(act.setting.isin(HOSPITAL_SETTINGS), act.cost_gbp, ZERO),
    )
    return (
        unit.group_by(["fy", "month", "code", "name"])
        .agg(
            cost_gbp=unit.cost.sum().cast(MONEY_TOTAL),
            hospital_gbp=unit.hospital.sum().cast(MONEY_TOTAL),
        )
        .mutate(dimension=ibis.literal(dimension))
    )


def spend_by_month(inputs) -> ir.Table:
    """The ``spend_by_month`` result (see the module docstring)."""
    act = daily(inputs).view()
    loc = inputs.place_locality.select(l_code="code", l_name="name")
    by_loc = act.join(loc, act.locality_code == loc.l_code)
    cells = inputs.result("spend_cells", spend_cells)
    by_seg = cells.mutate(segment_code=cells.segment.cast("string"))
    parts = [
        _monthly(act, "place", ibis.literal(WHOLE_PLACE), ibis.literal("Whole place")),
        _monthly(by_loc, "locality", by_loc.locality_code, by_loc.l_name),
        _monthly(by_seg, "segment", by_seg.segment_code, by_seg.segment_name),
    ]
    months = (
        parts[0].union(parts[1].select(*parts[0].columns)).union(parts[2].select(*parts[0].columns))
    )
    lp = locality_population(inputs)
    pops = lp.select(
        "fy", code="locality_code", population="population", dimension=ibis.literal("locality")
    )
    place = lp.group_by("fy").agg(population=lp.population.sum())
    pops = pops.union(
        place.select(
            "fy",
            code=ibis.literal(WHOLE_PLACE),
            population="population",
            dimension=ibis.literal("place"),
        )
    )
    ph = inputs.result("person_health", person_health)
    sizes = ph.group_by(["fy", "segment"]).agg(population=ph.count())
    pops = pops.union(
        sizes.select(
            "fy",
            code=sizes.segment.cast("string"),
            population=sizes.population.cast("int64"),
            dimension=ibis.literal("segment"),
        )
    ).view()
    months = months.view()
    j = months.left_join(pops, ["fy", "dimension", "code"])
    pop = j.population.cast("float64").nullif(0.0)
    return j.select(
        months.fy,
        months.month,
        months.dimension,
        months.code,
        months.name,
        months.cost_gbp,
        months.hospital_gbp,
        population=j.population.cast("int64"),
        cost_per_head=months.cost_gbp.cast("float64") / pop,
        hospital_share=months.hospital_gbp.cast("float64")
        / months.cost_gbp.cast("float64").nullif(0.0),
    )


def spend_concentration(inputs) -> ir.Table:
    """The ``spend_concentration`` result (see the module docstring)."""
    ph = inputs.result("person_health", person_health)
    people = ph.select("person_id", "fy", "locality_code", "cost_gbp").view()
    tops = rows_table(inputs, [{"top_pct": p} for p in TOP_PCT], {"top_pct": "int32"})
    # Only people who spent anything need ranking: the rest of a top group spent nothing.
    spenders = people.filter(people.cost_gbp > ZERO)
    # No tie-break by person: it would double the cost of the sort and change no output.
    order = [ibis.desc(spenders.cost_gbp)]
    ranked = spenders.mutate(
        place_rank=ibis.row_number().over(group_by=spenders.fy, order_by=order) + 1,
        locality_rank=ibis.row_number().over(
            group_by=[spenders.fy, spenders.locality_code], order_by=order
        )
        + 1,
    ).view()
    parts = []
    for level, by, rank in (
        ("place", ["fy"], "place_rank"),
        ("locality", ["fy", "locality_code"], "locality_rank"),
    ):
        sizes = people.group_by(by).agg(
            population=people.count().cast("int64"), total_gbp=people.cost_gbp.sum()
        )
        sizes = sizes.cross_join(tops)
        sizes = sizes.mutate(
            people=(sizes.population.cast("float64") * sizes.top_pct.cast("float64") / 100.0)
            .ceil()
            .cast("int64")
        ).view()
        # An equi-join on the (few) groups, then a filter: a range condition in the join
        # itself would make DuckDB loop over every pair.
        j = ranked.join(sizes, by)
        j = j.filter(j[rank] <= j.people)
        top = j.group_by([*by, "top_pct"]).agg(
            cost_gbp=j.cost_gbp.sum().cast(MONEY_TOTAL),
            spenders=j.count(),
            least=j.cost_gbp.min(),
        )
        k = sizes.left_join(top, [*by, "top_pct"])
        out = k.select(
            sizes.fy,
            locality_code=sizes.locality_code if level == "locality" else ibis.literal(WHOLE_PLACE),
            top_pct=sizes.top_pct,
            people=sizes.people,
            population=sizes.population,
            cost_gbp=k.cost_gbp.fill_null(ZERO).cast(MONEY_TOTAL),
            total_gbp=sizes.total_gbp.cast(MONEY_TOTAL),
            # The least any of the group spent: 0 when the group reaches beyond the spenders.
            threshold_gbp=ibis.ifelse(k.spenders.fill_null(0) < sizes.people, ZERO, k.least).cast(
                MONEY_TOTAL
            ),
        )
        parts.append(out)
    both = parts[0].union(parts[1].select(*parts[0].columns))
    return both.mutate(
        share_of_spend=both.cost_gbp.cast("float64") / both.total_gbp.cast("float64").nullif(0.0)
    )
