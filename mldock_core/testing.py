"""pytest fixtures for testing mldock plugins against a real Docker engine.

Installed with mldock-core as a pytest plugin (the ``pytest11`` entry point),
so a plugin's tests use the fixtures without importing anything::

    def test_my_template(mldock_project, mldock_build, mldock_train, mldock_serve, mldock_predict):
        project = mldock_project("my-template")
        mldock_build(project)
        mldock_train(project)
        mldock_serve(project)
        assert mldock_predict(project, [[1.0, 2.0]]) == [3.0]

``mldock_plugin_host`` loads plugin objects into a fresh plugin manager for
tests that need no engine. Every container a test starts is removed
afterwards, and every image built from a project made by ``mldock_project``
is removed at the end of the session.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import pytest

from mldock_core.project import LABEL_PROJECT_DIR

if TYPE_CHECKING:
    import docker

TEST_IMAGE_PREFIX = "mldock-test-"
DEFAULT_TIMEOUT = 900


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_mldock(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    input: str | bytes | None = None,
) -> subprocess.CompletedProcess:
    """Run the ``mldock`` CLI in a new process, as a user would, and capture its output."""
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "mldock_core", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=not isinstance(input, bytes),
        input=input,
        timeout=timeout,
    )


def start_mldock(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start the CLI in the background, for tests that send it signals.

    SIGUSR1 makes it print every thread's stack to stderr (see ``finish``).
    """
    environment = {**os.environ, "MLDOCK_STACK_DUMP_ON_SIGUSR1": "1", **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "mldock_core", *args],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen, timeout: float) -> tuple[str, str]:
    """Wait for a process from ``start_mldock``; on a time-out, fail with its stacks and output."""
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        import signal
        import time

        process.send_signal(signal.SIGUSR1)
        time.sleep(1)
        process.kill()
        stdout, stderr = process.communicate()
        pytest.fail(f"mldock did not exit within {timeout} s; its output and stacks:\n{stdout}\n{stderr}")


def describe(result: subprocess.CompletedProcess) -> str:
    """Return a command's exit code and output, for assertion messages."""
    return f"exit code {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


@pytest.fixture(scope="session")
def mldock_docker() -> docker.DockerClient:
    """Return a docker-py client of the local engine; the test fails when none responds."""
    from mldock_core.engine import connect

    return connect()


@pytest.fixture
def mldock() -> Callable[..., subprocess.CompletedProcess]:
    """Run the ``mldock`` CLI: ``mldock("build", cwd=project)``."""
    return run_mldock


@pytest.fixture(scope="session")
def _mldock_images(request: pytest.FixtureRequest) -> Iterator[set[str]]:
    images: set[str] = set()
    yield images
    if not images:
        return
    from docker.errors import APIError

    from mldock_core.engine import connect

    client = connect()
    for reference in images:
        for image in client.images.list(name=reference):
            for tag in image.tags:
                try:
                    client.images.remove(tag, noprune=False)
                except APIError:
                    pass


@pytest.fixture
def mldock_project(
    tmp_path: Path, _mldock_images: set[str]
) -> Iterator[Callable[..., Path]]:
    """Make projects with ``mldock init``: ``mldock_project("sklearn")`` returns the folder.

    Image names are unique per call (``mldock-test-...``); containers started
    from the folders are removed when the test ends.
    """
    made: list[Path] = []

    def make(template: str, *, name: str | None = None, folder: str | None = None) -> Path:
        image_name = name or f"{TEST_IMAGE_PREFIX}{template}-{uuid.uuid4().hex[:8]}"
        directory = tmp_path / (folder or image_name)
        result = run_mldock("init", str(directory), "--template", template, "--name", image_name)
        assert result.returncode == 0, describe(result)
        made.append(directory)
        _mldock_images.add(image_name)
        return directory

    yield make
    if made:
        _remove_containers(made)


def _checked(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, describe(result)
    return result


@pytest.fixture
def mldock_plugin_host() -> Callable[..., Any]:
    """Make a fresh plugin manager with the built-ins and the given plugin objects.

    ``mldock_plugin_host(my_plugin_module)`` loads no entry points, so the
    result does not depend on what else is installed.
    """
    from mldock_core.plugins import PluginHost

    def make(*plugins: object) -> PluginHost:
        host = PluginHost(entry_points=False).load()
        for number, plugin in enumerate(plugins):
            name = getattr(plugin, "__name__", f"{type(plugin).__name__}-{number}")
            host.register(plugin, name=name, distribution="under-test", version="0")
        return host

    return make


@pytest.fixture
def mldock_build() -> Callable[..., subprocess.CompletedProcess]:
    """Build a project's image: ``mldock_build(project)``; fails the test when the build fails."""
    return lambda project, *args: _checked(run_mldock("build", *args, cwd=project))


@pytest.fixture
def mldock_train() -> Callable[..., subprocess.CompletedProcess]:
    """Train in a project's image: ``mldock_train(project, "-p", "epochs=1")``."""
    return lambda project, *args: _checked(run_mldock("train", *args, cwd=project))


@pytest.fixture
def mldock_serve() -> Iterator[Callable[..., str]]:
    """Start a project's server on a free port and return its URL; it is stopped after the test."""
    served: list[Path] = []

    def serve(project: Path, *args: str) -> str:
        port = free_port()
        result = _checked(run_mldock("serve", "--detach", "--port", str(port), *args, cwd=project))
        served.append(project)
        return result.stdout.strip()

    yield serve
    for project in served:
        run_mldock("stop", cwd=project)


@pytest.fixture
def mldock_predict(tmp_path: Path) -> Callable[..., Any]:
    """Send data to a project's running server and return the decoded JSON response.

    ``mldock_predict(project, [[5.1, 3.5]])`` sends JSON; pass ``payload=`` a
    file path to send a file with the content type of its extension.
    """
    import json

    def predict(project: Path, data: Any = None, *, payload: Path | None = None) -> Any:
        if payload is None:
            payload = tmp_path / "mldock-request.json"
            payload.write_text(json.dumps(data))
        result = _checked(run_mldock("predict", str(payload), cwd=project))
        return json.loads(result.stdout)

    return predict


def _remove_containers(folders: list[Path]) -> None:
    from mldock_core.engine import connect

    client = connect()
    for folder in folders:
        label = f"{LABEL_PROJECT_DIR}={folder.resolve()}"
        for container in client.containers.list(all=True, filters={"label": label}):
            container.remove(force=True)


class LocalRegistry:
    """A Docker registry (the ``docker-registry`` binary) on 127.0.0.1, for push and pull tests.

    With ``users`` it requires HTTP basic auth checked against an htpasswd
    file. The Docker engine talks plain HTTP to registries on 127.0.0.0/8.
    """

    def __init__(self, folder: Path, users: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.users = dict(users or {})
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> LocalRegistry:
        import shutil
        import time
        import urllib.error
        import urllib.request

        binary = shutil.which("docker-registry") or shutil.which("registry")
        if binary is None:
            pytest.fail("the docker-registry binary is missing; install Debian's docker-registry package")
        self.folder.mkdir(parents=True, exist_ok=True)
        config = [
            "version: 0.1",
            "log: {level: warn}",
            f"storage: {{filesystem: {{rootdirectory: {self.folder / 'data'}}}}}",
            f"http: {{addr: {self.host}}}",
        ]
        if self.users:
            htpasswd = self.folder / "htpasswd"
            htpasswd.write_text("".join(f"{user}:{_bcrypt(password)}\n" for user, password in self.users.items()))
            config.append(f"auth: {{htpasswd: {{realm: mldock-test, path: {htpasswd}}}}}")
        (self.folder / "config.yml").write_text("\n".join(config) + "\n")
        self.process = subprocess.Popen(
            [binary, "serve", str(self.folder / "config.yml")],
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "registry.log").open("wb"),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1)
                return self
            except urllib.error.HTTPError:
                return self  # 401 means it is up and requires credentials
            except OSError:
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"the local registry did not start on {self.host}; see {self.folder / 'registry.log'}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def manifest_digest(self, repository: str, tag: str) -> str | None:
        """Return the digest the registry serves for ``repository:tag``, or None when absent."""
        import base64
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            f"http://{self.host}/v2/{repository}/manifests/{tag}",
            method="HEAD",
            headers={"Accept": ", ".join(MANIFEST_TYPES)},
        )
        if self.users:
            user, password = next(iter(self.users.items()))
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.headers["Docker-Content-Digest"]
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise


MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
)


def _bcrypt(password: str) -> str:
    import bcrypt

    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode()


@pytest.fixture
def mldock_registry(tmp_path: Path) -> Iterator[Callable[..., LocalRegistry]]:
    """Start local registries: ``mldock_registry(users={"ci": "secret"})`` returns a started one."""
    started: list[LocalRegistry] = []

    def start(users: dict[str, str] | None = None) -> LocalRegistry:
        registry = LocalRegistry(tmp_path / f"registry-{len(started)}", users).start()
        started.append(registry)
        return registry

    yield start
    for registry in started:
        registry.stop()
