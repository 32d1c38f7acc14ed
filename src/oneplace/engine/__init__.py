"""The analytics engine: one module per capability, each a function from :class:`Inputs`
(Ibis tables of one backend) to a lazy Ibis expression. Nothing here executes; the run
(:mod:`oneplace.run`) materialises the expressions in the workspace.

:data:`RESULTS` lists every result table in dependency order; a new capability adds its
module and one line here.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis

from .errors import EngineError
from .inputs import CANONICAL_TABLES, INPUT_TABLES, PLACE_TABLES, Inputs
from .population import population
from .spend import hospital_share, spend

RESULTS: dict[str, Callable[[Inputs], ibis.Table]] = {
    "population": population,
    "spend": spend,
    "hospital_share": hospital_share,
}

__all__ = [
    "CANONICAL_TABLES",
    "INPUT_TABLES",
    "PLACE_TABLES",
    "RESULTS",
    "EngineError",
    "Inputs",
    "hospital_share",
    "population",
    "spend",
]
