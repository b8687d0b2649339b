"""Fixtures for the runtime tests; the helpers are in runtime_harness.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from runtime_harness import RUNTIME_SOURCE, Project, make_project


@pytest.fixture(scope="session")
def runtime_lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder that contains the runtime as the top-level package mldock_runtime."""
    lib = tmp_path_factory.mktemp("lib")
    shutil.copytree(
        RUNTIME_SOURCE,
        lib / "mldock_runtime",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return lib


@pytest.fixture
def project(tmp_path: Path, runtime_lib: Path) -> Project:
    return make_project(tmp_path / "project", runtime_lib)
