"""mldock.yaml: its data model, loading with line-numbered errors, and JSON Schema."""

from __future__ import annotations

from mldock_core.config.loader import load_config
from mldock_core.config.model import (
    CONFIG_FILE,
    BuildSettings,
    ProjectConfig,
    ServeSettings,
    Stage,
)
from mldock_core.config.schema import SCHEMA_PATH, config_json_schema

__all__ = [
    "CONFIG_FILE",
    "SCHEMA_PATH",
    "BuildSettings",
    "ProjectConfig",
    "ServeSettings",
    "Stage",
    "config_json_schema",
    "load_config",
]
