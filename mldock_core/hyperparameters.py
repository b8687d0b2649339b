"""Encode hyperparameters as the strings of SageMaker's hyperparameters.json.

SageMaker passes every hyperparameter value as a string. mldock writes
numbers, booleans, null, lists and mappings as JSON text, and the runtime in
the container decodes each value with ``json.loads``, keeping the string when
that fails. A string that ``json.loads`` would turn into something else
(``"true"``, ``"10"``) is therefore written as a JSON string literal, so that
it decodes back to the same string.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from mldock_core.config.yamldoc import (
    BOOL_TAG,
    FLOAT_TAG,
    INT_TAG,
    NULL_TAG,
    STR_TAG,
    TIMESTAMP_TAG,
    ConfigLoader,
    Problems,
    line_of,
    mapping_entries,
)
from mldock_core.errors import ConfigError

_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def encode(value: Any) -> str:
    """Return the hyperparameters.json string for a Python value.

    Raise ConfigError for a value that JSON cannot represent, such as a set.
    """
    if isinstance(value, str):
        return _encode_string(value)
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as error:
        raise ConfigError(
            f"hyperparameter value {value!r} cannot be written as JSON ({error}); "
            "use a number, string, boolean, null, list or mapping"
        ) from None


def encode_node(node: yaml.Node, path: str = "") -> str:
    """Return the hyperparameters.json string for a YAML node.

    Numbers keep their literal text when it is valid JSON, so ``0.001`` stays
    ``0.001`` and ``3.10`` stays ``3.10``. YAML-only spellings (``0x1F``,
    ``1_000``, ``.inf``, and ``yes``/``no``/``on``/``off`` as booleans) become
    the JSON form of the value PyYAML's SafeLoader reads. ``path`` names the
    value in error messages.
    """
    if isinstance(node, yaml.ScalarNode) and node.tag in (STR_TAG, TIMESTAMP_TAG):
        return _encode_string(node.value)
    return _json_text(node, path, active=set())


def parse_assignment(text: str, option: str, *, raw: bool = False) -> tuple[str, str]:
    """Split a ``KEY=VALUE`` command-line value at its first '='.

    With ``raw`` False (``mldock train -p``), VALUE is read as YAML and
    encoded like a value of mldock.yaml's ``hyperparameters``. With ``raw``
    True (``-e``), VALUE is kept exactly as given. Raise ConfigError, naming
    the text and ``option``, when the '=' or the key is missing.
    """
    key, equals, value = text.partition("=")
    key = key.strip()
    if not equals:
        raise ConfigError(
            f"invalid {option} '{text}': no '=' found; use the form {option} KEY=VALUE"
        )
    if not key:
        raise ConfigError(
            f"invalid {option} '{text}': the key before '=' is empty; "
            f"use the form {option} KEY=VALUE"
        )
    if raw:
        return key, value

    try:
        return key, _encode_command_line_value(value, key)
    except ConfigError as error:
        raise ConfigError(f"invalid {option} '{text}': {error}") from None


def _encode_command_line_value(value: str, key: str) -> str:
    """Encode VALUE of ``-p KEY=VALUE``, read as YAML where that covers all of it.

    A value that YAML reads as only part of the text (``a # b`` loses its
    comment, ``x: y`` becomes a mapping) or cannot read at all stays a string,
    except that a broken list or mapping (``[1, 2``) is an error.
    """
    stripped = value.strip()
    if not stripped:
        return encode(value)
    try:
        node = yaml.compose(stripped, Loader=ConfigLoader)
    except yaml.YAMLError as error:
        if stripped[0] in "[{":
            problem = getattr(error, "problem", None) or "invalid YAML"
            raise ConfigError(
                f"the value is not a valid YAML list or mapping ({problem}); "
                "quote the whole value to pass it as a string"
            ) from None
        return encode(value)

    if node is None or node.end_mark.index != len(stripped):
        return encode(value)
    is_block = isinstance(node, yaml.CollectionNode) and not node.flow_style
    if is_block:
        return encode(value)
    return encode_node(node, key)


def _encode_string(text: str) -> str:
    try:
        json.loads(text)
    except ValueError:
        return text
    return json.dumps(text)


def _json_text(node: yaml.Node, path: str, active: set[int]) -> str:
    """Render a node as JSON text, keeping the literal text of numbers."""
    if isinstance(node, yaml.ScalarNode):
        return _scalar_json(node, path)
    if id(node) in active:
        raise ConfigError(
            f"'{path}' at line {line_of(node)} refers to itself through a YAML "
            "alias; JSON cannot represent a recursive value"
        )

    active.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        items = [
            _json_text(item, f"{path}[{index}]", active)
            for index, item in enumerate(node.value)
        ]
        text = "[" + ", ".join(items) + "]"
    else:
        problems = Problems("")
        entries = mapping_entries(node, path, problems)
        if problems.items:
            raise ConfigError(problems.items[0][1])
        pairs = [
            f"{json.dumps(entry.key)}: "
            + _json_text(entry.value, f"{path}.{entry.key}", active)
            for entry in entries
        ]
        text = "{" + ", ".join(pairs) + "}"
    active.discard(id(node))
    return text


def _scalar_json(node: yaml.ScalarNode, path: str) -> str:
    if node.tag in (STR_TAG, TIMESTAMP_TAG):
        return json.dumps(node.value)
    if node.tag == NULL_TAG:
        return "null"
    if node.tag in (INT_TAG, FLOAT_TAG) and _JSON_NUMBER.fullmatch(node.value):
        return node.value
    if node.tag in (INT_TAG, FLOAT_TAG, BOOL_TAG):
        value = yaml.constructor.SafeConstructor().construct_object(node)
        return json.dumps(value)
    raise ConfigError(
        f"'{path}' at line {line_of(node)} has the YAML tag '{node.tag}', which "
        "hyperparameters do not support; write a plain number, string, boolean, "
        "list or mapping"
    )
