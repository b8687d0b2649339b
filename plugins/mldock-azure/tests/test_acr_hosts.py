"""The hosts of the acr kind: which it takes, which it builds, and their clouds."""

from __future__ import annotations

import pytest

from mldock_azure import identity
from mldock_azure.acr import AzureContainerRegistry, cloud_for
from mldock_core.errors import ConfigError
from mldock_core.kinds import RegistryTarget

ACR = AzureContainerRegistry()


@pytest.mark.parametrize(
    ("host", "recognized"),
    [
        ("myregistry.azurecr.io", True),
        ("myregistry.azurecr.cn", True),
        ("myregistry.azurecr.us", True),
        ("MyRegistry.AzureCR.io", True),
        # Taken so that check_target can explain what is wrong with them.
        ("ab.azurecr.io", True),
        ("myregistry.westeurope.data.azurecr.io", True),
        ("azurecr.io", False),
        (".azurecr.io", False),
        ("myregistry.azurecr.de", False),
        ("myregistry.azurecr.io:443", False),
        ("myregistry.azurecr.io.example.com", False),
        ("ghcr.io", False),
        ("127.0.0.1:5000", False),
    ],
)
def test_recognizes_table(host, recognized):
    assert ACR.recognizes(host) is recognized


@pytest.mark.parametrize(
    ("registry_name", "host"),
    [
        ("myregistry", "myregistry.azurecr.io"),
        ("MyRegistry", "myregistry.azurecr.io"),
        ("myregistry.azurecr.io", "myregistry.azurecr.io"),
        ("myregistry.azurecr.cn", "myregistry.azurecr.cn"),
        ("MYREGISTRY.AZURECR.US", "myregistry.azurecr.us"),
        ("a" * 50, "a" * 50 + ".azurecr.io"),
    ],
)
def test_host_for_table(registry_name, host):
    assert ACR.host_for({"registry_name": registry_name}) == host


@pytest.mark.parametrize(
    "registry_name",
    [
        "abcd",
        "a" * 51,
        "my-registry",
        "my_registry",
        "myregistry.azurecr.de",
        "x.y.azurecr.io",
        42,
    ],
)
def test_host_for_invalid(registry_name):
    with pytest.raises(ConfigError):
        ACR.host_for({"registry_name": registry_name})


def test_host_for_without_name():
    assert ACR.host_for({}) is None


@pytest.mark.parametrize(
    ("host", "cloud"),
    [
        ("myregistry.azurecr.io", identity.PUBLIC_CLOUD),
        ("myregistry.azurecr.cn", identity.CHINA_CLOUD),
        ("myregistry.azurecr.us", identity.US_GOVERNMENT_CLOUD),
        ("127.0.0.1:5000", identity.PUBLIC_CLOUD),
    ],
)
def test_cloud_for_table(host, cloud):
    assert cloud_for(host) == cloud


def test_public_cloud_scope():
    assert (
        identity.PUBLIC_CLOUD.management_scope
        == "https://management.azure.com/.default"
    )


def target(host: str, **options) -> RegistryTarget:
    return RegistryTarget(
        "acr", "acr", host, "models/iris", "v1", {"kind": "acr", **options}
    )


@pytest.mark.parametrize(
    ("host", "options"),
    [
        ("myregistry.azurecr.io", {}),
        ("myregistry.azurecr.io", {"registry_name": "MyRegistry"}),
        ("127.0.0.1:5000", {"registry_name": "myregistry"}),
        (
            "127.0.0.1:5000",
            {"admin_user": True, "tenant_id": "contoso.onmicrosoft.com"},
        ),
        ("myregistry.azurecr.us", {"authority_host": "login.microsoftonline.us"}),
        ("127.0.0.1:5000", {"authority_host": "https://127.0.0.1:8443"}),
    ],
)
def test_check_target_accepts(host, options):
    ACR.check_target(target(host, **options))


@pytest.mark.parametrize(
    ("host", "options", "message"),
    [
        (
            "abcd.azurecr.io",
            {},
            "is not the login server of an Azure Container Registry",
        ),
        ("my.westeurope.data.azurecr.io", {}, "is not the login server"),
        ("myregistry.azurecr.io", {"registry_name": "other1"}, "which differ"),
        (
            "myregistry.azurecr.io",
            {"admin_user": "true"},
            "admin_user must be true or false",
        ),
        (
            "myregistry.azurecr.io",
            {"tenant_id": ""},
            "tenant_id must be non-empty text",
        ),
        (
            "myregistry.azurecr.io",
            {"exchange_endpoint": "127.0.0.1:9"},
            "must be an http://",
        ),
        (
            "myregistry.azurecr.io",
            {"authority_host": "http://login.example"},
            "authority_host must be",
        ),
    ],
)
def test_check_target_rejects(host, options, message):
    with pytest.raises(ConfigError, match=message):
        ACR.check_target(target(host, **options))


def test_ensure_repository_creates_nothing():
    assert ACR.ensure_repository(target("myregistry.azurecr.io"), create=True) is False
