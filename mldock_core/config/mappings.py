"""Mapping fields of mldock.yaml: fixed keys, user-chosen keys and free-form values."""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass
from typing import Any

import yaml

from mldock_core.config.fields import (
    INVALID,
    Field,
    Where,
    construct_scalar,
)
from mldock_core.config.yamldoc import (
    BOOL_TAG,
    FLOAT_TAG,
    INT_TAG,
    NULL_TAG,
    STR_TAG,
    TIMESTAMP_TAG,
    Problems,
    join_path,
    line_of,
    mapping_entries,
)
from mldock_core.errors import ConfigError


@dataclass(frozen=True)
class KeyRule:
    """A rule on the keys of a mapping whose keys the user chooses.

    ``message`` is formatted with ``key``, ``path`` and ``line``. With
    ``must_match`` False, a key that matches ``pattern`` is rejected.
    """

    pattern: str
    message: str
    must_match: bool = True

    def problem(self, key: str, where: Where) -> str | None:
        if bool(re.search(self.pattern, key)) == self.must_match:
            return None
        return self.message.format(key=key, path=where.path, line=where.line)


class MapOf(Field):
    """A mapping whose keys the user chooses, all values of one field type."""

    expected = "a mapping"

    def __init__(
        self, value: Field, description: str, *, key_rules: tuple[KeyRule, ...] = ()
    ) -> None:
        super().__init__(description)
        self.value = value
        self.key_rules = key_rules

    def _read(self, node: yaml.Node, where: Where, problems: Problems) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return self._wrong_type(node, where, problems)

        values = {}
        for entry in mapping_entries(node, where.path, problems):
            child = where.child(entry.key, entry.line)
            problem = self._key_problem(entry.key, child)
            if problem is not None:
                problems.add(entry.line, problem)
                values[entry.key] = INVALID
                continue
            values[entry.key] = self.value.read(entry.value, child, problems)
        return INVALID if INVALID in values.values() else values

    def _key_problem(self, key: str, where: Where) -> str | None:
        for rule in self.key_rules:
            problem = rule.problem(key, where)
            if problem is not None:
                return problem
        return None

    def _schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "additionalProperties": self.value.json_schema(),
        }
        names: dict[str, Any] = {}
        for rule in self.key_rules:
            if rule.must_match:
                names["pattern"] = rule.pattern
            else:
                names["not"] = {"pattern": rule.pattern}
        if names:
            schema["propertyNames"] = names
        return schema


class Record(Field):
    """A mapping with a fixed set of keys; unknown keys are rejected.

    With ``model``, a dataclass, the JSON Schema takes each property's
    ``default`` from the dataclass field of the same name, and ``build``
    makes ``read`` return an instance instead of a dict. ``extra``, if set,
    reads the keys not listed in ``properties`` instead of rejecting them.
    """

    expected = "a mapping"

    def __init__(
        self,
        description: str,
        properties: dict[str, Field],
        *,
        required: dict[str, str] | None = None,
        model: type | None = None,
        build: bool = True,
        extra: Field | None = None,
    ) -> None:
        super().__init__(description)
        self.properties = properties
        self.required = required or {}
        self.model = model
        self.build = build
        self.extra = extra

    def _read(self, node: yaml.Node, where: Where, problems: Problems) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return self._wrong_type(node, where, problems)

        values: dict[str, Any] = {}
        for entry in mapping_entries(node, where.path, problems):
            field = self.properties.get(entry.key, self.extra)
            if field is None:
                problems.add(
                    entry.line, self._unknown_key(entry.key, where, entry.line)
                )
                values[entry.key] = INVALID
                continue
            child = where.child(entry.key, entry.line)
            values[entry.key] = field.read(entry.value, child, problems)

        for key, hint in self.required.items():
            if key not in values:
                problems.add(where.line, self._missing_key(key, hint, where, node))
                values[key] = INVALID

        if INVALID in values.values():
            return INVALID
        if self.model is not None and self.build:
            return self.model(**values)
        return values

    def _unknown_key(self, key: str, where: Where, line: int) -> str:
        message = f"unknown key '{join_path(where.path, key)}' at line {line}"
        close = difflib.get_close_matches(key, list(self.properties), n=1)
        if close:
            message += f"; did you mean '{join_path(where.path, close[0])}'?"
        return message

    def _missing_key(self, key: str, hint: str, where: Where, node: yaml.Node) -> str:
        if not where.path:
            return f"missing required key '{key}' at line {line_of(node)}; {hint}"
        return f"{where.named()} is missing the required key '{key}'; {hint}"

    def _schema(self) -> dict[str, Any]:
        properties = {}
        for key, field in self.properties.items():
            properties[key] = field.json_schema()
            default = self._default(key)
            if default is not dataclasses.MISSING:
                properties[key]["default"] = default

        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if self.required:
            schema["required"] = list(self.required)
        if self.extra is None:
            schema["additionalProperties"] = False
        else:
            schema["additionalProperties"] = self.extra.json_schema()
        return schema

    def _default(self, key: str) -> Any:
        if self.model is None:
            return dataclasses.MISSING
        for model_field in dataclasses.fields(self.model):
            if model_field.name != key:
                continue
            if model_field.default_factory is not dataclasses.MISSING:
                return _json_value(model_field.default_factory())
            if model_field.default in (dataclasses.MISSING, ""):
                return dataclasses.MISSING
            return _json_value(model_field.default)
        return dataclasses.MISSING


class Hyperparameter(Field):
    """Any YAML value, encoded as a string of SageMaker's hyperparameters.json."""

    def _read(self, node: yaml.Node, where: Where, problems: Problems) -> Any:
        # Imported at call time because mldock_core.hyperparameters imports
        # this package's YAML helpers.
        from mldock_core.hyperparameters import encode_node

        try:
            return encode_node(node, where.path)
        except ConfigError as error:
            problems.add(where.line, str(error))
            return INVALID

    def _schema(self) -> dict[str, Any]:
        return {}


class FreeForm(Field):
    """Any YAML value, returned as plain Python data for a plugin to check.

    Integers written with a leading zero (``012345670123``, an account id)
    stay strings, because YAML 1.1 would read them as octal. Dates stay text.
    """

    def _read(self, node: yaml.Node, where: Where, problems: Problems) -> Any:
        return self._value(node, where, problems, active=set())

    def _value(
        self, node: yaml.Node, where: Where, problems: Problems, active: set[int]
    ) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, where, problems)
        if id(node) in active:
            problems.add(
                where.line,
                f"{where.named()} refers to itself through a YAML alias; remove "
                "the alias",
            )
            return INVALID

        active.add(id(node))
        if isinstance(node, yaml.MappingNode):
            entries = mapping_entries(node, where.path, problems)
            value: Any = {
                entry.key: self._value(
                    entry.value, where.child(entry.key, entry.line), problems, active
                )
                for entry in entries
            }
            invalid = INVALID in value.values()
        else:
            value = [
                self._value(item, where.item(index, line_of(item)), problems, active)
                for index, item in enumerate(node.value)
            ]
            invalid = INVALID in value
        active.discard(id(node))
        return INVALID if invalid else value

    def _scalar(self, node: yaml.ScalarNode, where: Where, problems: Problems) -> Any:
        if node.tag in (STR_TAG, TIMESTAMP_TAG):
            return node.value
        if node.tag == INT_TAG and re.fullmatch(r"[-+]?0[0-9_]+", node.value):
            return node.value
        if node.tag in (INT_TAG, FLOAT_TAG, BOOL_TAG, NULL_TAG):
            return construct_scalar(node)
        problems.add(
            where.line,
            f"{where.named()} has the YAML tag '{node.tag}', which mldock.yaml does "
            "not support; write a plain value",
        )
        return INVALID

    def _schema(self) -> dict[str, Any]:
        return {}


def _json_value(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return _json_value(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return [_json_value(item) for item in value]
    return value
