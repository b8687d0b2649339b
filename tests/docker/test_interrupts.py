"""Ctrl-C, SIGTERM, crashes at start-up and taken ports leave no container behind."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import pytest

from mldock_core.testing import describe, finish, free_port, run_mldock, start_mldock

from engine_helpers import build, project_containers, wait_for_running

SLEEPING_TRAIN = "import time\n\ndef train(ctx):\n    print('sleeping', flush=True)\n    time.sleep(600)\n"
CRASHING_LOAD = "def load(ctx):\n    raise RuntimeError('weights missing')\n\ndef predict(model, data, ctx):\n    return data\n"


@pytest.mark.parametrize(("signum", "expected"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_train_interrupted(python_project: Path, mldock_docker, signum, expected):
    (python_project / "src/train.py").write_text(SLEEPING_TRAIN)
    build(python_project)

    process = start_mldock("train", cwd=python_project)
    container = wait_for_running(mldock_docker, python_project)
    process.send_signal(signum)
    stdout, stderr = finish(process, timeout=90)

    assert process.returncode == expected, stderr
    assert f"stopped container {container.name}" in stderr
    assert project_containers(mldock_docker, python_project) == []


@pytest.mark.parametrize(("signum", "expected"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_serve_interrupted(python_project: Path, mldock_docker, signum, expected):
    build(python_project)
    assert run_mldock("train", cwd=python_project).returncode == 0
    port = free_port()

    process = start_mldock("serve", "--port", str(port), cwd=python_project)
    line = process.stdout.readline()
    assert line.strip() == f"http://127.0.0.1:{port}"
    container = wait_for_running(mldock_docker, python_project)
    process.send_signal(signum)
    stdout, stderr = finish(process, timeout=90)

    assert process.returncode == expected, stderr
    assert f"stopped container {container.name}" in stderr
    assert project_containers(mldock_docker, python_project) == []


def test_serve_load_crash(python_project: Path, mldock_docker):
    (python_project / "src/serve.py").write_text(CRASHING_LOAD)
    build(python_project)

    result = run_mldock("serve", "--port", str(free_port()), cwd=python_project, timeout=180)
    assert result.returncode == 1, describe(result)
    assert "the serving container exited with code" in result.stderr
    assert "Traceback" in result.stderr
    assert "RuntimeError: weights missing" in result.stderr
    assert project_containers(mldock_docker, python_project) == []


def test_serve_port_in_use(python_project: Path, mldock_docker):
    build(python_project)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_mldock("serve", "--port", str(port), cwd=python_project)

    assert result.returncode == 1, describe(result)
    assert f"port {port} on the host is already in use; pass --port" in result.stderr
    assert project_containers(mldock_docker, python_project) == []


def test_serve_twice(python_project: Path, mldock_docker):
    build(python_project)
    assert run_mldock("train", cwd=python_project).returncode == 0
    first = run_mldock("serve", "--detach", "--port", str(free_port()), cwd=python_project)
    assert first.returncode == 0, describe(first)

    second = run_mldock("serve", "--detach", "--port", str(free_port()), cwd=python_project)
    assert second.returncode == 1, describe(second)
    assert "of this project is already running; stop it with 'mldock stop' first" in second.stderr
    assert len(project_containers(mldock_docker, python_project)) == 1
