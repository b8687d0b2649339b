"""Edges of the local loop: reused ports, leftovers, stale images, exposure, limits."""

from __future__ import annotations

import json
from pathlib import Path

from mldock_core.testing import describe, free_port, run_mldock

from engine_helpers import build, project_containers


def serve_detached(project: Path, port: int, *args: str):
    return run_mldock("serve", "--detach", "--port", str(port), *args, cwd=project)


def test_same_port_after_stop(python_project: Path, mldock_docker):
    build(python_project)
    assert run_mldock("train", cwd=python_project).returncode == 0
    port = free_port()
    assert serve_detached(python_project, port).returncode == 0
    (python_project / "x.json").write_text("[1]")
    assert run_mldock("predict", "x.json", cwd=python_project).returncode == 0
    assert run_mldock("stop", cwd=python_project).returncode == 0

    again = serve_detached(python_project, port)
    assert again.returncode == 0, describe(again)


def test_localhost_publishes_on_loopback(python_project: Path, mldock_docker):
    build(python_project)
    assert run_mldock("train", cwd=python_project).returncode == 0
    port = free_port()
    result = serve_detached(python_project, port, "--host", "localhost")
    assert result.returncode == 0, describe(result)
    (container,) = project_containers(mldock_docker, python_project)
    bindings = container.attrs["HostConfig"]["PortBindings"]["8080/tcp"]
    assert [binding["HostIp"] for binding in bindings] == ["127.0.0.1"]


def test_host_name_rejected(python_project: Path, mldock_docker):
    build(python_project)
    result = serve_detached(python_project, free_port(), "--host", "example.internal")
    assert result.returncode == 2, describe(result)
    assert "--host 'example.internal' is not an IP address" in result.stderr
    assert project_containers(mldock_docker, python_project) == []


def test_exited_server_reported_and_cleared(python_project: Path, mldock_docker):
    build(python_project)
    assert run_mldock("train", cwd=python_project).returncode == 0
    assert serve_detached(python_project, free_port()).returncode == 0
    (container,) = project_containers(mldock_docker, python_project)
    container.kill()
    container.wait()

    (python_project / "x.json").write_text("[1]")
    predicted = run_mldock("predict", "x.json", cwd=python_project)
    assert predicted.returncode == 1, describe(predicted)
    assert f"the serving container {container.name} is exited (exit code 137)" in predicted.stderr

    served = serve_detached(python_project, free_port())
    assert served.returncode == 0, describe(served)
    assert f"removing the leftover container {container.name} (exited, exit code 137)" in served.stderr


def test_running_server_blocks_second(python_project: Path, mldock_docker):
    build(python_project)
    assert run_mldock("train", cwd=python_project).returncode == 0
    port = free_port()
    assert serve_detached(python_project, port).returncode == 0
    second = serve_detached(python_project, port)
    assert second.returncode == 1, describe(second)
    assert "of this project is already running; stop it with 'mldock stop' first" in second.stderr


def test_payload_over_limit_refused(python_project: Path):
    config = python_project / "mldock.yaml"
    config.write_text(config.read_text().replace("  workers: 1\n", "  workers: 1\n  max_request_size: 100B\n"))
    build(python_project)
    assert run_mldock("train", cwd=python_project).returncode == 0
    assert serve_detached(python_project, free_port()).returncode == 0
    (python_project / "big.json").write_text(json.dumps(list(range(100))))
    result = run_mldock("predict", "big.json", cwd=python_project)
    assert result.returncode == 1, describe(result)
    assert "the payload is 390 bytes, over the server's limit of 100 bytes" in result.stderr


def test_stale_image_warned(python_project: Path):
    build(python_project)
    with (python_project / "src/train.py").open("a") as file:
        file.write("# changed after the build\n")
    result = run_mldock("train", cwd=python_project)
    assert result.returncode == 0, describe(result)
    assert "was built before the latest changes to the project's code" in result.stderr

    build(python_project)
    again = run_mldock("train", cwd=python_project)
    assert "was built before" not in again.stderr


def test_subfolder_finds_project(python_project: Path):
    result = run_mldock("build", "--print-dockerfile", cwd=python_project / "src")
    assert result.returncode == 0, describe(result)
    assert f"using the project in {python_project}" in result.stderr


def test_stop_all_spares_plain_runs(python_project: Path, mldock_docker):
    build(python_project)
    image = f"{python_project.name}:latest"
    plain = mldock_docker.containers.run(image, ["-c", "sleep 60"], entrypoint="sh", detach=True)
    try:
        result = run_mldock("stop", "--all")
        assert result.returncode == 0, describe(result)
        plain.reload()
        assert plain.status == "running"
    finally:
        plain.remove(force=True)
