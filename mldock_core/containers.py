"""Local containers: start them as a cloud would, and always remove them.

Every container mldock starts carries the project's labels, runs as the
calling user so files written to mounted folders stay the user's, and is
stopped and removed when the command ends, on Ctrl-C and SIGTERM included.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform as host_platform
import signal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator

from mldock_core.errors import MldockError, RunError

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container

    from mldock_core.project import Project

logger = logging.getLogger(__name__)

STOP_TIMEOUT = 10
LOG_LINES_ON_FAILURE = 40
SIGNAL_EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
MACHINE_ARCHITECTURES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


class Interrupted(MldockError):
    """The user (Ctrl-C) or the system (SIGTERM) asked mldock to stop."""

    def __init__(self, signum: int) -> None:
        self.exit_code = SIGNAL_EXIT_CODES.get(signum, 128 + signum)
        super().__init__(f"interrupted by {signal.Signals(signum).name}")


@dataclass
class ContainerSpec:
    """Arguments of ``docker run`` for a local training or serving run."""

    image: str
    command: list[str]
    name: str
    labels: dict[str, str]
    environment: dict[str, str] = field(default_factory=dict)
    volumes: dict[str, dict[str, str]] = field(default_factory=dict)
    ports: dict[str, tuple[str, int]] = field(default_factory=dict)
    platform: str | None = None


def user_spec() -> str | None:
    """Return ``uid:gid`` of the caller, so files written to mounts stay theirs."""
    if not hasattr(os, "getuid"):
        return None
    return f"{os.getuid()}:{os.getgid()}"


def emulation_notice(platform: str | None) -> str | None:
    """Return a notice when ``platform`` differs from this machine's architecture."""
    if not platform:
        return None
    native = MACHINE_ARCHITECTURES.get(host_platform.machine().lower())
    requested = platform.split("/")[1] if "/" in platform else platform
    if native is None or requested == native:
        return None
    return (
        f"platform {platform} differs from this machine's linux/{native}: the engine "
        "emulates it, which is slower"
    )


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` while the block runs."""

    def handler(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in SIGNAL_EXIT_CODES}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while cleanup runs, so it cannot be cut short."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in SIGNAL_EXIT_CODES}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def clear_leftover(client: docker.DockerClient, name: str, report: Callable[[str], None]) -> None:
    """Remove a stopped container of ours that still has ``name``, and reject a running one.

    A container is left behind when mldock itself was killed, or when a
    detached server exited; its name would block the next run.
    """
    from docker.errors import NotFound

    try:
        container = client.containers.get(name)
    except NotFound:
        return
    if container.status in ("running", "restarting", "paused"):
        raise RunError(
            f"container {name} of this project is already running; stop it with 'mldock stop' first"
        )
    code = container.attrs.get("State", {}).get("ExitCode")
    logs = tail_logs(container, 10).strip()
    detail = f"; its last log lines:\n{logs}" if logs else ""
    report(f"removing the leftover container {name} ({container.status}, exit code {code}){detail}")
    container.remove(force=True)


def create(client: docker.DockerClient, spec: ContainerSpec) -> Container:
    """Create (not start) the container, turning Docker's errors into one line."""
    from docker.errors import APIError

    try:
        return client.containers.create(
            spec.image,
            command=spec.command,
            name=spec.name,
            labels=spec.labels,
            environment=spec.environment,
            volumes=spec.volumes,
            ports=spec.ports,
            user=user_spec(),
            platform=spec.platform,
            detach=True,
        )
    except APIError as error:
        if error.status_code == 409:
            raise RunError(
                f"a container named {spec.name} already exists, so this project is already "
                f"running; stop it with 'mldock stop' first"
            ) from error
        from mldock_core.engine import api_error

        raise api_error(error, f"creating a container from {spec.image}") from error
    except BaseException:
        # The engine may have made the container before the signal arrived.
        with signals_deferred(), contextlib.suppress(APIError):
            client.containers.get(spec.name).remove(force=True)
        raise


def start(container: Container) -> None:
    from docker.errors import APIError

    try:
        container.start()
    except APIError as error:
        text = str(error.explanation or error)
        if "port is already allocated" in text or "address already in use" in text:
            raise RunError(f"{text}; the host port is already in use; pass --port") from error
        from mldock_core.engine import api_error

        raise api_error(error, f"starting container {container.name}") from error


def remove(container: Container, report: Callable[[str], None]) -> None:
    """Stop and remove the container, whatever state it is in."""
    from docker.errors import APIError, NotFound

    with signals_deferred():
        try:
            container.reload()
            if container.status == "running":
                container.stop(timeout=STOP_TIMEOUT)
                report(f"stopped container {container.name}")
            container.remove(force=True)
        except NotFound:
            return
        except APIError as error:
            report(f"could not remove container {container.name}: {error}; remove it with 'docker rm -f {container.name}'")


def tail_logs(container: Container, lines: int = LOG_LINES_ON_FAILURE) -> str:
    from docker.errors import APIError

    try:
        return container.logs(tail=lines).decode("utf-8", errors="replace")
    except APIError:
        return ""


def stream_logs(container: Container, write: Callable[[str], None]) -> None:
    """Write the container's output line by line until it exits.

    The blocking read runs in a helper thread while the main thread only
    waits on an event. A signal handler raises in the main thread, and had it
    raised inside a docker-py call, it could leave a connection pool's lock
    held and hang the clean-up that follows.
    """
    import threading

    finished = threading.Event()
    errors: list[BaseException] = []

    def pump() -> None:
        pending = b""
        try:
            for chunk in container.logs(stream=True, follow=True):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    write(line.decode("utf-8", errors="replace"))
            if pending:
                write(pending.decode("utf-8", errors="replace"))
        except Exception as error:  # noqa: BLE001 - handed to the main thread below
            errors.append(error)
        finally:
            finished.set()

    # The helper thread starts with SIGINT and SIGTERM blocked, so the kernel
    # delivers them to the main thread. CPython 3.11 and older can leave a
    # signal that lands on another thread unhandled while the main thread waits.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, set(SIGNAL_EXIT_CODES))
    try:
        threading.Thread(target=pump, name=f"logs-{container.name}", daemon=True).start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    while not finished.wait(0.2):
        pass
    if errors:
        raise errors[0]


def find(client: docker.DockerClient, labels: dict[str, str], *, all_states: bool = True) -> list[Container]:
    filters = {"label": [f"{key}={value}" if value else key for key, value in labels.items()]}
    return client.containers.list(all=all_states, filters=filters)


def exit_code(container: Container) -> int:
    return int(container.wait().get("StatusCode", 1))
