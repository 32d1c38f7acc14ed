"""The partnership configuration."""

from .loader import dump_place, load_place, parse_place, place_hash
from .model import (
    Budget,
    FairShares,
    Finance,
    Locality,
    Network,
    Organisation,
    OrganisationKind,
    Place,
    PopulationHealth,
    Practice,
    Projection,
)

__all__ = [
    "Budget",
    "FairShares",
    "Finance",
    "Locality",
    "Network",
    "Organisation",
    "OrganisationKind",
    "Place",
    "PopulationHealth",
    "Practice",
    "Projection",
    "dump_place",
    "load_place",
    "parse_place",
    "place_hash",
]
