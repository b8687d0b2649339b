"""Decode a request body into the ``data`` argument of predict() by its media type."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from .errors import HttpError
from .mediatypes import MediaType, parse_media_type

ACCEPTED_CONTENT_TYPES = (
    "application/json",
    "application/*+json",
    "text/csv",
    "text/plain",
    "application/octet-stream",
    "application/x-npy",
    "application/npy",
    "image/*",
)
NPY_TYPES = ("application/x-npy", "application/npy")
DEFAULT_CHARSET = "utf-8"
# Every .npy file starts with these bytes (NumPy's format.MAGIC_PREFIX).
_NPY_MAGIC = b"\x93NUMPY"

_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT = re.compile(
    r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z"
    r"|[+-]?(?:nan|inf|infinity)\Z",
    re.IGNORECASE,
)


def parse_content_type(value: str | None, default: str | None = None) -> MediaType:
    """Parse the Content-Type header, raising HttpError 415 if invalid.

    A missing header gives ``default``, or raises HttpError 415 without a default.
    """
    if value is None or not value.strip():
        if default is not None:
            return parse_media_type(default)
        raise _unsupported("The request has no Content-Type header")
    try:
        return parse_media_type(value)
    except ValueError as exc:
        raise _unsupported(f"The Content-Type header is invalid: {exc}") from None


def is_json(media_type: MediaType) -> bool:
    """Return whether the media type is application/json or a ``+json`` type."""
    return media_type.essence == "application/json" or (
        media_type.maintype == "application" and media_type.essence.endswith("+json")
    )


def decode_json_envelope(body: bytes, media_type: MediaType, envelope: str) -> Any:
    """Decode the JSON body of a platform envelope such as ``{"instances": [...]}``.

    Raises HttpError 415 for a media type that is not JSON, naming ``envelope``.
    """
    if not is_json(media_type):
        raise HttpError(
            415,
            f"Content-Type {media_type.essence!r} is not supported on this route, "
            f"which takes {envelope} as application/json; send the body as JSON.",
            accepted=["application/json"],
        )
    return _decode_json(body, _charset(media_type))


def decode_body(body: bytes, media_type: MediaType) -> Any:
    """Return what predict() receives for ``body``.

    JSON (also ``+json`` types) becomes the parsed value, text/csv a list of rows
    with numeric cells as int or float, text/plain a str, and NumPy's .npy format
    (application/x-npy or application/npy) a numpy array. Other binary types
    (octet-stream, image/*) stay bytes, unchanged. Raises HttpError 415 for an
    unsupported media type, an unknown charset or .npy without numpy, and 400 for
    a body that does not decode, naming the position and the charset.
    """
    essence = media_type.essence
    if is_json(media_type):
        return _decode_json(body, _charset(media_type))
    if essence == "text/csv":
        header = media_type.params.get("header", "").lower() == "present"
        return _decode_csv(body, _charset(media_type), header)
    if essence == "text/plain":
        return _decode_text(body, _charset(media_type))
    if essence in NPY_TYPES:
        return _decode_npy(body, essence)
    if essence == "application/octet-stream":
        return body
    if media_type.maintype == "image":
        return body
    raise _unsupported(f"Content-Type {essence!r} is not supported")


def _unsupported(problem: str) -> HttpError:
    accepted = ", ".join(ACCEPTED_CONTENT_TYPES)
    return HttpError(
        415,
        f"{problem}; send the body with one of these types: {accepted}.",
        accepted=list(ACCEPTED_CONTENT_TYPES),
    )


def _charset(media_type: MediaType) -> str:
    charset = media_type.charset or DEFAULT_CHARSET
    try:
        # Decoding one byte rejects unknown names and codecs that are not text
        # encodings, such as "base64". Empty input skips the codec lookup.
        b"a".decode(charset, errors="ignore")
    except LookupError:
        raise HttpError(
            415,
            f"The charset {charset!r} in Content-Type is unknown; send the body "
            f"in {DEFAULT_CHARSET} and name it in Content-Type, or leave the "
            f"charset out.",
        ) from None
    return charset


def _decode_text(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset)
    except UnicodeDecodeError as exc:
        byte = (
            f"the byte 0x{body[exc.start]:02x}" if exc.start < len(body) else "a byte"
        )
        raise HttpError(
            400,
            f"Request body is not valid {charset} text: {byte} at byte offset "
            f"{exc.start} cannot be decoded ({exc.reason}). Send {charset} text, or "
            f"name the body's charset in Content-Type.",
        ) from None


def _decode_json(body: bytes, charset: str) -> Any:
    # RFC 8259 (section 8.1) lets a parser ignore a byte order mark, but
    # json.loads rejects one.
    text = _decode_text(body, charset).removeprefix("\ufeff")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise HttpError(
            400,
            f"Request body is not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno} (character {exc.pos} after decoding as {charset}).",
        ) from None
    except RecursionError:
        raise HttpError(
            400, f"Request body is JSON nested too deeply to decode ({charset})."
        ) from None


def _decode_csv(body: bytes, charset: str, header: bool) -> list[list[Any]]:
    text = _decode_text(body, charset)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = []
    try:
        for record in reader:
            # A blank line is not a record.
            if record:
                rows.append([_parse_cell(cell) for cell in record])
    except csv.Error as exc:
        raise HttpError(
            400,
            f"Request body is not valid CSV: {exc} at line {reader.line_num} "
            f"(decoded as {charset}).",
        ) from None
    return rows[1:] if header else rows


def _parse_cell(cell: str) -> Any:
    """Return the cell as int or float when it is a number, else unchanged."""
    text = cell.strip()
    try:
        if _INTEGER.match(text):
            return int(text)
        if _FLOAT.match(text):
            return float(text)
    except ValueError:
        # int() rejects digit strings longer than sys.get_int_max_str_digits(),
        # so such a cell stays text.
        pass
    return cell


def import_numpy() -> Any:
    """Return the numpy module, or None when the image does not have numpy."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def _decode_npy(body: bytes, essence: str) -> Any:
    numpy = import_numpy()
    if numpy is None:
        raise HttpError(
            415,
            f"Content-Type {essence!r} needs numpy, which is not installed in the "
            f"image; add numpy to the project's requirements, or send the body as "
            f"JSON or CSV.",
            accepted=[t for t in ACCEPTED_CONTENT_TYPES if t not in NPY_TYPES],
        )
    if not body.startswith(_NPY_MAGIC):
        found = f"starts with {body[:6]!r}" if body else "is empty"
        raise HttpError(
            400,
            f"Request body is not a .npy file ({essence}): it {found}, not with the "
            f".npy magic bytes {_NPY_MAGIC!r}. Send an array written by numpy.save().",
        )
    try:
        # Pickled object arrays could run code while loading, so they are rejected.
        return numpy.load(io.BytesIO(body), allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc):
            problem = "it holds Python objects, which the runtime does not unpickle"
        else:
            problem = str(exc).rstrip(".")
    except (EOFError, OSError) as exc:
        problem = str(exc).rstrip(".") or "it ends early"
    raise HttpError(
        400,
        f"Request body is not a valid .npy file ({essence}): {problem}. Send an "
        f"array of numbers, bools or strings written by numpy.save().",
    )
