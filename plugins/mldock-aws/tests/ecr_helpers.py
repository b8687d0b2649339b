"""Helpers of the ecr tests: moto's server, registry entries, Docker configs."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from mldock_core.testing import LocalRegistry, describe, free_port, run_mldock

REGISTRY_ID = "123456789012"
REGION = "eu-west-1"
PUSHED = re.compile(
    r"^(?P<reference>\S+):(?P<tag>[\w.-]+)@(?P<digest>sha256:[0-9a-f]{64})$"
)
ENVIRONMENT_CLEARED = (
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "AWS_USE_FIPS_ENDPOINT",
    "MLDOCK_REGISTRY_USERNAME",
    "MLDOCK_REGISTRY_PASSWORD",
)


class MotoServer:
    """moto in server mode, a separate process serving every AWS API on one port."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "moto.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> MotoServer:
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb"),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"moto did not start on {self.url}; see {self.log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def reset(self) -> None:
        """Delete every resource, so that each test starts from an empty account."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def enforce_iam(self, enforced: bool) -> None:
        """Switch on or off moto's checks of signatures and IAM policies."""
        request = urllib.request.Request(
            f"{self.url}/moto-api/reset-auth",
            data=b"0" if enforced else b"inf",
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        urllib.request.urlopen(request, timeout=10).close()


def local_entry(host: str, *extra: str) -> str:
    """Return the keys of an ecr entry for a host that is not an ECR host."""
    return "\n".join(
        [f"host: {host}", f"registry_id: '{REGISTRY_ID}'", f"region: {REGION}", *extra]
    )


def add_entry(project: Path, lines: str, name: str = "ecr") -> None:
    """Append an ecr entry (its keys besides ``kind``) to the project's mldock.yaml."""
    config = project / "mldock.yaml"
    text = config.read_text()
    if "registries:" not in text:
        text += "registries:\n"
    entry = "".join(f"    {line}\n" for line in ["kind: ecr", *lines.splitlines()])
    config.write_text(f"{text}  {name}:\n{entry}")


def assert_pushed(
    result, registry: LocalRegistry, repository: str, tag: str = "latest"
) -> str:
    """Check the printed HOST/REPOSITORY:TAG@DIGEST, and that the registry serves it."""
    assert result.returncode == 0, describe(result)
    match = PUSHED.match(result.stdout.strip())
    assert match, describe(result)
    assert match["reference"] == f"{registry.host}/{repository}", describe(result)
    assert match["tag"] == tag, describe(result)
    assert registry.manifest_digest(repository, tag) == match["digest"]
    return match["digest"]


def assert_pulls(
    project: Path,
    registry: LocalRegistry,
    repository: str,
    digest: str,
    docker,
    tag: str = "latest",
    mldock: Callable[..., subprocess.CompletedProcess] = run_mldock,
) -> None:
    """Delete the pushed image locally, pull it back with mldock, and check its tags."""
    reference = f"{registry.host}/{repository}:{tag}"
    docker.images.remove(reference)
    docker.images.remove(f"{project.name}:{tag}")
    result = mldock("pull", "--tag", tag, cwd=project)
    assert result.returncode == 0, describe(result)
    # NOTE: mldock-core 0.1.0 misses the "Digest:" line of a pull stream and
    # prints the reference alone, so both forms pass; RepoDigests is checked.
    printed = result.stdout.strip()
    assert printed in (reference, f"{reference}@{digest}"), describe(result)
    pulled = docker.images.get(reference)
    assert f"{registry.host}/{repository}@{digest}" in pulled.attrs["RepoDigests"]
    assert docker.images.get(f"{project.name}:{tag}").id == pulled.id
    docker.images.remove(reference)


def last_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    return lines[-1] if lines else ""


def write_docker_config(folder: Path, host: str, user: str, password: str) -> Path:
    """Write a Docker config that contains ``user:password`` for ``host``."""
    folder.mkdir(parents=True, exist_ok=True)
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    config = folder / "config.json"
    config.write_text(json.dumps({"auths": {host: {"auth": token}}}))
    return config


class FakeAwsApi:
    """An HTTP server on 127.0.0.1 that returns one JSON error for every AWS call.

    For the errors moto never returns, such as an expired session token or
    throttling, in the form AWS's JSON APIs send them.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        body = json.dumps({"__type": code, "message": message}).encode()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests.append(self.headers.get("X-Amz-Target", ""))
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        import threading

        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
