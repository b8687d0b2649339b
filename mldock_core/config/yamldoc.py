"""Read mldock.yaml as a tree of PyYAML nodes, so that every error can name its line.

The loader composes nodes and never constructs Python objects for the whole
document, because construction loses line numbers and the literal text of
scalars (``3.10`` would become the float ``3.1``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mldock_core.errors import ConfigError

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
MERGE_TAG = "tag:yaml.org,2002:merge"


class ConfigLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader, reading exponent numbers such as ``1e-3`` as floats.

    PyYAML follows YAML 1.1, where a float needs a dot and a signed exponent,
    so ``1e-3`` is a string there. YAML 1.2 and JSON read it as a number,
    which is what users mean for a learning rate.
    """


ConfigLoader.add_implicit_resolver(
    FLOAT_TAG,
    re.compile(r"^[-+]?[0-9]+(?:\.[0-9]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


@dataclass(frozen=True)
class Entry:
    """One key of a YAML mapping, with the key's literal text and both nodes."""

    key: str
    key_node: yaml.Node
    value: yaml.Node

    @property
    def line(self) -> int:
        return line_of(self.key_node)


@dataclass
class Problems:
    """Errors found in one file, reported together once all checks ran.

    Messages are stored without the file name, which ``raise_if_any`` adds.
    """

    file_name: str
    items: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line: int, message: str) -> None:
        # A mapping merged with '<<' is checked where it is defined and again
        # where it is merged, so the same error can come up twice.
        if (line, message) not in self.items:
            self.items.append((line, message))

    def raise_if_any(self) -> None:
        """Raise one ConfigError listing every error, one per line, by line number."""
        if not self.items:
            return
        ordered = sorted(self.items, key=lambda item: item[0])
        lines = [f"{self.file_name}: {message}" for _, message in ordered]
        if len(lines) > 1:
            lines.insert(0, f"{self.file_name}: {len(lines)} errors")
        raise ConfigError("\n".join(lines))


def line_of(node: yaml.Node) -> int:
    """Return the 1-based line where ``node`` starts."""
    return node.start_mark.line + 1


def read_config_text(path: Path) -> str:
    """Return the text of the config file, or raise ConfigError saying what to do."""
    folder = path.parent
    if not folder.is_dir():
        raise ConfigError(
            f"folder {folder} does not exist; pass --dir with the project"
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"no {path.name} in {folder}; run 'mldock init' there or pass --dir"
        ) from None
    except OSError as error:
        raise ConfigError(f"{path} cannot be read: {error.strerror}") from None

    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"{path.name}: line {line} is not valid UTF-8 text; save the file as UTF-8"
        ) from None


def compose_document(text: str, file_name: str) -> yaml.MappingNode:
    """Parse ``text`` into its root mapping node.

    Raise ConfigError, naming the line, for invalid YAML, for a tab in the
    indentation, for an empty file and for a document that is not a mapping.
    """
    try:
        root = yaml.compose(text, Loader=ConfigLoader)
    except yaml.MarkedYAMLError as error:
        raise ConfigError(_syntax_message(error, text, file_name)) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{file_name}: invalid YAML: {error}") from None

    empty_document = (
        isinstance(root, yaml.ScalarNode) and root.tag == NULL_TAG and not root.value
    )
    if root is None or empty_document:
        raise ConfigError(
            f"{file_name}: the file is empty; add at least 'name: <image name>'"
        )
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(
            f"{file_name}: the document at line {line_of(root)} must be a mapping "
            f"of keys such as 'name: fraud-model', found {describe_node(root)}"
        )
    _check_expanded_size(root, file_name)
    return root


MAX_EXPANDED_NODES = 100_000


def _check_expanded_size(root: yaml.Node, file_name: str) -> None:
    """Reject aliases that expand to a huge or endless document before anything walks it.

    Aliases share nodes, so a few lines can stand for billions of values;
    the size is counted once per distinct node.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            return 0  # a node that contains itself; the loader names it later
        active.add(key)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        total = 1 + sum(size(child) for child in children)
        active.discard(key)
        sizes[key] = total
        if total > MAX_EXPANDED_NODES:
            raise ConfigError(
                f"{file_name}: the YAML aliases from line {line_of(node)} expand to more than "
                f"{MAX_EXPANDED_NODES} values; write the values out instead of nesting aliases"
            )
        return total

    size(root)


def _syntax_message(error: yaml.MarkedYAMLError, text: str, file_name: str) -> str:
    mark = error.problem_mark
    problem = error.problem or "invalid YAML"
    if mark is None:
        return f"{file_name}: invalid YAML: {problem}"

    line = mark.line + 1
    if "'\\t'" in problem:
        source_lines = text.splitlines()
        source_line = source_lines[mark.line] if mark.line < len(source_lines) else ""
        indentation = source_line[: len(source_line) - len(source_line.lstrip())]
        if "\t" in indentation:
            return (
                f"{file_name}: line {line} is indented with a tab; YAML needs "
                "spaces, replace the tab with spaces"
            )
        return (
            f"{file_name}: line {line} contains a tab at column {mark.column + 1}, "
            "where YAML does not allow one; replace the tab with spaces"
        )

    message = f"{file_name}: invalid YAML at line {line}, column {mark.column + 1}: "
    message += problem
    if error.context and error.context_mark is not None:
        message += f" ({error.context} at line {error.context_mark.line + 1})"
    return message


def describe_node(node: yaml.Node) -> str:
    """Describe what a node contains, for "found ..." in error messages."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"

    text = node.value
    excerpt = text if len(text) <= 40 else text[:37] + "..."
    if node.tag == NULL_TAG:
        return "an empty value" if text == "" else "null"
    if node.tag == BOOL_TAG:
        return f"a boolean ({excerpt})"
    if node.tag == INT_TAG:
        return f"an integer ({excerpt})"
    if node.tag == FLOAT_TAG:
        return f"a number ({excerpt})"
    if node.tag == TIMESTAMP_TAG:
        return f"a date ({excerpt})"
    if node.tag == STR_TAG:
        return f"a string ('{excerpt}')"
    return f"a value tagged '{node.tag}' ({excerpt})"


def mapping_entries(
    node: yaml.MappingNode, path: str, problems: Problems
) -> list[Entry]:
    """Return the entries of a mapping node, with ``<<`` merge keys applied.

    Keys written in the mapping itself win over merged ones, like PyYAML's
    SafeLoader does. Duplicate keys and keys that are not scalars are
    reported to ``problems`` and left out.
    """
    entries: dict[str, Entry] = {}
    merged: list[yaml.Node] = []
    for key_node, value_node in node.value:
        if key_node.tag == MERGE_TAG:
            merged.append(value_node)
            continue
        entry = _entry(key_node, value_node, path, problems)
        if entry is None:
            continue
        if entry.key in entries:
            first = entries[entry.key].line
            lines = f"lines {first} and {entry.line}"
            if first == entry.line:
                lines = f"line {first} (twice)"
            problems.add(
                entry.line,
                f"duplicate key '{join_path(path, entry.key)}' at {lines}; "
                "keep only one of them",
            )
            continue
        entries[entry.key] = entry

    for source in merged:
        for entry in _merged_entries(source, path, problems):
            entries.setdefault(entry.key, entry)
    return list(entries.values())


def _entry(
    key_node: yaml.Node, value_node: yaml.Node, path: str, problems: Problems
) -> Entry | None:
    where = f" in '{path}'" if path else ""
    line = line_of(key_node)
    if not isinstance(key_node, yaml.ScalarNode):
        problems.add(
            line,
            f"a key{where} at line {line} is {describe_node(key_node)}; keys must "
            "be plain text",
        )
        return None
    if key_node.value == "":
        problems.add(
            line, f"a key{where} at line {line} is empty; write a name before the ':'"
        )
        return None
    return Entry(key_node.value, key_node, value_node)


def _merged_entries(source: yaml.Node, path: str, problems: Problems) -> list[Entry]:
    if isinstance(source, yaml.MappingNode):
        return mapping_entries(source, path, problems)
    if isinstance(source, yaml.SequenceNode) and all(
        isinstance(item, yaml.MappingNode) for item in source.value
    ):
        # The first mapping in the list wins, as in PyYAML.
        entries: dict[str, Entry] = {}
        for item in source.value:
            for entry in mapping_entries(item, path, problems):
                entries.setdefault(entry.key, entry)
        return list(entries.values())

    where = f" in '{path}'" if path else ""
    problems.add(
        line_of(source),
        f"'<<'{where} at line {line_of(source)} must merge a mapping or a list of "
        f"mappings, found {describe_node(source)}",
    )
    return []


def join_path(path: str, key: str) -> str:
    """Return the dotted name of ``key`` inside ``path``, such as ``serve.port``."""
    return f"{path}.{key}" if path else key
