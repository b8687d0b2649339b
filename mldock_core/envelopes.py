"""Request envelopes on the host side: wrap a payload file, check a response.

``mldock predict --runtime NAME`` and ``mldock verify`` send a payload the way
the runtime's platform sends it: the raw body, ``{"instances": [...]}``, or
KServe v2 input tensors. The payload file contains the data only (JSON or CSV), or
a body that is already in the envelope, which is sent unchanged.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from mldock_core.errors import ConfigError
from mldock_core.kinds import INSTANCES, KSERVE_V2, RAW

JSON_TYPE = "application/json"
ENVELOPE_TITLES = {
    RAW: "the raw body",
    INSTANCES: '{"instances": [...]}',
    KSERVE_V2: "KServe v2 input tensors",
}


@dataclass(frozen=True)
class Request:
    """A body ready to send, and its number of instances when it has a list."""

    body: bytes
    content_type: str
    instance_count: int | None = None


def wrap(payload: bytes, media_type: str, envelope: str, source: str) -> Request:
    """Return the request that sends ``payload`` in ``envelope``.

    ``source`` names the payload (a file name or "stdin") in error messages.
    """
    if envelope == RAW:
        return Request(payload, media_type, _count_rows(payload, media_type))
    value = read_data(payload, media_type, source, envelope)
    if envelope == INSTANCES:
        body = _instances_body(value, source)
        instances = body.get("instances", body.get("inputs"))
        count = len(instances) if isinstance(instances, list) else None
    else:
        body = _inference_body(value, source)
        count = None
    return Request(json.dumps(body).encode("utf-8"), JSON_TYPE, count)


def read_data(payload: bytes, media_type: str, source: str, envelope: str) -> Any:
    """Decode a JSON or CSV payload to Python values, to put them in an envelope."""
    essence = media_type.split(";", 1)[0].strip().lower()
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"payload {source} is not UTF-8 text (byte offset {error.start}); "
            f"{ENVELOPE_TITLES[envelope]} needs JSON or CSV text"
        ) from None
    if essence == JSON_TYPE or essence.endswith("+json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError(
                f"payload {source} is not valid JSON: {error.msg} at line "
                f"{error.lineno}, column {error.colno}; fix the file"
            ) from None
    if essence == "text/csv":
        return [
            [_cell(cell) for cell in row]
            for row in csv.reader(io.StringIO(text))
            if row
        ]
    raise ConfigError(
        f"payload {source} is {essence}, which cannot be put in "
        f"{ENVELOPE_TITLES[envelope]}; send a .json or .csv file"
    )


def _cell(text: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _count_rows(payload: bytes, media_type: str) -> int | None:
    """Return the number of items of a JSON list or rows of a CSV body, else None."""
    essence = media_type.split(";", 1)[0].strip().lower()
    try:
        if essence == JSON_TYPE:
            value = json.loads(payload)
            return len(value) if isinstance(value, list) else None
        if essence == "text/csv":
            return sum(
                1 for row in csv.reader(io.StringIO(payload.decode("utf-8"))) if row
            )
    except (ValueError, UnicodeDecodeError):
        return None
    return None


def _instances_body(value: Any, source: str) -> dict[str, Any]:
    if isinstance(value, dict) and ("instances" in value or "inputs" in value):
        return value
    if isinstance(value, list):
        return {"instances": value}
    raise ConfigError(
        f"payload {source} contains {_kind(value)}; "
        '{"instances": [...]} needs a list with one item per prediction, or an '
        'object that already has "instances"'
    )


def _inference_body(value: Any, source: str) -> dict[str, Any]:
    if isinstance(value, dict) and "inputs" in value:
        return value
    if isinstance(value, list):
        return {"inputs": [tensor("input-0", value, source)]}
    raise ConfigError(
        f"payload {source} contains {_kind(value)}; KServe v2 needs a list of values "
        '(one tensor), or an object that already has "inputs"'
    )


def tensor(name: str, value: list, source: str) -> dict[str, Any]:
    """Return a KServe v2 tensor for nested lists: shape, datatype and flat data."""
    shape = _shape(value, source)
    data = _flatten(value)
    return {
        "name": name,
        "shape": shape,
        "datatype": _datatype(data, source),
        "data": data,
    }


def _shape(value: Any, source: str) -> list[int]:
    if not isinstance(value, list):
        return []
    shapes = [_shape(item, source) for item in value]
    if any(shape != shapes[0] for shape in shapes[1:]):
        raise ConfigError(
            f"payload {source} has rows of different lengths, so it is not a tensor; "
            "give every row the same number of values"
        )
    return [len(value), *(shapes[0] if shapes else [])]


def _flatten(value: Any) -> list:
    if not isinstance(value, list):
        return [value]
    return [item for part in value for item in _flatten(part)]


def _datatype(data: list, source: str) -> str:
    if data and all(isinstance(item, bool) for item in data):
        return "BOOL"
    if data and all(
        isinstance(item, int) and not isinstance(item, bool) for item in data
    ):
        return "INT64"
    if all(
        isinstance(item, (int, float)) and not isinstance(item, bool) for item in data
    ):
        # Python floats are 64-bit, so FP64 keeps every digit of the payload.
        return "FP64"
    if all(isinstance(item, str) for item in data):
        return "BYTES"
    raise ConfigError(
        f"payload {source} mixes numbers, booleans and strings, which one tensor "
        'cannot contain; send values of one type, or write the "inputs" yourself'
    )


def check_response(
    envelope: str, status: int, body: bytes, instance_count: int | None
) -> str:
    """Return what is wrong with a response in ``envelope``, or "" when nothing is."""
    if status != 200:
        return f"HTTP {status}: {_error_text(body)}"
    if envelope == RAW:
        return ""
    try:
        value = json.loads(body)
    except ValueError:
        return f"the response is not JSON: {body[:200]!r}"
    if not isinstance(value, dict):
        return f"the response is {_kind(value)}, not a JSON object"
    if envelope == INSTANCES:
        return _check_predictions(value, instance_count)
    return _check_outputs(value)


def _check_predictions(value: dict[str, Any], instance_count: int | None) -> str:
    predictions = value.get("predictions")
    if not isinstance(predictions, list):
        return f'the response has no "predictions" list: {_shorten(value)}'
    if instance_count is not None and len(predictions) != instance_count:
        return f"{len(predictions)} predictions for {instance_count} instances"
    return ""


def _check_outputs(value: dict[str, Any]) -> str:
    if not isinstance(value.get("model_name"), str):
        return f'the response has no "model_name": {_shorten(value)}'
    outputs = value.get("outputs")
    if not isinstance(outputs, list) or not outputs:
        return f'the response has no "outputs" tensors: {_shorten(value)}'
    for number, output in enumerate(outputs):
        missing = [
            key for key in ("name", "shape", "datatype", "data") if key not in output
        ]
        if missing:
            return f"output {number} has no {', '.join(missing)}: {_shorten(output)}"
    return ""


def describe_response(envelope: str, body: bytes) -> str:
    """Return a short summary of a good response, for a passed check."""
    if envelope == RAW:
        return f"{len(body)} bytes"
    value = json.loads(body)
    if envelope == INSTANCES:
        return f"{len(value['predictions'])} predictions"
    shapes = ", ".join(f"{item['name']} {item['shape']}" for item in value["outputs"])
    return f"outputs {shapes}"


def _error_text(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace").strip()
    try:
        value = json.loads(text)
    except ValueError:
        return text[:300] or "(empty body)"
    if isinstance(value, dict) and isinstance(value.get("error"), str):
        return value["error"]
    return text[:300]


def _shorten(value: Any, limit: int = 120) -> str:
    text = json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kind(value: Any) -> str:
    """Describe a decoded JSON value for an error message: "a list", "a number"."""
    if isinstance(value, dict):
        return "a JSON object"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"
