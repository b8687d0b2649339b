"""``mldock verify``: check the built image against each platform's contract."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

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
from mldock_core.cli.runtimes import runtime_option
from mldock_core.cli.train import parse_assignments

if TYPE_CHECKING:
    from pathlib import Path

    from mldock_core.project import Project
    from mldock_core.verify import Check, Payload

RESULT_STYLES = {"pass": "green", "fail": "bold red", "skip": "yellow"}
# Wide enough that most reasons fit on one line when the output is not a terminal.
PLAIN_WIDTH = 160


@click.command(short_help="Check the image against each platform's container contract.")
@project_dir_option
@tag_option
@stage_option
@runtime_option(
    help="Check this runtime; repeat the option for several [default: local]. "
    "See 'mldock runtimes'.",
    multiple=True,
)
@click.option(
    "--all",
    "all_runtimes",
    is_flag=True,
    help="Check every runtime of the loaded plugins.",
)
@click.option(
    "--payload",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The request data of the round trip [default: the first file of examples/].",
)
@click.option(
    "--health-timeout",
    type=click.FloatRange(min=0.1),
    default=None,
    metavar="SECONDS",
    help="Seconds the health route has to return 200, for every runtime "
    "[default: each platform's deadline].",
)
@click.option(
    "--skip-train",
    is_flag=True,
    help="Skip the training checks and serve the project's model/.",
)
@env_option("Set an environment variable in every container verify starts.")
def verify(
    project_dir: Path,
    tag: str | None,
    stage: str | None,
    runtime_name: tuple[str, ...],
    all_runtimes: bool,
    payload: str | None,
    health_timeout: float | None,
    skip_train: bool,
    environment: tuple[str, ...],
) -> None:
    """Start the built image as each platform would and check its contract.

    Per runtime: training writes the model where the platform collects it, a
    failed run writes the failure file and exits non-zero, the health route
    returns 200 within the platform's deadline, the probe and predict routes
    respond, a prediction in the platform's envelope comes back in the
    platform's format, and an unknown route gets 404. Prints a table and exits
    with status 1 when a check fails. The project's model/ and output/ are not
    changed, and every container started is removed.
    """
    from mldock_core.build.plan import stale_image_notice
    from mldock_core.engine import connect, require_image
    from mldock_core.errors import ConfigError, RunError
    from mldock_core.plugins import get_plugin_host
    from mldock_core.verify import Options, Verifier

    project = load_project(project_dir, stage)
    image = project.image(resolve_tag(project, tag, stage))
    host = get_plugin_host()
    if all_runtimes and runtime_name:
        raise ConfigError("pass either --all or --runtime, not both")
    names = (
        _ordered(host.runtimes()) if all_runtimes else list(runtime_name or ["local"])
    )
    runtimes = [host.get("runtime", name) for name in names]
    options = Options(
        payload=_payload(project, payload),
        health_timeout=health_timeout,
        train=not skip_train,
        environment=parse_assignments(environment, "-e", raw=True),
    )

    client = connect()
    labels = require_image(client, image)
    stale = stale_image_notice(project, host, image, labels)
    if stale:
        info(f"warning: {stale}")
    if options.payload is not None:
        info(f"round trip payload: {options.payload.source}")

    verifier = Verifier(client, project, image, options, report=info)
    checks: list[Check] = []
    for runtime in runtimes:
        checks += verifier.verify(runtime)
    _print_table(checks)

    failed = [check for check in checks if check.status == "fail"]
    if failed:
        for check in failed:
            click.echo(f"FAIL {check.runtime} {check.name}: {check.detail}")
        raise RunError(
            f"{len(failed)} of {len(checks)} checks failed for {image}; the reasons "
            "are above"
        )
    info(f"{image} meets the contract of {', '.join(names)}")


def _ordered(found: dict) -> list[str]:
    """Return runtime names with local first, then by name."""
    return sorted(found, key=lambda name: (name != "local", name))


def _payload(project: Project, given: str | None) -> Payload | None:
    """Return the round trip payload: --payload, else the first file of examples/."""
    from pathlib import Path

    from mldock_core.cli.predict import content_type_for
    from mldock_core.verify import Payload

    if given is None:
        examples = project.root / "examples"
        files = (
            sorted(
                path
                for path in examples.iterdir()
                if path.is_file() and not path.name.startswith(".")
            )
            if examples.is_dir()
            else []
        )
        if not files:
            return None
        path = files[0]
    else:
        path = Path(given)
    media_type = content_type_for(str(path), None)
    shown = (
        path.relative_to(project.root) if path.is_relative_to(project.root) else path
    )
    return Payload(str(shown), path.read_bytes(), media_type)


def _print_table(checks: list[Check]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(width=None if sys.stdout.isatty() else PLAIN_WIDTH)
    table = Table(title="mldock verify")
    for column in ("runtime", "check", "result", "detail"):
        table.add_column(column, overflow="fold")
    for check in checks:
        style = RESULT_STYLES.get(check.status, "")
        table.add_row(
            Text(check.runtime),
            Text(check.name),
            Text(check.status, style=style),
            Text(check.detail),
        )
    console.print(table)
