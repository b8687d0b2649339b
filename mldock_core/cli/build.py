"""``mldock build``: generate the Dockerfile and build the project's image."""

from __future__ import annotations

from typing import TYPE_CHECKING

import contextlib
import sys
from typing import Iterator

import click

from mldock_core.cli.options import (
    info,
    load_project,
    project_dir_option,
    resolve_tag,
    stage_option,
    tag_option,
)

if TYPE_CHECKING:
    from pathlib import Path


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


@contextlib.contextmanager
def _progress(verbose: bool) -> Iterator[tuple]:
    """Yield (on_step, on_output) callbacks: a live bar on a terminal, plain lines elsewhere."""
    if not sys.stderr.isatty():
        yield (
            lambda number, total, text: info(f"step {number}/{total}: {text}"),
            (lambda line: info(f"  {line}")) if verbose else (lambda line: None),
        )
        return

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]building"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=None)

        def on_step(number: int, total: int, text: str) -> None:
            progress.update(task, completed=number - 1, total=total, description=text[:60])

        def on_output(line: str) -> None:
            if verbose:
                progress.console.print(line, markup=False, highlight=False)

        yield on_step, on_output


@click.command(short_help="Build the project's image with the local Docker engine.")
@project_dir_option
@tag_option
@stage_option
@click.option("--no-cache", is_flag=True, help="Build every layer again instead of reusing cached ones.")
@click.option("--print-dockerfile", is_flag=True, help="Print the generated Dockerfile and stop.")
@click.option("--verbose", "-v", is_flag=True, help="Show the output of every build step.")
def build(
    project_dir: Path,
    tag: str | None,
    stage: str | None,
    no_cache: bool,
    print_dockerfile: bool,
    verbose: bool,
) -> None:
    """Build the project's image with the local Docker engine."""
    from mldock_core.build.engine_build import run_build
    from mldock_core.build.plan import context_digest, finish_context, make_plan
    from mldock_core.project import LABEL_INPUTS
    from mldock_core.engine import connect
    from mldock_core.plugins import get_plugin_host

    project = load_project(project_dir, stage)
    tag = resolve_tag(project, tag, stage)
    host = get_plugin_host()
    plan = make_plan(project, host, tag)
    if print_dockerfile:
        click.echo(plan.dockerfile(), nl=False)
        return
    for notice in plan.notices:
        info(notice)
    if plan.context.secrets_left_out:
        info(
            "left out of the image because they look like files of credentials: "
            + ", ".join(plan.context.secrets_left_out)
            + " (pass such values at run time with -e KEY=VALUE)"
        )
    dockerfile = finish_context(plan)
    info(f"build context: {len(plan.context.arcnames)} files, {_size(plan.context.size)}")
    if project.config.build.platform:
        info(f"building for platform {project.config.build.platform}")

    client = connect()
    with _progress(verbose) as (on_step, on_output):
        result = run_build(
            client, plan, dockerfile, no_cache=no_cache, on_step=on_step, on_output=on_output,
            labels={LABEL_INPUTS: context_digest(plan)},
        )
    host.pm.hook.mldock_after_build(project=project, image=client.images.get(result.image_id))
    short_id = result.image_id.removeprefix("sha256:")[:12]
    info(
        f"built {result.reference} ({short_id}) in {result.seconds:.1f} s, "
        f"{result.cached_steps} of {result.total_steps} steps from cache"
    )
