"""mldock-aws installed alone on top of mldock-core, in a new virtual environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ecr_helpers import add_entry, assert_pulls, assert_pushed, local_entry

from mldock_core.testing import describe

PLUGIN_ROOT = Path(__file__).resolve().parents[1]
CORE_ROOT = PLUGIN_ROOT.parents[1]


def run_in(venv: Path, *args: str, cwd: Path | None = None, timeout: float = 300):
    """Run a program of ``venv/bin`` in an environment that hides the checkout."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]],
        check=False,
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.docker
@pytest.mark.usefixtures("aws_environment")
def test_install_fresh_venv(built_project, ecr, ecr_registry, mldock_docker, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = run_in(
        venv,
        "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        str(CORE_ROOT), str(PLUGIN_ROOT),
        timeout=600,
    )  # fmt: skip
    assert install.returncode == 0, describe(install)
    where = run_in(
        venv, "python", "-c", "import mldock_aws; print(mldock_aws.__file__)"
    )
    assert where.stdout.startswith(str(venv)), describe(where)

    listing = run_in(venv, "mldock", "registries", cwd=built_project)
    assert listing.returncode == 0, describe(listing)
    assert "ecr Amazon ECR" in " ".join(listing.stdout.split()), describe(listing)
    assert "[mldock-aws 0.1.0]" in listing.stdout, describe(listing)

    repository = built_project.name
    add_entry(built_project, local_entry(ecr_registry.host, "create_repository: true"))
    pushed = run_in(venv, "mldock", "push", cwd=built_project)
    digest = assert_pushed(pushed, ecr_registry, repository)
    assert ecr.describe_repositories(repositoryNames=[repository])["repositories"]

    def venv_mldock(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        return run_in(venv, "mldock", *args, cwd=cwd)

    assert_pulls(
        built_project,
        ecr_registry,
        repository,
        digest,
        mldock_docker,
        mldock=venv_mldock,
    )
