"""``mldock predict``: send a request to the project's running serving container."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from mldock_core.cli.options import load_project, project_dir_option
from mldock_core.errors import ConfigError, RunError

if TYPE_CHECKING:
    from pathlib import Path

CONTENT_TYPES = {
    ".json": "application/json",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".npy": "application/x-npy",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def content_type_for(payload: str | None, given: str | None) -> str:
    """Return the Content-Type: the option, else one from the file extension."""
    if payload not in (None, "-") and os.path.isdir(payload):
        raise ConfigError(f"payload {payload!r} is a folder; pass a file")
    if given:
        return given
    if payload is None or payload == "-":
        return "application/json"
    suffix = os.path.splitext(payload)[1].lower()
    if suffix not in CONTENT_TYPES:
        raise ConfigError(
            f"cannot tell the content type of {payload!r} from its extension; pass "
            f"--content-type (known extensions: {', '.join(sorted(CONTENT_TYPES))})"
        )
    return CONTENT_TYPES[suffix]


def read_payload(payload: str | None) -> bytes:
    if payload is None or payload == "-":
        if sys.stdin.isatty():
            raise ConfigError("no payload given; pass a file, or '-' and send the request body on stdin")
        body = sys.stdin.buffer.read()
        if not body:
            raise ConfigError("no payload given: stdin was empty; pass a file, or send the request body on stdin")
        return body
    try:
        with open(payload, "rb") as file:
            return file.read()
    except FileNotFoundError:
        raise ConfigError(f"payload file {payload!r} not found") from None
    except IsADirectoryError:
        raise ConfigError(f"payload {payload!r} is a folder; pass a file") from None


@click.command(short_help="Send a request to the running server and print the response.")
@project_dir_option
@click.argument("payload", required=False)
@click.option("--content-type", "-c", help="Content-Type of the request [default: from the file extension].")
@click.option("--accept", "-a", help="Accept header, e.g. text/csv for a CSV response.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconds to wait for the response.")
def predict(
    project_dir: Path,
    payload: str | None,
    content_type: str | None,
    accept: str | None,
    timeout: float,
) -> None:
    """Send PAYLOAD (a file, or '-' for stdin) to POST /invocations and print the response."""
    from mldock_core import serving
    from mldock_core.engine import connect
    from mldock_core.plugins import get_plugin_host

    project = load_project(project_dir)
    media_type = content_type_for(payload, content_type)
    body = read_payload(payload)
    contract = get_plugin_host().get("runtime", "local").contract(project)

    endpoint = serving.find_endpoint(connect(), project, contract)
    serving.check_payload_size(endpoint, len(body))
    response = serving.send(endpoint.url + contract.predict_route, body, media_type, accept, timeout)
    if response.status >= 400:
        text = response.body.decode("utf-8", errors="replace").strip()
        raise RunError(f"the server returned HTTP {response.status}: {text}")
    sys.stdout.buffer.write(response.body)
    if not response.body.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()
