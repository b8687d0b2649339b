"""mldock push, pull and registries against a real registry on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from mldock_core.testing import describe, run_mldock

from engine_helpers import build

USER, PASSWORD = "ci-user", "ci-secret-1"
PUSHED = re.compile(r"^(?P<reference>\S+):(?P<tag>[\w.-]+)@(?P<digest>sha256:[0-9a-f]{64})$")


def add_registry(project: Path, name: str, entry: str) -> None:
    config = project / "mldock.yaml"
    text = config.read_text()
    if "registries:" not in text:
        text += "registries:\n"
    config.write_text(text + f"  {name}:\n" + "".join(f"    {line}\n" for line in entry.splitlines()))


def pushed(result) -> re.Match:
    match = PUSHED.match(result.stdout.strip())
    assert match, describe(result)
    return match


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A HOME without a Docker config, to prove none is written."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def env_for(home: Path, **extra: str) -> dict[str, str]:
    return {"HOME": str(home), "DOCKER_CONFIG": str(home / ".docker"), **extra}


def test_push_and_pull_without_auth(python_project, mldock_registry, mldock_docker, home):
    registry = mldock_registry()
    build(python_project)
    name = python_project.name
    result = run_mldock("push", "--to", f"{registry.host}/team/{name}:v1", cwd=python_project, env=env_for(home))
    assert result.returncode == 0, describe(result)
    match = pushed(result)
    assert match["reference"] == f"{registry.host}/team/{name}"
    assert registry.manifest_digest(f"team/{name}", "v1") == match["digest"]

    mldock_docker.images.remove(f"{registry.host}/team/{name}:v1")
    mldock_docker.images.remove(f"{name}:latest")
    pulled = run_mldock("pull", "--to", f"{registry.host}/team/{name}:v1", cwd=python_project, env=env_for(home))
    assert pulled.returncode == 0, describe(pulled)
    assert mldock_docker.images.get(f"{name}:v1").id
    assert not (home / ".docker").exists()


def test_push_with_environment_credentials(python_project, mldock_registry, home):
    registry = mldock_registry(users={USER: PASSWORD})
    add_registry(python_project, "local", f"kind: docker\nhost: {registry.host}\nrepository: models/iris")
    build(python_project, "--tag", "v2")
    env = env_for(home, MLDOCK_REGISTRY_USERNAME=USER, MLDOCK_REGISTRY_PASSWORD=PASSWORD)
    result = run_mldock("push", "--tag", "v2", cwd=python_project, env=env)
    assert result.returncode == 0, describe(result)
    match = pushed(result)
    assert match["reference"] == f"{registry.host}/models/iris"
    assert match["tag"] == "v2"
    assert registry.manifest_digest("models/iris", "v2") == match["digest"]
    assert PASSWORD not in result.stdout + result.stderr
    assert not (home / ".docker").exists()


def test_push_with_password_stdin(python_project, mldock_registry, home):
    registry = mldock_registry(users={USER: PASSWORD})
    build(python_project)
    result = run_mldock(
        "push", "--to", f"{registry.host}/x/model", "--username", USER, "--password-stdin",
        cwd=python_project, env=env_for(home), input=PASSWORD + "\n",
    )
    assert result.returncode == 0, describe(result)
    assert registry.manifest_digest("x/model", "latest") == pushed(result)["digest"]


def test_push_with_docker_config(python_project, mldock_registry, home):
    registry = mldock_registry(users={USER: PASSWORD})
    config = home / ".docker/config.json"
    config.parent.mkdir()
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    config.write_text(json.dumps({"auths": {registry.host: {"auth": token}}}))
    before = config.read_bytes()
    build(python_project)

    result = run_mldock("push", "--to", f"{registry.host}/x/model:v3", cwd=python_project, env=env_for(home))
    assert result.returncode == 0, describe(result)
    assert registry.manifest_digest("x/model", "v3") == pushed(result)["digest"]
    assert config.read_bytes() == before


def test_wrong_password_one_line(python_project, mldock_registry, home):
    registry = mldock_registry(users={USER: PASSWORD})
    add_registry(python_project, "local", f"kind: docker\nhost: {registry.host}")
    build(python_project)
    env = env_for(home, MLDOCK_REGISTRY_USERNAME=USER, MLDOCK_REGISTRY_PASSWORD="wrong")
    result = run_mldock("push", cwd=python_project, env=env)
    assert result.returncode == 1, describe(result)
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(f"Error: push to repository '{python_project.name}' in registry local ({registry.host}) failed")
    assert "refused the credentials" in error
    assert "fetching new ones and retrying once" in result.stderr
    assert "wrong" not in result.stderr


def test_second_push_sends_changed_layers(python_project, mldock_registry, home):
    registry = mldock_registry()
    build(python_project)
    target = f"{registry.host}/x/layers"
    first = run_mldock("push", "--to", target, cwd=python_project, env=env_for(home))
    assert first.returncode == 0, describe(first)

    with (python_project / "src/serve.py").open("a") as file:
        file.write("# changed\n")
    build(python_project)
    second = run_mldock("push", "--to", target, cwd=python_project, env=env_for(home))
    assert second.returncode == 0, describe(second)
    sent = second.stderr.count(": Pushed")
    kept = second.stderr.count(": Layer already exists")
    assert sent == 1, describe(second)
    assert kept >= 3, describe(second)
    assert registry.manifest_digest("x/layers", "latest") == pushed(second)["digest"]


def test_push_missing_image(python_project, mldock_registry, home):
    registry = mldock_registry()
    result = run_mldock("push", "--to", f"{registry.host}/x/none", cwd=python_project, env=env_for(home))
    assert result.returncode == 1, describe(result)
    assert "not found; build it with 'mldock build' or pass --build" in result.stderr


def test_push_with_build_flag(python_project, mldock_registry, home):
    registry = mldock_registry()
    result = run_mldock("push", "--build", "--to", f"{registry.host}/x/built", cwd=python_project, env=env_for(home))
    assert result.returncode == 0, describe(result)
    assert registry.manifest_digest("x/built", "latest") == pushed(result)["digest"]


def test_push_stage_picks_registry_and_tag(python_project, mldock_registry, home):
    registry = mldock_registry()
    add_registry(python_project, "local", f"kind: docker\nhost: {registry.host}\nrepository: staged/model")
    add_registry(python_project, "other", "kind: docker\nhost: 127.0.0.1:1")
    config = python_project / "mldock.yaml"
    config.write_text(config.read_text() + "stages:\n  prod:\n    tag: v9\n    registry: local\n")
    build(python_project, "--stage", "prod")
    result = run_mldock("push", "--stage", "prod", cwd=python_project, env=env_for(home))
    assert result.returncode == 0, describe(result)
    assert registry.manifest_digest("staged/model", "v9") == pushed(result)["digest"]


@pytest.mark.parametrize(
    ("entries", "args", "message"),
    [
        ("", [], "mldock.yaml has no 'registries' section; add one, or pass --to HOST/REPOSITORY:TAG"),
        ("a:\n  kind: docker\n  host: h.example:5000\nb:\n  kind: docker\n  host: h.example:5001\n", [],
         "mldock.yaml has several registries (a, b); choose one with --registry"),
        ("a:\n  kind: docker\n  host: h.example:5000\n", ["--registry", "c"],
         "no registry 'c' in mldock.yaml; configured registries: a"),
        ("a:\n  kind: ecr\n  host: h.example\n", [],
         "registry 'a' has the unknown kind 'ecr'"),
        ("a:\n  kind: docker\n  hots: h.example\n", [],
         "registries.a has the unknown key 'hots'; did you mean 'host'?"),
        ("a:\n  kind: dockerhub\n", [],
         "Docker Hub repository"),
        ("", ["--to", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/model"],
         "is an Amazon ECR host, and no installed plugin handles it; install it with 'pip install mldock-aws'"),
        ("", ["--to", "model:v1"], "has no registry host"),
        ("", ["--to", "127.0.0.1:5000/model:v 1"], "is invalid"),
        ("", ["--username", "u"], "--username needs --password-stdin"),
    ],
)
def test_push_target_errors(python_project, home, entries, args, message):
    if entries:
        config = python_project / "mldock.yaml"
        indented = "".join(f"  {line}\n" for line in entries.splitlines())
        config.write_text(config.read_text() + "registries:\n" + indented)
    # Only the built-ins: these are the core's messages, whatever plugins are installed.
    result = run_mldock("push", *args, cwd=python_project, env=env_for(home, MLDOCK_PLUGINS=""))
    assert result.returncode != 0, describe(result)
    assert message in result.stderr, describe(result)


def test_registries_listing(python_project):
    add_registry(python_project, "hub", "kind: dockerhub\nrepository: someone/model")
    result = run_mldock("registries", cwd=python_project)
    assert result.returncode == 0, describe(result)
    assert "dockerhub" in result.stdout
    assert "  hub  dockerhub  docker.io/someone/model" in result.stdout
