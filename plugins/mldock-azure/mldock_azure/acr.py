"""The ``acr`` registry kind: Azure Container Registry.

Credentials, fetched anew for every push and pull:

- by default, an Entra ID (Azure AD) access token from azure-identity's
  ``DefaultAzureCredential``, exchanged at the registry's
  ``POST /oauth2/exchange`` for a registry refresh token, which Docker sends
  as the password of the fixed user ``00000000-0000-0000-0000-000000000000``;
- with ``admin_user: true``, the registry's admin user from the environment
  variables ``MLDOCK_ACR_USERNAME`` and ``MLDOCK_ACR_PASSWORD``.

ACR creates a repository on its first push, so ``create_repository`` has no
effect on this kind.
"""

from __future__ import annotations

import logging
import os
import re
from typing import TYPE_CHECKING, Any

from mldock_core.errors import ConfigError, RegistryError
from mldock_core.kinds import Credentials, Registry, RegistryTarget

from mldock_azure import identity

if TYPE_CHECKING:
    import requests

logger = logging.getLogger(__name__)

# A login server is NAME.azurecr.io, or .cn and .us in the sovereign clouds.
# The name part is matched loosely, so that a malformed name or a data
# endpoint (NAME.REGION.data.azurecr.io) reaches check_target and gets a
# precise message.
HOST = re.compile(r"^(?P<name>[^/:]+)\.azurecr\.(?P<suffix>io|cn|us)$", re.I)
REGISTRY_NAME = re.compile(r"^[a-z0-9]{5,50}$", re.I)
EXCHANGE_URL = re.compile(r"^https?://[^/\s]+")
AUTHORITY = re.compile(r"^(https://)?[^/\s:]+(:\d+)?/?$")
CLOUDS = {
    "io": identity.PUBLIC_CLOUD,
    "cn": identity.CHINA_CLOUD,
    "us": identity.US_GOVERNMENT_CLOUD,
}
TOKEN_USERNAME = "00000000-0000-0000-0000-000000000000"
USERNAME_VARIABLE = "MLDOCK_ACR_USERNAME"
PASSWORD_VARIABLE = "MLDOCK_ACR_PASSWORD"
EXCHANGE_PATH = "/oauth2/exchange"
EXCHANGE_TIMEOUT = (10, 60)  # seconds to connect, seconds to read
REJECTED = (401, 403)


def login_server(registry_name: str) -> str:
    """Return the host of a registry named ``NAME`` or ``NAME.azurecr.io``."""
    name = registry_name.strip().lower()
    if "." not in name:
        name = f"{name}.azurecr.io"
    found = HOST.match(name)
    if found is None or not REGISTRY_NAME.match(found["name"]):
        raise ConfigError(
            f"registry_name {registry_name!r} is not an Azure Container Registry "
            "name; write the 5 to 50 letters and digits of the name, such as "
            "'myregistry', or the full login server, such as 'myregistry.azurecr.io'"
        )
    return name


def cloud_for(host: str) -> identity.Cloud:
    """Return the Azure cloud of a login server, or the public cloud for other hosts."""
    found = HOST.match(host)
    return CLOUDS[found["suffix"].lower()] if found else identity.PUBLIC_CLOUD


class AzureContainerRegistry(Registry):
    name = "acr"
    host_options = ("registry_name",)
    description = "Azure Container Registry (NAME.azurecr.io); signs in with Azure AD"
    options = {
        "registry_name": "the registry's name, such as myregistry "
        "for myregistry.azurecr.io",
        "tenant_id": "the Azure AD tenant to sign in to "
        "[default: the tenant of the signed-in identity]",
        "admin_user": "sign in as the registry's admin user from MLDOCK_ACR_USERNAME "
        "and MLDOCK_ACR_PASSWORD instead of Azure AD (true or false)",
        "exchange_endpoint": "the base URL serving /oauth2/exchange "
        "[default: https://HOST]",
        "authority_host": "the Azure AD endpoint to sign in at, such as "
        "login.microsoftonline.us "
        "[default: AZURE_AUTHORITY_HOST, else the cloud of the host]",
    }

    def recognizes(self, host: str) -> bool:
        return HOST.match(host) is not None

    def host_for(self, options: dict[str, Any]) -> str | None:
        registry_name = options.get("registry_name")
        if registry_name is None:
            return None
        if not isinstance(registry_name, str):
            raise ConfigError(
                "registry_name must be text such as 'myregistry', "
                f"found {registry_name!r}"
            )
        return login_server(registry_name)

    def check_target(self, target: RegistryTarget) -> None:
        _check_options(target)
        found = HOST.match(target.host)
        if found and not REGISTRY_NAME.match(found["name"]):
            raise ConfigError(
                f"{target.host!r} is not the login server of an Azure Container "
                "Registry: its name has 5 to 50 letters and digits before .azurecr, "
                "such as myregistry.azurecr.io"
            )
        registry_name = target.options.get("registry_name")
        if not (found and registry_name):
            return
        if login_server(registry_name) != target.host.lower():
            raise ConfigError(
                f"registries.{target.registry} names the registry {registry_name!r} "
                f"and the host {target.host!r}, which differ; keep only one of them"
            )

    def credentials(self, target: RegistryTarget) -> Credentials:
        if target.options.get("admin_user"):
            return _admin_credentials(target)
        token = _access_token(target)
        tenant = target.options.get("tenant_id") or identity.tenant_of(token)
        return Credentials(TOKEN_USERNAME, _exchange(target, token, tenant))

    def ensure_repository(self, target: RegistryTarget, create: bool) -> bool:
        # ACR creates a repository on its first push, so nothing can be missing.
        return False


def _where(target: RegistryTarget) -> str:
    if target.registry == "--to":
        return f"registry {target.host}"
    return f"registry {target.registry!r} ({target.host})"


def _check_options(target: RegistryTarget) -> None:
    options, entry = target.options, f"registries.{target.registry}"
    admin = options.get("admin_user", False)
    if not isinstance(admin, bool):
        raise ConfigError(f"{entry}.admin_user must be true or false, found {admin!r}")
    for key in ("tenant_id", "registry_name"):
        value = options.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(f"{entry}.{key} must be non-empty text, found {value!r}")
    endpoint = options.get("exchange_endpoint")
    if endpoint is not None and not EXCHANGE_URL.match(str(endpoint)):
        raise ConfigError(
            f"{entry}.exchange_endpoint must be an http:// or https:// URL, "
            f"found {endpoint!r}"
        )
    authority = options.get("authority_host")
    if authority is not None and not AUTHORITY.match(str(authority)):
        raise ConfigError(
            f"{entry}.authority_host must be a host or an https:// URL such as "
            f"'login.microsoftonline.us', found {authority!r}"
        )


def _admin_credentials(target: RegistryTarget) -> Credentials:
    username = os.environ.get(USERNAME_VARIABLE)
    password = os.environ.get(PASSWORD_VARIABLE)
    if not username or not password:
        raise RegistryError(
            f"registries.{target.registry} sets admin_user: true, but "
            f"{USERNAME_VARIABLE} and {PASSWORD_VARIABLE} are not both set; set them "
            "to the admin user name and password of the registry "
            "('az acr credential show --name REGISTRY')"
        )
    return Credentials(username, password)


def _access_token(target: RegistryTarget) -> str:
    cloud = cloud_for(target.host)
    authority = target.options.get("authority_host")
    # A sovereign cloud's registry signs in at that cloud's authority, unless
    # the user names one.
    user_authority = os.environ.get(identity.AUTHORITY_VARIABLE)
    if authority is None and not user_authority and cloud is not identity.PUBLIC_CLOUD:
        authority = cloud.authority
    try:
        return identity.get_access_token(
            cloud.management_scope,
            tenant_id=target.options.get("tenant_id"),
            authority=authority,
        )
    except identity.SignInError as error:
        if not error.available:
            raise RegistryError(
                f"no Azure credential found for {_where(target)}; run 'az login', "
                "or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET "
                "for a service principal"
            ) from None
        raise RegistryError(
            f"Azure AD sign-in for {_where(target)} failed ({error.detail}); "
            "run 'az login' again, or check AZURE_CLIENT_ID, AZURE_TENANT_ID and "
            "AZURE_CLIENT_SECRET"
        ) from None


def _exchange(target: RegistryTarget, access_token: str, tenant: str | None) -> str:
    """Exchange an Entra ID access token for a refresh token of the registry."""
    import requests

    base = str(target.options.get("exchange_endpoint") or f"https://{target.host}")
    url = base.rstrip("/") + EXCHANGE_PATH
    form = {
        "grant_type": "access_token",
        "service": target.host,
        "access_token": access_token,
    }
    if tenant:
        form["tenant"] = tenant
    logger.debug("exchanging an Azure AD access token at %s", url)
    try:
        response = requests.post(url, data=form, timeout=EXCHANGE_TIMEOUT)
    except requests.RequestException as error:
        raise RegistryError(
            f"could not reach {url} for the Azure AD token exchange of "
            f"{_where(target)}: {_reason(error)}; check the registry name and the "
            "network"
        ) from None
    _raise_for_status(target, url, response)
    try:
        refresh_token = response.json().get("refresh_token")
    except (ValueError, AttributeError):
        refresh_token = None
    if not isinstance(refresh_token, str) or not refresh_token:
        raise RegistryError(
            f"the Azure AD token exchange of {_where(target)} at {url} returned no "
            "refresh_token; check that exchange_endpoint is an Azure Container "
            "Registry"
        )
    return refresh_token


def _raise_for_status(
    target: RegistryTarget, url: str, response: requests.Response
) -> None:
    status = response.status_code
    if status == 200:
        return
    detail = _error_detail(response)
    if status in REJECTED:
        raise RegistryError(
            f"{_where(target)} rejected the Azure AD token exchange "
            f"(HTTP {status}: {detail}); sign in to the registry's tenant "
            "(tenant_id) with an identity that has a role on the registry, "
            "such as AcrPush"
        )
    if status == 404:
        raise RegistryError(
            f"{_where(target)} has no Azure AD token exchange at {url} (HTTP 404); "
            "check that registry_name or host names an Azure Container Registry"
        )
    raise RegistryError(
        f"the Azure AD token exchange of {_where(target)} failed with HTTP {status} "
        f"({detail}); try again later"
    )


def _error_detail(response: requests.Response) -> str:
    """Return ``CODE: message`` of the first error in ACR's body, else the body."""
    try:
        first = response.json()["errors"][0]
        detail = f"{first.get('code', '')}: {first.get('message', '')}".strip(": ")
    except (ValueError, AttributeError, IndexError, KeyError, TypeError):
        detail = response.text
    return identity.first_line(detail or response.reason or "")


def _reason(error: Exception) -> str:
    """Return the cause of a connection error without urllib3's wrappers around it."""
    cause = error.args[0] if error.args else error
    # urllib3's MaxRetryError carries the failure that made it give up.
    cause = getattr(cause, "reason", None) or cause
    return identity.first_line(re.sub(r"^<[^>]+>: ", "", str(cause)))
