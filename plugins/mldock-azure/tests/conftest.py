"""Fixtures for the acr tests: the fake Entra ID and ACR exchange, loopback only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator

import pytest

from fake_azure import (
    CLIENT_ID,
    CLIENT_SECRET,
    TENANT,
    FakeAzure,
    ProxyTrap,
    write_certificate,
)

# Variables that would point azure-identity or the plugin at a real identity
# or a managed identity endpoint of the machine running the tests. The CLI
# subprocesses inherit the environment, so they are removed. Proxy variables
# stay for pip in the install test; azure_env overrides them for the CLI.
INHERITED_PREFIXES = (
    "AZURE_",
    "IDENTITY_",
    "MSI_",
    "IMDS_",
    "MLDOCK_ACR_",
    "MLDOCK_REGISTRY_",
)
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith(INHERITED_PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def fake_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_certificate(tmp_path_factory.mktemp("fake-azure-tls"))


@pytest.fixture
def fake_azure(fake_certificate: tuple[Path, Path]) -> Iterator[FakeAzure]:
    fake = FakeAzure(*fake_certificate).start()
    yield fake
    fake.stop()


@pytest.fixture
def proxy_trap() -> Iterator[ProxyTrap]:
    trap = ProxyTrap().start()
    yield trap
    trap.stop()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A HOME without the user's Docker config, Azure CLI profile or token cache."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def azure_env(
    home: Path,
    fake_azure: FakeAzure,
    proxy_trap: ProxyTrap,
    fake_certificate: tuple[Path, Path],
) -> Callable[..., dict[str, str]]:
    """Build the environment of a CLI run: ``azure_env(service_principal=False)``.

    Keyword arguments add variables. Entra ID and managed identity requests go
    to the fake. Any other HTTP(S) request of a client that honors the proxy
    variables, as requests and urllib do, goes to the proxy trap instead.
    """
    certificate = str(fake_certificate[0])

    def make(*, service_principal: bool = True, **extra: str) -> dict[str, str]:
        env = {
            "HOME": str(home),
            "DOCKER_CONFIG": str(home / ".docker"),
            "AZURE_CONFIG_DIR": str(home / ".azure"),
            "REQUESTS_CA_BUNDLE": certificate,
            "SSL_CERT_FILE": certificate,
            "AZURE_AUTHORITY_HOST": fake_azure.url,
            # Managed identity requests its token from IMDS. This variable sends
            # that request to the fake, which returns "no identity", instead of
            # to 169.254.169.254.
            "AZURE_POD_IDENTITY_AUTHORITY_HOST": fake_azure.url,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
        for name in PROXY_VARIABLES:
            env[name] = env[name.lower()] = proxy_trap.url
        if service_principal:
            env.update(
                AZURE_TENANT_ID=TENANT,
                AZURE_CLIENT_ID=CLIENT_ID,
                AZURE_CLIENT_SECRET=CLIENT_SECRET,
            )
        return {**env, **extra}

    return make
