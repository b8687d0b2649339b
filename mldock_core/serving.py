"""``mldock serve``, ``mldock predict``: a serving container run as a platform runs it."""

from __future__ import annotations

import errno
import http.client
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from mldock_core import containers
from mldock_core.containers import ContainerSpec
from mldock_core.errors import ConfigError, RunError
from mldock_core.project import LABEL_PROJECT_DIR, LABEL_ROLE

if TYPE_CHECKING:
    from pathlib import Path

    import docker
    from docker.models.containers import Container

    from mldock_core.kinds import ContainerContract
    from mldock_core.project import Project

POLL_SECONDS = 0.25
LABEL_RUNTIME = "io.mldock.runtime"
"""Container label: the runtime a container was started with, read by predict."""
LABEL_PROTOCOL = "io.mldock.protocol"
"""Container label: the runtime's protocol chosen with ``serve --protocol``, if any."""
DEFAULT_RUNTIME = "local"


@dataclass(frozen=True)
class Endpoint:
    """A running serving container and the base URL it is published at.

    ``ready_after`` is the seconds from start until the health route returned
    200, for a container this process started.
    """

    container: Container
    url: str
    ready_after: float | None = None


def host_address(value: str) -> str:
    """Return the IPv4 address to publish on for ``--host``; names other than localhost are rejected.

    Docker publishes on every interface when it gets a host name instead of
    an address, so "localhost" must become 127.0.0.1 here.
    """
    import ipaddress

    if value == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise ConfigError(
            f"--host {value!r} is not an IP address; use 127.0.0.1 (this machine only, the "
            "default) or 0.0.0.0 (every network interface)"
        ) from None
    if address.version != 4:
        raise ConfigError(f"--host {value!r} is an IPv6 address; use an IPv4 address such as 127.0.0.1")
    return value


def check_port_free(address: str, port: int) -> None:
    """Fail at once, before any container exists, when the host port is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR, as Docker's proxy sets it: connections of an earlier
        # server still in TIME_WAIT do not make the port busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise RunError(f"port {port} on the host is already in use; pass --port") from None
            raise RunError(f"cannot listen on {address}:{port}: {error.strerror}; check --host") from None


def free_port(address: str = "127.0.0.1") -> int:
    """Return a TCP port on ``address`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


def prepare(
    project: Project,
    image: str,
    contract: ContainerContract,
    *,
    address: str,
    port: int,
    environment: dict[str, str],
    runtime: str = DEFAULT_RUNTIME,
    protocol: str | None = None,
    model_dir: Path | None = None,
    role: str = "serve",
) -> ContainerSpec:
    """Return the serving container: the contract's variables, port and model mount.

    ``model_dir`` replaces the project's model/ as the host folder mounted at
    the contract's model folder. The runtime name goes into a label, so that
    ``mldock predict`` talks to the container in that runtime's envelope.
    """
    model_dir = model_dir or project.model_dir
    model_dir.mkdir(exist_ok=True)
    labels = {**project.labels(role), LABEL_RUNTIME: runtime}
    if protocol:
        labels[LABEL_PROTOCOL] = protocol
    return ContainerSpec(
        image=image,
        command=["serve"],
        name=project.container_name(role),
        labels=labels,
        environment={"HOME": "/tmp", **contract.environment, **environment},
        volumes={str(model_dir): {"bind": contract.model_mount, "mode": "ro"}},
        ports={f"{contract.port}/tcp": (address, port)},
        platform=project.config.build.platform,
    )


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError):
        return False


def wait_until_ready(
    container: Container,
    url: str,
    timeout: float,
    timeout_setting: str = "serve.startup_timeout in mldock.yaml",
) -> float:
    """Return the seconds until GET ``url`` returned 200; raise when the container dies.

    ``timeout_setting`` names, in the error message, where the timeout comes from.
    """
    started = time.monotonic()
    deadline = started + timeout
    while True:
        container.reload()
        if container.status in ("exited", "dead"):
            code = container.attrs["State"].get("ExitCode")
            raise RunError(
                f"the serving container exited with code {code} before it responded on "
                f"{url}; its last log lines:\n{containers.tail_logs(container)}"
            )
        if _answers(url):
            return time.monotonic() - started
        if time.monotonic() > deadline:
            raise RunError(
                f"the serving container did not respond on {url} within {timeout:g} s "
                f"({timeout_setting}); its last log lines:\n"
                f"{containers.tail_logs(container)}"
            )
        time.sleep(POLL_SECONDS)


def start(
    client: docker.DockerClient,
    project: Project,
    spec: ContainerSpec,
    contract: ContainerContract,
    report: Callable[[str], None],
    *,
    timeout: float | None = None,
    timeout_setting: str = "serve.startup_timeout in mldock.yaml",
    on_ready: Callable[[Endpoint], None] | None = None,
    follow_logs: Callable[[str], None] | None = None,
) -> Endpoint:
    """Start the serving container and wait for its health route; remove it on failure.

    ``timeout`` defaults to the project's ``serve.startup_timeout``.
    ``on_ready`` runs once the server responds. With ``follow_logs``, the
    container's output goes there until it exits or Ctrl-C/SIGTERM, and the
    container is removed then; all of it under one signal handler, so no
    signal between start-up and following can leave the container behind.
    """
    address, port = next(iter(spec.ports.values()))
    containers.clear_leftover(client, spec.name, report)
    check_port_free(address, port)
    reachable = "127.0.0.1" if address == "0.0.0.0" else address
    url = f"http://{reachable}:{port}"
    if timeout is None:
        timeout = project.config.serve.startup_timeout
    with containers.signals_raise():
        container = containers.create(client, spec)
        try:
            containers.start(container)
            elapsed = wait_until_ready(
                container, url + contract.health_route, timeout, timeout_setting
            )
            endpoint = Endpoint(container, url, ready_after=elapsed)
            if on_ready is not None:
                on_ready(endpoint)
            if follow_logs is not None:
                containers.stream_logs(container, follow_logs)
                code = containers.exit_code(container)
        except BaseException:
            containers.remove(container, report)
            raise
        if follow_logs is not None:
            containers.remove(container, report)
            raise RunError(f"the serving container exited with code {code}", exit_code=code or 1)
    return endpoint


def find_server(client: docker.DockerClient, project: Project) -> Container:
    """Return the project's running serving container; raise when there is none."""
    found = containers.find(client, {LABEL_PROJECT_DIR: str(project.root), LABEL_ROLE: "serve"})
    if not found:
        raise RunError(
            f"no serving container of {project.name} is running; start one with "
            "'mldock serve --detach'"
        )
    container = found[0]
    if container.status != "running":
        code = container.attrs.get("State", {}).get("ExitCode")
        raise RunError(
            f"the serving container {container.name} is {container.status} (exit code {code}); "
            f"its last log lines:\n{containers.tail_logs(container)}\n"
            "start it again with 'mldock serve --detach'"
        )
    return container


def runtime_of(container: Container) -> tuple[str, str | None]:
    """Return the runtime and protocol a serving container was started with.

    Containers started before mldock recorded the runtime have no label, and
    were started as the local runtime.
    """
    labels = container.labels or {}
    protocol = labels.get(LABEL_PROTOCOL) or None
    return labels.get(LABEL_RUNTIME, DEFAULT_RUNTIME), protocol


def endpoint_for(container: Container, contract: ContainerContract) -> Endpoint:
    """Return the URL the container's port ``contract.port`` is published at."""
    bindings = (container.ports or {}).get(f"{contract.port}/tcp") or []
    if not bindings:
        raise RunError(
            f"container {container.name} publishes no port for {contract.port}/tcp; "
            "start it again with 'mldock serve --detach' and the same --runtime"
        )
    address = bindings[0]["HostIp"] or "127.0.0.1"
    if address in ("0.0.0.0", "::"):
        address = "127.0.0.1"
    return Endpoint(container, f"http://{address}:{bindings[0]['HostPort']}")


def find_endpoint(
    client: docker.DockerClient, project: Project, contract: ContainerContract
) -> Endpoint:
    """Return the project's running serving container and its URL."""
    return endpoint_for(find_server(client, project), contract)


def request_size_limit(container: Container) -> int | None:
    """Return the body size limit the serving container's runtime enforces, in bytes."""
    for item in container.attrs.get("Config", {}).get("Env") or []:
        key, _, value = item.partition("=")
        if key == "MLDOCK_MAX_REQUEST_SIZE" and value.isdigit():
            return int(value)
    return None


def check_payload_size(endpoint: Endpoint, size: int) -> None:
    """Reject a payload the server would reject with 413, before sending it."""
    limit = request_size_limit(endpoint.container)
    if limit is not None and size > limit:
        raise RunError(
            f"the payload is {size} bytes, over the server's limit of {limit} bytes; raise "
            "serve.max_request_size in mldock.yaml and rebuild the image, or send less"
        )


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes


def send(url: str, payload: bytes, content_type: str, accept: str | None, timeout: float) -> Response:
    """POST ``payload`` to ``url`` and return the response, error statuses included."""
    headers = {"Content-Type": content_type}
    if accept:
        headers["Accept"] = accept
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")
    return _exchange(request, timeout, f"the request ({len(payload)} bytes)")


def get(url: str, timeout: float) -> Response:
    """GET ``url`` and return the response, error statuses included."""
    return _exchange(urllib.request.Request(url, method="GET"), timeout, "the request")


def _exchange(
    request: urllib.request.Request, timeout: float, described: str
) -> Response:
    url = request.full_url
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return Response(answer.status, answer.headers.get("Content-Type", ""), answer.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers.get("Content-Type", ""), error.read())
    except (BrokenPipeError, ConnectionResetError):
        raise RunError(
            f"the server at {url} closed the connection while {described} was sent; "
            "see its log with 'docker logs' for the reason"
        ) from None
    except TimeoutError:
        raise RunError(f"the request to {url} timed out after {timeout:g} s; pass a larger --timeout") from None
    except (urllib.error.URLError, ConnectionError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            raise RunError(f"the request to {url} timed out after {timeout:g} s; pass a larger --timeout") from None
        raise RunError(f"the request to {url} failed: {reason}") from None
