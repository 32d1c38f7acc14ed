"""Public-health statistics exactly as England's indicator producers compute them.

PHE / OHID Fingertips technical guidance, the PHE Technical Guide "Confidence intervals" and
the R package PHEindicatormethods; METHODS.md 4.1. Every statistic is vectorised over numpy
arrays and reports 95% and 99.8% limits:

* :mod:`.poisson`: limits of a count, exact (chi-square) below 10, Byar's from 10;
* :mod:`.rates`: crude rates, and proportions with Wilson score limits;
* :mod:`.standardisation`: directly standardised rates (ESP 2013, Dobson limits, several events
  per person) and indirectly standardised ratios and rates;
* :mod:`.funnels`: funnel-plot control limits and High / Low / Not significant labels;
* :mod:`.spc`: XmR charts with the NHS "Making Data Count" special-cause rules;
* :mod:`.life_table`: Chiang II abridged life tables with Silcocks' variance;
* :mod:`.files`, :mod:`.commands`, :mod:`.cli`: ``oneplace stats``, a CSV in and a CSV out.
"""

from __future__ import annotations

import importlib

# Loaded on first use (PEP 562), so registering the CLI sub-app does not import scipy.
_EXPORTS = {
    "Estimate": "estimate",
    "StatsWarning": "estimate",
    "Z95": "poisson",
    "Z998": "poisson",
    "byar_limits": "poisson",
    "exact_limits": "poisson",
    "poisson_limits": "poisson",
    "crude_rate": "rates",
    "proportion": "rates",
    "wilson_limits": "rates",
    "ESP2013": "standardisation",
    "ESP2013_BANDS": "standardisation",
    "dsr": "standardisation",
    "dsr_multiple_events": "standardisation",
    "expected_events": "standardisation",
    "isr_rate": "standardisation",
    "isr_ratio": "standardisation",
    "reference_rates": "standardisation",
    "FunnelLimits": "funnels",
    "dsr_funnel_significance": "funnels",
    "plot_denominators": "funnels",
    "proportion_funnel_limits": "funnels",
    "proportion_funnel_significance": "funnels",
    "rate_funnel_limits": "funnels",
    "rate_funnel_significance": "funnels",
    "ratio_funnel_limits": "funnels",
    "ratio_funnel_significance": "funnels",
    "XmR": "spc",
    "xmr": "spc",
    "LE_BANDS": "life_table",
    "life_expectancy": "life_table",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
