"""``mldock predict``: send a request to the project's running serving container."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from mldock_core.cli.options import info, load_project, project_dir_option
from mldock_core.cli.runtimes import protocol_option, runtime_option
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
@runtime_option(
    help="Send in this runtime's envelope to its predict route [default: the runtime "
    "the server was started with]."
)
@protocol_option
@click.argument("payload", required=False)
@click.option(
    "--content-type",
    "-c",
    help="Content-Type of the payload [default: from the file extension].",
)
@click.option("--accept", "-a", help="Accept header, e.g. text/csv for a CSV response.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconds to wait for the response.")
def predict(
    project_dir: Path,
    runtime_name: str | None,
    protocol: str | None,
    payload: str | None,
    content_type: str | None,
    accept: str | None,
    timeout: float,
) -> None:
    """Send PAYLOAD (a file, or '-' for stdin) to the predict route, print the response.

    The request goes in the envelope of the runtime the server was started
    with, or of --runtime: the raw body to POST /invocations for local, a JSON
    or CSV payload wrapped in {"instances": [...]} for Vertex AI, in input
    tensors for KServe v2. A payload already in the envelope is sent as it is.
    """
    from mldock_core import envelopes, serving
    from mldock_core.cli.runtimes import resolve
    from mldock_core.engine import connect

    project = load_project(project_dir)
    media_type = content_type_for(payload, content_type)
    body = read_payload(payload)

    container = serving.find_server(connect(), project)
    started_as = serving.runtime_of(container)[0]
    runtime_name, protocol = _runtime_choice(container, runtime_name, protocol)
    runtime, contract = resolve(project, runtime_name, protocol)
    endpoint = serving.endpoint_for(container, contract)
    source = "stdin" if payload in (None, "-") else repr(payload)
    request = envelopes.wrap(body, media_type, contract.envelope, source)

    serving.check_payload_size(endpoint, len(request.body))
    url = endpoint.url + contract.predict_route
    response = serving.send(url, request.body, request.content_type, accept, timeout)
    if response.status >= 400:
        text = response.body.decode("utf-8", errors="replace").strip()
        hint = ""
        if response.status == 404 and runtime.name != started_as:
            hint = (
                f"; the server was started with --runtime {started_as}, so start it "
                f"with 'mldock serve --runtime {runtime.name}' to serve this route"
            )
        route = contract.predict_route
        raise RunError(
            f"the server returned HTTP {response.status} on {route}: {text}{hint}"
        )
    sys.stdout.buffer.write(response.body)
    if not response.body.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


def _runtime_choice(
    container, runtime_name: str | None, protocol: str | None
) -> tuple[str, str | None]:
    """Return the runtime and protocol: the options, else the container's labels."""
    from mldock_core import serving

    started_as, started_protocol = serving.runtime_of(container)
    if runtime_name is None:
        return started_as, protocol or started_protocol
    if runtime_name != started_as:
        info(
            f"note: the serving container was started with --runtime {started_as}; the "
            f"request goes in the envelope of {runtime_name}"
        )
    return runtime_name, protocol
