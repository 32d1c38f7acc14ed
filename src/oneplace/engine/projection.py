"""The budget and the need it must meet, projected year by year to ``finance.projection
.to_year`` (2030 by default), for the place and each locality.

Rules (all growth rates are the place's assumptions, ``finance.projection``; the seeds
expect 19-28% more people by 2030 in Barking and Dagenham, Havering and Redbridge):

1. **Start**: the latest financial year of the run with a pooled budget (year F), with its
   registered population by locality, ESP 2013 age band and sex (:mod:`.population`).
2. **Population** in year t: each age band's people times ``(1 + g_band)^(t - F)``, with
   ``population_growth_pct`` per band (``default`` for bands not named). People keep their
   band: this is a growth-rate projection, not a cohort model.
3. **Need** in year t: the projected people times the fair-share cost per head of their
   age band and sex in the base year (:mod:`.fair_shares`), times the locality's
   additional-need multiplier in year F (its fair-share weighted population over its
   age-sex weighted population: 1 when ``need_index`` is none), times
   ``(1 + cost_growth_pct)^(t - base year)``. Rounded to the penny.
4. **Budget** in year t: the year-F pooled budget times ``(1 + budget_growth_pct)^(t - F)``,
   computed in exact decimals and rounded to the penny; a locality's budget is that split
   by its share of the year-F fair-share targets (largest remainder, so the localities add
   up to the place).
5. **Gap** = budget - need (negative: need outgrows the money).

Result contract ``budget_projection``: fy INT, locality_code (each, and 'ALL'), population
DOUBLE, population_growth_pct DOUBLE (since year F), need_gbp, budget_gbp, gap_gbp
DECIMAL(38,2), gap_pct DOUBLE (gap over need).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import ibis
import ibis.expr.types as ir

from .fair_shares import ALL, base_years, cost_weights, fair_shares
from .money import apportion, pounds, rows_table, to_pence
from .population import population
from .spend import MONEY_TOTAL

AGE_BANDS = tuple(f"{a}-{a + 4}" for a in range(0, 90, 5)) + ("90+",)


def projected_budgets(inputs, start: int) -> list[dict]:
    """fy and pence of the pooled budget from ``start`` to the projection's last year."""
    proj = inputs.money.projection
    total = inputs.budget(start).total_gbp
    rate = 1 + proj.budget_growth_pct / 100
    out = []
    for t in range(start, max(proj.to_year, start) + 1):
        amount = (total * rate ** (t - start)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
        out.append({"fy": t, "pence": to_pence(amount)})
    return out


def budget_projection(inputs) -> ir.Table:
    """The ``budget_projection`` result (see the module docstring)."""
    bases = base_years(inputs)
    if not bases:
        return _empty(inputs)
    start = max(bases)
    base = bases[start]
    proj = inputs.money.projection
    years = rows_table(inputs, projected_budgets(inputs, start), {"fy": "int32", "pence": "int64"})
    growth = rows_table(
        inputs,
        [{"age_band": b, "g": float(proj.growth(b)) / 100.0} for b in AGE_BANDS],
        {"age_band": "string", "g": "float64"},
    )
    pop = inputs.result("population", population)
    pop = (
        pop.filter(pop.fy == start)
        .group_by(["locality_code", "age_band", "sex"])
        .agg(people=pop.people.sum().cast("float64"))
    )
    weights, _ = cost_weights(inputs)
    w = weights.filter((weights.setting == ALL) & (weights.base_fy == base)).select(
        "age_band", "sex", "weight"
    )
    pw = pop.join(growth, "age_band").left_join(w, ["age_band", "sex"]).view()
    pw = pw.select("locality_code", "age_band", "people", "g", weight=pw.weight.fill_null(0.0))
    # The locality's additional-need multiplier in year F.
    fs = inputs.result("fair_shares", fair_shares)
    loc = fs.filter((fs.fy == start) & (fs.level == "locality") & (fs.setting == ALL)).select(
        "locality_code", fs_wp="weighted_population", target="target_gbp"
    )
    agesex = pw.group_by("locality_code").agg(as_wp=(pw.people * pw.weight).sum())
    mult = agesex.join(loc, "locality_code")
    mult = mult.select(
        "locality_code",
        "target",
        m=ibis.ifelse(mult.as_wp > 0, mult.fs_wp / mult.as_wp, 1.0),
    )
    grid = pw.cross_join(years.select(t="fy")).view()
    n = (grid.t - start).cast("float64")
    people_t = grid.people * (1.0 + grid.g).pow(n)
    by_loc = grid.select("locality_code", fy=grid.t, people=people_t, cost=people_t * grid.weight)
    by_loc = by_loc.group_by(["fy", "locality_code"]).agg(
        population=by_loc.people.sum(), cost=by_loc.cost.sum()
    )
    k = by_loc.join(mult, "locality_code")
    inflate = 1.0 + float(proj.cost_growth_pct) / 100.0
    need = k.cost * k.m * ibis.literal(inflate).pow((k.fy - base).cast("float64"))
    loc_rows = k.select(
        "fy",
        "locality_code",
        "population",
        need=need,
        target_pence=(k.target.cast(MONEY_TOTAL) * 100).cast("int64"),
    ).view()
    split = apportion(
        loc_rows.join(years, "fy"), ["fy"], "pence", "target_pence", ["locality_code"]
    )
    split = split.select("fy", "locality_code", "population", "need", budget_pence="pence")
    place = (
        split.group_by("fy")
        .agg(
            population=split.population.sum(),
            need=split.need.sum(),
            budget_pence=split.budget_pence.sum(),
        )
        .mutate(locality_code=ibis.literal(ALL))
    )
    both = split.union(place.select(*split.columns)).view()
    first = both.filter(both.fy == start).select(f_loc="locality_code", f_pop="population")
    j = both.join(first, both.locality_code == first.f_loc)
    need_gbp = j.need.round(2).cast(MONEY_TOTAL)
    budget_gbp = pounds(j.budget_pence)
    gap = (budget_gbp - need_gbp).cast(MONEY_TOTAL)
    return j.select(
        j.fy,
        j.locality_code,
        # Rounded: the last bits of float sums differ between backends.
        population=j.population.round(6),
        population_growth_pct=((j.population / j.f_pop.nullif(0.0) - 1.0) * 100.0).round(6),
        need_gbp=need_gbp,
        budget_gbp=budget_gbp,
        gap_gbp=gap,
        gap_pct=gap.cast("float64") / need_gbp.cast("float64").nullif(0.0),
    )


def _empty(inputs) -> ir.Table:
    t = rows_table(inputs, [], {"fy": "int32", "locality_code": "string", "x": "float64"})
    return t.select(
        "fy",
        "locality_code",
        population=t.x,
        population_growth_pct=t.x,
        need_gbp=t.x.cast(MONEY_TOTAL),
        budget_gbp=t.x.cast(MONEY_TOTAL),
        gap_gbp=t.x.cast(MONEY_TOTAL),
        gap_pct=t.x,
    )
