"""Options and helpers shared by the project commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

import click

if TYPE_CHECKING:
    from mldock_core.project import Project

F = TypeVar("F", bound=Callable)


def project_dir_option(function: F) -> F:
    """Add ``--dir/-d DIR``: the project folder, by default the current one."""
    return click.option(
        "--dir",
        "-d",
        "project_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default="the current folder",
        help="The project folder (the one holding mldock.yaml).",
    )(function)


def tag_option(function: F) -> F:
    return click.option(
        "--tag", "-t", default=None, help="Image tag [default: latest, or the stage's tag]."
    )(function)


def stage_option(function: F) -> F:
    return click.option(
        "--stage", default=None, help="A stage of mldock.yaml whose overrides apply."
    )(function)


def load_project(project_dir: Path, stage: str | None = None) -> Project:
    from mldock_core.project import Project

    return Project.load(project_dir, stage=stage)


def resolve_tag(project: Project, tag: str | None, stage: str | None) -> str:
    """Return the tag to use: the option, else the stage's tag, else ``latest``."""
    from mldock_core.names import check_tag
    from mldock_core.project import DEFAULT_TAG

    if tag is not None:
        return check_tag(tag)
    if stage is not None:
        stage_tag = project.config.stages[stage].tag
        if stage_tag:
            return stage_tag
    return DEFAULT_TAG


def info(message: str) -> None:
    """Write a progress or status line for the user to stderr."""
    click.echo(message, err=True)
