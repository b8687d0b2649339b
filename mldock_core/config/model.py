"""The validated contents of mldock.yaml, as frozen dataclasses.

Field defaults here are the defaults of mldock.yaml: the JSON Schema's
``default`` values are read from these classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_FILE = "mldock.yaml"
DEFAULT_PYTHON_VERSION = "3.11"


@dataclass(frozen=True)
class ServeSettings:
    """Settings of the model server that ``mldock serve`` runs."""

    # Host port that `mldock serve` publishes on 127.0.0.1.
    port: int = 8080
    # Server worker processes in the container.
    workers: int = 1
    # Maximum request body in bytes; larger requests get 413.
    max_request_size: int = 20 * 1024 * 1024
    # Seconds that `mldock serve` waits for GET /ping to succeed.
    startup_timeout: float = 120.0


@dataclass(frozen=True)
class BuildSettings:
    """Settings of ``mldock build``: Dockerfile, platform, image contents, labels."""

    # Project-relative path of the user's own Dockerfile, used instead of a
    # generated one.
    dockerfile: str | None = None
    # Target platform as "os/arch[/variant]", such as "linux/arm64".
    platform: str | None = None
    # Project-relative files or folders copied into the image's code layer.
    include: tuple[str, ...] = ("src",)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    """Overrides for one deployment stage, such as ``dev`` or ``prod``."""

    tag: str | None = None
    # A key of ProjectConfig.registries.
    registry: str | None = None
    # Encoded like ProjectConfig.hyperparameters; merged over the top-level ones.
    hyperparameters: dict[str, str] = field(default_factory=dict)
    # Merged over the top-level environment.
    environment: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectConfig:
    """A validated mldock.yaml, with a stage's overrides merged in if one was chosen."""

    # The mldock.yaml file.
    path: Path
    # Image name (repository part), valid for Docker.
    name: str
    template: str | None = None
    # The literal text of the YAML value, so "3.10" stays "3.10".
    python_version: str = DEFAULT_PYTHON_VERSION
    # Empty means the default, f"python:{python_version}-slim".
    base_image: str = ""
    # Project-relative; None means no requirements file.
    requirements: str | None = "requirements.txt"
    # Debian package names, optionally pinned as "name=version".
    system_packages: tuple[str, ...] = ()
    # Channel name -> project-relative folder.
    data: dict[str, str] = field(default_factory=lambda: {"training": "data/training"})
    # Values already encoded as the strings of SageMaker's hyperparameters.json.
    hyperparameters: dict[str, str] = field(default_factory=dict)
    # Baked into the image as ENV instructions.
    environment: dict[str, str] = field(default_factory=dict)
    serve: ServeSettings = field(default_factory=ServeSettings)
    build: BuildSettings = field(default_factory=BuildSettings)
    stages: dict[str, Stage] = field(default_factory=dict)
    # Registry name -> settings with a string "kind"; the registry kind's
    # plugin checks the other keys.
    registries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.base_image:
            default = f"python:{self.python_version}-slim"
            object.__setattr__(self, "base_image", default)
