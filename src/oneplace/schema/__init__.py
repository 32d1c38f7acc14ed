"""Canonical tables of the analytics plane: columns, vocabularies and row rules."""

from .model import Column, Rule, Severity, Table, Vocabulary
from .tables import (
    GENERIC_RULES,
    HOSPITAL_SETTINGS,
    TABLES,
    VOCABULARIES,
    table,
)

__all__ = [
    "Column",
    "Rule",
    "Severity",
    "Table",
    "Vocabulary",
    "GENERIC_RULES",
    "HOSPITAL_SETTINGS",
    "TABLES",
    "VOCABULARIES",
    "table",
]
