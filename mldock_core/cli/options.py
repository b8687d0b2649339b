"""Options and helpers shared by the project commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, TypeVar

import click

if TYPE_CHECKING:
    from pathlib import Path

    from mldock_core.project import Project

F = TypeVar("F", bound=Callable)


def as_path(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """Turn a path option into a Path; pathlib is imported only when a command runs."""
    from pathlib import Path

    return None if value is None else Path(value)


def project_dir_option(function: F) -> F:
    """Add ``--dir/-d DIR``: the project folder, by default the current one."""
    return click.option(
        "--dir",
        "-d",
        "project_dir",
        type=click.Path(file_okay=False),
        default=".",
        callback=as_path,
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
