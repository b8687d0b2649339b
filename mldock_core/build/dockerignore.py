"""Read a project's .dockerignore and match paths against it as Docker does.

The rules follow Docker's documentation of the .dockerignore file:

- a line whose first character is ``#`` is a comment, and blank lines are skipped;
- leading and trailing whitespace is trimmed, then the pattern is cleaned like
  Go's ``filepath.Clean`` and a leading ``/`` is dropped;
- ``*`` matches any run of characters but ``/``, ``?`` one character but ``/``,
  ``[a-z]`` a character class (``[^a-z]`` its complement), ``**`` any number of
  folders, and ``\\`` escapes the next character;
- a line starting with ``!`` is an exception that re-includes what it matches;
- the last line that matches a path decides, and a path also counts as matched
  when one of its parent folders matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mldock_core.errors import BuildContextError

IGNORE_FILE = ".dockerignore"

_WILDCARDS = "*?[\\"


@dataclass(frozen=True)
class IgnoreRule:
    """One pattern line of a .dockerignore file."""

    line: int
    text: str  # the line as written, whitespace trimmed
    pattern: str  # cleaned, without the leading '!'
    exception: bool
    regex: re.Pattern[str] = field(repr=False, compare=False)

    def matches(self, relpath: str) -> bool:
        return self.regex.match(relpath) is not None

    def matches_or_parent(self, relpath: str) -> bool:
        if self.matches(relpath):
            return True
        parts = relpath.split("/")
        for depth in range(1, len(parts)):
            if self.matches("/".join(parts[:depth])):
                return True
        return False

    def describe(self, source: str = IGNORE_FILE) -> str:
        return f"{source} line {self.line} ('{self.text}')"


class DockerIgnore:
    """The exclusion rules of one build context.

    ``patterns`` are the lines of a .dockerignore file, comments and blank lines
    included, so that a rule keeps the line number it has in the file.
    """

    def __init__(self, patterns: list[str], source: str = IGNORE_FILE) -> None:
        self.source = source
        self.rules: list[IgnoreRule] = []
        for number, line in enumerate(patterns, start=1):
            rule = _parse_line(line, number, source)
            if rule is not None:
                self.rules.append(rule)

    @classmethod
    def from_project(cls, root: Path) -> DockerIgnore:
        """Read ``root/.dockerignore``, or return empty rules when it is missing.

        The file is only opened for reading, never created or rewritten.
        """
        path = Path(root) / IGNORE_FILE
        try:
            with open(path, encoding="utf-8-sig") as stream:
                lines = stream.read().splitlines()
        except FileNotFoundError:
            return cls([])
        except UnicodeDecodeError as exc:
            raise BuildContextError(
                f"{path} is not UTF-8 ({exc.reason} at byte {exc.start}); "
                "save it as UTF-8"
            ) from exc
        except OSError as exc:
            raise BuildContextError(
                f"cannot read {path}: {exc.strerror}; check its permissions"
            ) from exc
        return cls(lines)

    def __repr__(self) -> str:
        return f"DockerIgnore({[rule.text for rule in self.rules]!r})"

    def is_excluded(self, relpath: str) -> bool:
        """Return whether the project-relative POSIX path is left out of the context."""
        return self.excluding_rule(relpath) is not None

    def excluding_rule(self, relpath: str) -> IgnoreRule | None:
        """Return the rule that excludes ``relpath``, or None when it is included."""
        path = _clean_relpath(relpath)
        decided_by: IgnoreRule | None = None
        for rule in self.rules:
            # An exception can only change an excluded path, and a plain rule only
            # an included one, so skipping the others cannot change the outcome.
            if rule.exception != (decided_by is not None):
                continue
            if rule.matches_or_parent(path):
                decided_by = None if rule.exception else rule
        return decided_by

    def may_include_below(self, folder: str) -> bool:
        """Return whether an exception could re-include a path inside ``folder``.

        A walk uses this to skip an excluded folder without listing it. The check
        compares the literal start of each exception pattern with the folder, so it
        may answer True for a folder whose contents all stay excluded.
        """
        prefix = _clean_relpath(folder) + "/"
        for rule in self.rules:
            if not rule.exception:
                continue
            literal = _literal_prefix(rule.pattern)
            if literal.startswith(prefix) or prefix.startswith(literal):
                return True
        return False


def _parse_line(line: str, number: int, source: str) -> IgnoreRule | None:
    # Docker checks for '#' before trimming, so " # x" is a pattern, not a comment.
    if line.startswith("#"):
        return None
    text = line.strip()
    if not text:
        return None

    exception = text.startswith("!")
    pattern = text[1:].strip() if exception else text
    if not pattern:
        raise BuildContextError(
            f"{source} line {number}: '{text}' is an exception with no pattern; "
            "write the path to re-include after '!', or delete the line"
        )
    pattern = go_clean(pattern)
    if len(pattern) > 1 and pattern.startswith("/"):
        pattern = pattern[1:]
    # Docker documents that the pattern '.' is ignored.
    if pattern == ".":
        return None

    try:
        regex = re.compile(_translate(pattern))
    except (re.error, ValueError) as exc:
        raise BuildContextError(
            f"{source} line {number}: '{text}' is not a valid pattern ({exc}); "
            "close every '[' with ']' or escape it as '\\['"
        ) from exc
    return IgnoreRule(number, text, pattern, exception, regex)


def go_clean(path: str) -> str:
    """Return the shortest equivalent path, by the rules of Go's filepath.Clean.

    Repeated slashes collapse, '.' parts go, and '..' removes the part before it.
    A rooted path drops '..' at its root, a relative one keeps it at its start, and
    an empty result becomes '.'.
    """
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append(part)
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


def _clean_relpath(relpath: str) -> str:
    cleaned = go_clean(relpath)
    if cleaned.startswith("/"):
        cleaned = cleaned.lstrip("/") or "."
    return cleaned


def _literal_prefix(pattern: str) -> str:
    for index, char in enumerate(pattern):
        if char in _WILDCARDS:
            return pattern[:index]
    return pattern


def _translate(pattern: str) -> str:
    """Translate a cleaned pattern into an anchored regular expression."""
    out = ["^"]
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**", index):
            index += 2
            if pattern.startswith("/", index):
                index += 1
            # '**' at the end matches everything below; elsewhere, any folders.
            out.append(".*" if index >= len(pattern) else "(?:.*/)?")
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            class_regex, index = _translate_class(pattern, index)
            out.append(class_regex)
            continue
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        else:
            out.append(re.escape(char))
        index += 1
    out.append("$")
    return "".join(out)


def _translate_class(pattern: str, start: int) -> tuple[str, int]:
    """Translate the class opening at ``start``; return it and the index after it."""
    out = ["["]
    index = start + 1
    if pattern.startswith("^", index):
        out.append("^")
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        elif char == "-":
            out.append("-")
        else:
            out.append(re.escape(char))
        index += 1
    if index >= len(pattern):
        raise ValueError(f"'[' at position {start} has no closing ']'")
    out.append("]")
    return "".join(out), index + 1
