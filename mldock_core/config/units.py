"""Parse sizes such as ``6MiB`` and durations such as ``90s`` from mldock.yaml.

The patterns are also published in the JSON Schema, so they use only syntax
that both Python and ECMA-262 regular expressions share.
"""

from __future__ import annotations

import re
from decimal import Decimal

SIZE_UNITS = {
    "B": 1,
    "kB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
    "KiB": 1024,
    "MiB": 1024**2,
    "GiB": 1024**3,
}
SIZE_PATTERN = r"^[0-9]+(\.[0-9]+)? ?(B|kB|MB|GB|KiB|MiB|GiB)$"

DURATION_UNITS = {"ms": Decimal("0.001"), "s": 1, "m": 60, "h": 3600}
DURATION_PATTERN = r"^[0-9]+(\.[0-9]+)? ?(ms|s|m|h)$"


def parse_size(text: str) -> int | None:
    """Return the number of bytes in ``text``, rounded down, or None if invalid."""
    match = re.fullmatch(SIZE_PATTERN.strip("^$"), text)
    if match is None:
        return None
    number = text[: match.start(2)].strip()
    return int(Decimal(number) * SIZE_UNITS[match.group(2)])


def parse_duration(text: str) -> float | None:
    """Return the seconds in ``text``, or None if it is not a valid duration."""
    match = re.fullmatch(DURATION_PATTERN.strip("^$"), text)
    if match is None:
        return None
    number = text[: match.start(2)].strip()
    return float(Decimal(number) * DURATION_UNITS[match.group(2)])
