"""``mldock serve``: start the serving container and wait until it responds."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


import click

from mldock_core.cli.options import (
    env_option,
    info,
    load_project,
    project_dir_option,
    resolve_tag,
    stage_option,
    tag_option,
)
from mldock_core.cli.runtimes import protocol_option, runtime_option
from mldock_core.cli.train import parse_assignments


@click.command(short_help="Serve model/ as a platform would and wait until it responds.")
@project_dir_option
@tag_option
@stage_option
@runtime_option
@protocol_option
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
@env_option("Set an environment variable in the container (not stored in the image).")
def serve(
    project_dir: Path,
    tag: str | None,
    stage: str | None,
    runtime_name: str | None,
    protocol: str | None,
    port: int | None,
    address: str,
    detach: bool,
    environment: tuple[str, ...],
) -> None:
    """Serve the model from model/ as a platform would, by default SageMaker's contract.

    The default runtime, local, serves GET /ping and POST /invocations on 8080.
    Another runtime sets its platform's variables, mounts model/ where that
    platform puts the model and waits on its health route. The URL is printed
    once the health route returns 200. In the foreground the container's logs
    follow until Ctrl-C, which stops and removes it.
    """
    from mldock_core import serving
    from mldock_core.build.plan import stale_image_notice
    from mldock_core.cli.runtimes import resolve
    from mldock_core.containers import emulation_notice
    from mldock_core.engine import connect, require_image
    from mldock_core.plugins import get_plugin_host

    project = load_project(project_dir, stage)
    image = project.image(resolve_tag(project, tag, stage))
    runtime, contract = resolve(project, runtime_name, protocol)
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
        runtime=runtime.name,
        protocol=protocol,
    )
    def on_ready(endpoint: serving.Endpoint) -> None:
        info(f"serving {image} at {endpoint.url} (container {endpoint.container.name})")
        if runtime.name != "local":
            info(
                f"runtime {runtime.name}: health GET {contract.health_route}, predict POST "
                f"{contract.predict_route}, model/ mounted at {contract.model_mount}"
            )
        deadline = contract.health_deadline
        took = endpoint.ready_after
        if deadline is not None and took is not None and took > deadline:
            info(
                f"warning: the server took {took:.0f} s to respond on "
                f"{contract.health_route}; runtime {runtime.name} allows {deadline:g} s, "
                "so the platform would take this container for failed and restart it"
            )
        click.echo(endpoint.url)
        info("stop it with 'mldock stop'" if detach else "press Ctrl-C to stop")

    follow_logs = None if detach else (lambda line: click.echo(line, err=True))
    serving.start(client, project, spec, contract, report=info, on_ready=on_ready, follow_logs=follow_logs)
