"""``make_aco(**fields)``: one ACO performance year with plain defaults, money as strings."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from oneplace.mssp.settlement import AcoYear

DEFAULTS = {
    "aco_id": "A0001",
    "performance_year": 2014,
    "track": "1",
    "assigned_beneficiaries": 12_000,
    "benchmark_total": "100000000",
    "expenditure_total": "95000000",
    "quality_score": "0.9",
    "quality_standard_met": True,
    "agreement_year": 1,
}
MONEY = ("benchmark_total", "expenditure_total", "participant_revenue", "disaster_adjustment")


def make_aco(**fields: object) -> AcoYear:
    values = {**DEFAULTS, **fields}
    if values.get("quality_score") == "P4R":
        values["quality_score"], values["pay_for_reporting"] = Decimal(1), True
    for name in (*MONEY, "quality_score", "msr_choice"):
        value = values.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and value != "variable":
            values[name] = Decimal(value)
    return AcoYear(**values)  # type: ignore[arg-type]


@pytest.fixture
def aco() -> Callable[..., AcoYear]:
    return make_aco
