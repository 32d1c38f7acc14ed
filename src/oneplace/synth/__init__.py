"""Synthetic place generator, calibrated to published rates.

``generate`` writes a partnership shaped like Barking and Dagenham, Havering and Redbridge
(``place.yaml``) and the four canonical tables as Parquet; ``report`` reads them back and
sets the generated figures beside their targets. Sources: ONS mid-year estimates 2020 (age and
sex), English indices of deprivation 2019 (LSOA and decile), QOF 2023/24 (prevalence), NHS
National Cost Collection 2023/24 and PSSRU Unit Costs of Health and Social Care 2024 (costs),
METHODS 5.4 (emergency admissions by age), Gilbert et al. 2018 (frailty codes); for the outcome
indicators, OHID end of life care profiles (deaths in hospital), NHS Digital's compendium of
emergency readmissions, PHOF C29 (falls at 65+) and ASCOF 2A(2) (care-home admissions); see
``params``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .generate import TABLE_NAMES, generate_files
from .report import ReportSection, build_report

__all__ = ["ReportSection", "SynthResult", "TABLE_NAMES", "generate", "report"]


@dataclass
class SynthResult:
    paths: dict[str, Path]
    place_path: Path
    rows: dict[str, int]
    people: int
    seed: int
    years: int
    financial_years: list[int] = field(default_factory=list)
    spend_gbp: dict[int, float] = field(default_factory=dict)
    deaths: int = 0


def generate(
    people: int,
    seed: int,
    years: int,
    out: Path,
    progress: Callable[[str, float], None] | None = None,
) -> SynthResult:
    """Generate a synthetic place of ``people`` over the ``years`` financial years to 2024/25."""
    out = Path(out)
    r = generate_files(people, seed, years, out, progress)
    return SynthResult(people=people, seed=seed, years=years, **r)


def report(out: Path) -> list[ReportSection]:
    """Generated figures beside their targets, read back from the files in ``out``."""
    return build_report(Path(out))
