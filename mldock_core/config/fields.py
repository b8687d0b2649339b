"""Field types that both check YAML nodes and describe themselves as JSON Schema.

Each field reads one node: it returns the Python value, or reports to
``Problems`` and returns ``INVALID``. ``json_schema()`` returns the JSON
Schema (draft 2020-12) of the same rules, so the loader and the published
schema come from one definition. Where a rule cannot be written as JSON
Schema, the schema accepts more than the loader does.

This module has the scalar and list fields; mappings.py has the mapping fields.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from mldock_core.config import units
from mldock_core.config.yamldoc import (
    BOOL_TAG,
    FLOAT_TAG,
    INT_TAG,
    NULL_TAG,
    STR_TAG,
    TIMESTAMP_TAG,
    Problems,
    describe_node,
    join_path,
    line_of,
)
from mldock_core.errors import ConfigError

INVALID: Any = object()

_TAGS_BY_JSON_TYPE = {
    "string": (STR_TAG, TIMESTAMP_TAG),
    "number": (INT_TAG, FLOAT_TAG),
    "boolean": (BOOL_TAG,),
}
_ARTICLES = {"string": "a string", "number": "a number", "boolean": "a boolean"}


@dataclass(frozen=True)
class Where:
    """The dotted name of a value in the file and the line of its key or item."""

    path: str
    line: int

    def child(self, key: str, line: int) -> Where:
        return Where(join_path(self.path, key), line)

    def item(self, index: int, line: int) -> Where:
        return Where(f"{self.path}[{index}]", line)

    def named(self) -> str:
        return f"'{self.path}' at line {self.line}"


class Field:
    """Base of all field types; subclasses implement ``_read`` and ``_schema``."""

    expected = "a value"

    def __init__(self, description: str, *, nullable: bool = False) -> None:
        self.description = description
        self.nullable = nullable

    def read(self, node: yaml.Node, where: Where, problems: Problems) -> Any:
        if self.nullable and is_null(node):
            return None
        return self._read(node, where, problems)

    def json_schema(self) -> dict[str, Any]:
        schema = self._schema()
        if self.nullable:
            types = schema.get("type", [])
            types = [types] if isinstance(types, str) else list(types)
            schema["type"] = [*types, "null"]
        schema["description"] = self.description
        return schema

    def _read(self, node: yaml.Node, where: Where, problems: Problems) -> Any:
        raise NotImplementedError

    def _schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def _wrong_type(
        self, node: yaml.Node, where: Where, problems: Problems, hint: str = ""
    ) -> Any:
        expected = f"{self.expected} or null" if self.nullable else self.expected
        problems.add(
            where.line,
            f"{where.named()} must be {expected}, found {describe_node(node)}{hint}",
        )
        return INVALID


class Text(Field):
    """A scalar kept as its literal text, so ``3.10`` stays ``"3.10"``.

    ``accepts`` lists the JSON types whose YAML scalars are taken as text.
    A value must match ``pattern``, else the error message states that it
    must be ``rule``.
    ``check`` may raise ConfigError with a message that names the value; the
    JSON Schema then publishes ``json_pattern``, an approximation of it.
    """

    def __init__(
        self,
        description: str,
        *,
        accepts: tuple[str, ...] = ("string", "number"),
        pattern: str | None = None,
        rule: str = "",
        check: Callable[[str], str] | None = None,
        json_pattern: str | None = None,
        nullable: bool = False,
    ) -> None:
        super().__init__(description, nullable=nullable)
        self.accepts = accepts
        self.pattern = pattern
        self.rule = rule
        self.check = check
        self.json_pattern = json_pattern or pattern
        self.expected = _ARTICLES[accepts[0]]
        self._tags = {tag for kind in accepts for tag in _TAGS_BY_JSON_TYPE[kind]}

    def _read(self, node: yaml.Node, where: Where, problems: Problems) -> Any:
        if not isinstance(node, yaml.ScalarNode) or node.tag not in self._tags:
            hint = ""
            if is_null(node) and node.value == "" and "string" in self.accepts:
                hint = "; write '' for an empty string"
            return self._wrong_type(node, where, problems, hint)

        text = node.value
        if self.pattern is not None and not re.search(self.pattern, text):
            problems.add(
                where.line, f"{where.named()} must be {self.rule}, found '{text}'"
            )
            return INVALID
        if self.check is not None:
            try:
                self.check(text)
            except ConfigError as error:
                problems.add(where.line, f"line {where.line}: {error}")
                return INVALID
        return text

    def _schema(self) -> dict[str, Any]:
        types = list(self.accepts)
        schema: dict[str, Any] = {"type": types[0] if len(types) == 1 else types}
        if self.json_pattern is not None:
            schema["pattern"] = self.json_pattern
        return schema


class RelativePath(Text):
    """A path relative to the project folder that stays inside the project.

    The value is returned normalized, with ``.`` segments and trailing '/'
    removed. The JSON Schema rejects absolute paths and a leading ``..``;
    the loader also rejects ``a/../..`` and the like.
    """

    _SCHEMA_PATTERN = r"^(?![/\\~])(?![A-Za-z]:)(?!\.\.(/|$))"

    def __init__(self, description: str, *, kind: str, nullable: bool = False):
        super().__init__(description, nullable=nullable)
        # "file", "folder" or "file or folder", for error messages.
        self.kind = kind

    def _read(self, node: yaml.Node, where: Where, problems: Problems) -> Any:
        text = super()._read(node, where, problems)
        if text is INVALID or text is None:
            return text

        problem = self._problem(text)
        if problem is not None:
            problems.add(where.line, f"{where.named()} {problem}")
            return INVALID
        return posixpath.normpath(text)

    def _problem(self, text: str) -> str | None:
        if not text.strip():
            return f"is empty; give the path of a {self.kind} in the project"
        if text.startswith(("/", "\\", "~")) or re.match(r"[A-Za-z]:[\\/]", text):
            return (
                f"is the absolute path '{text}'; paths are relative to the project "
                f"folder, so move the {self.kind} into the project and give its "
                "relative path"
            )
        normalized = posixpath.normpath(text)
        if normalized == ".." or normalized.startswith("../"):
            return (
                f"is '{text}', which is outside the project folder; move the "
                f"{self.kind} into the project and give its relative path"
            )
        return None

    def _schema(self) -> dict[str, Any]:
        return {"type": ["string", "number"], "pattern": self._SCHEMA_PATTERN}


class Integer(Field):
    expected = "an integer"

    def __init__(
        self,
        description: str,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> None:
        super().__init__(description)
        self.minimum = minimum
        self.maximum = maximum

    def _read(self, node: yaml.Node, where: Where, problems: Problems) -> Any:
        if not isinstance(node, yaml.ScalarNode) or node.tag != INT_TAG:
            return self._wrong_type(node, where, problems)
        value = construct_scalar(node)
        return _check_range(value, self.minimum, self.maximum, where, problems)

    def _schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


class ByteSize(Field):
    """A size in bytes: an integer, or a string with a unit such as ``6MiB``."""

    expected = (
        "a size in bytes such as 20971520, '20MiB' or '500kB' (kB, MB and GB "
        "count in 1000s, KiB, MiB and GiB in 1024s)"
    )

    def _read(self, node: yaml.Node, where: Where, problems: Problems) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == INT_TAG:
            value = construct_scalar(node)
        elif isinstance(node, yaml.ScalarNode) and node.tag == STR_TAG:
            value = units.parse_size(node.value)
            if value is None:
                return self._wrong_type(node, where, problems)
        else:
            return self._wrong_type(node, where, problems)
        return _check_range(value, 1, None, where, problems)

    def _schema(self) -> dict[str, Any]:
        return {
            "type": ["integer", "string"],
            "minimum": 1,
            "pattern": units.SIZE_PATTERN,
        }


class Duration(Field):
    """A time in seconds: a number, or a string with a unit such as ``90s``."""

    expected = "a time in seconds, such as 120, or a duration such as '90s' or '2m'"

    def _read(self, node: yaml.Node, where: Where, problems: Problems) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag in (INT_TAG, FLOAT_TAG):
            value = float(construct_scalar(node))
        elif isinstance(node, yaml.ScalarNode) and node.tag == STR_TAG:
            value = units.parse_duration(node.value)
            if value is None:
                return self._wrong_type(node, where, problems)
        else:
            return self._wrong_type(node, where, problems)

        if not value > 0 or value == float("inf"):
            problems.add(
                where.line,
                f"{where.named()} must be a finite time above 0, found '{node.value}'",
            )
            return INVALID
        return value

    def _schema(self) -> dict[str, Any]:
        return {
            "type": ["number", "string"],
            "exclusiveMinimum": 0,
            "pattern": units.DURATION_PATTERN,
        }


class ListOf(Field):
    expected = "a list"

    def __init__(self, item: Field, description: str) -> None:
        super().__init__(description)
        self.item = item

    def _read(self, node: yaml.Node, where: Where, problems: Problems) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            return self._wrong_type(node, where, problems)
        values = [
            self.item.read(item, where.item(index, line_of(item)), problems)
            for index, item in enumerate(node.value)
        ]
        return INVALID if INVALID in values else tuple(values)

    def _schema(self) -> dict[str, Any]:
        return {"type": "array", "items": self.item.json_schema()}


def is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG


def construct_scalar(node: yaml.ScalarNode) -> Any:
    return yaml.constructor.SafeConstructor().construct_object(node)


def _check_range(
    value: float,
    minimum: float | None,
    maximum: float | None,
    where: Where,
    problems: Problems,
) -> Any:
    if minimum is not None and maximum is not None:
        bounds = f"between {minimum} and {maximum}"
    elif minimum is not None:
        bounds = f"at least {minimum}"
    else:
        bounds = f"at most {maximum}"

    too_small = minimum is not None and value < minimum
    too_large = maximum is not None and value > maximum
    if too_small or too_large:
        problems.add(where.line, f"{where.named()} must be {bounds}, found {value}")
        return INVALID
    return value
