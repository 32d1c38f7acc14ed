"""The four ``oneplace stats`` commands, file in and file out (rules in :mod:`.files`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .estimate import Estimate
from .files import (
    Problems,
    StatsInputError,
    StatsReport,
    Table,
    check_paths,
    group_columns,
    number,
    read_table,
    run_quietly,
    write_rows,
)
from .rates import crude_rate, proportion
from .standardisation import ESP2013, ESP2013_BANDS, dsr, isr_rate, isr_ratio

Groups = dict[tuple[str, ...], list[tuple[int, dict[str, str]]]]


def _groups(table: Table, keys: list[str]) -> Groups:
    """Rows by group, groups in order of first appearance (one group when ``keys`` is empty)."""
    groups: Groups = {}
    for line, values in table.rows:
        groups.setdefault(tuple(values[k] for k in keys), []).append((line, values))
    return groups


def _report(table: Table, est: Estimate, messages: list[str]) -> StatsReport:
    blank = int(np.count_nonzero(np.isnan(est.value)))
    return StatsReport(len(table.rows), len(est), blank, messages)


# --- crude rates and proportions ---------------------------------------------------------------
def rate_file(
    input_path: Path,
    output_path: Path,
    multiplier: float,
    group_by: Sequence[str] = (),
    statistic: str = "rate",
) -> StatsReport:
    """``oneplace stats rate`` (``statistic="rate"``) or ``proportion``."""
    check_paths(output_path, input_path)
    used = ("numerator", "denominator")
    table = read_table(input_path, used)
    keys = group_columns(table, group_by, used)
    problems = Problems()
    numerators, denominators = [], []
    for line, values in table.rows:
        x = number(line, values, "numerator", problems)
        n = number(line, values, "denominator", problems)
        # A zero denominator gives a blank (and a warning), not a problem with the file.
        if statistic == "proportion" and n > 0 and x > n:
            problems.add(f"row {line}: numerator {x:g} is above denominator {n:g}")
        numerators.append(x)
        denominators.append(n)
    problems.raise_any(input_path)

    if keys:
        groups = _groups(table, keys)
        index = {line: i for i, (line, _) in enumerate(table.rows)}
        x = np.array([sum(numerators[index[line]] for line, _ in g) for g in groups.values()])
        n = np.array([sum(denominators[index[line]] for line, _ in g) for g in groups.values()])
        header, rows = keys, [list(k) for k in groups]
    else:
        x, n = np.array(numerators), np.array(denominators)
        header = [c for c in table.columns if c not in used]
        rows = [[values[c] for c in header] for _, values in table.rows]
    if statistic == "proportion":
        est, messages = run_quietly(lambda: proportion(x, n, multiplier))
    else:
        est, messages = run_quietly(lambda: crude_rate(x, n, multiplier))
    write_rows(output_path, [*header, "numerator", "denominator"], rows, [x, n], est)
    return _report(table, est, messages)


# --- directly standardised rates ---------------------------------------------------------------
def _bands(table: Table, groups: Groups, problems: Problems) -> tuple[list[str], np.ndarray]:
    """The age bands in order and their standard population (ESP 2013 unless given)."""
    if "standard_population" not in table.columns:
        for rows in groups.values():
            for line, values in rows:
                if values["age_band"].replace(" ", "") not in ESP2013_BANDS:
                    problems.add(
                        f"row {line}: age_band {values['age_band']!r} is not an ESP 2013 band "
                        f"({', '.join(ESP2013_BANDS[:3])}, ..., 85-89, 90+); give a "
                        "standard_population column to use other bands"
                    )
        return list(ESP2013_BANDS), ESP2013
    weights: dict[str, float] = {}
    for rows in groups.values():
        for line, values in rows:
            band = values["age_band"].replace(" ", "")
            w = number(line, values, "standard_population", problems)
            if not w > 0:
                problems.add(f"row {line}: standard_population must be a number above 0")
            elif weights.setdefault(band, w) != w:
                problems.add(
                    f"row {line}: standard_population {w:g} for {band} differs from "
                    f"{weights[band]:g} on an earlier row"
                )
    return list(weights), np.array(list(weights.values()))


def _by_band(
    groups: Groups,
    bands: list[str],
    problems: Problems,
    label: str,
    columns: tuple[str, str] = ("count", "population"),
) -> tuple[np.ndarray, np.ndarray]:
    """(groups x bands) arrays of counts (blank = 0) and populations (blank = missing)."""
    where = {band: i for i, band in enumerate(bands)}
    events = np.zeros((len(groups), len(bands)))
    people = np.full((len(groups), len(bands)), np.nan)
    for g, (key, rows) in enumerate(groups.items()):
        seen: dict[str, int] = {}
        for line, values in rows:
            band = values["age_band"].replace(" ", "")
            if band not in where:
                continue  # reported by the caller's band check
            if band in seen:
                problems.add(f"row {line}: age_band {band} repeats row {seen[band]} in its group")
            seen[band] = line
            events[g, where[band]] = np.nan_to_num(number(line, values, columns[0], problems))
            people[g, where[band]] = number(line, values, columns[1], problems)
        absent = [b for b in bands if b not in seen]
        if absent:
            name = f"group {', '.join(key)}" if key else "the file"
            problems.add(f"{name}: no row for {label} age band(s) {', '.join(absent)}")
    return events, people


def dsr_file(
    input_path: Path, output_path: Path, multiplier: float, group_by: Sequence[str] = ()
) -> StatsReport:
    """``oneplace stats dsr``: one directly standardised rate per group."""
    check_paths(output_path, input_path)
    used = ("age_band", "count", "population", "standard_population")
    table = read_table(input_path, used[:3])
    keys = group_columns(table, group_by, used)
    groups = _groups(table, keys)
    problems = Problems()
    bands, weights = _bands(table, groups, problems)
    events, people = _by_band(groups, bands, problems, "the")
    problems.raise_any(input_path)
    est, messages = run_quietly(lambda: dsr(events, people, weights, multiplier))
    totals = [events.sum(axis=1), people.sum(axis=1)]
    write_rows(
        output_path, [*keys, "total_count", "total_pop"], [list(k) for k in groups], totals, est
    )
    return _report(table, est, messages)


# --- indirectly standardised ratios and rates --------------------------------------------------
def _reference(path: Path) -> tuple[list[str], np.ndarray, float]:
    """The reference's bands, age-specific rates and crude rate; every rule checked."""
    table = read_table(path, ("age_band", "count", "population"))
    problems = Problems()
    bands: dict[str, int] = {}
    events, people = [], []
    for line, values in table.rows:
        band = values["age_band"].replace(" ", "")
        if band in bands:
            problems.add(f"row {line}: age_band {band} repeats row {bands[band]}")
        bands[band] = line
        x = number(line, values, "count", problems)
        n = number(line, values, "population", problems)
        if np.isnan(x):
            problems.add(f"row {line}: count is blank; the reference needs every count")
        if not n > 0:
            problems.add(f"row {line}: population must be above 0 in the reference")
        events.append(x)
        people.append(n)
    if not table.rows:
        problems.add("the reference has no rows")
    problems.raise_any(path)
    x, n = np.array(events), np.array(people)
    return list(bands), x / n, float(x.sum() / n.sum())


def isr_file(
    input_path: Path,
    reference_path: Path,
    output_path: Path,
    kind: str = "ratio",
    multiplier: float | None = None,
    group_by: Sequence[str] = (),
) -> StatsReport:
    """``oneplace stats isr``: an indirectly standardised ratio or rate per group."""
    if kind not in ("ratio", "rate"):
        raise StatsInputError(f"--type must be ratio or rate, not {kind!r}")
    check_paths(output_path, input_path, reference_path)
    bands, rates, crude = _reference(reference_path)
    used = ("age_band", "count", "population")
    table = read_table(input_path, used)
    keys = group_columns(table, group_by, used)
    groups = _groups(table, keys)
    problems = Problems()
    for line, values in table.rows:
        if values["age_band"].replace(" ", "") not in bands:
            problems.add(
                f"row {line}: age_band {values['age_band']!r} is not in the reference "
                f"{reference_path} ({', '.join(bands)})"
            )
    events, people = _by_band(groups, bands, problems, "the reference's")
    problems.raise_any(input_path)
    observed = events.sum(axis=1)
    expected = (people * rates).sum(axis=1)
    if kind == "ratio":
        scale = 1.0 if multiplier is None else multiplier
        est, messages = run_quietly(lambda: isr_ratio(observed, expected, scale))
    else:
        scale = 100_000.0 if multiplier is None else multiplier
        est, messages = run_quietly(lambda: isr_rate(observed, expected, crude, scale))
    totals = [observed, expected, people.sum(axis=1)]
    header = [*keys, "observed", "expected", "total_pop"]
    write_rows(output_path, header, [list(k) for k in groups], totals, est)
    return _report(table, est, messages)
