"""The connection to the Docker engine, and Docker's errors in the user's words.

docker-py is imported here, inside functions, because importing it takes about
half a second and most commands (``--help``, ``init``, ``templates``) never
talk to the engine.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterator

from mldock_core.errors import DockerUnavailableError, MldockError, RunError

if TYPE_CHECKING:
    import docker

DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"


def docker_host() -> str:
    return os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_HOST


def connect() -> docker.DockerClient:
    """Return a client whose engine has responded to a ping, or raise a one-line error."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env()
        client.ping()
    except DockerException as error:
        raise unreachable_error(error) from error
    return client


def _os_errors(error: BaseException) -> Iterator[OSError]:
    """Yield the OS errors inside ``error``: requests nests them in args and causes."""
    seen: set[int] = set()
    stack: list[object] = [error]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, OSError) and item.errno is not None:
            yield item
        stack.extend([item.__cause__, item.__context__, *item.args])


def unreachable_error(error: BaseException) -> DockerUnavailableError:
    """Turn a failed connection to the engine into a message that names the fix."""
    host = docker_host()
    for os_error in _os_errors(error):
        if isinstance(os_error, PermissionError):
            socket_path = host.removeprefix("unix://")
            return DockerUnavailableError(
                f"permission denied for the Docker socket {socket_path}; add your user "
                "to the 'docker' group and log in again, or run mldock with sudo"
            )
    return DockerUnavailableError(
        f"the Docker engine is not reachable at {host}; start it (for example "
        "'sudo systemctl start docker', or open Docker Desktop), or set DOCKER_HOST "
        "to the address of a running engine"
    )


def api_error(error: Exception, action: str) -> MldockError:
    """Turn a docker-py APIError raised while doing ``action`` into a one-line error."""
    explanation = getattr(error, "explanation", None) or str(error)
    if isinstance(explanation, bytes):
        explanation = explanation.decode(errors="replace")
    return RunError(f"{action} failed: {explanation}")


def image_exists(client: docker.DockerClient, reference: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        client.images.get(reference)
    except ImageNotFound:
        return False
    return True


def require_image(client: docker.DockerClient, reference: str) -> dict[str, str]:
    """Raise when the image is missing; return its labels."""
    from docker.errors import ImageNotFound

    try:
        image = client.images.get(reference)
    except ImageNotFound:
        raise RunError(f"image {reference} not found; build it first with 'mldock build'") from None
    return image.labels or {}
