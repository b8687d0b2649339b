"""Microsoft Entra ID (Azure AD) access tokens from azure-identity.

``DefaultAzureCredential`` tries, in order: a service principal from
``AZURE_CLIENT_ID``/``AZURE_TENANT_ID``/``AZURE_CLIENT_SECRET`` (or a
certificate), workload identity, managed identity, the shared token cache,
the Azure CLI (``az login``), Azure PowerShell and the Azure Developer CLI.
A new credential is made for every token, so no token outlives one call and
mldock writes none to disk.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
from dataclasses import dataclass

AUTHORITY_VARIABLE = "AZURE_AUTHORITY_HOST"
# One line per credential in the error of DefaultAzureCredential.
ENTRY_LINE = re.compile(r"^\t(?P<credential>\w+): (?P<detail>.*)$", re.M)
FAILED_PREFIX = "Authentication failed: "
MAX_DETAIL = 200


@dataclass(frozen=True)
class Cloud:
    """An Azure cloud: its Entra ID authority and its Azure Resource Manager scope."""

    name: str
    authority: str
    management_scope: str


PUBLIC_CLOUD = Cloud(
    "AzureCloud",
    "login.microsoftonline.com",
    "https://management.azure.com/.default",
)
# NOTE: the two sovereign clouds' scopes follow their Resource Manager
# endpoints; no test signs in to a real registry in either cloud.
CHINA_CLOUD = Cloud(
    "AzureChinaCloud",
    "login.chinacloudapi.cn",
    "https://management.chinacloudapi.cn/.default",
)
US_GOVERNMENT_CLOUD = Cloud(
    "AzureUSGovernment",
    "login.microsoftonline.us",
    "https://management.usgovcloudapi.net/.default",
)


class SignInError(Exception):
    """A failed sign-in; ``available`` is False when no credential could be tried."""

    def __init__(self, detail: str, *, available: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.available = available


def get_access_token(
    scope: str, *, tenant_id: str | None = None, authority: str | None = None
) -> str:
    """Return a new Entra ID access token for ``scope``, or raise ``SignInError``.

    ``authority`` is the Entra ID endpoint to sign in at, a host such as
    ``login.microsoftonline.us`` or an https URL. None keeps azure-identity's
    default: ``AZURE_AUTHORITY_HOST``, else the public cloud.
    """
    from azure.core.exceptions import ClientAuthenticationError
    from azure.identity import CredentialUnavailableError, DefaultAzureCredential

    _silence_fallback_logging()
    settings: dict = {}
    if authority:
        settings["authority"] = authority
    if authority or os.environ.get(AUTHORITY_VARIABLE):
        # msal checks an authority it does not know (Azure Stack, a private
        # cloud) with a request to login.microsoftonline.com. An authority
        # that the user set is used as given instead.
        settings["disable_instance_discovery"] = True
    if tenant_id:
        settings["additionally_allowed_tenants"] = [tenant_id]
    try:
        with DefaultAzureCredential(**settings) as credential:
            return credential.get_token(scope, tenant_id=tenant_id).token
    except CredentialUnavailableError as error:
        raise SignInError(first_line(error.message), available=False) from error
    except ClientAuthenticationError as error:
        raise _classify(str(error.message)) from error
    except ValueError as error:
        # azure-identity raises ValueError for a malformed setting, such as an
        # http:// authority or an unknown AZURE_TOKEN_CREDENTIALS value.
        raise SignInError(first_line(str(error)), available=True) from error


def tenant_of(token: str) -> str | None:
    """Return the ``tid`` (tenant) claim of a JWT access token, or None.

    The claim is read without checking the signature, because it only names
    the tenant that the registry validates the token against.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return None
    padded = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError):
        return None
    tenant = claims.get("tid") if isinstance(claims, dict) else None
    return tenant if isinstance(tenant, str) and tenant else None


def first_line(text: str) -> str:
    """Return the first line of an error text without its final period, shortened."""
    stripped = text.strip()
    line = stripped.splitlines()[0].rstrip(".") if stripped else "no details"
    return line if len(line) <= MAX_DETAIL else line[: MAX_DETAIL - 3] + "..."


def _classify(message: str) -> SignInError:
    """Tell "no credential available" from "a credential was rejected" in an error.

    ``DefaultAzureCredential`` raises one ``ClientAuthenticationError`` in both
    cases, listing each credential it tried on its own line. The credential
    that tried and failed is the one whose line reports the failure.
    """
    for entry in ENTRY_LINE.finditer(message):
        detail = entry["detail"]
        if detail.startswith(FAILED_PREFIX) or "AADSTS" in detail:
            detail = first_line(detail.removeprefix(FAILED_PREFIX))
            return SignInError(f"{entry['credential']}: {detail}", available=True)
    return SignInError(first_line(message), available=False)


def _silence_fallback_logging() -> None:
    """Keep azure-identity's warnings off stderr unless logging is configured.

    Without a handler on the ``azure`` logger, Python prints its warnings to
    stderr, which would bury mldock's one-line error under a dozen lines.
    With ``--debug`` the root logger has a handler, and they still show.
    """
    logger = logging.getLogger("azure")
    if not any(isinstance(item, logging.NullHandler) for item in logger.handlers):
        logger.addHandler(logging.NullHandler())
