"""Parse the Content-Type and Accept headers of HTTP (RFC 9110)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")


@dataclass(frozen=True)
class MediaType:
    """A media type in lower case, such as "text/csv", and its parameters.

    Parameter names are lower case, and values keep their case, without quotes.
    """

    essence: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def maintype(self) -> str:
        return self.essence.partition("/")[0]

    @property
    def subtype(self) -> str:
        return self.essence.partition("/")[2]

    @property
    def charset(self) -> str | None:
        return self.params.get("charset")


def parse_media_type(value: str) -> MediaType:
    """Parse ``type/subtype; name=value; ...`` case-insensitively.

    Raises ValueError, with a message that shows the value, when the type or a
    parameter is malformed.
    """
    first, *rest = _split_outside_quotes(value, ";")
    maintype, slash, subtype = first.strip().partition("/")
    if not slash or not _TOKEN.match(maintype) or not _TOKEN.match(subtype):
        raise ValueError(f"{value!r} is not a media type of the form type/subtype")

    params = {}
    for item in rest:
        if not item.strip():
            continue
        name, equals, raw = item.partition("=")
        name = name.strip().lower()
        if not equals or not _TOKEN.match(name):
            raise ValueError(
                f"{item.strip()!r} in {value!r} is not a name=value parameter"
            )
        params[name] = _unquote(raw.strip())
    return MediaType(f"{maintype}/{subtype}".lower(), params)


def parse_accept(value: str) -> list[tuple[MediaType, float]]:
    """Parse an Accept header into media ranges with their quality, in header order.

    A malformed range is skipped and a malformed q counts as 1, because a bad
    Accept header should not fail a prediction that can still be returned.
    """
    ranges = []
    for item in _split_outside_quotes(value, ","):
        if not item.strip():
            continue
        try:
            media_range = parse_media_type(item)
        except ValueError:
            continue
        try:
            quality = float(media_range.params.get("q", "1"))
        except ValueError:
            quality = 1.0
        ranges.append((media_range, min(max(quality, 0.0), 1.0)))
    return ranges


def preference(
    ranges: list[tuple[MediaType, float]], essence: str
) -> tuple[float, int, int]:
    """Return a sort key for how much the Accept ranges prefer ``essence``.

    The most specific matching range decides the quality (exact type over type/*
    over */*). Higher keys are preferred, and a quality of 0 means not acceptable.
    """
    maintype = essence.partition("/")[0]
    best = (0.0, -1, 0)
    for position, (media_range, quality) in enumerate(ranges):
        if media_range.essence == essence:
            specificity = 2
        elif media_range.essence == f"{maintype}/*":
            specificity = 1
        elif media_range.essence == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best[1]:
            # An earlier range wins a tie between equally preferred types.
            best = (quality, specificity, -position)
    return best


def _split_outside_quotes(value: str, separator: str) -> list[str]:
    parts, current = [], []
    in_quotes = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and in_quotes:
            escaped = True
        elif char == '"':
            in_quotes = not in_quotes
        elif char == separator and not in_quotes:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value
