"""mldock push and pull with the artifact-registry kind, against the fake Google APIs.

Images go to a real registry on 127.0.0.1 that accepts the user
``oauth2accesstoken`` with the access token the fake token endpoint issues, as
Artifact Registry does.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from mldock_core.testing import LocalRegistry, describe, run_mldock

from gcp_helpers import LOCATION, PROJECT, PUSHED, REPOSITORY, TOKEN
from gcp_helpers import add_registry, gar_entry

REPOSITORY_GET = (
    rf"/v1/projects/{PROJECT}/locations/{LOCATION}/repositories/{REPOSITORY}"
)
REPOSITORY_CREATE = rf"/v1/projects/{PROJECT}/locations/{LOCATION}/repositories"
NOT_FOUND = (
    f"Error: repository '{REPOSITORY}' not found in project {PROJECT} "
    f"(location {LOCATION}); create it or pass --create-repository"
)


@pytest.fixture
def project(mldock_project, gcp_env):
    """A built project of the ``python`` template, in the loopback-only environment."""
    folder = mldock_project("python")
    result = run_mldock("build", cwd=folder)
    assert result.returncode == 0, describe(result)
    return folder


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """One registry for the module, so that later pushes find the base layers there."""
    started = LocalRegistry(
        tmp_path_factory.mktemp("registry"), users={"oauth2accesstoken": TOKEN}
    ).start()
    yield started
    started.stop()


def image_path(project: Path) -> str:
    """The image's path on the registry host, unique to the test's project."""
    return f"{PROJECT}/{REPOSITORY}/{project.name}"


def last_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    return lines[-1] if lines else ""


def check_pull(project: Path, docker_client, reference: str, digest: str) -> None:
    """Remove the pushed image locally, pull it with mldock, and check what arrives."""
    docker_client.images.remove(f"{reference}:latest")
    docker_client.images.remove(f"{project.name}:latest")
    result = run_mldock("pull", cwd=project)
    assert result.returncode == 0, describe(result)
    assert result.stdout.startswith(f"{reference}:latest"), describe(result)
    pulled = docker_client.images.get(f"{project.name}:latest")
    assert f"{reference}@{digest}" in pulled.attrs["RepoDigests"]
    docker_client.images.remove(f"{reference}:latest")


def test_push_existing_repository(project, registry, fake_google, mldock_docker):
    fake_google.add_repository(PROJECT, LOCATION, REPOSITORY)
    add_registry(project, "gar", gar_entry(registry.host, fake_google, project.name))
    # A Docker config with a stale password for the host, which mldock must not use.
    stale = base64.b64encode(b"oauth2accesstoken:ya29.stale").decode()
    config = Path(os.environ["DOCKER_CONFIG"]) / "config.json"
    config.parent.mkdir()
    config.write_text(json.dumps({"auths": {registry.host: {"auth": stale}}}))

    result = run_mldock("push", cwd=project)
    assert result.returncode == 0, describe(result)
    pushed = PUSHED.fullmatch(result.stdout.strip())
    assert pushed, describe(result)
    assert pushed["reference"] == f"{registry.host}/{image_path(project)}"
    assert registry.manifest_digest(image_path(project), "latest") == pushed["digest"]
    assert len(fake_google.calls("GET", REPOSITORY_GET)) == 1
    assert fake_google.calls("POST", REPOSITORY_CREATE) == []
    assert TOKEN not in result.stdout + result.stderr

    check_pull(project, mldock_docker, pushed["reference"], pushed["digest"])


def test_push_creates_repository(project, registry, fake_google, mldock_docker):
    entry = gar_entry(
        registry.host,
        fake_google,
        project.name,
        repository_description="iris models",
        labels={"team": "vision"},
        immutable_tags=True,
    )
    add_registry(project, "gar", entry)

    result = run_mldock("push", "--create-repository", cwd=project)
    assert result.returncode == 0, describe(result)
    assert (
        f"created repository {image_path(project)} in {registry.host}" in result.stderr
    )
    created = fake_google.calls("POST", REPOSITORY_CREATE)
    assert len(created) == 1, fake_google.requests
    assert created[0].query["repositoryId"] == [REPOSITORY]
    assert created[0].body == {
        "format": "DOCKER",
        "description": "iris models",
        "labels": {"team": "vision"},
        "dockerConfig": {"immutableTags": True},
    }
    operation = rf"/v1/projects/{PROJECT}/locations/{LOCATION}/operations/op-1"
    assert len(fake_google.calls("GET", operation)) == 1
    pushed = PUSHED.fullmatch(result.stdout.strip())
    assert pushed, describe(result)
    assert registry.manifest_digest(image_path(project), "latest") == pushed["digest"]

    check_pull(project, mldock_docker, pushed["reference"], pushed["digest"])


def test_push_create_from_config(project, registry, fake_google, mldock_docker):
    add_registry(
        project,
        "gar",
        gar_entry(registry.host, fake_google, project.name, create_repository=True),
    )

    result = run_mldock("push", cwd=project)
    assert result.returncode == 0, describe(result)
    created = fake_google.calls("POST", REPOSITORY_CREATE)
    assert [call.body for call in created] == [{"format": "DOCKER", "dockerConfig": {}}]
    pushed = PUSHED.fullmatch(result.stdout.strip())
    assert pushed, describe(result)
    assert registry.manifest_digest(image_path(project), "latest") == pushed["digest"]

    check_pull(project, mldock_docker, pushed["reference"], pushed["digest"])


def test_push_create_operation_fails(project, registry, fake_google):
    fake_google.operation_error = {
        "code": 9,
        "message": "The KMS key is disabled or inaccessible.",
    }
    entry = gar_entry(registry.host, fake_google, project.name, kms_key_name="k")
    add_registry(project, "gar", entry)

    result = run_mldock("push", "--create-repository", cwd=project)
    assert result.returncode == 1, describe(result)
    assert last_line(result) == (
        f"Error: creating repository '{REPOSITORY}' in project {PROJECT} (location "
        f"{LOCATION}) failed: The KMS key is disabled or inaccessible"
    )
    assert fake_google.calls("POST", REPOSITORY_CREATE)[0].body["kmsKeyName"] == "k"
    assert registry.manifest_digest(image_path(project), "latest") is None


def test_push_missing_repository(project, registry, fake_google):
    add_registry(project, "gar", gar_entry(registry.host, fake_google, project.name))

    result = run_mldock("push", cwd=project)
    assert result.returncode == 1, describe(result)
    assert last_line(result) == NOT_FOUND
    assert fake_google.calls("POST", REPOSITORY_CREATE) == []
    assert registry.manifest_digest(image_path(project), "latest") is None
    assert "layer" not in result.stderr, describe(result)


def test_push_without_credentials(project, registry, fake_google, monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    add_registry(project, "gar", gar_entry(registry.host, fake_google, project.name))

    result = run_mldock("push", cwd=project)
    assert result.returncode == 1, describe(result)
    assert last_line(result) == (
        f"Error: no Google Cloud credentials found for repository '{REPOSITORY}' in "
        f"project {PROJECT} (location {LOCATION}); run 'gcloud auth "
        "application-default login' or set GOOGLE_APPLICATION_CREDENTIALS to a "
        "service account key file"
    )
    assert len(result.stderr.strip().splitlines()) == 2, describe(result)
    assert fake_google.requests == []
    assert registry.manifest_digest(image_path(project), "latest") is None


def test_push_bad_key_file(project, registry, fake_google, monkeypatch, tmp_path):
    missing = tmp_path / "no-such-key.json"
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(missing))
    add_registry(project, "gar", gar_entry(registry.host, fake_google, project.name))

    result = run_mldock("push", cwd=project)
    assert result.returncode == 1, describe(result)
    assert last_line(result) == (
        f"Error: GOOGLE_APPLICATION_CREDENTIALS is '{missing}', which could not be "
        f"loaded as Google Cloud credentials for repository '{REPOSITORY}' in project "
        f"{PROJECT} (location {LOCATION}) (File {missing} was not found); point it at "
        "a service account key file, or unset it and run 'gcloud auth "
        "application-default login'"
    )


def test_push_permission_denied(project, registry, fake_google):
    fake_google.denied_projects.add(PROJECT)
    add_registry(project, "gar", gar_entry(registry.host, fake_google, project.name))

    result = run_mldock("push", "--create-repository", cwd=project)
    assert result.returncode == 1, describe(result)
    assert last_line(result) == (
        f"Error: checking repository '{REPOSITORY}' in project {PROJECT} (location "
        f"{LOCATION}) was denied: Permission 'artifactregistry.repositories.get' "
        f"denied on resource 'projects/{PROJECT}/locations/{LOCATION}/repositories/"
        f"{REPOSITORY}' (or it may not exist); grant the account the Artifact "
        "Registry Writer role on the project, or enable the Artifact Registry API "
        "if the message says it is disabled"
    )
    assert fake_google.calls("POST", REPOSITORY_CREATE) == []
    assert registry.manifest_digest(image_path(project), "latest") is None


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            {"format": "MAVEN"},
            "contains MAVEN packages, not Docker images; choose a "
            "repository of format DOCKER",
        ),
        (
            {"mode": "REMOTE_REPOSITORY"},
            "is a remote repository, which accepts no "
            "pushes; push to a standard repository",
        ),
    ],
)
def test_push_unusable_repository(project, registry, fake_google, fields, problem):
    fake_google.add_repository(PROJECT, LOCATION, REPOSITORY, **fields)
    add_registry(project, "gar", gar_entry(registry.host, fake_google, project.name))

    result = run_mldock("push", cwd=project)
    assert result.returncode == 1, describe(result)
    assert last_line(result) == (
        f"Error: repository '{REPOSITORY}' in project {PROJECT} (location "
        f"{LOCATION}) {problem}"
    )
    assert registry.manifest_digest(image_path(project), "latest") is None


def test_push_api_unreachable(project, registry, fake_google):
    # Port 9 (discard) on 127.0.0.1 has no listener, so the connection fails.
    entry = gar_entry(registry.host, fake_google, project.name)
    add_registry(project, "gar", {**entry, "api_endpoint": "http://127.0.0.1:9"})

    result = run_mldock("push", cwd=project)
    assert result.returncode == 1, describe(result)
    error = last_line(result)
    assert error.startswith(
        f"Error: checking repository '{REPOSITORY}' in project {PROJECT} (location "
        f"{LOCATION}) failed: the Artifact Registry API at http://127.0.0.1:9 could "
        "not be reached ("
    ), describe(result)
    assert error.endswith("); check the network and the api_endpoint setting")
    assert registry.manifest_digest(image_path(project), "latest") is None


def test_push_retries_with_new_token(project, registry, fake_google, mldock_docker):
    # The token of the repository check, then one the registry rejects, then
    # the valid one: the push must ask for a new token after "unauthorized".
    fake_google.tokens = ["ya29.for-the-api", "ya29.expired", TOKEN]
    fake_google.add_repository(PROJECT, LOCATION, REPOSITORY)
    add_registry(project, "gar", gar_entry(registry.host, fake_google, project.name))

    result = run_mldock("push", cwd=project)
    assert result.returncode == 0, describe(result)
    assert (
        f"{registry.host} refused the credentials; fetching new ones and retrying once"
        in result.stderr
    )
    assert fake_google.issued == ["ya29.for-the-api", "ya29.expired", TOKEN]
    pushed = PUSHED.fullmatch(result.stdout.strip())
    assert pushed, describe(result)
    assert registry.manifest_digest(image_path(project), "latest") == pushed["digest"]

    check_pull(project, mldock_docker, pushed["reference"], pushed["digest"])


def test_gcr_host_entry(project, fake_google):
    entry = {
        "kind": "artifact-registry",
        "host": "gcr.io",
        "repository": f"{PROJECT}/iris",
        "api_endpoint": fake_google.url,
    }
    add_registry(project, "gcr", entry)

    result = run_mldock("push", cwd=project)
    assert result.returncode == 1, describe(result)
    notice = (
        "gcr.io is a Container Registry host, which Artifact Registry serves now: "
        f"images go to repository 'gcr.io' in project {PROJECT} (location us)"
    )
    assert result.stderr.count(notice) == 1, describe(result)
    assert last_line(result) == (
        f"Error: repository 'gcr.io' not found in project {PROJECT} (location us); "
        "create it or pass --create-repository"
    )
    checked = rf"/v1/projects/{PROJECT}/locations/us/repositories/gcr\.io"
    assert len(fake_google.calls("GET", checked)) == 1


def test_gcr_host_recognized(project, fake_google, monkeypatch):
    # Without credentials the push stops before any request, so eu.gcr.io
    # itself is never contacted.
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")

    result = run_mldock("push", "--to", f"eu.gcr.io/{PROJECT}/iris:v1", cwd=project)
    assert result.returncode == 1, describe(result)
    lines = result.stderr.strip().splitlines()
    assert lines[0] == (
        "eu.gcr.io is a Container Registry host, which Artifact Registry serves now: "
        f"images go to repository 'eu.gcr.io' in project {PROJECT} (location europe)"
    )
    assert lines[-1].startswith(
        f"Error: no Google Cloud credentials found for repository 'eu.gcr.io' in "
        f"project {PROJECT} (location europe);"
    )
    assert fake_google.requests == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"location": None},
            "Error: registries.gar needs 'location' (such as europe-west4), because "
            "its host {host} is not an Artifact Registry host",
        ),
        (
            {"project": "other-project"},
            "Error: registries.gar.project is 'other-project', but the repository "
            "'{image}' starts with project 'my-project'; make them agree",
        ),
        (
            {"repository": "iris"},
            "Error: Artifact Registry image '{host}/iris' must be "
            "HOST/PROJECT/REPOSITORY/IMAGE, such as "
            "europe-west4-docker.pkg.dev/my-project/models/iris; set "
            "registries.gar.repository to PROJECT/REPOSITORY/IMAGE",
        ),
        (
            {"immutable_tags": "yes"},
            "Error: registries.gar.immutable_tags must be true or false, found 'yes'",
        ),
        (
            {"lables": {"team": "vision"}},
            "Error: registries.gar has the unknown key 'lables'; did you mean "
            "'labels'?",
        ),
    ],
)
def test_entry_errors(project, fake_google, entry, message):
    host = "127.0.0.1:5000"
    settings = {**gar_entry(host, fake_google, project.name), **entry}
    add_registry(project, "gar", {k: v for k, v in settings.items() if v is not None})

    result = run_mldock("push", cwd=project)
    assert result.returncode == 2, describe(result)
    assert last_line(result) == message.format(host=host, image=image_path(project))
    assert fake_google.requests == []
