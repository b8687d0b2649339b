"""How the artifact-registry kind reads hosts and image paths, without the network."""

from __future__ import annotations

import logging

import pytest

from mldock_core.errors import ConfigError
from mldock_core.kinds import RegistryTarget
from mldock_gcp import artifact_registry
from mldock_gcp.artifact_registry import ArtifactRegistry
from mldock_gcp.image_path import ImagePath, locate


def target(
    host: str, repository: str, registry: str = "--to", **options
) -> RegistryTarget:
    return RegistryTarget(
        registry, "artifact-registry", host, repository, "v1", options
    )


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("europe-west4-docker.pkg.dev", True),
        ("us-docker.pkg.dev", True),
        ("northamerica-northeast1-docker.pkg.dev", True),
        ("US-Central1-Docker.pkg.dev", True),
        ("gcr.io", True),
        ("us.gcr.io", True),
        ("eu.gcr.io", True),
        ("asia.gcr.io", True),
        ("mirror.gcr.io", True),
        ("docker.pkg.dev", False),
        ("europe-west4-python.pkg.dev", False),
        ("europe-west4-docker.pkg.dev.example.com", False),
        ("gcr.io.example.com", False),
        ("notgcr.io", False),
        ("127.0.0.1:5000", False),
        ("docker.io", False),
    ],
)
def test_recognizes_table(host, expected):
    assert ArtifactRegistry().recognizes(host) is expected


@pytest.mark.parametrize(
    ("host", "repository", "options", "expected"),
    [
        (
            "europe-west4-docker.pkg.dev",
            "my-project/models/iris",
            {},
            ImagePath("my-project", "europe-west4", "models", "iris"),
        ),
        (
            "us-docker.pkg.dev",
            "my-project/models/vision/resnet",
            {},
            ImagePath("my-project", "us", "models", "vision/resnet"),
        ),
        (
            "europe-docker.pkg.dev",
            "example.com/team-a/models/iris",
            {},
            ImagePath("example.com:team-a", "europe", "models", "iris"),
        ),
        (
            "127.0.0.1:5000",
            "my-project/models/iris",
            {"location": "asia-east1", "project": "my-project"},
            ImagePath("my-project", "asia-east1", "models", "iris"),
        ),
        (
            "gcr.io",
            "my-project/iris",
            {},
            ImagePath("my-project", "us", "gcr.io", "iris"),
        ),
        (
            "us.gcr.io",
            "my-project/a/b",
            {"location": "us"},
            ImagePath("my-project", "us", "us.gcr.io", "a/b"),
        ),
        (
            "eu.gcr.io",
            "my-project/iris",
            {},
            ImagePath("my-project", "europe", "eu.gcr.io", "iris"),
        ),
        (
            "asia.gcr.io",
            "example.com/team-a/iris",
            {},
            ImagePath("example.com:team-a", "asia", "asia.gcr.io", "iris"),
        ),
    ],
)
def test_locate_table(host, repository, options, expected):
    assert locate(target(host, repository, **options)) == expected


@pytest.mark.parametrize(
    ("host", "repository", "options", "message"),
    [
        (
            "europe-west4-docker.pkg.dev",
            "my-project/iris",
            {},
            "Artifact Registry image 'europe-west4-docker.pkg.dev/my-project/iris' "
            "must be HOST/PROJECT/REPOSITORY/IMAGE, such as "
            "europe-west4-docker.pkg.dev/my-project/models/iris; set "
            "registries.gar.repository to PROJECT/REPOSITORY/IMAGE",
        ),
        (
            "gcr.io",
            "my-project",
            {},
            "image 'gcr.io/my-project' has no image name after the project; write it "
            "as gcr.io/PROJECT/IMAGE; set registries.gar.repository to PROJECT/IMAGE",
        ),
        (
            "mirror.gcr.io",
            "library/python",
            {},
            "mirror.gcr.io is not a Container Registry host that Artifact Registry "
            "serves; use one of gcr.io, us.gcr.io, eu.gcr.io, asia.gcr.io, or "
            "LOCATION-docker.pkg.dev",
        ),
        (
            "gcr.io",
            "my-project/iris",
            {"location": "europe"},
            "registries.gar.location is 'europe', but images of gcr.io live in "
            "location 'us'; remove 'location' or set it to us",
        ),
        (
            "us-docker.pkg.dev",
            "my-project/models/iris",
            {"location": "europe"},
            "registries.gar.location is 'europe', but host us-docker.pkg.dev is in "
            "location 'us'; make them agree",
        ),
        (
            "127.0.0.1:5000",
            "my-project/models/iris",
            {"location": "Europe West"},
            "registries.gar.location 'Europe West' is invalid; use a Google Cloud "
            "location such as europe-west4, us-central1 or us",
        ),
        (
            "us-docker.pkg.dev",
            "my-project/9models/iris",
            {},
            "'9models' in image 'us-docker.pkg.dev/my-project/9models/iris' is not a "
            "valid Artifact Registry repository name: it needs a lowercase letter "
            "first, then at most 62 lowercase letters, digits or '-', not ending in "
            "'-'",
        ),
        (
            "us-docker.pkg.dev",
            "1project/models/iris",
            {},
            "'1project' in image 'us-docker.pkg.dev/1project/models/iris' is not a "
            "Google Cloud project ID; write the image as HOST/PROJECT/REPOSITORY/IMAGE",
        ),
    ],
)
def test_locate_errors(host, repository, options, message):
    with pytest.raises(ConfigError) as raised:
        locate(target(host, repository, "gar", **options))
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"location": "europe-west4"}, "europe-west4-docker.pkg.dev"),
        ({"location": "us"}, "us-docker.pkg.dev"),
        ({}, None),
        ({"location": "Europe West"}, None),
        ({"location": 4}, None),
    ],
)
def test_host_for_table(options, expected):
    assert ArtifactRegistry().host_for(options) == expected


def test_gcr_notice_once(caplog, monkeypatch):
    monkeypatch.setattr(artifact_registry, "_notified_hosts", set())
    registry = ArtifactRegistry()
    with caplog.at_level(logging.WARNING, logger=artifact_registry.__name__):
        registry.check_target(target("gcr.io", "my-project/iris"))
        registry.check_target(target("gcr.io", "my-project/other"))
    assert [record.getMessage() for record in caplog.records] == [
        "gcr.io is a Container Registry host, which Artifact Registry serves now: "
        "images go to repository 'gcr.io' in project my-project (location us)"
    ]


def test_pkg_dev_no_notice(caplog):
    with caplog.at_level(logging.WARNING, logger=artifact_registry.__name__):
        ArtifactRegistry().check_target(
            target("us-docker.pkg.dev", "p-1234/models/iris")
        )
    assert caplog.records == []
