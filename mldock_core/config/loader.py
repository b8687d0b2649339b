"""Load mldock.yaml: check every key, then build a ProjectConfig."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable
from pathlib import Path

import yaml

from mldock_core.config.fields import Where
from mldock_core.config.model import CONFIG_FILE, ProjectConfig
from mldock_core.config.schema import PROJECT
from mldock_core.config.yamldoc import (
    NULL_TAG,
    Problems,
    compose_document,
    line_of,
    mapping_entries,
    read_config_text,
)
from mldock_core.errors import ConfigError


def load_config(project_dir: Path, stage: str | None = None) -> ProjectConfig:
    """Read and check ``project_dir/mldock.yaml``.

    With ``stage``, that stage's hyperparameters and environment are merged
    over the top-level ones. Raise ConfigError listing every error found, each
    with the file name and line, before any ProjectConfig is made.
    """
    path = Path(project_dir).resolve() / CONFIG_FILE
    root = compose_document(read_config_text(path), path.name)

    problems = Problems(path.name)
    values = PROJECT.read(root, Where("", line_of(root)), problems)
    _check_stage_registries(root, problems)
    problems.raise_if_any()

    config = ProjectConfig(path=path, **values)
    if stage is None:
        return config
    return _apply_stage(config, stage)


def _apply_stage(config: ProjectConfig, stage: str) -> ProjectConfig:
    if stage not in config.stages:
        raise ConfigError(_unknown_stage_message(config, stage))
    overrides = config.stages[stage]
    return dataclasses.replace(
        config,
        hyperparameters={**config.hyperparameters, **overrides.hyperparameters},
        environment={**config.environment, **overrides.environment},
    )


def _unknown_stage_message(config: ProjectConfig, stage: str) -> str:
    file_name = config.path.name
    if not config.stages:
        return (
            f"{file_name}: unknown stage '{stage}': the file defines no stages; "
            "add it under 'stages' or leave out the stage"
        )

    stages = _quoted_list(config.stages)
    suggestion = _suggestion(stage, config.stages)
    return f"{file_name}: unknown stage '{stage}'; the stages are {stages}{suggestion}"


def _check_stage_registries(root: yaml.MappingNode, problems: Problems) -> None:
    """Report each ``stages.<name>.registry`` that is not a key of ``registries``."""
    # Errors in these mappings were reported while reading them.
    ignored = Problems("")
    top = {entry.key: entry.value for entry in mapping_entries(root, "", ignored)}
    stages = top.get("stages")
    if not isinstance(stages, yaml.MappingNode):
        return
    registries = top.get("registries")
    names: list[str] = []
    if isinstance(registries, yaml.MappingNode):
        names = [entry.key for entry in mapping_entries(registries, "", ignored)]

    for stage in mapping_entries(stages, "", ignored):
        if not isinstance(stage.value, yaml.MappingNode):
            continue
        for entry in mapping_entries(stage.value, "", ignored):
            if entry.key != "registry" or not isinstance(entry.value, yaml.ScalarNode):
                continue
            if entry.value.tag == NULL_TAG or entry.value.value in names:
                continue
            problems.add(
                entry.line,
                _unknown_registry_message(
                    stage.key, entry.value.value, entry.line, names
                ),
            )


def _unknown_registry_message(
    stage: str, name: str, line: int, names: list[str]
) -> str:
    message = (
        f"'stages.{stage}.registry' at line {line} is '{name}', which is not an "
        "entry of 'registries'"
    )
    if not names:
        return message + "; add it under 'registries' with its 'kind'"
    suggestion = _suggestion(name, names)
    return f"{message}; the registries are {_quoted_list(names)}{suggestion}"


def _suggestion(name: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(names), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _quoted_list(names: Iterable[str]) -> str:
    quoted = [f"'{name}'" for name in names]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]
