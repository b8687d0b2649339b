"""A template plugin made with `mldock plugin new`, installed beside mldock-core in a fresh virtualenv."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mldock_core
from mldock_core.testing import describe, free_port, run_mldock

REPOSITORY = Path(mldock_core.__file__).resolve().parent.parent


def run(*command: str, cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_new_template_plugin_round_trip(tmp_path: Path, mldock_docker):
    made = run_mldock("plugin", "new", "acme", "--dir", str(tmp_path))
    assert made.returncode == 0, describe(made)
    plugin = tmp_path / "mldock-acme"
    assert made.stdout.strip() == str(plugin)

    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", str(venv)).returncode == 0
    python, mldock = str(venv / "bin/python"), str(venv / "bin/mldock")
    installed = run(python, "-m", "pip", "install", "--quiet", str(REPOSITORY), f"{plugin}[test]")
    assert installed.returncode == 0, describe(installed)

    listed = run(mldock, "templates")
    assert listed.returncode == 0, describe(listed)
    assert "acme" in listed.stdout
    assert "[mldock-acme 0.1.0]" in listed.stdout

    own_tests = run(python, "-m", "pytest", "-q", str(plugin / "tests"), "-p", "no:cacheprovider", cwd=tmp_path)
    assert own_tests.returncode == 0, describe(own_tests)
    assert "2 passed" in own_tests.stdout

    project = tmp_path / "acme-project"
    for command in (["init", str(project), "--template", "acme"], ["build"], ["train"]):
        result = run(mldock, *command, cwd=project if command[0] != "init" else tmp_path)
        assert result.returncode == 0, describe(result)
    port = free_port()
    served = run(mldock, "serve", "--detach", "--port", str(port), cwd=project)
    assert served.returncode == 0, describe(served)
    (project / "x.json").write_text("[2]")
    answer = run(mldock, "predict", "x.json", cwd=project)
    run(mldock, "stop", cwd=project)
    assert answer.returncode == 0, describe(answer)
    (value,) = json.loads(answer.stdout)
    assert abs(value - 6.0) < 0.3
    mldock_docker.images.remove("acme-project:latest")

    removed = run(python, "-m", "pip", "uninstall", "--yes", "mldock-acme")
    assert removed.returncode == 0, describe(removed)
    listed = run(mldock, "templates")
    assert listed.returncode == 0, describe(listed)
    assert "acme" not in listed.stdout


def test_plugin_name_checked(tmp_path: Path):
    result = run_mldock("plugin", "new", "Acme_Vision", "--dir", str(tmp_path))
    assert result.returncode == 2, describe(result)
    assert "plugin name 'Acme_Vision' is invalid" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_existing_plugin_folder_kept(tmp_path: Path):
    (tmp_path / "mldock-acme").mkdir()
    (tmp_path / "mldock-acme/notes.txt").write_text("mine\n")
    result = run_mldock("plugin", "new", "acme", "--dir", str(tmp_path))
    assert result.returncode == 1, describe(result)
    assert "already exists" in result.stderr
    assert (tmp_path / "mldock-acme/notes.txt").read_text() == "mine\n"
