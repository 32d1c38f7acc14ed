"""Medicare Shared Savings Program (MSSP) settlement: shared savings earned or losses owed.

* :mod:`oneplace.mssp.rules`: the rule books, one per span of performance years, as data
  (42 CFR 425.604-425.610 as in force for each year; METHODS.md 1.2, 1.3, 1.5).
* :mod:`oneplace.mssp.settlement`: one ACO's settlement under its rule book.
* :mod:`oneplace.mssp.files`: ``oneplace mssp settle``, a CSV in and a CSV out.

Pure Python and :mod:`decimal`: no DuckDB, Ibis or pandas, so the command starts fast.
"""

from __future__ import annotations

import importlib

# Loaded on first use (PEP 562), so registering the CLI sub-app costs no start-up time.
_EXPORTS = {
    "AcoYear": "settlement",
    "Settlement": "settlement",
    "SettlementError": "settlement",
    "problems": "settlement",
    "settle": "settlement",
    "SettleReport": "files",
    "read_acos": "files",
    "settle_file": "files",
    "write_settlements": "files",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
