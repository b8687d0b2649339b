"""Encode the value predict() returns as a response body and its Content-Type."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .decode import NPY_TYPES, import_numpy
from .errors import HttpError
from .mediatypes import MediaType, parse_accept, preference

JSON_TYPE = "application/json"
CSV_TYPE = "text/csv; charset=utf-8"
BINARY_TYPE = "application/octet-stream"

_SCALARS = (str, int, float, bool, type(None))


def encode_result(result: Any, accept: str) -> tuple[str, bytes]:
    """Return the Content-Type and body for ``result``.

    bytes become application/octet-stream. A list of rows or of scalars becomes
    CSV when the Accept header prefers text/csv over application/json. A numpy
    array becomes NumPy's .npy format when Accept prefers application/x-npy or
    application/npy over JSON, and the Content-Type is the preferred one of the
    two. Anything else becomes JSON, with objects that have ``.tolist()`` (numpy
    arrays and scalars) converted. Raises HttpError 500 for a value JSON cannot
    encode.
    """
    if isinstance(result, (bytes, bytearray, memoryview)):
        return BINARY_TYPE, bytes(result)

    ranges = parse_accept(accept)
    npy_type = _preferred_over_json(ranges, NPY_TYPES)
    if npy_type is not None:
        payload = _encode_npy(result)
        if payload is not None:
            return npy_type, payload
    if _preferred_over_json(ranges, ("text/csv",)) is not None:
        rows = _csv_rows(result)
        if rows is not None:
            return CSV_TYPE, _encode_csv(rows)
    return JSON_TYPE, encode_json(result)


def _preferred_over_json(
    ranges: list[tuple[MediaType, float]], essences: tuple[str, ...]
) -> str | None:
    """Return the one of ``essences`` that Accept prefers most, if over JSON."""
    best = max(essences, key=lambda essence: preference(ranges, essence))
    key = preference(ranges, best)
    if key[0] > 0 and key > preference(ranges, JSON_TYPE):
        return best
    return None


def _encode_npy(result: Any) -> bytes | None:
    """Return ``result`` in the .npy format, or None when it is no numpy array."""
    numpy = import_numpy()
    if numpy is None or not isinstance(result, numpy.ndarray):
        return None
    if result.dtype.hasobject:
        # Arrays of Python objects can only be pickled; JSON encodes them instead.
        return None
    buffer = io.BytesIO()
    numpy.save(buffer, result, allow_pickle=False)
    return buffer.getvalue()


def _csv_rows(result: Any) -> list[list[Any]] | None:
    """Return the rows of a list of rows or of scalars, or None for other values."""
    result = plain(result)
    if not isinstance(result, (list, tuple)):
        return None

    rows = []
    for item in result:
        item = plain(item)
        row = list(item) if isinstance(item, (list, tuple)) else [item]
        row = [plain(cell) for cell in row]
        if not all(isinstance(cell, _SCALARS) for cell in row):
            return None
        rows.append(row)
    return rows


def _encode_csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def encode_json(result: Any) -> bytes:
    """Encode ``result`` as JSON, raising HttpError 500 naming what cannot be."""
    try:
        text = json.dumps(result, default=_to_json, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise HttpError(
            500,
            f"predict() returned a value that cannot be encoded as JSON: {exc}. "
            f"Return bytes, str, numbers, bool, None, lists and dicts of them, "
            f"or an object with .tolist().",
        ) from None
    except RecursionError:
        raise HttpError(
            500,
            "predict() returned a value nested too deeply to encode as JSON, or "
            "one that contains itself.",
        ) from None
    return text.encode("utf-8")


def _to_json(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    kind = type(value)
    raise TypeError(f"an object of type {kind.__module__}.{kind.__qualname__}")


def plain(value: Any) -> Any:
    """Return ``value.tolist()`` for numpy arrays and scalars, else ``value``."""
    return value.tolist() if hasattr(value, "tolist") else value
