"""The ``artifact-registry`` registry kind: Docker repositories in Artifact Registry.

The registry accepts the user name ``oauth2accesstoken`` with an OAuth 2.0
access token as the password, so every push and pull gets a token freshly
refreshed from Application Default Credentials. Repositories are checked and
created through the Artifact Registry API (its REST transport), with that same
token.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any, Iterator

from mldock_core.errors import ConfigError, RegistryError
from mldock_core.kinds import Credentials, Registry, RegistryTarget
from mldock_gcp.image_path import (
    ImagePath,
    host_for_location,
    is_artifact_registry_host,
    is_gcr_host,
    locate,
)

if TYPE_CHECKING:
    from google.cloud.artifactregistry_v1 import ArtifactRegistryClient, Repository

logger = logging.getLogger(__name__)

TOKEN_USERNAME = "oauth2accesstoken"
DEFAULT_API_ENDPOINT = "artifactregistry.googleapis.com"
API_TIMEOUT = 30.0
# NOTE: a guessed limit, not a documented one. Creating a repository takes
# seconds as a rule, so a longer wait is reported instead of blocking the push.
CREATE_TIMEOUT = 120.0
TEXT_OPTIONS = (
    "project",
    "location",
    "api_endpoint",
    "repository_description",
    "kms_key_name",
)
_notified_hosts: set[str] = set()


class ArtifactRegistry(Registry):
    name = "artifact-registry"
    host_options = ("location",)
    description = "Google Artifact Registry (LOCATION-docker.pkg.dev) and gcr.io hosts"
    options = {
        "project": "the Google Cloud project ID; must match the first part of "
        "'repository' (PROJECT/REPOSITORY/IMAGE)",
        "location": "the repository's location, such as europe-west4 or us "
        "[default: the one in the host]",
        "api_endpoint": "the Artifact Registry API endpoint, a host or URL "
        f"[default: {DEFAULT_API_ENDPOINT}]",
        "repository_description": "the description of a repository mldock creates",
        "labels": "labels (a mapping of text to text) of a repository mldock creates",
        "immutable_tags": "make the tags of a repository mldock creates immutable "
        "(true or false)",
        "kms_key_name": "the Cloud KMS key (projects/.../cryptoKeys/KEY) that "
        "encrypts a repository mldock creates",
    }

    def recognizes(self, host: str) -> bool:
        return is_artifact_registry_host(host)

    def host_for(self, options: dict[str, Any]) -> str | None:
        return host_for_location(options.get("location"))

    def check_target(self, target: RegistryTarget) -> None:
        _check_option_types(target)
        path = locate(target)
        if is_gcr_host(target.host):
            _notify_gcr(target.host, path)

    def credentials(self, target: RegistryTarget) -> Credentials:
        from mldock_gcp.auth import fresh_credentials

        google_credentials = fresh_credentials(str(locate(target)))
        return Credentials(TOKEN_USERNAME, google_credentials.token)

    def ensure_repository(self, target: RegistryTarget, create: bool) -> bool:
        path = locate(target)
        client = _client(target, path)
        with _api_errors(target, path, "checking"):
            repository = _get_repository(client, path)
        if repository is not None:
            _check_pushable(repository, path)
            return False
        if not create:
            raise RegistryError(
                f"repository '{path.repository}' not found in project {path.project} "
                f"(location {path.location}); create it or pass --create-repository"
            )
        with _api_errors(target, path, "creating"):
            return _create_repository(client, path, target.options)


def _notify_gcr(host: str, path: ImagePath) -> None:
    if host in _notified_hosts:
        return
    _notified_hosts.add(host)
    logger.warning(
        "%s is a Container Registry host, which Artifact Registry serves now: "
        "images go to %s",
        host,
        path,
    )


def _check_option_types(target: RegistryTarget) -> None:
    for key in TEXT_OPTIONS:
        value = target.options.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(
                f"registries.{target.registry}.{key} must be text, found {value!r}"
            )
    immutable = target.options.get("immutable_tags")
    if immutable is not None and not isinstance(immutable, bool):
        raise ConfigError(
            f"registries.{target.registry}.immutable_tags must be true or false, "
            f"found {immutable!r}"
        )
    labels = target.options.get("labels")
    if labels is not None and not (
        isinstance(labels, dict)
        and all(isinstance(item, str) for pair in labels.items() for item in pair)
    ):
        raise ConfigError(
            f"registries.{target.registry}.labels must map text to text, such as "
            f"{{team: vision}}, found {labels!r}"
        )


def _client(target: RegistryTarget, path: ImagePath) -> ArtifactRegistryClient:
    from google.api_core.client_options import ClientOptions
    from google.cloud.artifactregistry_v1 import ArtifactRegistryClient

    from mldock_gcp.auth import access_token_credentials, fresh_credentials

    credentials = access_token_credentials(fresh_credentials(str(path)))
    endpoint = target.options.get("api_endpoint") or DEFAULT_API_ENDPOINT
    return ArtifactRegistryClient(
        credentials=credentials,
        transport="rest",
        client_options=ClientOptions(api_endpoint=endpoint),
    )


def _get_repository(
    client: ArtifactRegistryClient, path: ImagePath
) -> Repository | None:
    from google.api_core.exceptions import NotFound

    try:
        return client.get_repository(name=path.resource_name, timeout=API_TIMEOUT)
    except NotFound:
        return None


def _check_pushable(repository: Repository, path: ImagePath) -> None:
    """Raise RegistryError when images cannot be pushed to ``repository``."""
    from google.cloud.artifactregistry_v1 import Repository

    if repository.format_ != Repository.Format.DOCKER:
        raise RegistryError(
            f"{path} contains {repository.format_.name} packages, not Docker images; "
            "choose a repository of format DOCKER"
        )
    if repository.mode in (
        Repository.Mode.REMOTE_REPOSITORY,
        Repository.Mode.VIRTUAL_REPOSITORY,
    ):
        kind = repository.mode.name.split("_")[0].lower()
        raise RegistryError(
            f"{path} is a {kind} repository, which accepts no pushes; "
            "push to a standard repository"
        )


def _create_repository(
    client: ArtifactRegistryClient, path: ImagePath, options: dict[str, Any]
) -> bool:
    """Create the repository and wait; return False when it appeared meanwhile."""
    from google.api_core.exceptions import AlreadyExists
    from google.cloud.artifactregistry_v1 import Repository

    repository = Repository(
        format_=Repository.Format.DOCKER,
        description=options.get("repository_description", ""),
        labels=options.get("labels") or {},
        kms_key_name=options.get("kms_key_name", ""),
        docker_config=Repository.DockerRepositoryConfig(
            immutable_tags=options.get("immutable_tags", False)
        ),
    )
    try:
        operation = client.create_repository(
            parent=path.parent,
            repository_id=path.repository,
            repository=repository,
            timeout=API_TIMEOUT,
        )
    except AlreadyExists:
        return False
    _wait(operation, path)
    return True


def _wait(operation: Any, path: ImagePath) -> None:
    import concurrent.futures

    try:
        operation.result(timeout=CREATE_TIMEOUT)
    except concurrent.futures.TimeoutError:
        raise RegistryError(
            f"creating {path} did not finish within {CREATE_TIMEOUT:.0f} s "
            f"(operation {operation.operation.name}); check it in the Google Cloud "
            "console, then push again"
        ) from None


@contextlib.contextmanager
def _api_errors(target: RegistryTarget, path: ImagePath, action: str) -> Iterator[None]:
    """Turn the Artifact Registry API's errors into one-line RegistryErrors."""
    try:
        yield
    except RegistryError:
        raise
    except Exception as error:  # noqa: BLE001 - _api_error picks the ones it knows
        converted = _api_error(error, target, path, action)
        if converted is None:
            raise
        raise converted from None


def _api_error(
    error: BaseException, target: RegistryTarget, path: ImagePath, action: str
) -> RegistryError | None:
    from google.api_core import exceptions
    from google.auth.exceptions import TransportError
    from requests import RequestException

    if isinstance(error, (RequestException, TransportError)):
        endpoint = target.options.get("api_endpoint") or DEFAULT_API_ENDPOINT
        return RegistryError(
            f"{action} {path} failed: the Artifact Registry API at {endpoint} "
            f"could not be reached ({_connection_problem(error)}); check the "
            "network and the api_endpoint setting"
        )
    if not isinstance(error, exceptions.GoogleAPICallError):
        return None
    message = _api_message(error)
    # The REST transport raises the HTTP status classes (Forbidden,
    # Unauthorized); the gRPC one raises the status code classes.
    if isinstance(error, (exceptions.PermissionDenied, exceptions.Forbidden)):
        role = "Administrator" if action == "creating" else "Writer"
        return RegistryError(
            f"{action} {path} was denied: {message}; grant the account the "
            f"Artifact Registry {role} role on the project, or enable the Artifact "
            "Registry API if the message says it is disabled"
        )
    if isinstance(error, (exceptions.Unauthenticated, exceptions.Unauthorized)):
        return RegistryError(
            f"{action} {path} failed: Artifact Registry rejected the credentials "
            f"({message}); run 'gcloud auth application-default login' again, or "
            "check GOOGLE_APPLICATION_CREDENTIALS"
        )
    if isinstance(error, (exceptions.TooManyRequests, exceptions.ResourceExhausted)):
        return RegistryError(
            f"{action} {path} was throttled by Artifact Registry ({message}); "
            "wait a minute and try again"
        )
    return RegistryError(f"{action} {path} failed: {message}")


def _connection_problem(error: BaseException) -> str:
    """Return the reason urllib3 gives in a requests error, without the URL."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return _one_line(reason or error)


def _api_message(error: Any) -> str:
    """Return the API's own message, without the method and URL the REST client adds."""
    response = getattr(error, "response", None)
    try:
        message = response.json()["error"]["message"]
    except (AttributeError, KeyError, TypeError, ValueError):
        message = error.message or error
    return _one_line(message).rstrip(".")


def _one_line(value: object) -> str:
    return " ".join(str(value).split())
