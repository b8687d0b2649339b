"""Helpers shared by the tests that build images and run containers."""

from __future__ import annotations

import time
from pathlib import Path

from mldock_core.project import LABEL_PROJECT_DIR
from mldock_core.testing import describe, run_mldock


def project_containers(client, project: Path) -> list:
    label = f"{LABEL_PROJECT_DIR}={project.resolve()}"
    return client.containers.list(all=True, filters={"label": label})


def wait_for_running(client, project: Path, timeout: float = 120.0):
    """Return the project's container once it runs; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for container in project_containers(client, project):
            if container.status == "running":
                return container
        time.sleep(0.2)
    raise AssertionError(f"no running container of {project} within {timeout} s")


def build(project: Path, *args: str) -> str:
    """Build the project's image and return the CLI's stderr."""
    result = run_mldock("build", *args, cwd=project)
    assert result.returncode == 0, describe(result)
    return result.stderr
