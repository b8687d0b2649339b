"""pytest fixtures for testing mldock plugins against a real Docker engine.

Installed with mldock-core as a pytest plugin (the ``pytest11`` entry point),
so a plugin's tests use the fixtures without importing anything::

    def test_my_template(mldock_project, mldock):
        project = mldock_project("my-template")
        assert mldock("build", cwd=project).returncode == 0

Every container a test starts is removed afterwards, and every image built
from a project made by ``mldock_project`` is removed at the end of the session.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import pytest

from mldock_core.project import LABEL_PROJECT_DIR

if TYPE_CHECKING:
    import docker

TEST_IMAGE_PREFIX = "mldock-test-"
DEFAULT_TIMEOUT = 900


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_mldock(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    input: str | bytes | None = None,
) -> subprocess.CompletedProcess:
    """Run the ``mldock`` CLI in a new process, as a user would, and capture its output."""
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "mldock_core", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=not isinstance(input, bytes),
        input=input,
        timeout=timeout,
    )


def start_mldock(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start the CLI in the background, for tests that send it signals."""
    environment = {**os.environ, **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "mldock_core", *args],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def describe(result: subprocess.CompletedProcess) -> str:
    """Return a command's exit code and output, for assertion messages."""
    return f"exit code {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


@pytest.fixture(scope="session")
def mldock_docker() -> docker.DockerClient:
    """A docker-py client of the local engine; the test fails when none responds."""
    from mldock_core.engine import connect

    return connect()


@pytest.fixture
def mldock() -> Callable[..., subprocess.CompletedProcess]:
    """Run the ``mldock`` CLI: ``mldock("build", cwd=project)``."""
    return run_mldock


@pytest.fixture(scope="session")
def _mldock_images(request: pytest.FixtureRequest) -> Iterator[set[str]]:
    images: set[str] = set()
    yield images
    if not images:
        return
    from docker.errors import APIError

    from mldock_core.engine import connect

    client = connect()
    for reference in images:
        for image in client.images.list(name=reference):
            for tag in image.tags:
                try:
                    client.images.remove(tag, noprune=False)
                except APIError:
                    pass


@pytest.fixture
def mldock_project(
    tmp_path: Path, _mldock_images: set[str]
) -> Iterator[Callable[..., Path]]:
    """Make projects with ``mldock init``: ``mldock_project("sklearn")`` returns the folder.

    Image names are unique per call (``mldock-test-...``); containers started
    from the folders are removed when the test ends.
    """
    made: list[Path] = []

    def make(template: str, *, name: str | None = None, folder: str | None = None) -> Path:
        image_name = name or f"{TEST_IMAGE_PREFIX}{template}-{uuid.uuid4().hex[:8]}"
        directory = tmp_path / (folder or image_name)
        result = run_mldock("init", str(directory), "--template", template, "--name", image_name)
        assert result.returncode == 0, describe(result)
        made.append(directory)
        _mldock_images.add(image_name)
        return directory

    yield make
    if made:
        _remove_containers(made)


def _remove_containers(folders: list[Path]) -> None:
    from mldock_core.engine import connect

    client = connect()
    for folder in folders:
        label = f"{LABEL_PROJECT_DIR}={folder.resolve()}"
        for container in client.containers.list(all=True, filters={"label": label}):
            container.remove(force=True)
