"""Fixtures that write an mldock.yaml into a temporary project folder."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from mldock_core.config import load_config
from mldock_core.errors import ConfigError


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Return a function that writes dedented YAML to mldock.yaml and returns the folder."""

    def write(text: str) -> Path:
        content = textwrap.dedent(text).lstrip("\n")
        (tmp_path / "mldock.yaml").write_text(content, encoding="utf-8")
        return tmp_path

    return write


@pytest.fixture
def config_error(write_config: Callable[[str], Path]) -> Callable[..., str]:
    """Return a function that loads YAML text and returns the ConfigError's message."""

    def error(text: str, stage: str | None = None) -> str:
        project = write_config(text)
        with pytest.raises(ConfigError) as caught:
            load_config(project, stage=stage)
        return str(caught.value)

    return error
