"""Values and helpers shared by the Artifact Registry tests."""

from __future__ import annotations

import re
from pathlib import Path

from fake_gcp import FakeGoogleCloud

TOKEN = "ya29.fake-access-token-for-tests"
PROJECT, LOCATION, REPOSITORY = "my-project", "europe-west4", "models"
PUSHED = re.compile(
    r"(?P<reference>\S+):(?P<tag>[\w.-]+)@(?P<digest>sha256:[0-9a-f]{64})"
)


def add_registry(project: Path, name: str, entry: dict) -> None:
    """Append a ``registries`` entry to the project's mldock.yaml."""
    import yaml

    config = project / "mldock.yaml"
    data = yaml.safe_load(config.read_text())
    data.setdefault("registries", {})[name] = entry
    config.write_text(yaml.safe_dump(data, sort_keys=False))


def gar_entry(
    registry_host: str, fake: FakeGoogleCloud, image: str, **extra: object
) -> dict:
    """An artifact-registry entry whose images go to ``registry_host``."""
    return {
        "kind": "artifact-registry",
        "host": registry_host,
        "location": LOCATION,
        "api_endpoint": fake.url,
        "repository": f"{PROJECT}/{REPOSITORY}/{image}",
        **extra,
    }
