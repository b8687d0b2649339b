"""Fixtures of the ecr tests: moto on 127.0.0.1 and a registry that accepts its token.

moto's GetAuthorizationToken returns a token it does not check anywhere, so
the local registry's htpasswd accepts exactly the user and password that
the token decodes to. mldock then fetches the token, and pushes with it,
the same way it would against ECR.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ecr_helpers import (
    ENVIRONMENT_CLEARED,
    REGION,
    REGISTRY_ID,
    FakeAwsApi,
    MotoServer,
)

from mldock_core.testing import LocalRegistry, describe, run_mldock


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = MotoServer(tmp_path_factory.mktemp("moto")).start()
    yield server
    server.stop()


@pytest.fixture
def aws_environment(
    moto: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point boto3, in the tests and in the mldock processes, at moto only.

    Returns the folder of the Docker config (``DOCKER_CONFIG``), which starts
    out missing. The user's own AWS and Docker files are never read.
    """
    moto.reset()
    for name in ENVIRONMENT_CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws/config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws/credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECR", moto.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    docker_config = tmp_path / "docker-config"
    monkeypatch.setenv("DOCKER_CONFIG", str(docker_config))
    return docker_config


@pytest.fixture
def ecr(aws_environment: Path):
    """A boto3 ECR client of moto, to set up and inspect repositories."""
    import boto3

    return boto3.session.Session(region_name=REGION).client("ecr")


@pytest.fixture(scope="session")
def ecr_login(moto: MotoServer) -> tuple[str, str]:
    """The user and password that moto's GetAuthorizationToken token decodes to."""
    import boto3

    client = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=REGION,
    ).client("ecr", endpoint_url=moto.url)
    response = client.get_authorization_token(registryIds=[REGISTRY_ID])
    token = response["authorizationData"][0]["authorizationToken"]
    user, _, password = base64.b64decode(token).decode().partition(":")
    return user, password


@pytest.fixture(scope="session")
def ecr_registry(
    tmp_path_factory: pytest.TempPathFactory, ecr_login: tuple[str, str]
) -> Iterator[LocalRegistry]:
    """One local registry for the session; each test pushes to its own repository."""
    user, password = ecr_login
    folder = tmp_path_factory.mktemp("ecr-registry")
    registry = LocalRegistry(folder, users={user: password}).start()
    yield registry
    registry.stop()


@pytest.fixture
def built_project(mldock_project) -> Path:
    """A project of the ``python`` template whose image is built."""
    project = mldock_project("python")
    result = run_mldock("build", cwd=project)
    assert result.returncode == 0, describe(result)
    return project


@pytest.fixture
def fake_aws(
    aws_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[int, str, str], FakeAwsApi]]:
    """Point boto3 at a server that returns the given error for every call."""
    started: list[FakeAwsApi] = []

    def start(status: int, code: str, message: str) -> FakeAwsApi:
        fake = FakeAwsApi(status, code, message)
        fake.start()
        started.append(fake)
        monkeypatch.setenv("AWS_ENDPOINT_URL_ECR", fake.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL", fake.url)
        return fake

    yield start
    for fake in started:
        fake.stop()


@pytest.fixture
def enforce_iam(
    moto: MotoServer, aws_environment: Path
) -> Iterator[Callable[[], None]]:
    """Return a function that makes moto check signatures and IAM policies.

    The checks stay on until the test ends; call it after setting up the IAM
    users, which needs no credentials while the checks are off.
    """
    yield lambda: moto.enforce_iam(True)
    moto.enforce_iam(False)
