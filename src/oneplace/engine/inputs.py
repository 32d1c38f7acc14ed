"""What every engine function receives: the canonical and place tables on one backend.

An :class:`Inputs` holds Ibis tables of a single backend (DuckDB or PySpark) and the financial
years of the run. Engine functions combine these into lazy expressions; they never execute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import ibis

if TYPE_CHECKING:  # imported when used: `oneplace score` needs the engine but not the place
    from ..outcomes.library import Indicator
    from ..place.model import Budget, Finance, Place, PopulationHealth

CANONICAL_TABLES = ("person", "registration", "activity", "diagnosis")
PLACE_TABLES = ("place_organisation", "place_locality", "place_network", "place_practice")
INPUT_TABLES = CANONICAL_TABLES + PLACE_TABLES


@dataclass(frozen=True)
class Inputs:
    """The tables of one backend, plus ``fy``: the financial years (start year) of the run,
    and ``health``: the place's population health settings."""

    person: ibis.Table
    registration: ibis.Table
    activity: ibis.Table
    diagnosis: ibis.Table
    place_organisation: ibis.Table
    place_locality: ibis.Table
    place_network: ibis.Table
    place_practice: ibis.Table
    fy: list[int] = field(default_factory=list)
    health: PopulationHealth | None = field(default=None)
    # The place's pooled budgets and money settings (fair shares, projection, as-of date).
    budgets: tuple[Budget, ...] = field(default=())
    finance: Finance | None = field(default=None)
    # The indicators to count: empty means the library's (oneplace.outcomes.library).
    indicators: tuple[Indicator, ...] = field(default=())
    # Results the run has already materialised, by name: a capability built on another
    # (segments on person_health) reads the stored table rather than recomputing it.
    results: dict[str, ibis.Table] = field(default_factory=dict)

    @classmethod
    def from_backend(
        cls,
        con: ibis.BaseBackend,
        fy: list[int],
        health: PopulationHealth | None = None,
        place: Place | None = None,
    ) -> Inputs:
        """Inputs from the tables of those names in ``con``'s current database; ``place``
        supplies the settings (``health``, budgets, finance) when given."""
        tables = {name: con.table(name) for name in INPUT_TABLES}
        return cls(**tables, fy=sorted(fy), **settings_of(place, health))

    def result(self, name: str, build: Callable[[Inputs], ibis.Table]) -> ibis.Table:
        """Result ``name``: the materialised table when the run has one, else ``build(self)``."""
        table = self.results.get(name)
        if table is None:
            return build(self)
        return table.drop("run_id") if "run_id" in table.columns else table

    @property
    def money(self) -> Finance:
        """The place's finance settings (the defaults when none were given)."""
        from ..place.model import Finance

        return self.finance or Finance()

    def budget(self, fy: int) -> Budget | None:
        """The pooled budget of financial year ``fy``, if the place has one."""
        return next((b for b in self.budgets if b.year == fy), None)

    @property
    def indicator_definitions(self) -> tuple[Indicator, ...]:
        """The indicators the run counts: the place's (library and own), else the library."""
        from ..outcomes.library import library

        return self.indicators or library()

    @property
    def settings(self) -> PopulationHealth:
        """The place's population health settings (the defaults when none were given)."""
        from ..place.model import PopulationHealth

        return self.health or PopulationHealth()


def settings_of(place: Place | None, health: PopulationHealth | None = None) -> dict:
    """The keyword arguments of :class:`Inputs` that come from the place file."""
    if place is None:
        return {"health": health}
    from ..outcomes.framework import own_definitions
    from ..outcomes.library import indicators_of

    own = own_definitions(place.outcomes)
    return {
        "health": health or place.population_health,
        "budgets": tuple(place.budgets),
        "finance": place.finance,
        "indicators": indicators_of(own) if own else (),
    }
