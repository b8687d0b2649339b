"""Helpers shared by the acr tests: registry entries, and push and pull checks."""

from __future__ import annotations

import re
from pathlib import Path

from fake_azure import TENANT
from mldock_core.testing import describe

PUSHED = re.compile(
    r"^(?P<reference>\S+):(?P<tag>[\w.-]+)@(?P<digest>sha256:[0-9a-f]{64})$"
)
TOKEN_PATH = f"/{TENANT}/oauth2/v2.0/token"
EXCHANGE_PATH = "/oauth2/exchange"
IMDS_PATH = "/metadata/identity/oauth2/token"
MANAGEMENT_SCOPE = "https://management.azure.com/.default"
ADMIN_USER, ADMIN_PASSWORD = "myregistry", "admin-password-1"
OTHER_TENANT = "99999999-8888-7777-6666-555555555555"
REPOSITORY = "models/iris"


def add_registry(project: Path, entry: str, name: str = "acr") -> None:
    config = project / "mldock.yaml"
    text = config.read_text()
    if "registries:" not in text:
        text += "registries:\n"
    lines = "".join(f"    {line}\n" for line in entry.splitlines())
    config.write_text(text + f"  {name}:\n" + lines)


def acr_entry(host: str, exchange: str | None = None, **keys: str) -> str:
    lines = ["kind: acr", f"host: {host}", f"repository: {REPOSITORY}"]
    if exchange:
        lines.append(f"exchange_endpoint: {exchange}")
    lines += [f"{key}: {value}" for key, value in keys.items()]
    return "\n".join(lines)


def built_project(mldock_project, mldock) -> Path:
    project = mldock_project("python")
    result = mldock("build", cwd=project)
    assert result.returncode == 0, describe(result)
    return project


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def push_and_check(mldock, project: Path, registry, env: dict[str, str]):
    """Push to the only registry entry; check the digest that the registry serves."""
    result = mldock("push", cwd=project, env=env)
    assert result.returncode == 0, describe(result)
    match = PUSHED.match(result.stdout.strip())
    assert match, describe(result)
    assert match["reference"] == f"{registry.host}/{REPOSITORY}"
    assert registry.manifest_digest(REPOSITORY, "latest") == match["digest"]
    return result


def pull_and_check(
    mldock, mldock_docker, project: Path, registry, env: dict[str, str]
) -> None:
    """Remove the pushed image locally, pull it with mldock and check its local tag."""
    mldock_docker.images.remove(f"{registry.host}/{REPOSITORY}:latest")
    mldock_docker.images.remove(f"{project.name}:latest")
    result = mldock("pull", cwd=project, env=env)
    assert result.returncode == 0, describe(result)
    assert mldock_docker.images.get(f"{project.name}:latest").id
