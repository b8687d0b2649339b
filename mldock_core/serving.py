"""``mldock serve`` and ``mldock predict``: the serving container on this machine."""

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
    import docker
    from docker.models.containers import Container

    from mldock_core.kinds import ContainerContract
    from mldock_core.project import Project

POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Endpoint:
    container: Container
    url: str


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


def prepare(
    project: Project,
    image: str,
    contract: ContainerContract,
    *,
    address: str,
    port: int,
    environment: dict[str, str],
) -> ContainerSpec:
    model_dir = project.model_dir
    model_dir.mkdir(exist_ok=True)
    return ContainerSpec(
        image=image,
        command=["serve"],
        name=project.container_name("serve"),
        labels=project.labels("serve"),
        environment={"HOME": "/tmp", **contract.environment, **environment},
        volumes={str(model_dir): {"bind": f"{contract.ml_root}/model", "mode": "ro"}},
        ports={f"{contract.port}/tcp": (address, port)},
        platform=project.config.build.platform,
    )


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError):
        return False


def wait_until_ready(container: Container, url: str, timeout: float) -> None:
    """Return once GET ``url`` returns 200; raise with the logs when the container dies."""
    deadline = time.monotonic() + timeout
    while True:
        container.reload()
        if container.status in ("exited", "dead"):
            code = container.attrs["State"].get("ExitCode")
            raise RunError(
                f"the serving container exited with code {code} before it responded on "
                f"{url}; its last log lines:\n{containers.tail_logs(container)}"
            )
        if _answers(url):
            return
        if time.monotonic() > deadline:
            raise RunError(
                f"the serving container did not respond on {url} within {timeout:g} s "
                f"(serve.startup_timeout in mldock.yaml); its last log lines:\n"
                f"{containers.tail_logs(container)}"
            )
        time.sleep(POLL_SECONDS)


def start(
    client: docker.DockerClient,
    project: Project,
    spec: ContainerSpec,
    contract: ContainerContract,
    report: Callable[[str], None],
) -> Endpoint:
    """Start the serving container and wait for its health route; remove it on failure."""
    address, port = next(iter(spec.ports.values()))
    containers.clear_leftover(client, spec.name, report)
    check_port_free(address, port)
    reachable = "127.0.0.1" if address == "0.0.0.0" else address
    url = f"http://{reachable}:{port}"
    with containers.signals_raise():
        container = containers.create(client, spec)
        try:
            containers.start(container)
            wait_until_ready(container, url + contract.health_route, project.config.serve.startup_timeout)
        except BaseException:
            containers.remove(container, report)
            raise
    return Endpoint(container, url)


def follow(endpoint: Endpoint, write: Callable[[str], None], report: Callable[[str], None]) -> None:
    """Stream the serving container's logs until Ctrl-C or SIGTERM, then remove it."""
    container = endpoint.container
    try:
        with containers.signals_raise():
            containers.stream_logs(container, write)
            code = containers.exit_code(container)
    finally:
        containers.remove(container, report)
    raise RunError(f"the serving container exited with code {code}", exit_code=code or 1)


def find_endpoint(client: docker.DockerClient, project: Project, contract: ContainerContract) -> Endpoint:
    """Return the project's running serving container and its URL."""
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
    bindings = (container.ports or {}).get(f"{contract.port}/tcp") or []
    if not bindings:
        raise RunError(f"container {container.name} publishes no port for {contract.port}/tcp")
    address = bindings[0]["HostIp"] or "127.0.0.1"
    if address in ("0.0.0.0", "::"):
        address = "127.0.0.1"
    return Endpoint(container, f"http://{address}:{bindings[0]['HostPort']}")


def request_size_limit(container: Container) -> int | None:
    """Return the body size limit the serving container's runtime enforces, in bytes."""
    for item in container.attrs.get("Config", {}).get("Env") or []:
        key, _, value = item.partition("=")
        if key == "MLDOCK_MAX_REQUEST_SIZE" and value.isdigit():
            return int(value)
    return None


def check_payload_size(endpoint: Endpoint, size: int) -> None:
    """Refuse a payload the server would answer with 413, before sending it."""
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
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return Response(answer.status, answer.headers.get("Content-Type", ""), answer.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers.get("Content-Type", ""), error.read())
    except (BrokenPipeError, ConnectionResetError):
        raise RunError(
            f"the server at {url} closed the connection while the request ({len(payload)} "
            "bytes) was sent; see its log with 'docker logs' for the reason"
        ) from None
    except TimeoutError:
        raise RunError(f"the request to {url} timed out after {timeout:g} s; pass a larger --timeout") from None
    except (urllib.error.URLError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            raise RunError(f"the request to {url} timed out after {timeout:g} s; pass a larger --timeout") from None
        raise RunError(f"the request to {url} failed: {reason}") from None
