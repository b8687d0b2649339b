"""``mldock train``: run the image's ``train`` with a platform's variables, folders."""

from __future__ import annotations

import json
import logging
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Callable

from mldock_core import containers
from mldock_core.containers import ContainerSpec
from mldock_core.errors import ConfigError, RunError
from mldock_core.kinds import TrainingContract

if TYPE_CHECKING:
    import docker

    from mldock_core.project import Project

logger = logging.getLogger(__name__)

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
    contract: TrainingContract | None = None,
    *,
    model_dir: Path | None = None,
    output_dir: Path | None = None,
    role: str = "train",
    labels: dict[str, str] | None = None,
) -> ContainerSpec:
    """Write config/, create the model and output folders, return the container to run.

    The project's folders are mounted where ``contract`` (SageMaker's /opt/ml
    layout by default) puts them. ``model_dir`` and ``output_dir`` replace the
    project's model/ and output/ as the host folders, as ``mldock verify`` does
    to leave them untouched. Nothing the user made is deleted: only mldock's own
    files in config/ and a stale failure file from an earlier run are replaced.
    """
    contract = contract or TrainingContract()
    config = project.config
    model_dir = model_dir or project.model_dir
    output_dir = output_dir or project.output_dir
    volumes = _channel_volumes(project, contract)

    config_dir = project.input_config_dir
    config_dir.mkdir(exist_ok=True)
    _write_json(config_dir / "hyperparameters.json", {**config.hyperparameters, **hyperparameters})
    _write_json(config_dir / "inputdataconfig.json", input_data_config(config.data))
    _write_json(config_dir / "resourceconfig.json", resource_config())
    volumes[str(config_dir)] = {"bind": contract.config_dir, "mode": "ro"}

    model_dir.mkdir(exist_ok=True)
    output_dir.mkdir(exist_ok=True)
    host_failure_file(contract, output_dir).unlink(missing_ok=True)
    volumes[str(model_dir)] = {"bind": contract.model_dir, "mode": "rw"}
    volumes[str(output_dir)] = {"bind": contract.output_dir, "mode": "rw"}

    return ContainerSpec(
        image=image,
        command=["train"],
        name=project.container_name(role),
        labels={**project.labels(role), **(labels or {})},
        environment={"HOME": "/tmp", **contract.environment, **environment},
        volumes=volumes,
        platform=config.build.platform,
    )


def _channel_volumes(
    project: Project, contract: TrainingContract
) -> dict[str, dict[str, str]]:
    volumes: dict[str, dict[str, str]] = {}
    for channel, relative in project.config.data.items():
        folder = project.path(relative)
        if not folder.is_dir():
            raise ConfigError(
                f"data channel {channel!r} points at {relative!r}, which is not a folder in "
                f"{project.root}; create it and put the training data there, or fix data.{channel} "
                "in mldock.yaml"
            )
        volumes[str(folder)] = {"bind": f"{contract.data_dir}/{channel}", "mode": "ro"}
    return volumes


def host_failure_file(contract: TrainingContract, output_dir: Path) -> Path:
    """Return where the container's failure file appears on the host."""
    relative = PurePosixPath(contract.failure_file).relative_to(contract.output_dir)
    return output_dir.joinpath(*relative.parts)


def run(
    client: docker.DockerClient,
    project: Project,
    spec: ContainerSpec,
    write: Callable[[str], None],
    report: Callable[[str], None],
    *,
    failure_file: Path | None = None,
) -> None:
    """Run training to its end, streaming its logs; raise when it fails.

    ``failure_file`` is where the container's failure file appears on the host,
    output/failure by default; its first line becomes the error message.
    """
    code = run_to_end(client, spec, write, report)
    if code != 0:
        failure = failure_file or project.output_dir / "failure"
        raise RunError(_failure_message(failure, code), exit_code=code)


def run_to_end(
    client: docker.DockerClient,
    spec: ContainerSpec,
    write: Callable[[str], None],
    report: Callable[[str], None],
) -> int:
    """Run the training container, stream its logs, remove it, return its exit code."""
    containers.clear_leftover(client, spec.name, report)
    with containers.signals_raise():
        container = containers.create(client, spec)
        try:
            containers.start(container)
            report(f"training in container {container.name}")
            containers.stream_logs(container, write)
            return containers.exit_code(container)
        finally:
            containers.remove(container, report)


def failure_reason(failure: Path) -> str | None:
    """Return the first line of a failure file, or None when it is missing or empty."""
    try:
        text = failure.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    return text.splitlines()[0] if text else None


def _failure_message(failure: Path, code: int) -> str:
    first_line = failure_reason(failure)
    if first_line is None:
        return f"training failed with exit code {code}; its output above shows why"
    return f"training failed with exit code {code}: {first_line} (full reason in {failure})"
