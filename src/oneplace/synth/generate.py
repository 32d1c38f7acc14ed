"""Orchestrates the generator: place, people, conditions, deaths, activity, diagnoses, files.

Everything is drawn from one ``numpy.random.Generator(PCG64(seed))`` in a fixed order, and
Parquet is written by pyarrow without timestamps, so a seed and arguments give identical bytes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from .. import reference
from ..place import dump_place
from . import activity as A
from . import emergency as E
from . import params as P
from .arrowio import Writer, dates, day, fixed_ids, lookup, money
from .care_homes import CareHomes
from .conditions import assign, mortality_multiplier
from .diagnoses import Coder, episode_diagnoses
from .place import (
    ACUTE,
    AMBULANCE,
    BOROUGHS,
    COMMUNITY,
    GP_FEDERATION,
    MENTAL_HEALTH,
    OUT_OF_AREA_ACUTE,
    VOLUNTARY,
    build_place,
    with_budgets,
)
from .population import assign_deaths, borough_counts, make_people, practice_on

LAST_FY = 2024  # 2024/25, the last complete financial year of data
OUT_OF_AREA_SHARE = 0.1
TABLE_NAMES = ("person", "registration", "activity", "diagnosis")


class Run:
    """State shared by the stages: people, writers, id counter, spend accumulators."""

    def __init__(self, people: int, seed: int, years: int, out: Path, progress) -> None:
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.out = out
        self.progress = progress or (lambda stage, fraction: None)
        self.fys = list(range(LAST_FY - years + 1, LAST_FY + 1))
        self.fy_starts = [day(date(y, 4, 1)) for y in self.fys]
        self.start, self.end = self.fy_starts[0], day(date(LAST_FY + 1, 3, 31))
        self.n_people = people
        self.next_id = 1
        self.cost = A.unit_pence(reference.read("unit_costs_2023_24"))
        self.methods: list[str | None] = [
            None,
            *(m for m, _ in P.NEL_METHODS),
            *(m for m, _ in P.ELECTIVE_METHODS),
        ]
        self.types: list[str] = []
        self.spend_setting = {y: {} for y in self.fys}
        self.spend_org = {y: {} for y in self.fys}

    # -- helpers -----------------------------------------------------------------------
    def type_index(self, name: str) -> int:
        if name not in self.types:
            self.types.append(name)
        return self.types.index(name)

    def emit(self, setting, person, start, end, provider, pence, units, atype, method=None):
        """Write one chunk of activity; returns the activity numbers given to the rows."""
        m = len(person)
        numbers = np.arange(self.next_id, self.next_id + m, dtype=np.int64)
        self.next_id += m
        if m == 0:
            return numbers
        method = np.zeros(m, np.int32) if method is None else method
        atype = np.full(m, atype, np.int32) if np.isscalar(atype) else atype
        self.activity.write(
            {
                "activity_id": fixed_ids("A", numbers, 10),
                "person_id": self.person_ids.take(pa.array(person)),
                "provider_code": lookup(provider, self.providers),
                "setting": lookup(np.zeros(m, np.int32), [setting]),
                "start_date": dates(start),
                "end_date": dates(end),
                "admission_method": lookup(method, self.methods),
                "cost_gbp": money(pence),
                "units": pa.array(np.asarray(units, np.float64)),
                "activity_type": lookup(atype, self.types),
            }
        )
        fy = np.searchsorted(np.array(self.fy_starts), start, side="right") - 1
        for k, y in enumerate(self.fys):
            sel = fy == k
            total = int(pence[sel].sum())
            if total:
                self.spend_setting[y][setting] = self.spend_setting[y].get(setting, 0) + total
            by_prov = np.bincount(provider[sel], weights=pence[sel], minlength=len(self.providers))
            for p in np.flatnonzero(by_prov):
                org = self.provider_org[p]
                self.spend_org[y][org] = self.spend_org[y].get(org, 0) + int(by_prov[p])
        return numbers

    def write_diagnoses(self, person, numbers, start, act, code, position) -> None:
        m = len(act)
        self.diagnosis.write(
            {
                "person_id": self.person_ids.take(pa.array(person[act])),
                "activity_id": fixed_ids("A", numbers[act], 10),
                "date": dates(start[act]),
                "code_system": lookup(np.zeros(m, np.int32), ["icd10"]),
                "code": lookup(code, self.coder.codes),
                "position": pa.array(position),
            }
        )


def generate_files(people: int, seed: int, years: int, out: Path, progress=None) -> dict:
    if people < 3 or not 1 <= years <= 10:
        raise ValueError("people must be at least 3 and years between 1 and 10")
    out.mkdir(parents=True, exist_ok=True)
    run = Run(people, seed, years, out, progress)
    rng = run.rng
    counts = borough_counts(people)
    frame = build_place(counts, rng)
    run.providers = [o.code for o in frame.place.organisations] + frame.practice_codes
    run.provider_org = [o.code for o in frame.place.organisations] + [GP_FEDERATION] * len(
        frame.practice_codes
    )
    org = {c: i for i, c in enumerate(run.providers)}
    run.person_ids = fixed_ids("P", np.arange(people), 8)
    pe = make_people(counts, frame.practice_borough, frame.practice_weight, run.start, run.end, rng)
    cond = assign(pe.age, pe.male, pe.decile, rng)
    care = CareHomes(pe, cond, run.start, rng)
    assign_deaths(pe, mortality_multiplier(cond), run.fy_starts, run.end, rng, care)
    frailty = rng.gamma(P.GAMMA_SHAPE, 1 / P.GAMMA_SHAPE, pe.n)
    final = E.terminal(pe, care, run.fy_starts, run.end, rng)
    until = E.admission_limit(pe, final)
    run.coder = coder = Coder(cond.names)
    record = coder.record_codes(cond.has, pe.male, rng)
    frail = cond.column("frailty") | cond.column("dementia")
    run.progress("people", 0.1)

    paths = {t: out / f"{t}.parquet" for t in TABLE_NAMES}
    _write_people(run, pe, frame, paths)
    run.activity = Writer("activity", paths["activity"])
    run.diagnosis = Writer("diagnosis", paths["diagnosis"])
    _record_diagnoses(run, pe, cond, record)

    def acute(m: int) -> np.ndarray:
        """The acute provider of m spells: the place's trust, or out of area."""
        out_of_area = rng.random(m) < OUT_OF_AREA_SHARE
        return np.where(out_of_area, org[OUT_OF_AREA_ACUTE], org[ACUTE]).astype(np.int32)

    n_practice_offset = len(frame.place.organisations)
    op_rates, op_share = A.outpatient_rates(), A.outpatient_mix()
    op_mix = tuple((t, op_share[t]) for t in ("consultant_led", "non_consultant_led", "procedure"))
    op_items = ("op_first", "op_follow_up", "op_non_consultant_led", "op_procedure")
    op_pence = np.array([run.cost[i] for i in op_items], np.int64)
    op_kinds = ("first_attendance", "follow_up", "non_consultant_led", "procedure")
    op_types = np.array([run.type_index(t) for t in op_kinds])
    bounds = [*run.fy_starts, run.end + 1]
    for k, y in enumerate(run.fys):
        ex = A.Exposure(pe, k, bounds[k], bounds[k + 1] - 1)
        mult = {s: A.setting_multiplier(s, cond, pe.decile, frailty) for s in P.SETTINGS}

        def episodes(setting, idx, start, end, pence, atype, method, provider=None, ex=ex, **how):
            prov = acute(len(idx)) if provider is None else provider
            numbers = run.emit(
                setting, idx, start, end, prov, pence, np.ones(len(idx)), atype, method
            )
            act, code, pos = episode_diagnoses(
                coder,
                setting,
                idx,
                ex.age[idx],
                pe.male[idx],
                cond.has,
                record,
                P.SETTINGS[setting]["excess"],
                frail,
                rng,
                **how,
            )
            run.write_diagnoses(idx, numbers, start, act, code, pos)
            return prov

        # Planned admissions: ordinary electives and day cases, none after an admission at the
        # end of life has begun.
        for setting, item in (("acute_elective", "elective_inpatient"), ("day_case", "day_case")):
            idx, start = ex.draw(ex.rates(P.SETTINGS[setting]["rate"], mult[setting]), rng)
            keep = start <= until[idx]
            idx, start = idx[keep], start[keep]
            los = 0 if setting == "day_case" else 1 + rng.poisson(2.0, len(idx))
            end = np.minimum(start + los, until[idx]).astype(np.int32)
            method = 5 + A.choose(P.ELECTIVE_METHODS, len(idx), rng).astype(np.int32)
            episodes(
                setting,
                idx,
                start,
                end,
                np.full(len(idx), run.cost[item], np.int64),
                run.type_index("ordinary" if setting == "acute_elective" else "day_case"),
                method,
            )
            if setting == "acute_elective":
                elective = (idx, end)

        # Emergency admissions (emergency.py: falls, readmissions, deaths in hospital and the
        # rest), with the A&E attendance of those admitted via A&E.
        sp = E.emergency_spells(
            ex,
            cond,
            frailty,
            mult["acute_non_elective"],
            final,
            until,
            *elective,
            bounds[k],
            bounds[k + 1] - 1,
            rng,
        )
        idx, start = sp.person, sp.start
        method = 1 + A.choose(P.NEL_METHODS, len(idx), rng).astype(np.int32)
        atype = np.where(sp.short, run.type_index("short_stay"), run.type_index("long_stay"))
        prov = episodes(
            "acute_non_elective",
            idx,
            start,
            sp.end,
            A.nel_cost(sp.los, sp.short, sp.band, run.cost),
            atype,
            method,
            fall=sp.kind == E.FALL,
            baseline=np.where(
                (sp.kind == E.READMISSION) | (sp.kind == E.TERMINAL),
                P.CONDITION_ADMISSION_BASELINE,
                1.0,
            ),
        )
        via_ae = method == 1
        ed_idx2, ed_start2 = ex.draw(
            ex.rates(P.SETTINGS["emergency_department"]["rate"], mult["emergency_department"]), rng
        )
        ed_idx = np.concatenate([idx[via_ae], ed_idx2])
        ed_start = np.concatenate([start[via_ae], ed_start2])
        ed_prov = np.concatenate([prov[via_ae], acute(len(ed_idx2))])
        m = len(ed_idx)
        run.emit(
            "emergency_department",
            ed_idx,
            ed_start,
            ed_start,
            ed_prov,
            np.full(m, run.cost["ed_attendance"], np.int64),
            np.ones(m),
            run.type_index("attendance"),
        )
        conv = rng.random(m) < np.asarray(P.AMBULANCE_CONVEY)[ex.band[ed_idx]]
        st_idx, st_start = ex.draw(
            ex.rates(P.SETTINGS["ambulance_see_treat"]["rate"], mult["ambulance_see_treat"]), rng
        )
        for who, when, item, kind in (
            (ed_idx[conv], ed_start[conv], "ambulance_see_convey", "see_and_convey"),
            (st_idx, st_start, "ambulance_see_treat", "see_and_treat"),
        ):
            run.emit(
                "wider_services",
                who,
                when,
                when,
                np.full(len(who), org[AMBULANCE]),
                np.full(len(who), run.cost[item], np.int64),
                np.ones(len(who)),
                run.type_index(kind),
            )
        run.progress(f"hospital care {y}", 0.1 + 0.8 * (k + 0.3) / len(run.fys))

        # Outpatients: consultant-led (first or follow-up), non-consultant-led or a procedure,
        # in NCC 2023/24 proportions and volume.
        idx, start = ex.draw(ex.rates(op_rates, mult["outpatient"]), rng)
        kind = A.choose(op_mix, len(idx), rng)
        first = (kind == 0) & (rng.random(len(idx)) < P.OUTPATIENT_FIRST)
        item = np.where(kind == 0, np.where(first, 0, 1), kind + 1)
        episodes("outpatient", idx, start, start, op_pence[item], op_types[item], None)
        run.progress(f"outpatients {y}", 0.1 + 0.8 * (k + 0.6) / len(run.fys))

        # Community, mental health, primary care, voluntary sector.
        simple = (
            ("primary_care", None, "gp_appointment", "gp_appointment"),
            ("mental_health", org[MENTAL_HEALTH], "mh_contact", "care_contact"),
            ("voluntary_sector", org[VOLUNTARY], "link_worker_hour", "social_prescribing"),
        )
        for setting, provider, item, kind in simple:
            idx, start = ex.draw(ex.rates(P.SETTINGS[setting]["rate"], mult[setting]), rng)
            prov = (
                n_practice_offset + practice_on(pe, idx, start)
                if provider is None
                else np.full(len(idx), provider)
            )
            run.emit(
                setting,
                idx,
                start,
                start,
                prov.astype(np.int32),
                np.full(len(idx), run.cost[item], np.int64),
                np.ones(len(idx)),
                run.type_index(kind),
            )
        idx, start = ex.draw(ex.rates(P.SETTINGS["community"]["rate"], mult["community"]), rng)
        u = rng.random(len(idx))
        matron = frail[idx] & (u < P.COMMUNITY_MATRON)
        nurse = ~matron & (rng.random(len(idx)) < P.COMMUNITY_NURSING)
        item = np.where(matron, 1, np.where(nurse, 0, 2))
        pence = np.array(
            [run.cost["district_nurse"], run.cost["community_matron"], run.cost["community_other"]],
            np.int64,
        )[item]
        kinds = np.array(
            [
                run.type_index("district_nursing"),
                run.type_index("community_matron"),
                run.type_index("community_therapy"),
            ]
        )[item]
        run.emit(
            "community",
            idx,
            start,
            start,
            np.full(len(idx), org[COMMUNITY]),
            pence,
            np.ones(len(idx)),
            kinds,
        )
        _prescribing(run, pe, cond, ex, frailty, bounds[k], bounds[k + 1] - 1, n_practice_offset)
        run.progress(f"community and primary care {y}", 0.1 + 0.8 * (k + 1) / len(run.fys))

    _social_care(run, pe, cond, care, org)
    run.activity.close()
    run.diagnosis.close()
    run.progress("social care", 0.95)
    place = with_budgets(frame.place, run.spend_setting, run.spend_org, rng)
    place_path = out / "place.yaml"
    place_path.write_text(dump_place(place), encoding="utf-8")
    run.progress("done", 1.0)
    rows = {
        "person": pe.n,
        "registration": run.registration_rows,
        "activity": run.activity.rows,
        "diagnosis": run.diagnosis.rows,
    }
    spend = {y: sum(v.values()) / 100 for y, v in run.spend_setting.items()}
    return dict(
        paths=paths,
        place_path=place_path,
        rows=rows,
        spend_gbp=spend,
        financial_years=run.fys,
        deaths=int((pe.death >= 0).sum()),
    )


def _write_people(run: Run, pe, frame, paths) -> None:
    years = 1970 + (pe.birth_day.astype("datetime64[D]").astype("datetime64[Y]").astype(int))
    w = Writer("person", paths["person"])
    w.write(
        {
            "person_id": fixed_ids("P", np.arange(pe.n), 8),
            "year_of_birth": pa.array(years.astype(np.int32)),
            "sex": lookup(pe.male.astype(np.int32), ["F", "M"]),
            "lsoa": lookup(pe.lsoa, pe.lsoa_codes),
            "imd_decile": pa.array(pe.decile.astype(np.int32)),
            "date_of_death": dates(np.maximum(pe.death, 0), pe.death < 0),
            "opted_out": pa.array(pe.opted_out),
        }
    )
    w.close()
    moved = np.flatnonzero(pe.move_day < np.iinfo(np.int32).max)
    person = np.concatenate([np.arange(pe.n), moved])
    practice = np.concatenate([pe.practice, pe.practice2[moved]])
    start = np.concatenate([pe.reg_start, pe.move_day[moved]])
    end = np.concatenate([np.where(pe.death >= 0, pe.death, -1), pe.exit[moved]])
    end[moved] = pe.move_day[moved] - 1
    end[pe.n :] = np.where(pe.death[moved] >= 0, pe.death[moved], -1)
    order = np.lexsort((start, person))
    w = Writer("registration", paths["registration"])
    w.write(
        {
            "person_id": fixed_ids("P", person[order], 8),
            "practice_code": lookup(practice[order], frame.practice_codes),
            "start_date": dates(start[order]),
            "end_date": dates(np.maximum(end[order], 0), end[order] < 0),
        }
    )
    w.close()
    run.registration_rows = w.rows


def _record_diagnoses(run: Run, pe, cond, record) -> None:
    """GP-record diagnoses: one per person and condition, dated before or at entry."""
    rng = run.rng
    for j in range(len(cond.names)):
        who = np.flatnonzero(cond.has[:, j])
        back = np.minimum(rng.random(len(who)) * 10 * 365.25, pe.entry[who] - pe.birth_day[who])
        when = (pe.entry[who] - back).astype(np.int32)
        m = len(who)
        run.diagnosis.write(
            {
                "person_id": fixed_ids("P", who, 8),
                "activity_id": pa.nulls(m, pa.string()),
                "date": dates(when),
                "code_system": lookup(np.zeros(m, np.int32), ["icd10"]),
                "code": lookup(record[who, j], run.coder.codes),
                "position": pa.array(np.ones(m, np.int32)),
            }
        )


def _prescribing(run, pe, cond, ex, frailty, lo_fy, hi_fy, offset) -> None:
    """Repeat prescribing, one row per person per quarter with items dispensed."""
    rng = run.rng
    mult = A.excess_multiplier(cond, P.PRESCRIBING_EXCESS) * frailty**0.3
    qs = [lo_fy, lo_fy + 91, lo_fy + 182, lo_fy + 273, hi_fy + 1]
    for q in range(4):
        lo = np.maximum(ex.lo, qs[q])
        hi = np.minimum(ex.hi, qs[q + 1] - 1)
        frac = np.maximum(hi - lo + 1, 0) / (qs[q + 1] - qs[q])
        w = ex.years
        num = np.bincount(ex.band, weights=mult * w, minlength=7)
        den = np.bincount(ex.band, weights=w, minlength=7)
        mean = np.where(num > 0, num / np.maximum(den, 1e-12), 1.0)
        lam = np.asarray(P.PRESCRIBING_ITEMS)[ex.band] * mult / mean[ex.band] * frac
        items = rng.poisson(lam)
        idx = np.flatnonzero(items > 0)
        prov = offset + practice_on(pe, idx, lo[idx])
        run.emit(
            "prescribing",
            idx,
            lo[idx],
            hi[idx],
            prov.astype(np.int32),
            items[idx] * run.cost["prescription_item"],
            items[idx].astype(float),
            run.type_index("repeat_prescribing"),
        )


def _social_care(run, pe, cond, care, org) -> None:
    """Care-home placements (``care``) and home-care packages, one row per person per month:
    a placement's first month, then a row for each month it continues."""
    rng = run.rng
    adult = pe.age >= 18
    months = [day(date(y + (m >= 9), (3 + m) % 12 + 1, 1)) for y in run.fys for m in range(12)]
    month_starts = np.array([*months, run.end + 1])
    council = np.array([org[b[4]] for b in BOROUGHS], np.int32)
    home = care.who
    begin = care.begin[home]
    nursing = rng.random(len(home)) < P.CARE_HOME_NURSING
    in_home = np.zeros(pe.n, bool)
    in_home[home] = True
    pkg, lo, hi = A.monthly_rows(home, begin, pe.exit[home], month_starts)
    weeks = (hi - lo + 1) / 7
    weekly = np.where(
        nursing[pkg], run.cost["nursing_home_week"], run.cost["residential_home_week"]
    )
    kinds = np.where(
        nursing[pkg], run.type_index("care_home_nursing"), run.type_index("care_home_residential")
    )
    who = home[pkg]
    run.emit(
        "social_care",
        who,
        lo,
        hi,
        council[pe.borough[who]],
        np.round(weekly * weeks).astype(np.int64),
        weeks,
        kinds,
    )
    care, begin = A.packages(
        pe, cond, P.HOME_CARE, P.HOME_CARE_EXCESS, adult & ~in_home, run.start, rng
    )
    hours = np.maximum(rng.gamma(2.0, P.HOME_CARE_HOURS / 2.0, len(care)), 1.0)
    pkg, lo, hi = A.monthly_rows(care, begin, pe.exit[care], month_starts)
    units = np.round(hours[pkg] * (hi - lo + 1) / 7, 1)
    who = care[pkg]
    run.emit(
        "social_care",
        who,
        lo,
        hi,
        council[pe.borough[who]],
        np.round(units * run.cost["home_care_hour"]).astype(np.int64),
        units,
        run.type_index("home_care"),
    )
