"""Read and validate a place file, collecting every problem with its path."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..errors import PlaceError
from .model import Place, reference_problems


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _messages(err: ValidationError) -> list[str]:
    lines: list[str] = []
    for e in err.errors(include_url=False):
        loc = _path(tuple(p for p in e["loc"] if p not in ("function-after",)))
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "enum":
            got = e.get("input")
            expected = e.get("ctx", {}).get("expected", "")
            msg = f"{got!r} is not one of {expected}"
        elif e["type"] == "missing":
            msg = "is required"
        elif e["type"] == "extra_forbidden":
            msg = "is not a field of the place file"
        # Model-level validators join their problems with '; ', each with its own path.
        if e["type"] == "value_error":
            for part in msg.split("; "):
                lines.append(part if loc == "(top level)" else f"{loc}.{part}")
        else:
            lines.append(f"{loc}: {msg}")
    return lines


def parse_place(text: str, source: str = "<place>") -> Place:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PlaceError(f"{source}: not valid YAML", [str(exc).replace("\n", " ")]) from None
    if not isinstance(data, dict):
        raise PlaceError(f"{source}: the place file must be a mapping of fields")
    try:
        return Place.model_validate(data)
    except ValidationError as exc:
        lines = list(dict.fromkeys(_messages(exc) + reference_problems(data)))
        raise PlaceError(f"{source}: {len(lines)} problem(s) in the place file", lines) from None


def load_place(path: str | Path) -> Place:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlaceError(f"{path}: cannot read the place file ({exc.strerror})") from None
    return parse_place(text, str(path))


def place_hash(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def dump_place(place: Place) -> str:
    return yaml.safe_dump(place.model_dump(mode="json", exclude_none=True), sort_keys=False)
