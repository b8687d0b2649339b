"""Google Cloud credentials: Application Default Credentials, refreshed for each use.

google-auth looks in this order: the key file that GOOGLE_APPLICATION_CREDENTIALS
names, gcloud's application default credentials
(``gcloud auth application-default login``), then the metadata server of
Compute Engine, Cloud Run or GKE. Tokens stay in memory; nothing is written.
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING

from mldock_core.errors import MldockError, RegistryError

if TYPE_CHECKING:
    from google.auth.credentials import Credentials as GoogleCredentials

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
KEY_FILE_VARIABLE = "GOOGLE_APPLICATION_CREDENTIALS"
LOGIN_HINT = (
    "run 'gcloud auth application-default login' or set "
    f"{KEY_FILE_VARIABLE} to a service account key file"
)


def fresh_credentials(
    where: str, error_type: type[MldockError] = RegistryError
) -> GoogleCredentials:
    """Load Application Default Credentials and refresh them, so the token is new.

    ``where`` names what the credentials are for (such as "repository 'models'
    in project p (location us)") in the one-line ``error_type`` raised when no
    credentials are found or refreshing them fails.
    """
    import google.auth
    from google.auth import exceptions
    from google.auth.transport.requests import Request

    try:
        with warnings.catch_warnings():
            # google-auth warns on every load of user credentials without a quota
            # project. A push loads them twice, so the warning would repeat.
            warnings.simplefilter("ignore", UserWarning)
            credentials, _ = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
    except exceptions.DefaultCredentialsError as error:
        raise error_type(_missing_message(where, error)) from None

    try:
        credentials.refresh(Request())
    except exceptions.RefreshError as error:
        raise error_type(
            f"refreshing the Google Cloud credentials for {where} failed: "
            f"{_first_line(error)}; {LOGIN_HINT}, or check that the account is enabled"
        ) from None
    except exceptions.TransportError as error:
        raise error_type(
            f"the Google token endpoint could not be reached for {where}: "
            f"{_first_line(error)}; check the network and try again"
        ) from None
    return credentials


def access_token_credentials(credentials: GoogleCredentials) -> GoogleCredentials:
    """Return credentials that send only the current access token of ``credentials``.

    API clients get these, because the generated clients switch service
    account credentials to self-signed JWTs, and one token for the API and the
    registry keeps a push on one identity that was refreshed once.
    """
    from google.oauth2.credentials import Credentials as TokenCredentials

    return TokenCredentials(
        token=credentials.token,
        quota_project_id=getattr(credentials, "quota_project_id", None),
    )


def _missing_message(where: str, error: Exception) -> str:
    key_file = os.environ.get(KEY_FILE_VARIABLE)
    if key_file:
        return (
            f"{KEY_FILE_VARIABLE} is {key_file!r}, which could not be loaded as "
            f"Google Cloud credentials for {where} ({_first_line(error)}); point it "
            "at a service account key file, or unset it and run "
            "'gcloud auth application-default login'"
        )
    return f"no Google Cloud credentials found for {where}; {LOGIN_HINT}"


def _first_line(error: Exception) -> str:
    # google-auth's errors carry a tuple (message, response body) or several
    # lines of advice; the first part is the useful one for a one-line error.
    detail = error.args[0] if error.args else error
    lines = str(detail).strip().splitlines()
    return lines[0].rstrip(".") if lines else type(error).__name__
