"""Writing a new project from a template, for ``mldock init``."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Iterator

from mldock_core.errors import TemplateError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from mldock_core.kinds import Template

logger = logging.getLogger(__name__)

TEMPLATE_SUFFIX = ".tmpl"
DOT_PREFIX = "dot-"
SCHEMA_PATH = ".mldock/mldock.schema.json"
VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class PlannedFile:
    relative: PurePosixPath
    content: bytes


def _walk(folder: Traversable, prefix: PurePosixPath) -> Iterator[tuple[PurePosixPath, Traversable]]:
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name in ("__pycache__", "__init__.py") or entry.name.endswith(".pyc"):
            continue
        if entry.is_dir():
            yield from _walk(entry, prefix / entry.name)
        else:
            yield prefix / entry.name, entry


def _target_name(name: str) -> str:
    if name.endswith(TEMPLATE_SUFFIX):
        name = name[: -len(TEMPLATE_SUFFIX)]
    if name.startswith(DOT_PREFIX):
        name = "." + name[len(DOT_PREFIX) :]
    return name


def _render(text: str, variables: dict[str, str], source: PurePosixPath) -> str:
    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in variables:
            raise TemplateError(
                f"template file {source} uses the unknown variable {{{{ {key} }}}}; "
                f"known variables: {', '.join(sorted(variables))}"
            )
        return variables[key]

    return VARIABLE.sub(substitute, text)


def _checked_path(template: Template, relative: PurePosixPath) -> PurePosixPath:
    """Reject a template file that would land outside the project folder."""
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise TemplateError(
            f"template {template.name!r} wants to write {str(relative)!r}, which is outside "
            "the project folder; the template's plugin must be fixed"
        )
    return relative


def plan_files(template: Template, project_name: str) -> list[PlannedFile]:
    """Return every file the template writes, rendered, with project-relative paths."""
    variables = template.variables(project_name)
    planned = []
    for source, entry in _walk(template.root(), PurePosixPath()):
        target = source.with_name(_target_name(source.name))
        _checked_path(template, target)
        content = entry.read_bytes()
        if source.name.endswith(TEMPLATE_SUFFIX):
            content = _render(content.decode("utf-8"), variables, source).encode("utf-8")
        planned.append(PlannedFile(target, content))
    schema = files("mldock_core.schema").joinpath("mldock.schema.json").read_bytes()
    planned.append(PlannedFile(PurePosixPath(SCHEMA_PATH), schema))
    return planned


def write_project(
    template: Template, directory: Path, project_name: str, *, force: bool = False
) -> list[Path]:
    """Write the template's files into ``directory``; return the paths written.

    Existing files are overwritten only with ``force``; no file is ever deleted.
    """
    planned = plan_files(template, project_name)
    existing = [directory / item.relative for item in planned if (directory / item.relative).exists()]
    if existing and not force:
        shown = ", ".join(str(path.relative_to(directory)) for path in existing[:8])
        more = f" and {len(existing) - 8} more" if len(existing) > 8 else ""
        raise TemplateError(
            f"{directory} already has {shown}{more}; pass --force to overwrite those files "
            "(files the template does not write are kept), or choose another folder"
        )
    blocked = [path for path in existing if path.is_dir()]
    if blocked:
        raise TemplateError(f"{blocked[0]} is a folder, but the template writes a file there; rename it")

    written = []
    for item in planned:
        path = directory / item.relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(item.content)
        written.append(path)
    logger.debug("wrote %d files into %s", len(written), directory)
    return written
