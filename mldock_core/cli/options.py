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
        default=None,
        callback=as_path,
        help="The project folder (the one holding mldock.yaml) [default: the current "
        "folder, or the nearest one above it with an mldock.yaml].",
    )(function)


def tag_option(function: F) -> F:
    return click.option(
        "--tag", "-t", default=None, help="Image tag [default: latest, or the stage's tag]."
    )(function)


def stage_option(function: F) -> F:
    return click.option(
        "--stage", default=None, help="A stage of mldock.yaml whose overrides apply."
    )(function)


def find_project_dir(project_dir: Path | None) -> Path:
    """Return ``--dir``, or else the nearest folder from here upwards with an mldock.yaml.

    Like git, a command run in src/ of a project finds the project; when no
    folder has one, the current folder is returned and loading it reports that.
    """
    from pathlib import Path

    from mldock_core.config import CONFIG_FILE

    if project_dir is not None:
        return project_dir
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            if folder != here:
                info(f"using the project in {folder}")
            return folder
    return here


def env_option(help_text: str) -> Callable[[F], F]:
    """Add ``--env/-e KEY=VALUE`` (repeatable): variables for the containers a command starts."""
    return click.option(
        "--env", "-e", "environment", multiple=True, metavar="KEY=VALUE", help=help_text
    )


def load_project(project_dir: Path | None, stage: str | None = None) -> Project:
    from mldock_core.project import Project

    return Project.load(find_project_dir(project_dir), stage=stage)


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
