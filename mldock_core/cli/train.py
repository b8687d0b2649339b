"""``mldock train``: run training in the project's image on this machine."""

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
from mldock_core.cli.runtimes import runtime_option


def parse_assignments(values: tuple[str, ...], option: str, *, raw: bool) -> dict[str, str]:
    from mldock_core.hyperparameters import parse_assignment

    return dict(parse_assignment(value, option, raw=raw) for value in values)


@click.command(short_help="Train in the project's image as a platform would.")
@project_dir_option
@tag_option
@stage_option
@runtime_option
@click.option(
    "--hyperparameter",
    "-p",
    "hyperparameters",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set a hyperparameter for this run; VALUE is read as YAML (10, 0.1, true, [64, 32]).",
)
@env_option("Set an environment variable in the container for this run only (not in the image).")
def train(
    project_dir: Path,
    tag: str | None,
    stage: str | None,
    runtime_name: str | None,
    hyperparameters: tuple[str, ...],
    environment: tuple[str, ...],
) -> None:
    """Train in the project's image with a platform's variables and folders.

    The default runtime, local, mounts data/<channel>, config/, model/ and
    output/ of the project under /opt/ml as SageMaker does. Other runtimes
    mount them where their platform does and set its variables; the model
    always lands in model/. On failure the reason is in output/failure and
    mldock exits with the container's exit status.
    """
    from mldock_core import training
    from mldock_core.build.plan import stale_image_notice
    from mldock_core.cli.runtimes import resolve
    from mldock_core.containers import emulation_notice
    from mldock_core.engine import connect, require_image
    from mldock_core.errors import ConfigError
    from mldock_core.plugins import get_plugin_host
    from mldock_core.serving import LABEL_RUNTIME

    project = load_project(project_dir, stage)
    image = project.image(resolve_tag(project, tag, stage))
    runtime, contract = resolve(project, runtime_name, None)
    if contract.training is None:
        raise ConfigError(
            f"runtime {runtime.name!r} runs no training, only serving; train with "
            "another runtime (the default is local) and serve the model with this one"
        )
    spec_hyperparameters = parse_assignments(hyperparameters, "-p", raw=False)
    spec_environment = parse_assignments(environment, "-e", raw=True)
    notice = emulation_notice(project.config.build.platform)
    if notice:
        info(notice)

    client = connect()
    labels = require_image(client, image)
    stale = stale_image_notice(project, get_plugin_host(), image, labels)
    if stale:
        info(f"warning: {stale}")
    earlier = training.earlier_model_files(project)
    if earlier:
        info(
            f"note: model/ still holds {', '.join(earlier)} from an earlier run; train() "
            "writes over what it writes again, and the rest stays"
        )
    spec = training.prepare(
        project,
        image,
        spec_hyperparameters,
        spec_environment,
        contract.training,
        labels={LABEL_RUNTIME: runtime.name},
    )
    if runtime.name != "local":
        info(
            f"training as runtime {runtime.name}: model/ is mounted at "
            f"{contract.training.model_dir}, output/ at {contract.training.output_dir}"
        )
    failure_file = training.host_failure_file(contract.training, project.output_dir)
    training.run(
        client, project, spec, write=click.echo, report=info, failure_file=failure_file
    )
    info(f"training finished; the model is in {project.model_dir}")
