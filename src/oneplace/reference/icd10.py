"""ICD-10 code notation: the code lists as papers write them, and codes as records hold them.

**Code lists.** Quan et al. 2005 (Med Care 43:1130) write a condition's ICD-10 codes as a
comma-separated list of items: ``I21.x`` (the three-character category and every
subdivision), ``I25.2`` (one four-character code), ``I42.5-I42.9`` (every subdivision from
one to the other) and ``I60.x-I69.x`` or ``D65-D68.x`` (every category from one to the other).
:func:`expand` turns such a list into undotted code prefixes: a record's code belongs to the
condition when it starts with one of them (``I21.x`` -> ``I21``; ``I42.5-I42.9`` -> ``I425``,
..., ``I429``).

**Codes as records hold them.** Hospital data in England (HES, SUS) write ICD-10 codes
without the dot in four characters, padding a three-character category with the filler ``X``
(``I10X``) and marking dagger and asterisk codes with a trailing ``D`` or ``A`` (``A170D``,
``G01XA``); extracts add dots, lower case and spaces. :func:`normalise` is the reference
implementation of the rule the engine applies (:mod:`oneplace.engine.codes`):

1. remove surrounding white space, upper-case, remove the characters ``†`` and ``*``;
2. remove one dot, and only after the third character (``I50.0`` -> ``I500``);
3. the rest must be a letter, two digits, up to three digits, up to three ``X`` fillers and at
   most one dagger/asterisk marker ``D`` or ``A``, in that order, 3 to 6 characters in all
   (WHO ICD-10 has no letter after the third character, so a trailing ``D`` or ``A`` can only
   be a marker);
4. the normalised code is the letter, the two digits and the digits that follow: fillers and
   markers are dropped (``I10X`` -> ``I10``, ``G01XA`` -> ``G01``, ``A17.0D`` -> ``A170``).

Anything else (a SNOMED CT id, an ICD-9 code such as ``428.0``, ``I5``, an empty string) is
not an ICD-10 code: :func:`normalise` returns ``None`` and callers count it.
"""

from __future__ import annotations

import re

# Step 3 of the rule; group 1 is the normalised code (step 4). Written once, used by the
# engine too, in a form both DuckDB (RE2) and Spark (java.util.regex) read identically.
VALID = r"^([A-Z][0-9]{2}[0-9]{0,3})X{0,3}[AD]?$"
# Steps 2-4 at once, for the engine: the optional dot after the third character; the
# normalised code is group 1 followed by group 2.
DOTTED = r"^([A-Z][0-9]{2})\.?([0-9]{0,3})X{0,3}[AD]?$"
MARKERS = ("†", "*")
MIN_LENGTH, MAX_LENGTH = 3, 6

_ITEM = re.compile(r"^([A-Z])(\d{2})(?:\.(\d|x))?$")


def normalise(code: str | None) -> str | None:
    """The normalised form of a recorded ICD-10 code, or ``None`` when it is not one."""
    if code is None:
        return None
    text = code.strip().upper()
    for marker in MARKERS:
        text = text.replace(marker, "")
    if len(text) > 3 and text[3] == ".":
        text = text[:3] + text[4:]
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        return None
    match = re.match(VALID, text)
    return match.group(1) if match else None


def _parse(item: str, source: str) -> tuple[str, int, int | None]:
    """``I42.5`` -> ('I', 42, 5); ``I42.x`` and ``I42`` -> ('I', 42, None)."""
    match = _ITEM.match(item)
    if not match:
        raise ValueError(f"{source}: {item!r} is not an ICD-10 code as Quan 2005 writes them")
    letter, category, sub = match.groups()
    return letter, int(category), None if sub in (None, "x") else int(sub)


def expand(codes: str, source: str = "code list") -> list[str]:
    """Undotted code prefixes of a code list written as Quan 2005 writes it (see the module
    docstring), in the order written; ``source`` names the list in errors."""
    prefixes: list[str] = []
    for raw in codes.split(","):
        item = raw.strip().replace("\u2013", "-")
        first, _, last = item.partition("-")
        letter, cat, sub = _parse(first, source)
        if not last:
            prefixes.append(f"{letter}{cat:02d}" + ("" if sub is None else str(sub)))
            continue
        letter2, cat2, sub2 = _parse(last, source)
        if letter2 != letter or cat2 < cat:
            raise ValueError(f"{source}: {item!r} is not a range")
        if sub is None:  # categories: D65-D68.x, I60.x-I69.x
            if sub2 is not None:
                raise ValueError(f"{source}: {item!r} ends inside a category")
            prefixes += [f"{letter}{c:02d}" for c in range(cat, cat2 + 1)]
        else:  # subdivisions of one category: I42.5-I42.9
            if cat2 != cat or sub2 is None or sub2 < sub:
                raise ValueError(f"{source}: {item!r} is not a range within one category")
            prefixes += [f"{letter}{cat:02d}{s}" for s in range(sub, sub2 + 1)]
    return prefixes
