"""Writing a new project from a template, for ``mldock init``."""

from __future__ import annotations

import json
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
CONFIG_FILE = "mldock.yaml"
REQUIREMENTS_FILE = "requirements.txt"
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


def _checked_path(template: Template, origin: str, relative: PurePosixPath) -> PurePosixPath:
    """Reject a template path that would land outside the project folder."""
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise TemplateError(
            f"template {template.name!r} of plugin {origin} wants to write {str(relative)!r}, "
            "which is outside the project folder; the plugin must be fixed (report it to "
            "its authors, or disable it with MLDOCK_DISABLE_PLUGINS)"
        )
    return relative


def _yaml_value(value: object) -> str:
    # JSON text is valid YAML flow style, and keeps strings such as "3.10" strings.
    return json.dumps(value)


def generated_config(template: Template, project_name: str) -> str:
    """Return the mldock.yaml made from the template's declarations."""
    lines = [
        f"# yaml-language-server: $schema={SCHEMA_PATH}",
        "# The project's config. `mldock build` checks it; unknown keys are errors.",
        f"name: {project_name}",
        f"template: {template.name}",
        f"python_version: {_yaml_value(template.python_version)}",
    ]
    if template.base_image:
        lines.append(f"base_image: {_yaml_value(template.base_image)}")
    lines.append("requirements: requirements.txt")
    if template.system_packages:
        lines.append(f"system_packages: {_yaml_value(list(template.system_packages))}")
    lines += ["", "# One folder per data channel, mounted at /opt/ml/input/data/<channel>.", "data:"]
    lines += [f"  {channel}: {_yaml_value(folder)}" for channel, folder in template.channels.items()]
    if template.hyperparameters:
        lines += ["", "# Written to hyperparameters.json as SageMaker does; train() gets typed values.", "hyperparameters:"]
        lines += [f"  {key}: {_yaml_value(value)}" for key, value in template.hyperparameters.items()]
    lines += ["", "serve:", "  port: 8080", "  workers: 1"]
    return "\n".join(lines) + "\n"


def generated_requirements(template: Template) -> str:
    header = "# Python packages the training and serving code needs, one per line, as for pip.\n"
    return header + "".join(f"{line}\n" for line in template.requirements)


def plan_files(template: Template, project_name: str, origin: str = "unknown") -> list[PlannedFile]:
    """Return every file the template writes, rendered, with project-relative paths."""
    variables = template.variables(project_name)
    planned = []
    root = template.root()
    for source, entry in _walk(root, PurePosixPath()) if root is not None else ():
        target = source.with_name(_target_name(source.name))
        _checked_path(template, origin, target)
        content = entry.read_bytes()
        if source.name.endswith(TEMPLATE_SUFFIX):
            content = _render(content.decode("utf-8"), variables, source).encode("utf-8")
        planned.append(PlannedFile(target, content))

    written = {item.relative for item in planned}
    if PurePosixPath(CONFIG_FILE) not in written:
        planned.append(PlannedFile(PurePosixPath(CONFIG_FILE), generated_config(template, project_name).encode()))
    if PurePosixPath(REQUIREMENTS_FILE) not in written:
        planned.append(PlannedFile(PurePosixPath(REQUIREMENTS_FILE), generated_requirements(template).encode()))
    schema = files("mldock_core.schema").joinpath("mldock.schema.json").read_bytes()
    planned.append(PlannedFile(PurePosixPath(SCHEMA_PATH), schema))
    return planned


def channel_folders(template: Template, origin: str = "unknown") -> list[PurePosixPath]:
    """Return the template's data channel folders, checked to stay inside the project."""
    return [_checked_path(template, origin, PurePosixPath(folder)) for folder in template.channels.values()]


def write_project(
    template: Template,
    directory: Path,
    project_name: str,
    *,
    force: bool = False,
    origin: str = "unknown",
) -> list[Path]:
    """Write the template's files into ``directory``; return the paths written.

    Existing files are overwritten only with ``force``; no file is ever deleted.
    ``origin`` names the template's plugin in errors.
    """
    planned = plan_files(template, project_name, origin)
    folders = channel_folders(template, origin)
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
    try:
        for item in planned:
            path = directory / item.relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(item.content)
            written.append(path)
        for folder in folders:
            (directory / folder).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        where = error.filename or directory
        raise TemplateError(
            f"cannot write {where}: {error.strerror}; choose a folder you can write to "
            f"({len(written)} files were written before this)"
        ) from None
    logger.debug("wrote %d files into %s", len(written), directory)
    return written
