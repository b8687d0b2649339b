"""The acr registry kind through the real CLI: token exchange, admin user, errors.

Images go to a local registry whose htpasswd file accepts the refresh token
that the fake exchange issues, so a push succeeds only when the plugin
really signed in at the fake Entra ID and exchanged the token.
"""

from __future__ import annotations

import base64
import json
import re

import pytest

from acr_helpers import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    EXCHANGE_PATH,
    IMDS_PATH,
    MANAGEMENT_SCOPE,
    OTHER_TENANT,
    REPOSITORY,
    TOKEN_PATH,
    acr_entry,
    add_registry,
    built_project,
    last_line,
    pull_and_check,
    push_and_check,
)
from fake_azure import ACR_USERNAME, REFRESH_TOKEN, STALE_REFRESH_TOKEN, TENANT
from mldock_core.testing import describe


def test_push_with_aad_exchange(
    mldock_project,
    mldock,
    mldock_docker,
    mldock_registry,
    fake_azure,
    proxy_trap,
    azure_env,
    home,
):
    registry = mldock_registry(users={ACR_USERNAME: REFRESH_TOKEN})
    project = built_project(mldock_project, mldock)
    add_registry(project, acr_entry(registry.host, fake_azure.url))
    # An old token for the host in the Docker config must not be used.
    config = home / ".docker/config.json"
    config.parent.mkdir()
    stale = base64.b64encode(f"{ACR_USERNAME}:{STALE_REFRESH_TOKEN}".encode()).decode()
    config.write_text(json.dumps({"auths": {registry.host: {"auth": stale}}}))
    before = config.read_bytes()
    env = azure_env()

    result = push_and_check(mldock, project, registry, env)
    assert fake_azure.paths("POST") == [TOKEN_PATH, EXCHANGE_PATH]
    token_form = fake_azure.forms(TOKEN_PATH)[0]
    assert token_form["scope"] == MANAGEMENT_SCOPE
    assert token_form["grant_type"] == "client_credentials"
    exchange = fake_azure.forms(EXCHANGE_PATH)[0]
    assert exchange["grant_type"] == "access_token"
    assert exchange["service"] == registry.host
    assert exchange["tenant"] == TENANT
    assert exchange["access_token"] in fake_azure.issued
    assert IMDS_PATH not in fake_azure.paths()
    assert REFRESH_TOKEN not in result.stdout + result.stderr
    assert config.read_bytes() == before

    pull_and_check(mldock, mldock_docker, project, registry, env)
    assert len(fake_azure.forms(EXCHANGE_PATH)) == 2, "the pull exchanges a new token"
    assert proxy_trap.requests == []


def test_push_retries_with_fresh_token(
    mldock_project,
    mldock,
    mldock_docker,
    mldock_registry,
    fake_azure,
    proxy_trap,
    azure_env,
):
    registry = mldock_registry(users={ACR_USERNAME: REFRESH_TOKEN})
    project = built_project(mldock_project, mldock)
    add_registry(project, acr_entry(registry.host, fake_azure.url))
    fake_azure.stale_exchanges = 1
    env = azure_env()

    result = push_and_check(mldock, project, registry, env)
    assert (
        f"{registry.host} refused the credentials; fetching new ones and retrying once"
        in result.stderr
    )
    assert fake_azure.paths("POST") == [TOKEN_PATH, EXCHANGE_PATH] * 2
    pull_and_check(mldock, mldock_docker, project, registry, env)
    assert proxy_trap.requests == []


def test_push_with_admin_user(
    mldock_project,
    mldock,
    mldock_docker,
    mldock_registry,
    fake_azure,
    proxy_trap,
    azure_env,
):
    registry = mldock_registry(users={ADMIN_USER: ADMIN_PASSWORD})
    project = built_project(mldock_project, mldock)
    add_registry(project, acr_entry(registry.host, admin_user="true"))
    env = azure_env(
        service_principal=False,
        MLDOCK_ACR_USERNAME=ADMIN_USER,
        MLDOCK_ACR_PASSWORD=ADMIN_PASSWORD,
    )

    result = push_and_check(mldock, project, registry, env)
    assert ADMIN_PASSWORD not in result.stdout + result.stderr
    pull_and_check(mldock, mldock_docker, project, registry, env)
    assert fake_azure.requests == [], "the admin user needs no Azure AD sign-in"
    assert proxy_trap.requests == []


def test_admin_user_without_variables(
    mldock_project, mldock, mldock_registry, azure_env
):
    registry = mldock_registry(users={ADMIN_USER: ADMIN_PASSWORD})
    project = built_project(mldock_project, mldock)
    add_registry(project, acr_entry(registry.host, admin_user="true"))
    result = mldock("push", cwd=project, env=azure_env(MLDOCK_ACR_USERNAME=ADMIN_USER))
    assert result.returncode == 1, describe(result)
    assert last_line(result.stderr) == (
        "Error: registries.acr sets admin_user: true, but MLDOCK_ACR_USERNAME and "
        "MLDOCK_ACR_PASSWORD are not both set; set them to the admin user name and "
        "password of the registry ('az acr credential show --name REGISTRY')"
    )


def test_push_without_azure_credential(
    mldock_project, mldock, mldock_registry, fake_azure, proxy_trap, azure_env
):
    registry = mldock_registry(users={ACR_USERNAME: REFRESH_TOKEN})
    project = built_project(mldock_project, mldock)
    add_registry(project, acr_entry(registry.host, fake_azure.url))
    result = mldock("push", cwd=project, env=azure_env(service_principal=False))
    assert result.returncode == 1, describe(result)
    assert last_line(result.stderr) == (
        f"Error: no Azure credential found for registry 'acr' ({registry.host}); "
        "run 'az login', or set AZURE_CLIENT_ID, AZURE_TENANT_ID and "
        "AZURE_CLIENT_SECRET for a service principal"
    )
    assert "DefaultAzureCredential" not in result.stderr, describe(result)
    # Managed identity was tried, at the fake instead of 169.254.169.254.
    assert fake_azure.paths() == [IMDS_PATH]
    assert proxy_trap.requests == []
    assert registry.manifest_digest(REPOSITORY, "latest") is None


def test_push_wrong_client_secret(
    mldock_project, mldock, mldock_registry, fake_azure, proxy_trap, azure_env
):
    registry = mldock_registry(users={ACR_USERNAME: REFRESH_TOKEN})
    project = built_project(mldock_project, mldock)
    add_registry(project, acr_entry(registry.host, fake_azure.url))
    fake_azure.client_secret = "a-rotated-secret"
    result = mldock("push", cwd=project, env=azure_env())
    assert result.returncode == 1, describe(result)
    assert last_line(result.stderr) == (
        f"Error: Azure AD sign-in for registry 'acr' ({registry.host}) failed "
        "(EnvironmentCredential: AADSTS7000215: Invalid client secret provided); "
        "run 'az login' again, or check AZURE_CLIENT_ID, AZURE_TENANT_ID and "
        "AZURE_CLIENT_SECRET"
    )
    assert EXCHANGE_PATH not in fake_azure.paths()
    assert proxy_trap.requests == []


@pytest.mark.parametrize("status", [401, 403])
def test_exchange_rejected(
    mldock_project, mldock, mldock_registry, fake_azure, proxy_trap, azure_env, status
):
    registry = mldock_registry(users={ACR_USERNAME: REFRESH_TOKEN})
    project = built_project(mldock_project, mldock)
    add_registry(
        project, acr_entry(registry.host, fake_azure.url, tenant_id=OTHER_TENANT)
    )
    fake_azure.exchange_status = status
    result = mldock("push", cwd=project, env=azure_env())
    assert result.returncode == 1, describe(result)
    assert last_line(result.stderr) == (
        f"Error: registry 'acr' ({registry.host}) rejected the Azure AD token "
        f"exchange (HTTP {status}: DENIED: token exchange rejected by the fake); "
        "sign in to the registry's tenant (tenant_id) with an identity that has a "
        "role on the registry, such as AcrPush"
    )
    # tenant_id picks the tenant signed in to and the one named to the registry.
    assert fake_azure.paths("POST") == [
        f"/{OTHER_TENANT}/oauth2/v2.0/token",
        EXCHANGE_PATH,
    ]
    assert fake_azure.forms(EXCHANGE_PATH)[0]["tenant"] == OTHER_TENANT
    assert proxy_trap.requests == []
    assert registry.manifest_digest(REPOSITORY, "latest") is None


def test_exchange_not_found(
    mldock_project, mldock, mldock_registry, fake_azure, azure_env
):
    registry = mldock_registry(users={ACR_USERNAME: REFRESH_TOKEN})
    project = built_project(mldock_project, mldock)
    add_registry(project, acr_entry(registry.host, fake_azure.url))
    fake_azure.exchange_status = 404
    result = mldock("push", cwd=project, env=azure_env())
    assert result.returncode == 1, describe(result)
    assert last_line(result.stderr) == (
        f"Error: registry 'acr' ({registry.host}) has no Azure AD token exchange "
        f"at {fake_azure.url}/oauth2/exchange (HTTP 404); check that registry_name "
        "or host names an Azure Container Registry"
    )


def test_exchange_unreachable(
    mldock_project, mldock, mldock_registry, fake_azure, azure_env
):
    registry = mldock_registry(users={ACR_USERNAME: REFRESH_TOKEN})
    project = built_project(mldock_project, mldock)
    add_registry(project, acr_entry(registry.host, "https://127.0.0.1:1"))
    result = mldock("push", cwd=project, env=azure_env())
    assert result.returncode == 1, describe(result)
    assert last_line(result.stderr).startswith(
        "Error: could not reach https://127.0.0.1:1/oauth2/exchange for the Azure "
        f"AD token exchange of registry 'acr' ({registry.host}): "
    ), describe(result)
    assert last_line(result.stderr).endswith(
        "Connection refused; check the registry name and the network"
    ), describe(result)


@pytest.mark.parametrize(
    ("entry", "args", "message"),
    [
        ("kind: acr", [], "Error: registries.acr needs a 'host'"),
        (
            "kind: acr\nregistry_name: my-registry",
            [],
            "Error: registry_name 'my-registry' is not an Azure Container Registry "
            "name; write the 5 to 50 letters and digits of the name, such as "
            "'myregistry', or the full login server, such as 'myregistry.azurecr.io'",
        ),
        (
            "kind: acr\nregistry_name: myregistry\nadmin_user: 'yes'",
            [],
            "Error: registries.acr.admin_user must be true or false, found 'yes'",
        ),
        (
            "kind: acr\nregistry_name: myregistry\nexchange_endpoint: ftp://127.0.0.1",
            [],
            "Error: registries.acr.exchange_endpoint must be an http:// or https:// "
            "URL, found 'ftp://127.0.0.1'",
        ),
        (
            "kind: acr\nregistry_name: myregistry\nhost: other1.azurecr.io",
            [],
            "Error: registries.acr names the registry 'myregistry' and the host "
            "'other1.azurecr.io', which differ; keep only one of them",
        ),
        (
            "kind: acr\nregistry_name: myregistry\nregion: westeurope",
            [],
            "Error: registries.acr has the unknown key 'region'",
        ),
        (
            "",
            ["--to", "ab.azurecr.io/model:v1"],
            "Error: 'ab.azurecr.io' is not the login server of an Azure Container "
            "Registry: its name has 5 to 50 letters and digits before .azurecr, such "
            "as myregistry.azurecr.io",
        ),
    ],
    ids=[
        "no-host",
        "bad-name",
        "admin-not-bool",
        "bad-endpoint",
        "name-and-host",
        "unknown-key",
        "short-name",
    ],
)
def test_push_config_errors(mldock_project, mldock, azure_env, entry, args, message):
    project = mldock_project("python")
    if entry:
        add_registry(project, entry)
    result = mldock("push", *args, cwd=project, env=azure_env())
    assert result.returncode == 2, describe(result)
    assert last_line(result.stderr).startswith(message), describe(result)


def test_registries_listing(mldock_project, mldock):
    project = mldock_project("python")
    add_registry(
        project, "kind: acr\nregistry_name: MyRegistry\nrepository: models/iris"
    )
    result = mldock("registries", cwd=project)
    assert result.returncode == 0, describe(result)
    assert re.search(
        r"^  acr +Azure Container Registry \(NAME\.azurecr\.io\)", result.stdout, re.M
    )
    # Column widths follow the longest name, so compare with spaces collapsed.
    assert "acr acr myregistry.azurecr.io/models/iris" in " ".join(result.stdout.split())
