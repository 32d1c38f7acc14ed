"""Comorbidity and frailty indices from ICD-10 diagnoses: Charlson, Elixhauser, HFRS.

Sources (the code lists and weights are the reference tables named):

* **Charlson comorbidity index.** Conditions and ICD-10 codes: Quan H et al., *Coding
  algorithms for defining comorbidities in ICD-9-CM and ICD-10 administrative data*, Med Care
  2005;43:1130-9, table 1 (``charlson_quan2005_icd10.csv``). Weights: Charlson ME et al.,
  J Chronic Dis 1987;40:373-83 (``charlson1987``, the default) or Quan H et al., Am J
  Epidemiol 2011;173:676-82 (``quan2011``, maximum 24) (``comorbidity_weights.csv``).
* **Elixhauser comorbidities.** Conditions and ICD-10 codes: Quan et al. 2005, table 2
  (``elixhauser_quan2005_icd10.csv``). Weights: van Walraven C et al., Med Care
  2009;47:626-33 (``van_walraven``; points range from -7 to 12, so scores can be negative).
* **Hospital Frailty Risk Score.** Gilbert T et al., Lancet 2018;391:1775-82: 109 ICD-10
  three-character codes with points (``hfrs_gilbert2018.csv``); a code counts once however
  often it is recorded; risk bands low < 5, intermediate 5-15, high > 15.

Semantics, as the sources state them:

* A recorded code is normalised (:mod:`oneplace.reference.icd10`) and flags **every**
  condition whose code list holds a prefix of it: some Elixhauser codes belong to two
  conditions (I42.6 is congestive heart failure and alcohol abuse; K70.0 liver disease and
  alcohol abuse; F31.5 psychoses and depression).
* The flags report what the codes say. The **hierarchy** applies when the score is summed:
  a condition that a more severe form of it supersedes adds nothing to the score.
  Charlson (Charlson 1987 scores the severe form of each disease once; Quan 2011, table 3
  footnote): diabetes with chronic complication supersedes diabetes without; metastatic solid
  tumour supersedes any malignancy; moderate or severe liver disease supersedes mild liver
  disease. Elixhauser (Elixhauser A et al., Med Care 1998;36:8-27, as implemented in AHRQ's
  comorbidity software that van Walraven 2009 scored): complicated diabetes supersedes
  uncomplicated; metastatic cancer supersedes solid tumour without metastasis; complicated
  hypertension supersedes uncomplicated.
* Scores are not floored. A person with diagnoses but no matching code scores 0. Codes that
  are not ICD-10 match nothing; :func:`code_check` counts them.

Per person the pipeline is: the distinct codes of the input are normalised and mapped to
conditions once (a few thousand codes against the code list), joined back to the diagnoses,
and reduced per person. HFRS keeps each person's distinct three-character codes and sums
their points in tenths, so that the score is exact and the same on every backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import ibis
import ibis.expr.types as ir

from .. import reference
from ..reference.icd10 import expand
from .codes import code_prefixes, literal_rows, normalised_icd10

INDICES = ("charlson", "elixhauser", "hfrs")
HFRS_BANDS = (("low", 50), ("intermediate", 150))  # upper bounds in tenths, inclusive above
HFRS_HIGH = "high"


@dataclass(frozen=True)
class Index:
    """A comorbidity index: its conditions, code prefixes, weightings and hierarchy."""

    name: str
    conditions: tuple[str, ...]
    prefixes: tuple[tuple[str, str], ...]  # (prefix, condition)
    weightings: dict[str, dict[str, int]]  # weighting -> condition -> weight (tenths for HFRS)
    default_weighting: str
    hierarchy: tuple[tuple[str, str], ...] = ()  # (superseding, superseded)

    def weights(self, weighting: str | None) -> dict[str, int]:
        name = weighting or self.default_weighting
        if name not in self.weightings:
            known = ", ".join(self.weightings)
            raise ValueError(f"{self.name} has no weighting {name!r}; choose one of {known}")
        return self.weightings[name]


CHARLSON_HIERARCHY = (("diabwc", "diab"), ("metacanc", "canc"), ("msld", "mld"))
ELIXHAUSER_HIERARCHY = (("diabc", "diabunc"), ("metacanc", "solidtum"), ("hypc", "hypunc"))


def _code_list(table: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The conditions of a code-list reference table (columns condition, icd10) and its
    (prefix, condition) pairs."""
    codes = reference.rows(table)
    conditions = tuple(row["condition"] for row in codes)
    prefixes = tuple((p, row["condition"]) for row in codes for p in expand(row["icd10"], table))
    return conditions, prefixes


def _quan_index(
    name: str, table: str, default: str, hierarchy: tuple[tuple[str, str], ...]
) -> Index:
    conditions, prefixes = _code_list(table)
    weightings: dict[str, dict[str, int]] = {}
    for row in reference.rows("comorbidity_weights"):
        if row["index"] == name:
            weightings.setdefault(row["weighting"], {})[row["condition"]] = int(row["weight"])
    for w, table_weights in weightings.items():
        if set(table_weights) != set(conditions):
            raise ValueError(f"comorbidity_weights: {name} {w} does not weigh every condition")
    return Index(name, conditions, prefixes, weightings, default, hierarchy)


def _hfrs_index() -> Index:
    codes = reference.rows("hfrs_gilbert2018")
    tenths = {row["code"]: round(float(row["points"]) * 10) for row in codes}
    conditions = tuple(tenths)
    prefixes = tuple((c, c) for c in conditions)
    return Index("hfrs", conditions, prefixes, {"gilbert2018": tenths}, "gilbert2018")


@cache
def index(name: str) -> Index:
    """The index ``name`` (charlson, elixhauser or hfrs), read from the reference tables."""
    if name == "charlson":
        return _quan_index(
            "charlson", "charlson_quan2005_icd10", "charlson1987", CHARLSON_HIERARCHY
        )
    if name == "elixhauser":
        return _quan_index(
            "elixhauser", "elixhauser_quan2005_icd10", "van_walraven", ELIXHAUSER_HIERARCHY
        )
    if name == "hfrs":
        return _hfrs_index()
    raise ValueError(f"unknown index {name!r}; choose one of {', '.join(INDICES)}")


@cache
def code_list(table: str) -> Index:
    """A code list without weights (a reference table with columns condition, icd10), to
    flag conditions with :func:`condition_flags`."""
    conditions, prefixes = _code_list(table)
    return Index(table, conditions, prefixes, {}, "")


def code_conditions(diagnoses: ir.Table, idx: Index) -> ir.Table:
    """Each distinct recorded ``code`` of ``diagnoses`` with each condition it flags
    (columns code, condition); codes that flag nothing are absent."""
    codes = diagnoses.select("code").distinct()
    codes = codes.mutate(normalised=normalised_icd10(codes.code))
    lengths = {len(p) for p, _ in idx.prefixes}
    # Codes that are not ICD-10 normalise to NULL and match nothing. (Not filtered out here:
    # a filter on the normalised code would be pushed below the DISTINCT and run per row.)
    keyed = codes.mutate(prefix=code_prefixes(codes.normalised, lengths)).unnest("prefix")
    listed = literal_rows(
        diagnoses,
        [{"listed": p, "condition": c} for p, c in idx.prefixes],
        {"listed": "string", "condition": "string"},
    )
    mapped = keyed.join(listed, keyed.prefix == listed.listed)
    return mapped.select("code", "condition").distinct()


def code_check(code_rows: ir.Table) -> ir.Table:
    """From rows per distinct code (columns code, rows), one row: rows, codes, and how many
    of each are not ICD-10 codes (invalid_rows, invalid_codes)."""
    invalid = normalised_icd10(code_rows.code).isnull()
    return code_rows.agg(
        rows=code_rows.rows.sum().cast("int64"),
        codes=code_rows.count().cast("int64"),
        invalid_rows=ibis.ifelse(invalid, code_rows.rows, 0).sum().cast("int64"),
        invalid_codes=invalid.cast("int64").sum().cast("int64"),
    )


def weighted_score(flags: ir.Table, idx: Index, weighting: str | None) -> ir.IntegerValue:
    """Σ weight x flag over ``idx``'s conditions (0/1 columns of ``flags``), where a
    condition superseded under the hierarchy by a flagged condition adds nothing."""
    weights = idx.weights(weighting)
    superseded_by = dict((low, high) for high, low in idx.hierarchy)
    terms = []
    for condition in idx.conditions:
        w = weights[condition]
        if w == 0:
            continue
        flag = flags[condition].cast("int64")
        if condition in superseded_by:
            flag = flag * (1 - flags[superseded_by[condition]].cast("int64"))
        terms.append(flag * w)
    total = sum(terms[1:], terms[0]) if terms else ibis.literal(0)
    return total.cast("int64")


Keys = tuple[str, ...]
PERSON: Keys = ("person_id",)


def _people(diagnoses: ir.Table, people: ir.Table | None, by: Keys) -> ir.Table:
    return diagnoses.select(*by).distinct() if people is None else people.select(*by)


def _onto(people: ir.Table, result: ir.Table, by: Keys) -> ir.Table:
    """``people`` left-joined to ``result`` on the keys ``by``: the key columns of
    ``people`` and the other columns of ``result`` (NULL where a person has no row)."""
    joined = people.left_join(result, [people[k] == result[k] for k in by])
    rest = [c for c in result.columns if c not in by]
    return joined.select(*[people[k] for k in by], *[joined[c] for c in rest])


def condition_flags(
    diagnoses: ir.Table, idx: Index, people: ir.Table | None = None, by: Keys = PERSON
) -> ir.Table:
    """One row per person of ``people`` (by default, the persons of ``diagnoses``; a person
    is identified by the columns ``by``): the keys and a 0/1 INT8 column per condition of
    ``idx``, from the ``diagnoses`` (columns ``by`` and code)."""
    mapped = code_conditions(diagnoses, idx)
    matched = diagnoses.select(*by, "code").join(mapped, "code")
    matched = matched.select(*by, "condition").distinct()
    flags = matched.group_by(list(by)).agg(
        **{c: (matched.condition == c).max().cast("int8") for c in idx.conditions}
    )
    joined = _onto(_people(diagnoses, people, by), flags, by)
    return joined.mutate(**{c: joined[c].fill_null(0).cast("int8") for c in idx.conditions})


def comorbidity_scores(
    diagnoses: ir.Table,
    name: str,
    weighting: str | None = None,
    people: ir.Table | None = None,
    by: Keys = PERSON,
) -> ir.Table:
    """Charlson or Elixhauser per person: the keys, score (INT64), one 0/1 column per
    condition."""
    idx = index(name)
    flags = condition_flags(diagnoses, idx, people, by)
    score = weighted_score(flags, idx, weighting).name("score")
    return flags.select(*[flags[k] for k in by], score, *[flags[c] for c in idx.conditions])


def hfrs_band(tenths: ir.IntegerValue) -> ir.StringValue:
    """Gilbert 2018's risk band of a score in tenths: low < 5, intermediate 5-15, high > 15."""
    (low, low_max), (mid, mid_max) = HFRS_BANDS
    return ibis.cases((tenths < low_max, low), (tenths <= mid_max, mid), else_=HFRS_HIGH)


def hfrs_tenths(diagnoses: ir.Table, people: ir.Table | None = None, by: Keys = PERSON) -> ir.Table:
    """Per person: the keys and tenths (INT64), the HFRS in tenths of a point."""
    idx = index("hfrs")
    points = idx.weights(None)
    mapped = code_conditions(diagnoses, idx)
    listed = literal_rows(
        diagnoses,
        [{"category": c, "tenths": points[c]} for c in idx.conditions],
        {"category": "string", "tenths": "int64"},
    )
    scored = mapped.join(listed, mapped.condition == listed.category)
    matched = diagnoses.select(*by, "code").join(scored, "code")
    matched = matched.select(*by, "category", "tenths").distinct()
    sums = matched.group_by(list(by)).agg(total=matched.tenths.sum())
    joined = _onto(_people(diagnoses, people, by), sums, by)
    return joined.select(*by, tenths=joined.total.fill_null(0).cast("int64"))


def hfrs_scores(diagnoses: ir.Table, people: ir.Table | None = None, by: Keys = PERSON) -> ir.Table:
    """HFRS per person: the keys, score (DOUBLE, one decimal place), risk_band."""
    t = hfrs_tenths(diagnoses, people, by)
    score = t.tenths.cast("float64") / 10.0
    return t.select(*by, score=score, risk_band=hfrs_band(t.tenths))


def scores(
    diagnoses: ir.Table, name: str, weighting: str | None = None, people: ir.Table | None = None
) -> ir.Table:
    """Index ``name`` per person of ``people`` (default: the persons of ``diagnoses``) from
    ``diagnoses`` (columns person_id, code)."""
    if name == "hfrs":
        if weighting not in (None, "gilbert2018"):
            raise ValueError(f"hfrs has no weighting {weighting!r}; it has gilbert2018")
        return hfrs_scores(diagnoses, people)
    return comorbidity_scores(diagnoses, name, weighting, people)


def in_window(
    diagnoses: ir.Table,
    as_of: ir.DateValue | None = None,
    lookback_years: int | None = None,
    positions: tuple[int, int] | None = None,
) -> ir.Table:
    """The diagnoses that count: dated in the ``lookback_years`` up to and including
    ``as_of`` (none after it; every date when ``lookback_years`` is None) and in positions
    ``positions`` (first, last; every position when None)."""
    kept = diagnoses
    if as_of is not None:
        kept = kept.filter(kept.date <= as_of)
        if lookback_years is not None:
            kept = kept.filter(kept.date > as_of - ibis.interval(years=lookback_years))
    if positions is not None:
        kept = kept.filter(kept.position.between(*positions))
    return kept
