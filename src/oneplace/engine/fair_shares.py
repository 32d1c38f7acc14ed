"""Fair shares: the pooled budget split into risk-adjusted target budgets for practices,
networks and localities, by setting, and each unit's distance from its target.

The structure is NHS England's weighted capitation (NHS England, *Allocations*,
https://www.england.nhs.uk/allocations/; the "Fair Shares" guide; ``METHODS.md`` 2.2):
a unit's target is its share of the weighted population times the envelope,
``Target_i = WP_i / sum(WP) x envelope``, with the weighted population the registered
population times need per head, component by component (here: setting by setting), and the
distance from target ``DFT_i = (actual_i - target_i) / target_i``. In place of national
person-level cost regressions, the need per head comes from the place's own base year, as
``METHODS.md`` 2.2 allows ("age-sex cost weights x an additional-need multiplier"):

1. **Base year**: ``finance.fair_shares.base_year``, else the year before the budget year when
   the run has it, else the budget year itself.
2. **Age-sex cost weights**: for each setting, the base year's cost of the registered
   people of an ESP 2013 age band and sex (:mod:`.population`) divided by their number:
   ``w[a, s, setting]``. Activity of people not registered with the place is left out.
3. **Additional need** (``need_index``; optional): people are grouped by IMD quintile
   (``deprivation``; unknown is its own group) or by Charlson score 0, 1-2, 3-4, 5+
   (``morbidity``; :mod:`.person_health`); a group's multiplier is its base-year cost over
   the cost its members' age and sex predict (an indirectly standardised cost ratio), 1 when
   nothing is predicted.
4. **Weighted population** of a practice in the budget year: the sum over its registered
   people (on 1 October) of ``w[age band, sex, setting] x multiplier[group]``.
5. **Setting pots**: a setting's pot is the budget's ``by_setting`` amount when it has one;
   what is left of ``total_gbp`` is split over the other settings in proportion to their
   place-wide weighted population.
6. **Practice targets**: each setting's pot split over practices in proportion to weighted
   population (by population where the setting had no base-year cost), in whole pence by
   largest remainder (:func:`.money.apportion`), so targets add up to the budget exactly.
   Networks, localities and the place are sums of their practices.
7. **Actual spend**: the budget year's activity by the practice the person was registered
   with on the activity's start date. The place row also counts activity of people not
   registered with the place, so it is the whole spend against the whole budget.

Result contract ``fair_shares``: fy INT, base_fy INT, need_index STRING (the method), level
(place | locality | network | practice), unit_code, unit_name, locality_code, setting (a
setting, or 'ALL'), population BIGINT, weighted_population DOUBLE, need_per_head DOUBLE (the
unit's weighted population per head over the place's), target_gbp DECIMAL(38,2), actual_gbp
DECIMAL(38,2), distance_gbp (actual - target), distance_pct DOUBLE (distance over target).
Only years with a pooled budget get rows.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from .money import apportion, budget_rows, pounds, rows_table
from .person_health import KEYS
from .person_spend import charlson_band, spend_cells
from .segments import person_health
from .spend import MONEY_TOTAL, daily

ALL = "ALL"
LEVELS = ("place", "locality", "network", "practice")


def base_years(inputs) -> dict[int, int]:
    """Budget year -> base year, for every run year with a pooled budget."""
    chosen = inputs.money.fair_shares.base_year
    out = {}
    for b in inputs.budgets:
        if b.year not in inputs.fy:
            continue
        if chosen is not None:
            if chosen not in inputs.fy:
                raise ValueError(
                    f"finance.fair_shares.base_year {chosen} has no activity in this run "
                    f"(years {', '.join(map(str, inputs.fy))})"
                )
            out[b.year] = chosen
        else:
            out[b.year] = b.year - 1 if b.year - 1 in inputs.fy else b.year
    return out


def _year_pairs(inputs) -> ir.Table:
    pairs = [{"fy": fy, "base_fy": base} for fy, base in sorted(base_years(inputs).items())]
    return rows_table(inputs, pairs, {"fy": "int32", "base_fy": "int32"})


def need_group(inputs, people: ir.Table) -> ir.StringValue:
    """The additional-need group of each person-year (a constant when need_index is none)."""
    method = inputs.money.fair_shares.need_index
    if method == "deprivation":
        return people.imd_quintile.cast("string").fill_null("unknown")
    if method == "morbidity":
        return charlson_band(people.charlson)
    return ibis.literal(ALL)


def cost_weights(inputs) -> tuple[ir.Table, ir.Table]:
    """(weights, multipliers) of the base years.

    weights: base_fy, age_band, sex, setting, weight DOUBLE (cost per head; setting 'ALL'
    for all settings together). multipliers: base_fy, need_group, multiplier DOUBLE.
    """
    ph = inputs.result("person_health", person_health)
    bases = sorted(set(base_years(inputs).values()))
    people = ph.filter(ph.fy.isin(bases))
    people = people.mutate(need_group=need_group(inputs, people))
    people = people.select(*KEYS, "age_band", "sex", "need_group", "cost_gbp").view()
    cell_pop = people.group_by(["fy", "age_band", "sex"]).agg(people=people.count())
    spent = inputs.result("spend_cells", spend_cells)
    spent = spent.filter(spent.fy.isin(bases))
    by_setting = spent.group_by(["fy", "age_band", "sex", "setting"]).agg(cost=spent.cost_gbp.sum())
    whole = people.group_by(["fy", "age_band", "sex"]).agg(cost=people.cost_gbp.sum())
    cells = by_setting.union(whole.mutate(setting=ibis.literal(ALL)).select(*by_setting.columns))
    w = cells.join(cell_pop, ["fy", "age_band", "sex"])
    weights = w.select(
        base_fy=w.fy,
        age_band=w.age_band,
        sex=w.sex,
        setting=w.setting,
        weight=w.cost.cast("float64") / w.people.cast("float64"),
    )
    # Multipliers: a group's cost over the cost its age and sex predict.
    whole_w = weights.filter(weights.setting == ALL).view()
    pj = people.join(
        whole_w,
        [
            people.fy == whole_w.base_fy,
            people.age_band == whole_w.age_band,
            people.sex == whole_w.sex,
        ],
    )
    groups = pj.group_by([pj.fy.name("base_fy"), pj.need_group]).agg(
        actual=pj.cost_gbp.sum().cast("float64"), expected=pj.weight.sum()
    )
    multipliers = groups.select(
        "base_fy",
        "need_group",
        multiplier=ibis.ifelse(groups.expected > 0, groups.actual / groups.expected, 1.0),
    )
    return weights, multipliers


def weighted_practices(inputs) -> ir.Table:
    """Budget-year weighted population by practice and setting ('ALL' included): fy, base_fy,
    practice_code, setting, population BIGINT, weighted_population DOUBLE."""
    ph = inputs.result("person_health", person_health)
    pairs = _year_pairs(inputs)
    people = ph.join(pairs, "fy").view()
    people = people.mutate(need_group=need_group(inputs, people))
    counts = people.group_by(
        ["fy", "base_fy", "practice_code", "age_band", "sex", "need_group"]
    ).agg(people=people.count())
    weights, multipliers = cost_weights(inputs)
    cw = counts.join(weights, ["base_fy", "age_band", "sex"]).view()
    cwm = cw.left_join(multipliers, ["base_fy", "need_group"]).select(
        *cw.columns, multiplier=multipliers.multiplier.fill_null(1.0)
    )
    wp = cwm.group_by(["fy", "base_fy", "practice_code", "setting"]).agg(
        weighted_population=(cwm.people.cast("float64") * cwm.weight * cwm.multiplier).sum()
    )
    pop = counts.group_by(["fy", "practice_code"]).agg(population=counts.people.sum())
    # Every practice with people gets every setting of the year, weighted or not.
    settings = wp.select("fy", "base_fy", "setting").distinct()
    grid = pop.join(settings, "fy").view()
    out = grid.left_join(wp, ["fy", "base_fy", "practice_code", "setting"])
    return out.select(
        grid.fy,
        grid.base_fy,
        grid.practice_code,
        grid.setting,
        population=grid.population.cast("int64"),
        # Rounded so that the split does not depend on the order a backend adds floats in.
        weighted_population=out.weighted_population.fill_null(0.0).round(6),
    )


def setting_pots(inputs, wp: ir.Table) -> ir.Table:
    """fy, setting, pot BIGINT pence: the budget's by-setting amounts, and the rest of the
    total split over the other settings by their weighted population."""
    budget = budget_rows(inputs)
    total = budget.filter((budget.setting == ALL) & (budget.organisation_code == ALL)).select(
        "fy", total="pence"
    )
    named = budget.filter((budget.setting != ALL) & (budget.organisation_code == ALL)).select(
        "fy", "setting", named="pence"
    )
    place_wp = (
        wp.filter(wp.setting != ALL)
        .group_by(["fy", "setting"])
        .agg(wp=wp.weighted_population.sum(), pop=wp.population.sum())
    )
    s = place_wp.outer_join(named, ["fy", "setting"])
    s = s.select(
        fy=s.fy.fill_null(s.fy_right),
        setting=s.setting.fill_null(s.setting_right),
        wp=s.wp.fill_null(0.0),
        named=s.named,
    ).view()
    named_sum = s.group_by("fy").agg(named_sum=s.named.sum().fill_null(0))
    s = s.join(total, "fy").join(named_sum, "fy")
    rest = s.filter(s.named.isnull()).mutate(left=(s.total - s.named_sum).cast("int64"))
    split = apportion(rest, ["fy"], "left", "wp", ["setting"])
    named_pots = s.filter(s.named.notnull()).select("fy", "setting", pot=s.named)
    return named_pots.union(split.select("fy", "setting", pot="pence"))


def practice_targets(inputs, wp: ir.Table) -> ir.Table:
    """fy, base_fy, practice_code, setting (each, not 'ALL'), population, weighted_population,
    target_pence, from ``wp`` (:func:`weighted_practices`)."""
    pots = setting_pots(inputs, wp).view()
    # Every practice gets a row for every setting with a pot, weighted or not.
    practices = wp.filter(wp.setting == ALL).select("fy", "base_fy", "practice_code", "population")
    grid = practices.join(pots, "fy").view()
    per = wp.filter(wp.setting != ALL).select(
        "fy", "practice_code", "setting", w_pop="weighted_population"
    )
    g = grid.left_join(per, ["fy", "practice_code", "setting"])
    g = g.select(*grid.columns, weighted_population=g.w_pop.fill_null(0.0)).view()
    # A setting pot with no base-year cost behind it is split by population instead.
    setting_wp = g.group_by(["fy", "setting"]).agg(setting_wp=g.weighted_population.sum())
    j = g.join(setting_wp, ["fy", "setting"])
    j = j.mutate(
        _w=ibis.ifelse(j.setting_wp > 0, j.weighted_population, j.population.cast("float64"))
    )
    split = apportion(j, ["fy", "setting"], "pot", "_w", ["practice_code"])
    return split.select(
        "fy",
        "base_fy",
        "practice_code",
        "setting",
        "population",
        "weighted_population",
        target_pence="pence",
    )


def _actuals(inputs) -> ir.Table:
    """Budget-year spend by practice (NULL: not registered with the place) and setting."""
    act = daily(inputs)
    act = act.filter(act.fy.isin(list(base_years(inputs))))
    return act.group_by(["fy", "practice_code", "setting"]).agg(
        actual=act.cost_gbp.sum().cast(MONEY_TOTAL)
    )


def fair_shares(inputs) -> ir.Table:
    """The ``fair_shares`` result (see the module docstring)."""
    if not base_years(inputs):
        return _empty(inputs)
    wp = weighted_practices(inputs).view()
    targets = practice_targets(inputs, wp)
    practice_all = targets.group_by(["fy", "base_fy", "practice_code"]).agg(
        population=targets.population.max(),
        target_pence=targets.target_pence.sum(),
    )
    wp_all = wp.filter(wp.setting == ALL).select(
        "fy", "practice_code", weighted_population="weighted_population"
    )
    practice_all = practice_all.join(wp_all, ["fy", "practice_code"]).select(
        "fy",
        "base_fy",
        "practice_code",
        setting=ibis.literal(ALL),
        population="population",
        weighted_population="weighted_population",
        target_pence="target_pence",
    )
    per_practice = targets.select(*practice_all.columns).union(practice_all)
    hierarchy = _hierarchy(inputs)
    ph = per_practice.join(hierarchy, "practice_code")
    levels = []
    for level in LEVELS:
        code, name, locality = _level_keys(ph, level)
        rolled = ph.group_by(
            [
                ph.fy,
                ph.base_fy,
                ph.setting,
                code.name("unit_code"),
                name.name("unit_name"),
                locality.name("locality_code"),
            ]
        ).agg(
            population=ph.population.sum().cast("int64"),
            weighted_population=ph.weighted_population.sum().round(6),
            target_pence=ph.target_pence.sum(),
        )
        levels.append(rolled.mutate(level=ibis.literal(level)))
    units = levels[0]
    for more in levels[1:]:
        units = units.union(more.select(*units.columns))
    units = units.view()
    actual = _actual_by_unit(inputs, hierarchy)
    j = units.left_join(actual, ["fy", "level", "unit_code", "setting"])
    place_rate = units.filter(units.level == "place").select(
        "fy", "setting", place_wp="weighted_population", place_pop="population"
    )
    j = j.select(*units.columns, actual=actual.actual).view()
    k = j.join(place_rate, ["fy", "setting"])
    per_head = k.weighted_population / k.population.cast("float64").nullif(0.0)
    place_per_head = k.place_wp / k.place_pop.cast("float64").nullif(0.0)
    target = pounds(k.target_pence)
    actual_gbp = k.actual.fill_null(ibis.literal(0, type=MONEY_TOTAL)).cast(MONEY_TOTAL)
    distance = (actual_gbp - target).cast(MONEY_TOTAL)
    return k.select(
        k.fy,
        k.base_fy,
        need_index=ibis.literal(inputs.money.fair_shares.need_index),
        level=k.level,
        unit_code=k.unit_code,
        unit_name=k.unit_name,
        locality_code=k.locality_code,
        setting=k.setting,
        population=k.population,
        weighted_population=k.weighted_population,
        # Rounded: the last bits of a float ratio differ between backends.
        need_per_head=(per_head / place_per_head.nullif(0.0)).round(9),
        target_gbp=target,
        actual_gbp=actual_gbp,
        distance_gbp=distance,
        distance_pct=distance.cast("float64") / target.cast("float64").nullif(0.0),
    )


def _hierarchy(inputs) -> ir.Table:
    """practice_code, practice_name, network_code, network_name, locality_code,
    locality_name."""
    p = inputs.place_practice.select(practice_code="code", practice_name="name", net="network")
    n = inputs.place_network.select(network_code="code", network_name="name", loc="locality")
    loc = inputs.place_locality.select(locality_code="code", locality_name="name")
    j = p.join(n, p.net == n.network_code).view()
    k = j.join(loc, j.loc == loc.locality_code)
    return k.select(
        "practice_code",
        "practice_name",
        "network_code",
        "network_name",
        "locality_code",
        "locality_name",
    )


def _level_keys(t: ir.Table, level: str):
    if level == "place":
        return ibis.literal(ALL), ibis.literal("Whole place"), ibis.literal(ALL)
    return t[f"{level}_code"], t[f"{level}_name"], t.locality_code


def _actual_by_unit(inputs, hierarchy: ir.Table) -> ir.Table:
    """fy, level, unit_code, setting, actual: spend rolled up like the targets; the place
    row counts every activity of the year."""
    spend = _actuals(inputs)
    both = spend.union(
        spend.group_by(["fy", "practice_code"])
        .agg(actual=spend.actual.sum())
        .mutate(setting=ibis.literal(ALL))
        .select(*spend.columns)
    ).view()
    h = hierarchy.select("practice_code", "network_code", "locality_code")
    j = both.left_join(h, "practice_code").select(
        both.fy, both.setting, both.actual, both.practice_code, h.network_code, h.locality_code
    )
    j = j.view()
    out = []
    for level in LEVELS:
        rows = j if level == "place" else j.filter(j[f"{level}_code"].notnull())
        code = ibis.literal(ALL) if level == "place" else rows[f"{level}_code"]
        out.append(
            rows.group_by([rows.fy, rows.setting, code.name("unit_code")])
            .agg(actual=rows.actual.sum().cast(MONEY_TOTAL))
            .mutate(level=ibis.literal(level))
        )
    result = out[0]
    for more in out[1:]:
        result = result.union(more.select(*result.columns))
    return result


def _empty(inputs) -> ir.Table:
    schema = {
        "fy": "int32",
        "base_fy": "int32",
        "need_index": "string",
        "level": "string",
        "unit_code": "string",
        "unit_name": "string",
        "locality_code": "string",
        "setting": "string",
        "population": "int64",
        "weighted_population": "float64",
        "need_per_head": "float64",
        "target_gbp": "decimal(38,2)",
        "actual_gbp": "decimal(38,2)",
        "distance_gbp": "decimal(38,2)",
        "distance_pct": "float64",
    }
    dummy = {n: 0 for n in schema}
    t = rows_table(
        inputs,
        [dummy | {k: "x" for k, v in schema.items() if v == "string"}],
        {k: ("string" if v == "string" else "float64") for k, v in schema.items()},
    )
    return t.filter(ibis.literal(False)).select(**{n: t[n].cast(schema[n]) for n in schema})
