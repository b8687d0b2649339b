"""``mldock init``: write a new project from a template."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mldock_core.cli.options import info
from mldock_core.errors import ConfigError


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


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
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

    written = write_project(template, directory, project_name, force=force)
    info(f"wrote {len(written)} files into {directory} from template {template.name!r}")
    shown = directory if directory != Path(".") else None
    next_steps = f"cd {shown} && " if shown else ""
    info(f"next: {next_steps}mldock build && mldock train && mldock serve --detach")
