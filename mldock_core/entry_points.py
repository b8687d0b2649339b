"""Finding the ``mldock`` entry points without importing importlib.metadata.

importlib.metadata costs about 20 ms to import (it pulls in the email and
zipfile packages), more than the rest of ``mldock --help``. Entry points only
need each distribution's ``entry_points.txt`` and the ``Name`` and
``Version`` lines of its metadata, so this module reads those files from the
``*.dist-info`` and ``*.egg-info`` folders on ``sys.path`` directly, in the
same order and with the same first-found-wins rule as importlib.metadata.

NOTE: distributions inside zip files on sys.path are not seen here; no
installer in current use puts plugins there.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Iterator

METADATA_FILES = ("METADATA", "PKG-INFO")
SECTION = re.compile(r"^\[\s*([^\]]+?)\s*\]$")


@dataclass(frozen=True)
class EntryPoint:
    """One ``name = module:attribute`` line of a distribution's entry points."""

    name: str
    value: str
    distribution: str
    version: str

    def load(self) -> Any:
        """Import the module and return the attribute the entry point names."""
        module_name, _, attribute = self.value.partition(":")
        target: Any = importlib.import_module(module_name.strip())
        for part in filter(None, attribute.strip().split(".")):
            target = getattr(target, part)
        return target


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _header(folder: str) -> tuple[str, str]:
    """Return the distribution's Name and Version from its metadata file."""
    values: dict[str, str] = {}
    for file_name in METADATA_FILES:
        try:
            with open(os.path.join(folder, file_name), encoding="utf-8", errors="replace") as file:
                for line in file:
                    if not line.strip():
                        break  # the headers end at the first blank line
                    key, _, value = line.partition(":")
                    if key in ("Name", "Version") and key not in values:
                        values[key] = value.strip()
        except OSError:
            continue
        break
    stem = os.path.basename(folder).rsplit(".", 1)[0]
    guessed_name, _, guessed_version = stem.partition("-")
    return values.get("Name", guessed_name), values.get("Version", guessed_version or "unknown")


def _entries(text: str, group: str) -> Iterator[tuple[str, str]]:
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        section = SECTION.match(line)
        if section:
            current = section.group(1)
        elif current == group and "=" in line:
            name, _, value = line.partition("=")
            yield name.strip(), value.strip()


def _metadata_folders() -> Iterator[str]:
    # Plain strings and os.path, not pathlib: importing pathlib costs several
    # milliseconds of `mldock --help`.
    for entry in sys.path:
        folder = entry or "."
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue  # a zip file, or a folder that does not exist
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                yield os.path.join(folder, name)


def entry_points(group: str) -> list[EntryPoint]:
    """Return the entry points of ``group`` from every distribution on ``sys.path``."""
    seen: set[str] = set()
    found = []
    for folder in _metadata_folders():
        key = _normalized(os.path.basename(folder).rsplit(".", 1)[0].partition("-")[0])
        if key in seen:
            continue
        seen.add(key)
        try:
            with open(os.path.join(folder, "entry_points.txt"), encoding="utf-8") as file:
                text = file.read()
        except OSError:
            continue
        lines = list(_entries(text, group))
        if lines:
            distribution, version = _header(folder)
            found.extend(EntryPoint(name, value, distribution, version) for name, value in lines)
    return found
