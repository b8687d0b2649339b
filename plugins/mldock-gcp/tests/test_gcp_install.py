"""mldock-gcp installed alone on top of mldock-core, in a new virtual environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mldock_core.testing import describe, run_mldock

from gcp_helpers import PROJECT, PUSHED, REPOSITORY, TOKEN, add_registry, gar_entry

PLUGIN_ROOT = Path(__file__).resolve().parents[1]
CORE_ROOT = PLUGIN_ROOT.parents[1]
# What each distribution needs to build; the rest (tests, docs, build output)
# stays behind, so the copies build the same on a busy work tree.
SOURCES = {
    CORE_ROOT: ("pyproject.toml", "README.md", "mldock_core"),
    PLUGIN_ROOT: ("pyproject.toml", "README.md", "mldock_gcp"),
}
INSTALL_TIMEOUT = 600


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A new virtual environment with mldock-core and mldock-gcp, built from source."""
    root = tmp_path_factory.mktemp("install")
    copies = []
    for source, names in SOURCES.items():
        copy = root / source.name
        for name in names:
            if (source / name).is_dir():
                ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
                shutil.copytree(source / name, copy / name, ignore=ignore)
            else:
                copy.mkdir(exist_ok=True)
                shutil.copy(source / name, copy / name)
        copies.append(str(copy))
    environment = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(environment)], check=True)
    pip = [str(environment / "bin/python"), "-m", "pip", "install", "--quiet"]
    result = subprocess.run(
        [*pip, *copies], capture_output=True, text=True, timeout=INSTALL_TIMEOUT
    )
    assert result.returncode == 0, describe(result)
    return environment


def run_venv(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(venv / "bin/mldock"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_install_alone(
    venv, mldock_project, mldock_registry, mldock_docker, fake_google, gcp_env
):
    project = mldock_project("python")
    built = run_mldock("build", cwd=project)
    assert built.returncode == 0, describe(built)
    registry = mldock_registry(users={"oauth2accesstoken": TOKEN})
    fake_google.add_repository(PROJECT, "europe-west4", REPOSITORY)
    add_registry(project, "gar", gar_entry(registry.host, fake_google, project.name))
    image_path = f"{PROJECT}/{REPOSITORY}/{project.name}"

    listing = run_venv(venv, "registries", cwd=project)
    assert listing.returncode == 0, describe(listing)
    lines = listing.stdout.splitlines()
    entries_start = next(
        number for number, line in enumerate(lines) if line.startswith("registries of")
    )
    kind_lines = lines[1:entries_start]
    kinds = [line.split()[0] for line in kind_lines]
    assert kinds == ["artifact-registry", "docker", "dockerhub"], describe(listing)
    assert kind_lines[0].endswith("[mldock-gcp 0.1.0]")
    assert f"artifact-registry {registry.host}/{image_path}" in " ".join(listing.stdout.split())

    pushed = run_venv(venv, "push", cwd=project)
    assert pushed.returncode == 0, describe(pushed)
    match = PUSHED.fullmatch(pushed.stdout.strip())
    assert match, describe(pushed)
    assert registry.manifest_digest(image_path, "latest") == match["digest"]

    reference = f"{registry.host}/{image_path}"
    mldock_docker.images.remove(f"{reference}:latest")
    mldock_docker.images.remove(f"{project.name}:latest")
    pulled = run_venv(venv, "pull", cwd=project)
    assert pulled.returncode == 0, describe(pulled)
    assert pulled.stdout.startswith(f"{reference}:latest"), describe(pulled)
    image = mldock_docker.images.get(f"{project.name}:latest")
    assert f"{reference}@{match['digest']}" in image.attrs["RepoDigests"]
    mldock_docker.images.remove(f"{reference}:latest")


def test_venv_has_no_other_plugin(venv):
    result = subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "list", "--format=freeze"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert result.returncode == 0, describe(result)
    mldock = sorted(
        line.split("==")[0] for line in result.stdout.splitlines() if "mldock" in line
    )
    assert mldock == ["mldock-core", "mldock-gcp"]
