"""What every engine function receives: the canonical and place tables on one backend.

An :class:`Inputs` holds Ibis tables of a single backend (DuckDB or PySpark) and the financial
years of the run. Engine functions combine these into lazy expressions; they never execute.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis

CANONICAL_TABLES = ("person", "registration", "activity", "diagnosis")
PLACE_TABLES = ("place_organisation", "place_locality", "place_network", "place_practice")
INPUT_TABLES = CANONICAL_TABLES + PLACE_TABLES


@dataclass(frozen=True)
class Inputs:
    """The tables of one backend, plus ``fy``: the financial years (start year) of the run."""

    person: ibis.Table
    registration: ibis.Table
    activity: ibis.Table
    diagnosis: ibis.Table
    place_organisation: ibis.Table
    place_locality: ibis.Table
    place_network: ibis.Table
    place_practice: ibis.Table
    fy: list[int] = field(default_factory=list)

    @classmethod
    def from_backend(cls, con: ibis.BaseBackend, fy: list[int]) -> Inputs:
        """Inputs from the tables of those names in ``con``'s current database."""
        return cls(**{name: con.table(name) for name in INPUT_TABLES}, fy=sorted(fy))
