"""mldock-azure installs alone on top of mldock-core in a new venv, and pushes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from acr_helpers import (
    EXCHANGE_PATH,
    acr_entry,
    add_registry,
    built_project,
    pull_and_check,
    push_and_check,
)
from fake_azure import ACR_USERNAME, REFRESH_TOKEN
from mldock_core.testing import describe

PLUGIN = Path(__file__).resolve().parents[1]
CORE = PLUGIN.parents[1]
# Top-level folders left out of the copies that pip builds: version control,
# virtual environments, earlier build output, tests and the other plugins.
NOT_SOURCES = (
    ".git",
    ".venv*",
    "build",
    "dist",
    "*.egg-info",
    ".*cache",
    "plugins",
    "tests",
)
PIP_TIMEOUT = 600


def copy_sources(source: Path, target: Path) -> Path:
    """Copy a distribution's sources, so that pip builds outside the repository."""
    top_level = shutil.ignore_patterns(*NOT_SOURCES)
    pycache = shutil.ignore_patterns("__pycache__")

    def ignore(folder: str, names: list[str]) -> set[str]:
        # mldock_core has a "build" package, so only top-level names are matched.
        skipped = top_level(folder, names) if Path(folder) == source else set()
        return skipped | pycache(folder, names)

    shutil.copytree(source, target, ignore=ignore)
    return target


def venv_runner(venv: Path):
    """Return a runner like the ``mldock`` fixture that runs the venv's ``mldock``."""

    def run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
        # PYTHONPATH would let the test process's packages leak into the venv.
        environment = {
            name: value for name, value in os.environ.items() if name != "PYTHONPATH"
        }
        environment.update(
            env, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        )
        return subprocess.run(
            [str(venv / "bin" / "mldock"), *args],
            cwd=cwd,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )

    return run


def test_install_in_fresh_venv(
    tmp_path,
    mldock_project,
    mldock,
    mldock_docker,
    mldock_registry,
    fake_azure,
    proxy_trap,
    azure_env,
):
    venv = tmp_path / "venv"
    created = subprocess.run(
        [sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True
    )
    assert created.returncode == 0, created.stderr
    core = copy_sources(CORE, tmp_path / "src" / "mldock-core")
    plugin = copy_sources(PLUGIN, tmp_path / "src" / "mldock-azure")
    installed = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(core),
            str(plugin),
        ],
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    run = venv_runner(venv)
    registry = mldock_registry(users={ACR_USERNAME: REFRESH_TOKEN})
    project = built_project(mldock_project, mldock)
    add_registry(project, acr_entry(registry.host, fake_azure.url))
    env = azure_env()
    listing = run("registries", cwd=project, env=env)
    assert listing.returncode == 0, describe(listing)
    assert "[mldock-azure 0.1.0]" in listing.stdout, describe(listing)
    assert f"acr acr {registry.host}/models/iris" in " ".join(listing.stdout.split())

    push_and_check(run, project, registry, env)
    pull_and_check(run, mldock_docker, project, registry, env)
    assert len(fake_azure.forms(EXCHANGE_PATH)) == 2
    assert proxy_trap.requests == []
