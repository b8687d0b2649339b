"""The pieces every verify check uses: results, the user's options, small helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mldock_core import containers, serving
from mldock_core.errors import RunError

if TYPE_CHECKING:
    from docker.models.containers import Container

PASS = "pass"
FAIL = "fail"
SKIP = "skip"
ROLE = "verify"
"""The ``io.mldock.role`` of every container verify starts."""
LOG_LINES_KEPT = 5


@dataclass(frozen=True)
class Payload:
    """The request data of the round trip: its source, bytes and media type."""

    source: str
    body: bytes
    media_type: str


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked for which runtime, and the outcome."""

    runtime: str
    name: str
    status: str
    detail: str


@dataclass
class Options:
    """The user's choices, applied to every runtime checked."""

    payload: Payload | None = None
    health_timeout: float | None = None
    train: bool = True
    environment: dict[str, str] = field(default_factory=dict)


def status_of(url: str) -> str:
    """Return the HTTP status of GET ``url`` as text, or why there was none."""
    try:
        return str(serving.get(url, timeout=2).status)
    except RunError as error:
        return f"no response ({error})"


def discard(container: Container, report: Callable[[str], None]) -> None:
    """Remove a container at once: verify needs no graceful stop, only no leftovers."""
    from docker.errors import APIError, NotFound

    with containers.signals_deferred():
        try:
            container.remove(force=True)
        except NotFound:
            return
        except APIError as error:
            report(
                f"could not remove container {container.name}: {error}; remove it "
                f"with 'docker rm -f {container.name}'"
            )


def last_log_line(container: Container) -> str:
    lines = containers.tail_logs(container, LOG_LINES_KEPT).strip().splitlines()
    return clip(lines[-1]) if lines else "(no output)"


def has_files(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())


def clip(text: str, limit: int = 160) -> str:
    """Return ``text`` on one line, cut to ``limit`` characters for a table cell."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
