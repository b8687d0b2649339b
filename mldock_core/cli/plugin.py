"""``mldock plugin new``: start a plugin distribution of your own."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from mldock_core.cli.options import as_path, info

if TYPE_CHECKING:
    from pathlib import Path


@click.group(short_help="Write a new plugin distribution.")
def plugin() -> None:
    """Commands for plugin authors."""


@plugin.command()
@click.argument("name")
@click.option("--kind", type=click.Choice(["template"]), default="template", show_default=True,
              help="The kind of plugin to start.")
@click.option("--dir", "-d", "parent", type=click.Path(file_okay=False), default=".", callback=as_path,
              show_default="the current folder", help="Folder to write mldock-NAME into.")
def new(name: str, kind: str, parent: Path) -> None:
    """Write a ready plugin distribution mldock-NAME: pyproject.toml, package, tests.

    It installs with pip and passes its own tests as written; change the
    template's files and declarations from there.
    """
    from mldock_core.skeleton import write_plugin

    target = write_plugin(name, kind, parent)
    info(f"wrote the plugin distribution {target}")
    info(f"next: pip install -e '{target}[test]' && pytest {target / 'tests'}")
    click.echo(target)
