"""``mldock init``: write a new project from a template."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from mldock_core.cli.options import as_path, info
from mldock_core.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path


def _choose_template(names: list[str]) -> str:
    if not sys.stdin.isatty():
        raise ConfigError(
            f"no template given; pass --template with one of: {', '.join(names)}"
        )
    default = "python" if "python" in names else names[0]
    return click.prompt("Template", type=click.Choice(names), default=default)


def _project_name(directory: Path, name: str | None) -> str:
    from mldock_core.names import check_image_name, image_name_from_folder

    if name is not None:
        return check_image_name(name)
    folder = directory.resolve().name
    derived = image_name_from_folder(folder)
    if derived != folder:
        info(f"image name: {derived} (made from the folder name {folder!r}; pass --name to choose)")
    return derived


@click.command(short_help="Write a new project from a template.")
@click.argument("directory", type=click.Path(file_okay=False), default=".", callback=as_path)
@click.option("--template", "-t", "template_name", help="The template to start from (see 'mldock templates').")
@click.option("--name", "-n", help="Image name [default: made from the folder name].")
@click.option("--force", is_flag=True, help="Overwrite files the template writes; other files are kept.")
def init(directory: Path, template_name: str | None, name: str | None, force: bool) -> None:
    """Write a new project into DIRECTORY from a template.

    Existing files are never deleted, and overwritten only with --force.
    """
    from mldock_core.plugins import get_plugin_host
    from mldock_core.scaffold import write_project

    host = get_plugin_host()
    if template_name is None:
        template_name = _choose_template(sorted(host.templates()))
    template = host.get("template", template_name)
    project_name = _project_name(directory, name)

    origin = host.origin("template", template.name)
    written = write_project(
        template, directory, project_name, force=force, origin=f"{origin.name} ({origin.distribution})"
    )
    info(f"wrote {len(written)} files into {directory} from template {template.name!r}")
    import shlex

    next_steps = "" if directory.resolve() == directory.cwd() else f"cd {shlex.quote(str(directory))} && "
    info(f"next: {next_steps}mldock build && mldock train && mldock serve --detach")
