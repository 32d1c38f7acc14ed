"""MSSP settlement rule books: one per span of performance years, as frozen data.

Each track's parameters (maximum sharing rate, payment limit, minimum savings/loss rate, shared
loss rate, loss limit) are written down here once, keyed by the performance years they applied
to. :mod:`oneplace.mssp.settlement` applies them; nothing in it knows a year or a track.

Sources (METHODS.md is ``../shared/METHODS.md``; [K] marks a reading not checked against a
primary source):

* **PY2012-2015** (book ``PY2014``): 42 CFR 425.604 (Track 1) and 425.606 (Track 2) as in force
  for those years; METHODS 1.5. Track 1: one-sided, 50% x quality score, payment limit 10% of
  the updated benchmark, variable MSR (METHODS 1.2). Track 2: 60% x quality, limit 15%, flat 2%
  MSR/MLR, shared loss rate 1 - final sharing rate held to [40%, 60%], loss limit 5% / 7.5% /
  10% of benchmark in agreement years 1 / 2 / 3 (a Track 2 row must give agreement year 1-3;
  no other track uses it).
* **PY2016-2021 legacy tracks** (book ``PY2018``): 425.604, 425.606 and 425.610 (Track 3) as in
  force from PY2016, and the Track 1+ Model (a CMS Innovation Center model, PY2018-2019);
  METHODS 1.5. Track 2 and Track 3 MSR/MLR are chosen as for Track 1+ (0, 0.5, 1, 1.5 or 2%,
  or the variable table; a blank choice takes the variable table [K]). Track 3: 75% x quality,
  limit 20%, loss rate 1 - final sharing rate held to [40%, 75%], loss limit 15% of benchmark.
  ACOs whose pre-2019 agreements ran on after the 2019 redesign were settled under these rules
  until the agreements ended: METHODS gives Track 1 to 2021 (agreements begun in 2018,
  extended a year for COVID-19); Tracks 2 and 3 are given the same last year [K].
* **PY2019 onward** (book ``PY2019``): 42 CFR 425.605 (BASIC levels A-E) and 425.610
  (ENHANCED) as amended from 1 July 2019; METHODS 1.3, whose table this book copies.
* **Track 1+ loss limit.** METHODS 1.5 gives it as "revenue-based: 8% of ACO participants'
  Medicare FFS revenue, or benchmark-based 4% of updated benchmark". Our reading [K]: the model
  set a revenue-based limit for ACOs without a hospital participant, never above the
  benchmark-based one, and the benchmark-based limit otherwise. So a row with
  ``participant_revenue`` gets min(8% x revenue, 4% x benchmark); a row without it gets the
  benchmark-based 4% x benchmark. BASIC C-E always need revenue: their limit is min(r% x
  revenue, b% x benchmark) for every ACO (METHODS 1.3).
* **Variable MSR below 5,000 beneficiaries.** METHODS 1.2 leaves this unverified. CMS's PY2014
  results (``mssp_aco_puf_py2014.csv``, 14 Track 1 ACOs with 3,498-4,866 assigned
  beneficiaries) show ``MinSavPerc`` on one straight line from 5.0% at 3,000 to 3.9% at 4,999,
  interpolated exactly like the published bands. We author that as a band of the table, and
  have no rule below 3,000 (a row that needs one is refused).
* **Interpolation.** Within a band the MSR runs linearly from the rate at its first size to
  the rate at its last (5,000-5,999: 3.9% at 5,000, 3.6% at 5,999). The PUF confirms the
  divisor is the band's width less one (6,850 -> 3.6 - 0.2 x 850/999 = 3.42983%), so 12,000
  beneficiaries give 3.0 - 0.3 x 2,000/4,999 = 2.87998% (METHODS rounds it to 2.88%).
* **Sequestration.** 2% of every shared-savings payment, from April 2013 (METHODS 1.5); losses
  are not sequestered. The 2020-2022 COVID-19 suspension of sequestration is not modelled [K].
* **Disaster adjustment** (extreme and uncontrollable circumstances) reduces owed losses from
  PY2017 (METHODS 1.5; the policy sits in 425.605, 425.606 and 425.610 [K]). It is given in
  dollars and taken off after the loss limit; a row may not carry one before PY2017.
* **Quality, PY2019 onward** (METHODS 1.3, 1.5; the years are [K]): meeting the quality
  performance standard gives max rate x quality score in PY2019-2020 and the full maximum rate
  from PY2021 (the APM Performance Pathway). Failing it gives nothing, except that from PY2023
  an ACO that still has a quality score above 0 (the "alternative" standard: 10th percentile
  on an outcome measure; CY2023 Physician Fee Schedule rule) shares at max rate x quality
  score. Before PY2023 failing meant no savings, as METHODS 1.5 says of the earlier books (a
  sliding scale in PY2019-2020 would pay a failing ACO what a passing one gets). ENHANCED's
  loss rate is 1 - 75% x quality score held to [40%, 75%], and 75% whenever the standard is
  failed; BASIC losses do not scale with quality.
* **Not modelled:** the low-revenue ACO's half-rate sharing below the MSR (425.605(h), agreement
  periods from 2024: the input does not say which ACOs are low-revenue); any special MSR/MLR
  rule for a two-sided ACO whose assigned beneficiaries fall below 5,000 (425.110; METHODS 1.2
  leaves it unverified): its chosen MSR/MLR is applied as chosen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

D = Decimal


@dataclass(frozen=True)
class MsrBand:
    """Assigned beneficiaries ``low``..``high``: the MSR runs from ``at_low`` to ``at_high``."""

    low: int
    high: int
    at_low: Decimal
    at_high: Decimal


# METHODS 1.2 (rates as fractions), with the 3,000-4,999 band derived from the PY2014 PUF.
VARIABLE_MSR_BANDS: tuple[MsrBand, ...] = (
    MsrBand(3_000, 4_999, D("0.050"), D("0.039")),
    MsrBand(5_000, 5_999, D("0.039"), D("0.036")),
    MsrBand(6_000, 6_999, D("0.036"), D("0.034")),
    MsrBand(7_000, 7_999, D("0.034"), D("0.032")),
    MsrBand(8_000, 8_999, D("0.032"), D("0.031")),
    MsrBand(9_000, 9_999, D("0.031"), D("0.030")),
    MsrBand(10_000, 14_999, D("0.030"), D("0.027")),
    MsrBand(15_000, 19_999, D("0.027"), D("0.025")),
    MsrBand(20_000, 49_999, D("0.025"), D("0.022")),
    MsrBand(50_000, 59_999, D("0.022"), D("0.020")),
)
VARIABLE_MSR_FROM_60000 = D("0.020")
VARIABLE_MSR_SMALLEST = VARIABLE_MSR_BANDS[0].low


def variable_msr(assigned: int) -> Decimal | None:
    """The variable MSR (a fraction) for ``assigned`` beneficiaries; None below 3,000."""
    if assigned >= 60_000:
        return VARIABLE_MSR_FROM_60000
    for band in VARIABLE_MSR_BANDS:
        if band.low <= assigned <= band.high:
            step = (band.at_high - band.at_low) * (assigned - band.low)
            return band.at_low + step / (band.high - band.low)
    return None


# The symmetric MSR/MLR a two-sided ACO may choose (percent), besides "variable" (METHODS 1.2).
CHOSEN_MSR_PERCENT = (D("0"), D("0.5"), D("1.0"), D("1.5"), D("2.0"))


@dataclass(frozen=True)
class MsrRule:
    """How the MSR (and, on two-sided tracks, the equal MLR) is set.

    ``variable``: the table by assigned beneficiaries, no choice. ``fixed``: ``fixed_rate``, no
    choice. ``chosen``: the ACO chose one of ``CHOSEN_MSR_PERCENT`` or the variable table; a
    blank choice means the variable table [K].
    """

    kind: Literal["variable", "fixed", "chosen"]
    fixed_rate: Decimal | None = None


VARIABLE = MsrRule("variable")
CHOSEN = MsrRule("chosen")


@dataclass(frozen=True)
class LossRule:
    """The two-sided part of a track: which share of a loss is owed and the most owed.

    Shared loss rate: ``fixed_rate``, or else 1 - (max sharing rate x quality score) held to
    [``floor``, ``ceiling``], and ``ceiling`` when the quality standard is failed.
    Loss limit: the smallest of ``revenue_share`` x participant revenue (when given) and
    ``benchmark_share`` x benchmark; Track 2's benchmark share depends on the agreement year.
    """

    fixed_rate: Decimal | None = None
    floor: Decimal | None = None
    ceiling: Decimal | None = None
    benchmark_share: Decimal | None = None
    benchmark_share_by_agreement_year: tuple[Decimal, ...] | None = None
    revenue_share: Decimal | None = None
    revenue_required: bool = False


@dataclass(frozen=True)
class TrackRules:
    code: str
    label: str
    first_year: int
    last_year: int
    max_sharing_rate: Decimal
    payment_limit: Decimal  # share of the total updated benchmark
    msr: MsrRule
    loss: LossRule | None  # None: one-sided

    @property
    def two_sided(self) -> bool:
        return self.loss is not None


@dataclass(frozen=True)
class QualityRule:
    """How the quality performance standard and score set the final sharing rate.

    Standard met: max rate x quality score, or the full max rate from ``full_rate_from``.
    Standard failed: 0, or from ``sliding_scale_from`` max rate x quality score when a score
    above 0 is given (the alternative standard).
    """

    full_rate_from: int | None = None
    sliding_scale_from: int | None = None


@dataclass(frozen=True)
class RuleBook:
    key: str
    first_year: int
    last_year: int
    sources: str
    tracks: Mapping[str, TrackRules]
    quality: QualityRule
    sequestration: Decimal = D("0.02")
    disaster_adjustment_from: int = 2017


def _tracks(*tracks: TrackRules) -> Mapping[str, TrackRules]:
    return MappingProxyType({t.code: t for t in tracks})


def _track2(first: int, last: int, msr: MsrRule) -> TrackRules:
    loss = LossRule(
        floor=D("0.40"),
        ceiling=D("0.60"),
        benchmark_share_by_agreement_year=(D("0.05"), D("0.075"), D("0.10")),
    )
    return TrackRules("2", "Track 2", first, last, D("0.60"), D("0.15"), msr, loss)


def _basic(level: str, revenue: str | None, benchmark: str | None) -> TrackRules:
    loss = None
    if revenue is not None and benchmark is not None:
        loss = LossRule(
            fixed_rate=D("0.30"),
            revenue_share=D(revenue),
            benchmark_share=D(benchmark),
            revenue_required=True,
        )
    msr = VARIABLE if loss is None else CHOSEN
    rate = D("0.40") if loss is None else D("0.50")
    return TrackRules(level, f"BASIC Level {level}", 2019, 2026, rate, D("0.10"), msr, loss)


PY2014 = RuleBook(
    key="PY2014",
    first_year=2012,
    last_year=2015,
    sources="42 CFR 425.604, 425.606 (2012-2015); METHODS 1.2, 1.5",
    tracks=_tracks(
        TrackRules("1", "Track 1", 2012, 2015, D("0.50"), D("0.10"), VARIABLE, None),
        _track2(2012, 2015, MsrRule("fixed", D("0.02"))),
    ),
    quality=QualityRule(),
)

PY2018 = RuleBook(
    key="PY2018",
    first_year=2016,
    last_year=2021,
    sources="42 CFR 425.604, 425.606, 425.610 (2016-2018); Track 1+ Model; METHODS 1.2, 1.5",
    tracks=_tracks(
        TrackRules("1", "Track 1", 2016, 2021, D("0.50"), D("0.10"), VARIABLE, None),
        TrackRules(
            "1+",
            "Track 1+",
            2018,
            2019,
            D("0.50"),
            D("0.10"),
            CHOSEN,
            LossRule(fixed_rate=D("0.30"), benchmark_share=D("0.04"), revenue_share=D("0.08")),
        ),
        _track2(2016, 2021, CHOSEN),
        TrackRules(
            "3",
            "Track 3",
            2016,
            2021,
            D("0.75"),
            D("0.20"),
            CHOSEN,
            LossRule(floor=D("0.40"), ceiling=D("0.75"), benchmark_share=D("0.15")),
        ),
    ),
    quality=QualityRule(),
)

PY2019 = RuleBook(
    key="PY2019",
    first_year=2019,
    last_year=2026,
    sources="42 CFR 425.605, 425.610 (from July 2019); METHODS 1.2, 1.3, 1.5",
    tracks=_tracks(
        _basic("A", None, None),
        _basic("B", None, None),
        _basic("C", "0.02", "0.01"),
        _basic("D", "0.04", "0.02"),
        _basic("E", "0.08", "0.04"),
        TrackRules(
            "ENHANCED",
            "ENHANCED",
            2019,
            2026,
            D("0.75"),
            D("0.20"),
            CHOSEN,
            LossRule(floor=D("0.40"), ceiling=D("0.75"), benchmark_share=D("0.15")),
        ),
    ),
    quality=QualityRule(full_rate_from=2021, sliding_scale_from=2023),
)

RULE_BOOKS: tuple[RuleBook, ...] = (PY2014, PY2018, PY2019)
FIRST_YEAR = min(b.first_year for b in RULE_BOOKS)
LAST_YEAR = max(b.last_year for b in RULE_BOOKS)
TRACK_CODES: tuple[str, ...] = ("1", "1+", "2", "3", "A", "B", "C", "D", "E", "ENHANCED")


class RuleLookupError(ValueError):
    """No rule book has this track in this performance year; the message says why."""


@lru_cache(maxsize=256)  # a file spells its tracks a few ways, thousands of times
def normalise_track(text: str) -> str | None:
    """``"track 1+"``, ``" basic c"``, ``"Level E"``, ``"enhanced"`` -> the track's code."""
    code = " ".join(text.split()).upper()
    for prefix in ("TRACK ", "BASIC LEVEL ", "BASIC ", "LEVEL "):
        if code.startswith(prefix):
            code = code[len(prefix) :]
            break
    return code if code in TRACK_CODES else None


# (performance year, track code) -> the rule book and track rules that settle it.
_RULES: dict[tuple[int, str], tuple[RuleBook, TrackRules]] = {
    (year, code): (book, track)
    for book in RULE_BOOKS
    for code, track in book.tracks.items()
    for year in range(
        max(book.first_year, track.first_year), min(book.last_year, track.last_year) + 1
    )
}


def rules_for(year: int, code: str) -> tuple[RuleBook, TrackRules]:
    """The rule book and track rules for ``code`` (a :data:`TRACK_CODES` entry) in ``year``."""
    found = _RULES.get((year, code))
    if found is not None:
        return found
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise RuleLookupError(
            f"no rule book for PY{year}: the rule books cover PY{FIRST_YEAR}-{LAST_YEAR}"
        )
    spans = [book.tracks[code] for book in RULE_BOOKS if code in book.tracks]
    label = spans[0].label if spans else code
    first, last = min(t.first_year for t in spans), max(t.last_year for t in spans)
    raise RuleLookupError(f"{label} is not available in PY{year} (it ran PY{first}-{last})")
