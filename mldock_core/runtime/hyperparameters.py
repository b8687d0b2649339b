"""Decode SageMaker's hyperparameters, which arrive as JSON text, to typed values."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

# Python's repr of these constants is not JSON, but users write them by mistake.
_PYTHON_CONSTANTS: dict[str, tuple[Any, str]] = {
    "True": (True, "true"),
    "False": (False, "false"),
    "None": (None, "null"),
}


def decode_hyperparameters(
    raw: Mapping[str, Any], log: logging.Logger
) -> dict[str, Any]:
    """Decode each value of hyperparameters.json with json.loads.

    SageMaker writes every value as a string: "10", "0.001", "false", "[64, 32]".
    A string that is not JSON text stays a string, so "abc" stays "abc". Values that
    are not strings, as in a file written by hand, are kept as they are.
    """
    return {name: decode_value(name, value, log) for name, value in raw.items()}


def decode_value(name: str, value: Any, log: logging.Logger) -> Any:
    """Decode one hyperparameter, warning about a Python spelling such as "True"."""
    if not isinstance(value, str):
        return value

    try:
        return json.loads(value)
    except json.JSONDecodeError:
        pass

    if value in _PYTHON_CONSTANTS:
        decoded, json_text = _PYTHON_CONSTANTS[value]
        log.warning(
            "Hyperparameter %r is %r, a Python spelling, and was decoded as %r. "
            "Write the JSON text %r instead, for example with json.dumps().",
            name,
            value,
            decoded,
            json_text,
        )
        return decoded
    return value
