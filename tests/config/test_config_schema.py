"""The JSON Schema of mldock.yaml: stored file, agreement with the loader, docs."""

from __future__ import annotations

import dataclasses
import datetime
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from mldock_core.config import (
    SCHEMA_PATH,
    BuildSettings,
    ProjectConfig,
    ServeSettings,
    Stage,
    config_json_schema,
    load_config,
)
from mldock_core.errors import ConfigError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "config.md"
REGENERATE = "python -m mldock_core.config"

VALID_SAMPLES = {
    "minimal": "name: fraud-model",
    "literal numbers": """
        name: fraud-model
        python_version: 3.10
        environment: {DEBUG: yes, LEVEL: 010, SCALE: 1e3, ON: true}
        build: {labels: {version: 1.10}}
        stages: {prod: {tag: 1.0}}
    """,
    "full": """
        name: ghcr.io/acme/fraud-model
        template: sklearn
        base_image: python:3.11-slim
        requirements: requirements/prod.txt
        system_packages: [libgomp1, git=1:2.39.2-1]
        data: {training: data/training, validation: data/validation}
        hyperparameters: {use_gpu: false, lr: 0.001, layers: [64, 32], opt: {m: 1}}
        environment: {LOG_LEVEL: debug, MAX_TOKENS: 512}
        serve: {port: 9000, workers: 2, max_request_size: 6MB, startup_timeout: 90s}
        build:
          dockerfile: docker/Dockerfile
          platform: linux/arm/v7
          include: [src, conf/settings.toml]
          labels: {org.opencontainers.image.source: https://example.com/x}
        stages:
          prod: {tag: v1, registry: hub, hyperparameters: {epochs: 50}}
        registries:
          hub: {kind: docker, host: registry.example.com, create: true}
    """,
    "nulls": """
        name: m
        template: null
        requirements: null
        build: {dockerfile: null, platform: null}
        stages: {dev: {tag: null, registry: null}}
    """,
    "integer size and timeout": """
        name: m
        serve: {max_request_size: 1048576, startup_timeout: 30}
    """,
}

INVALID_SAMPLES = {
    "unknown key": "name: m\nbuildd: {}",
    "unknown nested key": "name: m\nserve: {workres: 2}",
    "unknown stage key": "name: m\nstages: {prod: {tagg: v1}}",
    "missing name": "template: python",
    "uppercase name": "name: FraudModel",
    "name with tag": "name: fraud-model:v1",
    "serve not mapping": "name: m\nserve: 8080",
    "port string": "name: m\nserve: {port: '8080'}",
    "port too large": "name: m\nserve: {port: 70000}",
    "workers zero": "name: m\nserve: {workers: 0}",
    "size unit": "name: m\nserve: {max_request_size: 6 KB}",
    "duration word": "name: m\nserve: {startup_timeout: soon}",
    "python version": "name: m\npython_version: '3'",
    "python version boolean": "name: m\npython_version: true",
    "absolute path": "name: m\nrequirements: /etc/req.txt",
    "parent path": "name: m\nbuild: {include: [../lib]}",
    "include not list": "name: m\nbuild: {include: src}",
    "platform": "name: m\nbuild: {platform: linux}",
    "channel name": "name: m\ndata: {'-x': data/x}",
    "environment name": "name: m\nenvironment: {'9X': a}",
    "environment secret": "name: m\nenvironment: {HF_TOKEN: a}",
    "environment secret lowercase": "name: m\nenvironment: {db_password: a}",
    "environment list": "name: m\nenvironment: {A: [1]}",
    "stage tag": "name: m\nstages: {prod: {tag: v1 beta}}",
    "registry kind missing": "name: m\nregistries: {hub: {host: x}}",
    "system package": "name: m\nsystem_packages: ['git; ls']",
    "not a mapping": "- name: m",
}

# Rules that JSON Schema cannot express; the loader checks them, the schema
# accepts these files.
LOADER_ONLY_SAMPLES = {
    "path escaping after a folder": "name: m\nrequirements: a/../../req.txt",
    "zero duration": "name: m\nserve: {startup_timeout: 0s}",
    "unknown stage registry": "name: m\nstages: {prod: {registry: nowhere}}",
    "duplicate key": "name: m\nname: n",
    "name too long": "name: " + "a" * 256,
}


def to_instance(text: str) -> object:
    """Read YAML as an editor's schema check would see it, as JSON data."""
    data = yaml.safe_load(textwrap.dedent(text))
    return json.loads(json.dumps(data, default=_date_text))


def _date_text(value: object) -> str:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"{value!r} is not JSON data")


def schema_errors(text: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(config_json_schema())
    return [error.message for error in validator.iter_errors(to_instance(text))]


def loader_accepts(write_config, text: str) -> bool:
    try:
        load_config(write_config(text))
    except ConfigError:
        return False
    return True


def test_schema_file_current():
    stored = SCHEMA_PATH.read_text(encoding="utf-8")
    generated = json.dumps(config_json_schema(), indent=2, sort_keys=True) + "\n"

    assert stored == generated, (
        f"{SCHEMA_PATH} differs from config_json_schema(); regenerate it with "
        f"'{REGENERATE}'"
    )


def test_schema_check_command():
    result = subprocess.run(
        [sys.executable, "-m", "mldock_core.config", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr


def test_schema_valid_draft():
    schema = config_json_schema()

    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def draft7_errors(text: str) -> list[str]:
    schema = {
        **config_json_schema(),
        "$schema": "http://json-schema.org/draft-07/schema#",
    }
    validator = jsonschema.Draft7Validator(schema)
    return [error.message for error in validator.iter_errors(to_instance(text))]


@pytest.mark.parametrize("sample", [*VALID_SAMPLES, *INVALID_SAMPLES])
def test_draft7_same_result(sample):
    text = {**VALID_SAMPLES, **INVALID_SAMPLES}[sample]

    assert draft7_errors(text) == schema_errors(text)


@pytest.mark.parametrize("sample", VALID_SAMPLES)
def test_valid_sample_schema(sample):
    assert schema_errors(VALID_SAMPLES[sample]) == []


@pytest.mark.parametrize("sample", VALID_SAMPLES)
def test_valid_sample_loader(write_config, sample):
    assert loader_accepts(write_config, VALID_SAMPLES[sample])


@pytest.mark.parametrize("sample", INVALID_SAMPLES)
def test_invalid_sample_schema(sample):
    assert schema_errors(INVALID_SAMPLES[sample]) != []


@pytest.mark.parametrize("sample", INVALID_SAMPLES)
def test_invalid_sample_loader(write_config, sample):
    assert not loader_accepts(write_config, INVALID_SAMPLES[sample])


@pytest.mark.parametrize("sample", LOADER_ONLY_SAMPLES)
def test_loader_only_rules(write_config, sample):
    text = LOADER_ONLY_SAMPLES[sample]

    assert not loader_accepts(write_config, text)
    assert schema_errors(text) == []


def schema_nodes(schema: dict, path: str = ""):
    """Yield (dotted path, schema) for every property, item and map value."""
    for key, child in schema.get("properties", {}).items():
        child_path = f"{path}.{key}" if path else key
        yield child_path, child
        yield from schema_nodes(child, child_path)
    if isinstance(schema.get("items"), dict):
        yield f"{path}[]", schema["items"]
        yield from schema_nodes(schema["items"], f"{path}[]")
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        yield f"{path}.<name>", extra
        yield from schema_nodes(extra, f"{path}.<name>")


def test_every_node_described():
    undescribed = [
        path
        for path, node in schema_nodes(config_json_schema())
        if not node.get("description")
    ]

    assert undescribed == []


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("", ProjectConfig),
        ("serve", ServeSettings),
        ("build", BuildSettings),
        ("stages.<name>", Stage),
    ],
)
def test_properties_match_model(path, model):
    nodes = dict(schema_nodes(config_json_schema()))
    schema = nodes[path] if path else config_json_schema()
    fields = {field.name for field in dataclasses.fields(model)} - {"path"}

    assert set(schema["properties"]) == fields


@pytest.mark.parametrize(
    ("path", "default"),
    [
        ("python_version", "3.11"),
        ("requirements", "requirements.txt"),
        ("data", {"training": "data/training"}),
        ("serve.port", 8080),
        ("serve.max_request_size", 20971520),
        ("build.include", ["src"]),
        ("stages.<name>.tag", None),
    ],
)
def test_schema_defaults(path, default):
    nodes = dict(schema_nodes(config_json_schema()))

    assert nodes[path]["default"] == default


def test_docs_name_every_key():
    docs = DOCS.read_text(encoding="utf-8")
    keys = [
        path
        for path, _ in schema_nodes(config_json_schema())
        if not path.endswith(("[]", "<name>"))
        and not path.startswith(("hyperparameters.", "environment.", "data."))
        and not path.startswith(("build.labels.", "registries.<name>.<name>"))
    ]
    missing = [key for key in keys if f"`{key}`" not in docs]

    assert missing == [], f"{DOCS} does not describe these keys"


def test_docs_example_loads(tmp_path):
    docs = DOCS.read_text(encoding="utf-8")
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "mldock.yaml").write_text(example, encoding="utf-8")

    config = load_config(tmp_path)

    assert schema_errors(example) == []
    assert config.name == "fraud-model"
