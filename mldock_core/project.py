"""A project on disk: its folder, its config and the names derived from them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mldock_core.build.requirements import RequirementsPlan
    from mldock_core.config import ProjectConfig

LABEL_PROJECT = "io.mldock.project"
LABEL_PROJECT_DIR = "io.mldock.project-dir"
LABEL_ROLE = "io.mldock.role"
LABEL_INPUTS = "io.mldock.inputs"
"""Image label: the sha256 of the build context the image was built from."""
DEFAULT_TAG = "latest"


@dataclass(frozen=True)
class Project:
    """A project folder and its validated mldock.yaml."""

    root: Path
    config: ProjectConfig

    @classmethod
    def load(cls, directory: str | Path, stage: str | None = None) -> Project:
        from mldock_core.config import load_config

        root = Path(directory).resolve()
        return cls(root, load_config(root, stage=stage))

    @property
    def name(self) -> str:
        return self.config.name

    def image(self, tag: str | None = None) -> str:
        """Return the local image reference ``name:tag``."""
        return f"{self.config.name}:{tag or DEFAULT_TAG}"

    @property
    def key(self) -> str:
        """Return a short id of the project folder, unique on this machine."""
        return hashlib.sha256(str(self.root).encode()).hexdigest()[:10]

    def labels(self, role: str) -> dict[str, str]:
        """Return the labels of a container mldock starts for this project."""
        return {
            LABEL_PROJECT: self.config.name,
            LABEL_PROJECT_DIR: str(self.root),
            LABEL_ROLE: role,
        }

    def container_name(self, role: str) -> str:
        return f"mldock-{self.config.name.replace('/', '-')}-{role}-{self.key}"

    def path(self, relative: str) -> Path:
        return self.root / relative

    @cached_property
    def requirements(self) -> RequirementsPlan | None:
        """Return the checked requirements file and what it needs, or None."""
        from mldock_core.build.requirements import read_requirements

        if self.config.requirements is None:
            return None
        return read_requirements(self.root, self.config.requirements)

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def input_config_dir(self) -> Path:
        return self.root / "config"
