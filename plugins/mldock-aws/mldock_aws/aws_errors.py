"""One-line explanations of boto3 errors, shared by the AWS registry and runtime code.

botocore is imported inside the functions, so that importing this module
stays cheap on every ``mldock`` command.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mldock_core.errors import MldockError

ACCESS_DENIED = frozenset({"AccessDenied", "AccessDeniedException"})
EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
REJECTED = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
    }
)
THROTTLED = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException"})
XML_CODE = re.compile(r"<Code>([^<]*)</Code>")
XML_MESSAGE = re.compile(r"<Message>([^<]*)</Message>")
NO_CREDENTIALS_FIX = (
    "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
    "add a 'profile' to the registry entry, or run 'aws configure'"
)


def client_error_fields(error: Exception) -> tuple[str, str, int | None]:
    """Return the error code, message and HTTP status of a botocore ``ClientError``."""
    response = getattr(error, "response", None) or {}
    fields = response.get("Error") or {}
    code = str(fields.get("Code") or "")
    message = str(fields.get("Message") or "").strip()
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")

    # NOTE: moto 5.2 returns IAM failures of JSON APIs as an XML body, which
    # botocore keeps whole as the message, with the HTTP status as the code.
    if message.startswith("<"):
        inner_code = XML_CODE.search(message)
        inner_message = XML_MESSAGE.search(message)
        code = inner_code.group(1) if inner_code else code
        message = inner_message.group(1).strip() if inner_message else message
    return code, message, status


def explain(error: Exception, operation: str, where: str) -> str:
    """Return a one-line message for a failed AWS call: what failed, why, what to do.

    ``operation`` is the IAM action, such as ``ecr:CreateRepository``, and
    ``where`` names the resource, such as ``registry 123456789012 (eu-west-1)``.
    """
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        return _explain_client_error(error, operation, where)
    return _explain_botocore_error(error, operation, where)


def _explain_client_error(error: Exception, operation: str, where: str) -> str:
    code, message, status = client_error_fields(error)
    failed = f"{operation} on {where} failed"
    if code in ACCESS_DENIED or (status == 403 and code not in EXPIRED | REJECTED):
        return (
            f"AWS denied {operation} on {where} ({message}); grant {operation} "
            "to this AWS identity, or use a profile that has it"
        )
    if code in EXPIRED:
        return (
            f"{failed}: the AWS credentials have expired ({message}); refresh them, "
            "for example with 'aws sso login' or new session credentials, and retry"
        )
    if code in REJECTED:
        return (
            f"{failed}: AWS rejected the credentials ({message}); check the access "
            "key and secret key, or the profile, that boto3 picked up"
        )
    if code in THROTTLED:
        attempts = _attempts(error)
        return (
            f"{failed}: AWS throttled the request {attempts} times ({message}); "
            "wait a minute and retry"
        )
    return f"{failed}: {code or status}: {message}"


def _explain_botocore_error(error: Exception, operation: str, where: str) -> str:
    from botocore import exceptions

    failed = f"{operation} on {where} failed"
    if isinstance(error, exceptions.NoCredentialsError):
        return f"{failed}: no AWS credentials found; {NO_CREDENTIALS_FIX}"
    if isinstance(error, exceptions.ProfileNotFound):
        profile = error.kwargs.get("profile")
        return (
            f"{failed}: AWS profile {profile!r} not found; check the 'profile' key "
            "or AWS_PROFILE against the profiles of ~/.aws/config (or AWS_CONFIG_FILE)"
        )
    if isinstance(error, (exceptions.SSOError, exceptions.TokenRetrievalError)):
        return f"{failed}: {error}; run 'aws sso login' and retry"
    if isinstance(error, (exceptions.ConnectionError, exceptions.HTTPClientError)):
        return (
            f"{failed}: could not reach the AWS API ({error}); check the network "
            "connection and any AWS_ENDPOINT_URL variable that is set"
        )
    return f"{failed}: {error}"


def _attempts(error: Exception) -> int:
    metadata = (getattr(error, "response", None) or {}).get("ResponseMetadata") or {}
    return int(metadata.get("RetryAttempts") or 0) + 1


@contextlib.contextmanager
def raising(
    error_class: type[MldockError], operation: str, where: str
) -> Iterator[None]:
    """Re-raise the boto3 errors of the block as ``error_class``, explained."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as error:
        raise error_class(explain(error, operation, where)) from error
