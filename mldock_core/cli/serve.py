"""``mldock serve``: start the serving container and wait until it responds."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


import click

from mldock_core.cli.options import (
    info,
    load_project,
    project_dir_option,
    resolve_tag,
    stage_option,
    tag_option,
)
from mldock_core.cli.train import parse_assignments


@click.command(short_help="Serve model/ as SageMaker would and wait until it responds.")
@project_dir_option
@tag_option
@stage_option
@click.option(
    "--port",
    "-p",
    type=click.IntRange(1, 65535),
    default=None,
    help="Host port to publish the server on [default: serve.port of mldock.yaml, 8080].",
)
@click.option(
    "--host",
    "address",
    default="127.0.0.1",
    show_default=True,
    help="Host address to publish on; 0.0.0.0 makes the server reachable from other machines.",
)
@click.option("--detach", is_flag=True, help="Leave the server running in the background and return.")
@click.option(
    "--env",
    "-e",
    "environment",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set an environment variable in the container (not stored in the image).",
)
def serve(
    project_dir: Path,
    tag: str | None,
    stage: str | None,
    port: int | None,
    address: str,
    detach: bool,
    environment: tuple[str, ...],
) -> None:
    """Serve the model from model/ as SageMaker would: GET /ping, POST /invocations.

    Waits until GET /ping returns 200, then prints the URL. In the foreground the
    container's logs follow until Ctrl-C, which stops and removes it.
    """
    from mldock_core import serving
    from mldock_core.build.plan import stale_image_notice
    from mldock_core.containers import emulation_notice
    from mldock_core.engine import connect, require_image
    from mldock_core.plugins import get_plugin_host

    project = load_project(project_dir, stage)
    image = project.image(resolve_tag(project, tag, stage))
    contract = get_plugin_host().get("runtime", "local").contract(project)
    notice = emulation_notice(project.config.build.platform)
    if notice:
        info(notice)

    client = connect()
    labels = require_image(client, image)
    stale = stale_image_notice(project, get_plugin_host(), image, labels)
    if stale:
        info(f"warning: {stale}")
    spec = serving.prepare(
        project,
        image,
        contract,
        address=serving.host_address(address),
        port=port or project.config.serve.port,
        environment=parse_assignments(environment, "-e", raw=True),
    )
    endpoint = serving.start(client, project, spec, contract, report=info)
    info(f"serving {image} at {endpoint.url} (container {endpoint.container.name})")
    click.echo(endpoint.url)
    if detach:
        info("stop it with 'mldock stop'")
        return
    info("press Ctrl-C to stop")
    serving.follow(endpoint, write=lambda line: click.echo(line, err=True), report=info)
