"""Fixtures for the Artifact Registry tests: fake Google APIs, loopback only."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from fake_gcp import FakeGoogleCloud
from gcp_helpers import TOKEN
from network_guard import LOG_VARIABLE

# Every way google-auth could find credentials or a project outside the test.
GOOGLE_VARIABLES = (
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_CLOUD_PROJECT",
    "GCLOUD_PROJECT",
    "CLOUDSDK_CORE_PROJECT",
    "GOOGLE_CLOUD_QUOTA_PROJECT",
    "GOOGLE_API_USE_CLIENT_CERTIFICATE",
)


@pytest.fixture
def fake_google() -> Iterator[FakeGoogleCloud]:
    """The fake token endpoint and Artifact Registry API; fails on unknown requests."""
    fake = FakeGoogleCloud(tokens=[TOKEN]).start()
    yield fake
    fake.stop()
    assert fake.unexpected == [], "requests the fake has no route for"


@pytest.fixture
def network_log(tmp_path: Path) -> Iterator[Path]:
    """A file where the test's processes record blocked non-loopback network use."""
    log = tmp_path / "network.log"
    log.touch()
    yield log
    assert log.read_text() == "", "a process tried to reach a host other than 127.0.0.1"


@pytest.fixture
def guard_path(tmp_path: Path) -> str:
    """A PYTHONPATH entry whose sitecustomize installs the network guard."""
    folder = tmp_path / "guard"
    folder.mkdir()
    shutil.copy(
        Path(__file__).with_name("network_guard.py"), folder / "sitecustomize.py"
    )
    return str(folder)


@pytest.fixture
def gcp_env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    fake_google: FakeGoogleCloud,
    network_log: Path,
    guard_path: str,
) -> Path:
    """Point every process the test starts at the fake, with metadata probes off.

    Returns the service account key file that GOOGLE_APPLICATION_CREDENTIALS names.
    """
    for variable in GOOGLE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    key_file = fake_google.write_key_file(tmp_path / "service-account.json")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    # 127.0.0.1:9 is the discard port, where nothing listens: a probe that
    # still happens fails at once instead of leaving the machine.
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("DOCKER_CONFIG", str(home / ".docker"))
    monkeypatch.setenv(LOG_VARIABLE, str(network_log))
    python_path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [guard_path, python_path]))
    )
    return key_file
