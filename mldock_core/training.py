"""``mldock train``: run the image's ``train`` with SageMaker's /opt/ml layout."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from mldock_core import containers
from mldock_core.containers import ContainerSpec
from mldock_core.errors import ConfigError, RunError

if TYPE_CHECKING:
    import docker

    from mldock_core.project import Project

logger = logging.getLogger(__name__)

ML_ROOT = "/opt/ml"
FAILURE_FILE = "failure"
HOST_NAME = "algo-1"


def earlier_model_files(project: Project, shown: int = 5) -> list[str]:
    """Return the names of files already in model/, a few at most, for a notice."""
    folder = project.model_dir
    if not folder.is_dir():
        return []
    names = sorted(entry.name for entry in folder.iterdir())
    return names[:shown] + ([f"{len(names) - shown} more"] if len(names) > shown else [])


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def input_data_config(channels: dict[str, str]) -> dict[str, dict[str, str]]:
    """Return inputdataconfig.json as SageMaker writes it for File mode channels."""
    return {
        channel: {
            "TrainingInputMode": "File",
            "S3DistributionType": "FullyReplicated",
            "RecordWrapperType": "None",
        }
        for channel in channels
    }


def resource_config() -> dict[str, object]:
    return {"current_host": HOST_NAME, "hosts": [HOST_NAME], "network_interface_name": "eth0"}


def prepare(
    project: Project,
    image: str,
    hyperparameters: dict[str, str],
    environment: dict[str, str],
) -> ContainerSpec:
    """Write config/ and create model/ and output/; return the container to run.

    Nothing the user made is deleted: only mldock's own files in config/ and a
    stale output/failure from an earlier run are replaced.
    """
    config = project.config
    volumes: dict[str, dict[str, str]] = {}
    for channel, relative in config.data.items():
        folder = project.path(relative)
        if not folder.is_dir():
            raise ConfigError(
                f"data channel {channel!r} points at {relative!r}, which is not a folder in "
                f"{project.root}; create it and put the training data there, or fix data.{channel} "
                "in mldock.yaml"
            )
        volumes[str(folder)] = {"bind": f"{ML_ROOT}/input/data/{channel}", "mode": "ro"}

    config_dir = project.input_config_dir
    config_dir.mkdir(exist_ok=True)
    _write_json(config_dir / "hyperparameters.json", {**config.hyperparameters, **hyperparameters})
    _write_json(config_dir / "inputdataconfig.json", input_data_config(config.data))
    _write_json(config_dir / "resourceconfig.json", resource_config())
    volumes[str(config_dir)] = {"bind": f"{ML_ROOT}/input/config", "mode": "ro"}

    project.model_dir.mkdir(exist_ok=True)
    project.output_dir.mkdir(exist_ok=True)
    (project.output_dir / FAILURE_FILE).unlink(missing_ok=True)
    volumes[str(project.model_dir)] = {"bind": f"{ML_ROOT}/model", "mode": "rw"}
    volumes[str(project.output_dir)] = {"bind": f"{ML_ROOT}/output", "mode": "rw"}

    return ContainerSpec(
        image=image,
        command=["train"],
        name=project.container_name("train"),
        labels=project.labels("train"),
        environment={
            "HOME": "/tmp",
            "TRAINING_JOB_NAME": f"{config.name.rsplit('/', 1)[-1]}-local",
            **environment,
        },
        volumes=volumes,
        platform=config.build.platform,
    )


def run(
    client: docker.DockerClient,
    project: Project,
    spec: ContainerSpec,
    write: Callable[[str], None],
    report: Callable[[str], None],
) -> None:
    """Run training to its end, streaming its logs; raise when it fails."""
    containers.clear_leftover(client, spec.name, report)
    with containers.signals_raise():
        container = containers.create(client, spec)
        try:
            containers.start(container)
            report(f"training in container {container.name}")
            containers.stream_logs(container, write)
            code = containers.exit_code(container)
        finally:
            containers.remove(container, report)
    if code != 0:
        raise RunError(_failure_message(project, code), exit_code=code)


def _failure_message(project: Project, code: int) -> str:
    failure = project.output_dir / FAILURE_FILE
    try:
        first_line = failure.read_text(encoding="utf-8", errors="replace").strip().splitlines()[0]
    except (OSError, IndexError):
        return f"training failed with exit code {code}; its output above shows why"
    return f"training failed with exit code {code}: {first_line} (full reason in {failure})"
