"""Spend against budget in the year: spend to date, forecast outturn and variance by setting,
partner organisation and locality, and whether the hospital share of spend is falling.

Rules:

* **Cut-off** of a financial year: ``finance.as_of`` when it falls in the year (activity after
  it is not counted), else the year's last activity start date. A year is **complete** when
  its cut-off is its last day (31 March), or it ends before ``as_of``, or (without
  ``as_of``) the run has a later year; otherwise it is a year to date.
* **Spend to date**: activity of the year starting on or before the cut-off. The **same
  period of the prior year** is the prior year's activity up to the same day of the year
  (days since 1 April), so a partial year is compared like with like.
* **Forecast outturn**: a complete year's spend (method ``actual``); else the spend to date
  scaled by the prior year's profile, ``to_date x prior_full_year / prior_same_period``
  (``prior_year_profile``), when the prior year is in the run and had spend in that period;
  else the daily run rate, ``to_date x days_in_year / days_elapsed`` (``run_rate``). The
  forecast is rounded to the penny.
* **Budgets**: the place's pooled budget (``total_gbp``) for the place, ``by_setting`` for
  settings and ``by_organisation`` for partners (:mod:`.spend`'s attribution); a locality's
  budget is its fair-share target (:mod:`.fair_shares`). Variance = budget - forecast
  (positive: forecast underspend).
* **Hospital share to date**: hospital spend (:data:`oneplace.schema.HOSPITAL_SETTINGS`) over
  all spend to the cut-off, against the same period of the prior year (the whole prior year
  when the year is complete); ``falling`` when it
  is lower (NULL without a prior year).

Result contracts:

* ``spend_against_budget``: fy INT, as_of DATE, year_complete BOOLEAN, level (place | setting
  | organisation | locality), code, name, budget_gbp DECIMAL(38,2) (NULL: no budget),
  spend_to_date_gbp, prior_year_to_date_gbp, prior_year_gbp (DECIMAL(38,2), NULL without a
  prior year), forecast_gbp DECIMAL(38,2), forecast_method, variance_gbp DECIMAL(38,2),
  variance_pct DOUBLE (variance over budget).
* ``hospital_share_to_date``: fy, as_of, locality_code (each, and 'ALL'), hospital_gbp,
  total_gbp, hospital_share DOUBLE, prior_year_share DOUBLE, change_points DOUBLE
  (percentage points), falling BOOLEAN.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from ..schema import HOSPITAL_SETTINGS
from .fair_shares import fair_shares
from .money import budget_rows, pounds
from .spend import MONEY_TOTAL, WHOLE_PLACE, daily

ZERO = ibis.literal(0, type=MONEY_TOTAL)


def _fy_start(fy: ir.IntegerValue) -> ir.DateValue:
    return ibis.date(fy, 4, 1)


def dated_activity(inputs) -> ir.Table:
    """Attributed spend of the run's years by day (:func:`.spend.spend_daily`) with ``day``
    (days since 1 April), cut at ``finance.as_of``."""
    act = daily(inputs)
    as_of = inputs.money.as_of
    if as_of is not None:
        act = act.filter(act.start_date <= ibis.literal(as_of))
    return act.mutate(day=act.start_date.delta(_fy_start(act.fy), unit="day").cast("int32"))


def cut_offs(inputs, act: ir.Table) -> ir.Table:
    """fy, as_of (the cut-off date), day (its day of the year), days_in_year,
    year_complete."""
    last = act.group_by("fy").agg(last_day=act.day.max(), last_date=act.start_date.max())
    latest = max(inputs.fy) if inputs.fy else 0
    year_days = ibis.date(last.fy + 1, 4, 1).delta(_fy_start(last.fy), unit="day").cast("int32")
    complete = (last.last_day >= year_days - 1) | (last.fy < latest)
    cut_date, cut_day = last.last_date, last.last_day
    as_of = inputs.money.as_of
    if as_of is not None:
        # The year of as_of is cut there (complete when as_of is its last day); earlier years
        # are complete.
        in_year = last.fy == _fy_of(as_of)
        at = ibis.literal(as_of)
        complete = (last.fy < _fy_of(as_of)) | (in_year & (at >= ibis.date(last.fy + 1, 3, 31)))
        cut_date = ibis.ifelse(in_year, at, last.last_date)
        cut_day = ibis.ifelse(
            in_year, at.delta(_fy_start(last.fy), unit="day").cast("int32"), last.last_day
        )
    return last.select(
        "fy",
        as_of=ibis.ifelse(complete, ibis.date(last.fy + 1, 3, 31), cut_date),
        day=ibis.ifelse(complete, year_days - 1, cut_day),
        days_in_year=year_days,
        year_complete=complete,
    )


def _fy_of(day) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _totals(act: ir.Table, cuts: ir.Table, level: str, code, name) -> ir.Table:
    """Spend of each unit: to date, prior year to the same day, prior year, per fy."""
    unit = act.select("fy", "day", "cost_gbp", "setting", code=code, name=name).view()
    j = unit.join(cuts.select("fy", cut_day="day"), "fy")
    this = j.group_by(["fy", "code", "name"]).agg(to_date=j.cost_gbp.sum().cast(MONEY_TOTAL))
    # The prior year's spend, whole and to the same day as this year's cut-off.
    prior = unit.mutate(next_fy=unit.fy + 1).view()
    c = cuts.select(c_fy="fy", cut_day="day")
    pj = prior.join(c, prior.next_fy == c.c_fy)
    before = pj.group_by([pj.next_fy.name("fy"), pj.code]).agg(
        prior_full=pj.cost_gbp.sum().cast(MONEY_TOTAL),
        prior_same=ibis.ifelse(pj.day <= pj.cut_day, pj.cost_gbp, ZERO).sum().cast(MONEY_TOTAL),
    )
    out = this.left_join(before, ["fy", "code"])
    return out.select(
        this.fy, this.code, this.name, this.to_date, before.prior_full, before.prior_same
    ).mutate(level=ibis.literal(level))


def spend_against_budget(inputs) -> ir.Table:
    """The ``spend_against_budget`` result (see the module docstring)."""
    act = dated_activity(inputs)
    cuts = cut_offs(inputs, act)
    loc = inputs.place_locality.select(l_code="code", l_name="name")
    act_l = act.left_join(loc, act.locality_code == loc.l_code)
    act_l = act_l.select(*act.columns, locality_name=act_l.l_name.fill_null(act_l.locality_code))
    units = [
        _totals(act, cuts, "place", ibis.literal(WHOLE_PLACE), ibis.literal("Whole place")),
        _totals(act, cuts, "setting", act.setting, act.setting),
        _totals(act, cuts, "organisation", act.organisation_code, act.organisation_name),
        _totals(act_l, cuts, "locality", act_l.locality_code, act_l.locality_name),
    ]
    spend = units[0]
    for more in units[1:]:
        spend = spend.union(more.select(*spend.columns))
    spend = spend.view()
    budgets = _budgets(inputs).view()
    j = spend.outer_join(budgets, ["fy", "level", "code"])
    j = j.select(
        fy=j.fy.fill_null(j.fy_right),
        level=j.level.fill_null(j.level_right),
        code=j.code.fill_null(j.code_right),
        name=j.name.fill_null(j.b_name),
        budget_gbp=j.budget_gbp,
        to_date=j.to_date.fill_null(ZERO),
        prior_full=j.prior_full,
        prior_same=j.prior_same,
    ).view()
    k = j.join(cuts, "fy")
    # A prior year is one the run has: the year before, with its activity.
    has_prior = k.fy.isin([y + 1 for y in inputs.fy])
    profile = has_prior & (k.prior_same.fill_null(ZERO) > ZERO)
    to_date = k.to_date.cast("float64")
    scaled = to_date * k.prior_full.cast("float64") / k.prior_same.cast("float64").nullif(0.0)
    rate = to_date * k.days_in_year.cast("float64") / (k.day + 1).cast("float64")
    forecast = ibis.cases(
        (k.year_complete, k.to_date.cast("float64")),
        (profile, scaled),
        else_=rate,
    )
    forecast = forecast.round(2).cast(MONEY_TOTAL)
    method = ibis.cases(
        (k.year_complete, "actual"), (profile, "prior_year_profile"), else_="run_rate"
    )
    variance = (k.budget_gbp - forecast).cast(MONEY_TOTAL)
    return k.select(
        k.fy,
        k.as_of,
        k.year_complete,
        k.level,
        k.code,
        k.name,
        k.budget_gbp,
        spend_to_date_gbp=k.to_date,
        # A complete year is compared with the whole prior year (which may be a day longer).
        prior_year_to_date_gbp=ibis.ifelse(
            has_prior,
            ibis.ifelse(k.year_complete, k.prior_full, k.prior_same).fill_null(ZERO),
            None,
        ),
        prior_year_gbp=ibis.ifelse(has_prior, k.prior_full.fill_null(ZERO), None),
        forecast_gbp=forecast,
        forecast_method=method,
        variance_gbp=variance,
        variance_pct=variance.cast("float64") / k.budget_gbp.cast("float64").nullif(0.0),
    )


def _budgets(inputs) -> ir.Table:
    """fy, level, code, b_name, budget_gbp: the budget of each unit that has one."""
    b = budget_rows(inputs)
    total = b.filter((b.setting == "ALL") & (b.organisation_code == "ALL")).select(
        "fy", level=ibis.literal("place"), code=ibis.literal(WHOLE_PLACE), pence="pence"
    )
    settings = b.filter(b.setting != "ALL").select(
        "fy", level=ibis.literal("setting"), code="setting", pence="pence"
    )
    orgs = b.filter(b.organisation_code != "ALL").select(
        "fy", level=ibis.literal("organisation"), code="organisation_code", pence="pence"
    )
    named = total.union(settings).union(orgs)
    named = named.select("fy", "level", "code", b_name=named.code, budget_gbp=pounds(named.pence))
    org = inputs.place_organisation.select(o_code="code", o_name="name")
    named = named.left_join(org, named.code == org.o_code).select(
        "fy",
        "level",
        "code",
        "budget_gbp",
        b_name=ibis.ifelse(
            named.level == "place", ibis.literal("Whole place"), org.o_name.fill_null(named.code)
        ),
    )
    fs = inputs.result("fair_shares", fair_shares)
    loc = fs.filter((fs.level == "locality") & (fs.setting == "ALL")).select(
        "fy",
        level=ibis.literal("locality"),
        code="unit_code",
        budget_gbp=fs.target_gbp.cast(MONEY_TOTAL),
        b_name="unit_name",
    )
    return named.union(loc.select(*named.columns))


def hospital_share_to_date(inputs) -> ir.Table:
    """The ``hospital_share_to_date`` result (see the module docstring)."""
    act = dated_activity(inputs)
    cuts = cut_offs(inputs, act)
    both = (
        act.select("fy", "day", "cost_gbp", "setting", "locality_code")
        .union(
            act.select("fy", "day", "cost_gbp", "setting", locality_code=ibis.literal(WHOLE_PLACE))
        )
        .view()
    )
    hospital = ibis.ifelse(both.setting.isin(HOSPITAL_SETTINGS), both.cost_gbp, ZERO)
    marked = both.mutate(hospital=hospital, next_fy=both.fy + 1).view()
    j = marked.join(cuts.select("fy", "as_of"), "fy")
    this = j.group_by(["fy", "as_of", "locality_code"]).agg(
        hospital_gbp=j.hospital.sum().cast(MONEY_TOTAL),
        total_gbp=j.cost_gbp.sum().cast(MONEY_TOTAL),
    )
    c = cuts.select(c_fy="fy", cut_day="day", c_complete="year_complete")
    pj = marked.join(c, marked.next_fy == c.c_fy)
    # A complete year is compared with the whole prior year (which may be a day longer).
    pj = pj.filter((pj.day <= pj.cut_day) | pj.c_complete)
    prior = pj.group_by([pj.next_fy.name("fy"), pj.locality_code]).agg(
        p_hospital=pj.hospital.sum().cast("float64"), p_total=pj.cost_gbp.sum().cast("float64")
    )
    k = this.left_join(prior, ["fy", "locality_code"])
    share = this.hospital_gbp.cast("float64") / this.total_gbp.cast("float64").nullif(0.0)
    prior_share = k.p_hospital / k.p_total.nullif(0.0)
    return k.select(
        this.fy,
        this.as_of,
        this.locality_code,
        this.hospital_gbp,
        this.total_gbp,
        hospital_share=share,
        prior_year_share=prior_share,
        change_points=(share - prior_share) * 100.0,
        falling=share < prior_share,
    )
