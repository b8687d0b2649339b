"""Run the in-container runtime on the host, as the image runs it.

The tests copy the runtime to a temporary folder as the package ``mldock_runtime``
and start ``python3 -m mldock_runtime`` in a child process, with the ML root and
the project's code folder in temporary folders and the server on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUNTIME_SOURCE = Path(__file__).resolve().parents[2] / "mldock_core" / "runtime"
SERVER_START_TIMEOUT = 20.0
# Variables of the runtime and of the platforms it detects, which a test run must
# not inherit from the host.
PLATFORM_PREFIXES = ("MLDOCK_", "SAGEMAKER_", "AIP_", "AZUREML_")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Project:
    """A project's code folder and an ML root, laid out as in the image."""

    root: Path
    lib: Path

    @property
    def code_dir(self) -> Path:
        return self.root / "program"

    @property
    def ml_root(self) -> Path:
        return self.root / "ml"

    def write_source(self, name: str, text: str) -> Path:
        """Write ``src/<name>`` of the project; ``text`` is dedented."""
        path = self.code_dir / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def write_config(self, name: str, value: Any) -> None:
        """Write input/config/<name> of the ML root as JSON."""
        path = self.ml_root / "input" / "config" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")

    def environment(self, **variables: str) -> dict[str, str]:
        """The host's environment without runtime settings, plus ``variables``."""
        environment = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(PLATFORM_PREFIXES)
        }
        environment.update(
            PYTHONPATH=str(self.lib),
            PYTHONDONTWRITEBYTECODE="1",
            MLDOCK_ML_ROOT=str(self.ml_root),
            MLDOCK_CODE_DIR=str(self.code_dir),
        )
        environment.update(variables)
        return environment

    def run(
        self, *args: str, timeout: float = 30.0, **variables: str
    ) -> subprocess.CompletedProcess[str]:
        """Run ``python3 -m mldock_runtime ARGS`` to completion."""
        return subprocess.run(
            [sys.executable, "-m", "mldock_runtime", *args],
            env=self.environment(**variables),
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, *args: str, **variables: str) -> subprocess.Popen[str]:
        """Start ``python3 -m mldock_runtime ARGS`` in a new process group.

        The caller waits for it; ``kill_group`` also ends its server workers.
        """
        return subprocess.Popen(
            [sys.executable, "-m", "mldock_runtime", *args],
            env=self.environment(**variables),
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )


def kill_group(process: subprocess.Popen[Any]) -> None:
    """Kill the process group that ``Project.start`` created for ``process``."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def make_project(root: Path, lib: Path) -> Project:
    root.mkdir(parents=True, exist_ok=True)
    return Project(root=root, lib=lib)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A running ``mldock_runtime serve`` whose output goes to files."""

    process: subprocess.Popen[bytes]
    port: int
    stdout_path: Path
    stderr_path: Path

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Response(
                response.status,
                {name.lower(): value for name, value in response.getheaders()},
                response.read(),
            )
        finally:
            connection.close()

    def post_json(self, path: str, value: Any, **headers: str) -> Response:
        """POST ``value`` as JSON to ``path``; keyword names become headers."""
        sent = {name.replace("_", "-"): text for name, text in headers.items()}
        sent["Content-Type"] = "application/json"
        return self.request("POST", path, json.dumps(value).encode(), sent)

    def post(self, body: bytes, content_type: str | None, **headers: str) -> Response:
        """POST /invocations; keyword names become headers, ``_`` as ``-``."""
        sent = {name.replace("_", "-"): value for name, value in headers.items()}
        if content_type is not None:
            sent["Content-Type"] = content_type
        return self.request("POST", "/invocations", body, sent)

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(
    project: Project, port_variable: str = "SAGEMAKER_BIND_TO_PORT", **variables: str
) -> Server:
    """Start the server on a free port of 127.0.0.1 and wait until /ping is 200.

    ``port_variable`` is the variable that passes the port, as a platform sets it.
    """
    port = free_port()
    logs = project.root / f"server-{port}"
    logs.mkdir()
    stdout_path, stderr_path = logs / "stdout.log", logs / "stderr.log"
    environment = project.environment(
        MLDOCK_BIND_HOST="127.0.0.1", **{port_variable: str(port)}, **variables
    )
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "mldock_runtime", "serve"],
            env=environment,
            cwd=project.root,
            stdout=stdout,
            stderr=stderr,
        )
    server = Server(process, port, stdout_path, stderr_path)

    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"server exited with status {process.returncode} before /ping "
                f"answered:\n{server.stderr()}"
            )
        try:
            if server.request("GET", "/ping").status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.05)
    server.stop()
    raise AssertionError(f"/ping did not return 200 within {SERVER_START_TIMEOUT} s")
