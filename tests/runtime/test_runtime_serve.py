"""Start-up and shutdown of ``python3 -m mldock_runtime serve``."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from runtime_harness import Project, free_port, kill_group, start_server

CRASHING_SERVE = """
    def read_weights(path):
        raise RuntimeError(f"weights file {path} is corrupt")

    def load(ctx):
        return read_weights(ctx.model_dir / "weights.bin")

    def predict(model, data, ctx):
        return data
"""

# A load() crash must end the container within this many seconds. Spawning two
# workers that import uvicorn takes about one second on an idle 2-core machine;
# the margin is for a machine busy with other builds.
CRASH_EXIT_TIMEOUT = 20.0


def start_on_free_port(project: Project, **variables: str) -> subprocess.Popen[str]:
    return project.start(
        "serve",
        MLDOCK_BIND_HOST="127.0.0.1",
        SAGEMAKER_BIND_TO_PORT=str(free_port()),
        **variables,
    )


def wait_for_exit(process: subprocess.Popen[str]) -> tuple[float, str]:
    """Return the seconds until ``process`` exited, and its stderr; kill on timeout."""
    started = time.monotonic()
    try:
        _, stderr = process.communicate(timeout=CRASH_EXIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        # Workers inherit stderr, so all of them must end before it closes.
        kill_group(process)
        _, stderr = process.communicate()
        raise AssertionError(
            f"server still running after {CRASH_EXIT_TIMEOUT} s:\n{stderr}"
        ) from None
    return time.monotonic() - started, stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_load_crash_exits(project: Project, workers: str) -> None:
    project.write_source("serve.py", CRASHING_SERVE)
    process = start_on_free_port(project, MLDOCK_SERVE_WORKERS=workers)

    elapsed, stderr = wait_for_exit(process)

    assert process.returncode != 0, stderr
    assert elapsed < CRASH_EXIT_TIMEOUT
    assert "Traceback (most recent call last):" in stderr
    assert "in read_weights" in stderr
    assert "RuntimeError: weights file" in stderr
    # One load per worker: a worker that failed to start is not restarted.
    assert stderr.count("Loading the model with serve.load()") <= int(workers)


def test_load_crash_kills_slow_worker(project: Project, tmp_path: Path) -> None:
    claim = tmp_path / "first-worker"
    second = tmp_path / "second-worker"
    project.write_source(
        "serve.py",
        f"""
        import os
        import pathlib
        import time

        def load(ctx):
            # The first worker fails once the other is inside load(), which
            # it does not leave. Waiting keeps the order on a busy machine.
            try:
                os.close(os.open({str(claim)!r}, os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                pathlib.Path({str(second)!r}).touch()
                time.sleep(60)
                return None
            deadline = time.monotonic() + 15
            while not os.path.exists({str(second)!r}) and time.monotonic() < deadline:
                time.sleep(0.05)
            raise RuntimeError("weights file is corrupt")

        def predict(model, data, ctx):
            return data
        """,
    )
    process = start_on_free_port(project, MLDOCK_SERVE_WORKERS="2")

    _, stderr = wait_for_exit(process)

    assert process.returncode != 0, stderr
    assert "RuntimeError: weights file is corrupt" in stderr
    assert "did not stop within 5 s" in stderr
    assert "Model loaded" not in stderr


def test_gil_holding_load_not_restarted(project: Project, tmp_path: Path) -> None:
    claim = tmp_path / "first-worker"
    project.write_source(
        "serve.py",
        f"""
        import ctypes
        import os

        def load(ctx):
            # The first worker blocks in C with the GIL held for 9 s, as
            # unpickling a large model does; PyDLL calls keep the GIL. uvicorn's
            # own supervisor kills a worker that cannot respond within 5 s.
            try:
                os.close(os.open({str(claim)!r}, os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                return None
            ctypes.PyDLL(None).sleep(9)
            return None

        def predict(model, data, ctx):
            return data
        """,
    )
    server = start_server(project, MLDOCK_SERVE_WORKERS="2")
    try:
        deadline = time.monotonic() + CRASH_EXIT_TIMEOUT
        while server.stderr().count("Model loaded") < 2:
            assert time.monotonic() < deadline, server.stderr()
            time.sleep(0.1)
    finally:
        server.stop()

    assert server.stderr().count("Loading the model") == 2


def test_sagemaker_workers_variable(project: Project) -> None:
    project.write_source("serve.py", CRASHING_SERVE)
    process = start_on_free_port(project, SAGEMAKER_MODEL_SERVER_WORKERS="2")

    _, stderr = wait_for_exit(process)

    assert process.returncode != 0, stderr
    assert "Starting 2 worker(s)" in stderr


def test_serve_missing_module(project: Project) -> None:
    (project.code_dir / "src").mkdir(parents=True)
    process = start_on_free_port(project)

    _, stderr = wait_for_exit(process)

    assert process.returncode != 0, stderr
    expected_file = project.code_dir / "src" / "serve.py"
    assert f"Module 'serve' not found: expected the file {expected_file}" in stderr
    assert "load(ctx) and predict(model, data, ctx)" in stderr
    assert "MLDOCK_SERVE_MODULE" in stderr


def test_serve_missing_predict(project: Project) -> None:
    path = project.write_source(
        "serve.py",
        """
        def load(ctx):
            return None
        """,
    )
    process = start_on_free_port(project)

    _, stderr = wait_for_exit(process)

    assert process.returncode != 0, stderr
    assert f"Module 'serve' ({path}) has no function 'predict'" in stderr
    assert "def predict(model, data, ctx)" in stderr


def test_serve_invalid_workers(project: Project) -> None:
    result = project.run("serve", MLDOCK_SERVE_WORKERS="two")

    assert result.returncode == 2, result.stderr
    assert "MLDOCK_SERVE_WORKERS is 'two', not a whole number >= 1" in result.stderr


def test_serve_two_workers_answer(project: Project) -> None:
    project.write_source(
        "serve.py",
        """
        import os

        def load(ctx):
            return os.getpid()

        def predict(model, data, ctx):
            return {"pid": model, "data": data}
        """,
    )
    server = start_server(project, MLDOCK_SERVE_WORKERS="2")
    try:
        response = server.post(b'{"x": 1}', "application/json")
        # /ping returns 200 once one worker is up, and the other may still be loading.
        deadline = time.monotonic() + CRASH_EXIT_TIMEOUT
        while server.stderr().count("Model loaded in process") < 2:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
    finally:
        server.stop()

    assert response.status == 200
    assert response.json()["data"] == {"x": 1}
    assert server.stderr().count("Model loaded in process") == 2


def test_serve_sigterm_stops(project: Project) -> None:
    project.write_source(
        "serve.py",
        """
        def load(ctx):
            return None

        def predict(model, data, ctx):
            return data
        """,
    )
    server = start_server(project)

    server.process.terminate()
    server.process.wait(timeout=CRASH_EXIT_TIMEOUT)

    assert "Application shutdown complete" in server.stderr()


def test_serve_invalid_platform(project: Project) -> None:
    result = project.run("serve", MLDOCK_PLATFORM="aws")

    assert result.returncode == 2, result.stderr
    assert "MLDOCK_PLATFORM is 'aws', not one of sagemaker, vertex" in result.stderr
