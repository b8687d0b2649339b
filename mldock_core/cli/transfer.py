"""``mldock push``, ``mldock pull`` and ``mldock registries``."""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, Iterator

import click

from mldock_core.cli.options import (
    info,
    load_project,
    project_dir_option,
    resolve_tag,
    stage_option,
    tag_option,
)
from mldock_core.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

    from mldock_core.kinds import Credentials
    from mldock_core.registry import TransferEvents

DONE_STATES = ("Pushed", "Layer already exists", "Pull complete", "Already exists")


@contextlib.contextmanager
def _events() -> Iterator[TransferEvents]:
    """Yield transfer callbacks: a bar per layer on a terminal, a line per finished layer elsewhere."""
    from mldock_core.registry import TransferEvents

    if not sys.stderr.isatty():
        def on_layer(layer: str, status: str, current: int | None, total: int | None) -> None:
            if status in DONE_STATES or status.startswith("Mounted from"):
                info(f"layer {layer}: {status}")

        yield TransferEvents(on_layer, info)
        return

    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.fields[layer]}"), BarColumn(), DownloadColumn(),
        TextColumn("{task.description}"), console=console,
    ) as progress:
        tasks: dict[str, int] = {}

        def on_layer(layer: str, status: str, current: int | None, total: int | None) -> None:
            if layer not in tasks:
                tasks[layer] = progress.add_task(status, layer=layer[:12], total=None)
            done = status in DONE_STATES or status.startswith("Mounted from")
            progress.update(
                tasks[layer], description=status, total=total or (1 if done else None),
                completed=(total or 1) if done else (current or 0),
            )

        yield TransferEvents(on_layer, lambda line: progress.console.print(line, markup=False))


def _given_credentials(username: str | None, password_stdin: bool) -> Credentials | None:
    from mldock_core.kinds import Credentials

    if password_stdin and not username:
        raise ConfigError("--password-stdin needs --username")
    if username and not password_stdin:
        raise ConfigError("--username needs --password-stdin; send the password on stdin, never as an argument")
    if not username:
        return None
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise ConfigError("--password-stdin read an empty password from stdin")
    return Credentials(username, password)


def transfer_options(function):
    for option in reversed([
        project_dir_option,
        tag_option,
        stage_option,
        click.option("--registry", "-r", "registry_name", help="A registry of mldock.yaml's 'registries' section."),
        click.option("--to", "uri", metavar="HOST/REPOSITORY[:TAG]", help="An explicit image reference instead of --registry."),
        click.option("--username", "-u", help="User name for the registry; the password comes from --password-stdin."),
        click.option("--password-stdin", is_flag=True, help="Read the registry password from stdin."),
    ]):
        function = option(function)
    return function


@click.command(short_help="Push the project's image to a registry.")
@transfer_options
@click.option("--create-repository", is_flag=True, help="Create the repository when it does not exist.")
@click.option("--build", "build_first", is_flag=True, help="Build the image before pushing it.")
def push(project_dir: Path, tag, stage, registry_name, uri, username, password_stdin, create_repository, build_first) -> None:
    """Push the project's image and print HOST/REPOSITORY:TAG@DIGEST.

    The target is --to, else --registry, else the registry of --stage, else the
    only entry of 'registries' in mldock.yaml. Credentials come from the
    registry's plugin for this push only; ~/.docker/config.json is not written.
    """
    from mldock_core import registry
    from mldock_core.engine import connect
    from mldock_core.plugins import get_plugin_host

    if registry_name and uri:
        raise ConfigError("pass either --registry or --to, not both")
    project = load_project(project_dir, stage)
    tag = resolve_tag(project, tag, stage)
    given = _given_credentials(username, password_stdin)
    resolved = registry.resolve(
        project, get_plugin_host(), registry_name=registry_name, uri=uri, stage=stage,
        tag=tag, create=create_repository,
    )
    if build_first:
        from mldock_core.cli.build import build

        click.get_current_context().invoke(build, project_dir=project_dir, tag=tag, stage=stage)
    client = connect()
    info(f"pushing {project.image(tag)} to {resolved.target.reference} ({resolved.registry.name})")
    with _events() as events:
        digest = registry.push(client, resolved, project.image(tag), events, given)
    click.echo(f"{resolved.target.reference}@{digest}")


@click.command(short_help="Pull the project's image from a registry.")
@transfer_options
def pull(project_dir: Path, tag, stage, registry_name, uri, username, password_stdin) -> None:
    """Pull the project's image from a registry and tag it as the local NAME:TAG."""
    from mldock_core import registry
    from mldock_core.engine import connect
    from mldock_core.plugins import get_plugin_host

    if registry_name and uri:
        raise ConfigError("pass either --registry or --to, not both")
    project = load_project(project_dir, stage)
    tag = resolve_tag(project, tag, stage)
    given = _given_credentials(username, password_stdin)
    resolved = registry.resolve(
        project, get_plugin_host(), registry_name=registry_name, uri=uri, stage=stage,
        tag=tag, create=False,
    )
    client = connect()
    info(f"pulling {resolved.target.reference} ({resolved.registry.name})")
    with _events() as events:
        digest = registry.pull(client, resolved, project.image(resolved.target.tag), events, given)
    info(f"tagged it as {project.image(resolved.target.tag)}")
    click.echo(f"{resolved.target.reference}@{digest}" if digest else resolved.target.reference)


@click.command(short_help="List registry kinds and the project's registries.")
@project_dir_option
def registries(project_dir: Path) -> None:
    """List the registry kinds of the loaded plugins, then the registries of mldock.yaml."""
    from mldock_core.config import CONFIG_FILE
    from mldock_core.plugins import get_plugin_host

    host = get_plugin_host()
    kinds = host.registries()
    click.echo("registry kinds:")
    width = max(map(len, kinds), default=0)
    for name in sorted(kinds):
        origin = host.origin("registry", name)
        click.echo(f"  {name:<{width}}  {kinds[name].description}  [{origin.distribution} {origin.version}]")
    from mldock_core.cli.options import find_project_dir

    folder = find_project_dir(project_dir)
    if not (folder / CONFIG_FILE).is_file():
        return
    project = load_project(folder)
    click.echo(f"registries of {project.root / CONFIG_FILE}:")
    if not project.config.registries:
        click.echo("  none")
    name_width = max(map(len, project.config.registries), default=0)
    kind_width = max((len(options["kind"]) for options in project.config.registries.values()), default=0)
    for name, options in sorted(project.config.registries.items()):
        kind = kinds.get(options["kind"])
        host_name = options.get("host") or (kind.host_for(options) if kind else None) or "?"
        repository = options.get("repository") or project.name
        missing = "" if kind else "  (kind not installed)"
        click.echo(f"  {name:<{name_width}}  {options['kind']:<{kind_width}}  {host_name}/{repository}{missing}")
