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
from .fair_shares import fair_shares
from .health_summary import population_health_summary
from .high_intensity import high_intensity_users
from .indicators import indicator_cells, indicator_monthly
from .inputs import CANONICAL_TABLES, INPUT_TABLES, PLACE_TABLES, Inputs
from .monitoring import hospital_share_to_date, spend_against_budget
from .person_health import person_comorbidity
from .person_spend import spend_cells
from .population import population
from .projection import budget_projection
from .segments import person_health, segment_use, segments
from .spend import hospital_share, spend, spend_daily
from .spend_detail import spend_by_month, spend_concentration

RESULTS: dict[str, Callable[[Inputs], ibis.Table]] = {
    "population": population,
    "spend_daily": spend_daily,
    "spend": spend,
    "hospital_share": hospital_share,
    "person_comorbidity": person_comorbidity,
    "person_health": person_health,
    "segments": segments,
    "segment_use": segment_use,
    "high_intensity_users": high_intensity_users,
    "population_health_summary": population_health_summary,
    "spend_cells": spend_cells,
    "fair_shares": fair_shares,
    "spend_against_budget": spend_against_budget,
    "hospital_share_to_date": hospital_share_to_date,
    "spend_by_month": spend_by_month,
    "spend_concentration": spend_concentration,
    "budget_projection": budget_projection,
    "indicator_cells": indicator_cells,
    "indicator_monthly": indicator_monthly,
}

__all__ = [
    "indicator_cells",
    "indicator_monthly",
    "spend_cells",
    "spend_daily",
    "spend_concentration",
    "spend_by_month",
    "spend_against_budget",
    "hospital_share_to_date",
    "fair_shares",
    "budget_projection",
    "CANONICAL_TABLES",
    "INPUT_TABLES",
    "PLACE_TABLES",
    "RESULTS",
    "EngineError",
    "Inputs",
    "high_intensity_users",
    "hospital_share",
    "person_comorbidity",
    "person_health",
    "population",
    "population_health_summary",
    "segment_use",
    "segments",
    "spend",
]
