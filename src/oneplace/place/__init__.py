"""The partnership configuration."""

from .loader import dump_place, load_place, parse_place, place_hash
from .model import (
    Budget,
    Locality,
    Network,
    Organisation,
    OrganisationKind,
    Place,
    PopulationHealth,
    Practice,
)

__all__ = [
    "Budget",
    "Locality",
    "Network",
    "Organisation",
    "OrganisationKind",
    "Place",
    "PopulationHealth",
    "Practice",
    "dump_place",
    "load_place",
    "parse_place",
    "place_hash",
]
