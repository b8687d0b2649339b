"""Loading valid mldock.yaml files: defaults, literal text, units, stages."""

from __future__ import annotations

import dataclasses
import json

import pytest

from mldock_core.config import (
    BuildSettings,
    ProjectConfig,
    ServeSettings,
    Stage,
    load_config,
)

FULL_CONFIG = """
    name: ghcr.io/acme/fraud-model
    template: sklearn
    python_version: 3.10
    requirements: ./requirements/prod.txt
    system_packages: [libgomp1, git=1:2.39.2-1]
    data:
      training: data/training/
      validation: data/validation
    hyperparameters:
      use_gpu: false
      lr: 0.001
      epochs: 10
      layers: [64, 32]
    environment:
      LOG_LEVEL: debug
    serve:
      port: 9000
      workers: 2
      max_request_size: 6MB
      startup_timeout: 90s
    build:
      dockerfile: docker/Dockerfile
      platform: linux/arm/v7
      include: [src, conf/settings.toml]
      labels:
        org.opencontainers.image.source: https://example.com/acme/fraud
    stages:
      dev:
        tag: dev
      prod:
        tag: v1.0
        registry: ghcr
        hyperparameters: {epochs: 50}
        environment: {LOG_LEVEL: warning}
    registries:
      ghcr:
        kind: docker
        host: ghcr.io
"""


def decode(value: str) -> object:
    """Decode a hyperparameters.json value as the runtime in the container does."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def test_minimal_defaults(write_config):
    config = load_config(write_config("name: fraud-model\n"))

    assert config.name == "fraud-model"
    assert config.template is None
    assert config.python_version == "3.11"
    assert config.base_image == "python:3.11-slim"
    assert config.requirements == "requirements.txt"
    assert config.system_packages == ()
    assert config.data == {"training": "data/training"}
    assert config.hyperparameters == {}
    assert config.environment == {}
    assert config.serve == ServeSettings()
    assert config.build == BuildSettings()
    assert config.stages == {}
    assert config.registries == {}


def test_minimal_setting_defaults(write_config):
    config = load_config(write_config("name: fraud-model\n"))

    assert config.serve.port == 8080
    assert config.serve.workers == 1
    assert config.serve.max_request_size == 20 * 1024 * 1024
    assert config.serve.startup_timeout == 120.0
    assert config.build.dockerfile is None
    assert config.build.platform is None
    assert config.build.include == ("src",)
    assert config.build.labels == {}


def test_path_is_absolute_file(write_config, monkeypatch):
    project = write_config("name: fraud-model\n")
    monkeypatch.chdir(project)

    config = load_config(project.relative_to(project))

    assert config.path == project.resolve() / "mldock.yaml"


def test_full_config_values(write_config):
    config = load_config(write_config(FULL_CONFIG))

    assert config.name == "ghcr.io/acme/fraud-model"
    assert config.template == "sklearn"
    assert config.python_version == "3.10"
    assert config.base_image == "python:3.10-slim"
    assert config.requirements == "requirements/prod.txt"
    assert config.system_packages == ("libgomp1", "git=1:2.39.2-1")
    assert config.data == {
        "training": "data/training",
        "validation": "data/validation",
    }
    assert config.environment == {"LOG_LEVEL": "debug"}
    assert config.serve == ServeSettings(9000, 2, 6_000_000, 90.0)
    assert config.build.dockerfile == "docker/Dockerfile"
    assert config.build.platform == "linux/arm/v7"
    assert config.build.include == ("src", "conf/settings.toml")
    assert config.build.labels == {
        "org.opencontainers.image.source": "https://example.com/acme/fraud"
    }
    assert config.registries == {"ghcr": {"kind": "docker", "host": "ghcr.io"}}


def test_full_config_stages(write_config):
    config = load_config(write_config(FULL_CONFIG))

    assert config.stages["dev"] == Stage(tag="dev")
    assert config.stages["prod"] == Stage(
        tag="v1.0",
        registry="ghcr",
        hyperparameters={"epochs": "50"},
        environment={"LOG_LEVEL": "warning"},
    )


def test_config_frozen(write_config):
    config = load_config(write_config("name: fraud-model\n"))

    with pytest.raises(dataclasses.FrozenInstanceError):
        config.name = "other"  # type: ignore[misc]


def test_base_image_given(write_config):
    text = """
        name: fraud-model
        python_version: "3.12"
        base_image: ghcr.io/acme/base:3.12@sha256:%s
    """ % ("ab" * 32)

    config = load_config(write_config(text))

    assert config.base_image == f"ghcr.io/acme/base:3.12@sha256:{'ab' * 32}"


@pytest.mark.parametrize(
    ("written", "expected"),
    [("3.10", "3.10"), ("3.9", "3.9"), ("'3.12'", "3.12"), ("3.11.4", "3.11.4")],
)
def test_python_version_literal(write_config, written, expected):
    config = load_config(write_config(f"name: m\npython_version: {written}\n"))

    assert config.python_version == expected


def test_requirements_null(write_config):
    config = load_config(write_config("name: m\nrequirements: null\n"))

    assert config.requirements is None


def test_data_empty(write_config):
    config = load_config(write_config("name: m\ndata: {}\n"))

    assert config.data == {}


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("./src/", "src"),
        ("src/../lib", "lib"),
        (".", "."),
        ("a/./b//c", "a/b/c"),
        ("2024", "2024"),
    ],
)
def test_include_normalized(write_config, written, expected):
    config = load_config(write_config(f"name: m\nbuild:\n  include: ['{written}']\n"))

    assert config.build.include == (expected,)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("yes", "yes"),
        ("on", "on"),
        ("Off", "Off"),
        ("010", "010"),
        ("1e3", "1e3"),
        ("0x1F", "0x1F"),
        ("1_000", "1_000"),
        ("3.10", "3.10"),
        ("true", "true"),
        ("2024-01-01", "2024-01-01"),
        ("'quoted'", "quoted"),
        ("''", ""),
    ],
)
def test_environment_literal(write_config, written, expected):
    config = load_config(write_config(f"name: m\nenvironment:\n  VALUE: {written}\n"))

    assert config.environment == {"VALUE": expected}


@pytest.mark.parametrize(
    "key", ["MAX_TOKENS", "TOKENIZERS_PARALLELISM", "HF_HOME", "KEYBOARD"]
)
def test_environment_not_secret(write_config, key):
    config = load_config(write_config(f"name: m\nenvironment:\n  {key}: x\n"))

    assert config.environment == {key: "x"}


def test_labels_literal(write_config):
    text = "name: m\nbuild:\n  labels:\n    version: 1.10\n    beta: yes\n"

    config = load_config(write_config(text))

    assert config.build.labels == {"version": "1.10", "beta": "yes"}


def test_stage_tag_literal(write_config):
    config = load_config(write_config("name: m\nstages:\n  prod:\n    tag: 1.10\n"))

    assert config.stages["prod"].tag == "1.10"


def test_hyperparameters_encoded(write_config):
    text = """
        name: m
        hyperparameters: {use_gpu: false, lr: 0.001, epochs: 10, layers: [64, 32]}
    """

    config = load_config(write_config(text))

    assert config.hyperparameters == {
        "use_gpu": "false",
        "lr": "0.001",
        "epochs": "10",
        "layers": "[64, 32]",
    }


def test_hyperparameters_round_trip(write_config):
    text = """
        name: m
        hyperparameters: {use_gpu: false, lr: 0.001, epochs: 10, layers: [64, 32]}
    """

    config = load_config(write_config(text))
    decoded = {key: decode(value) for key, value in config.hyperparameters.items()}

    assert decoded == {"use_gpu": False, "lr": 0.001, "epochs": 10, "layers": [64, 32]}
    assert type(decoded["use_gpu"]) is bool
    assert type(decoded["epochs"]) is int


def test_hyperparameters_strings_kept(write_config):
    text = """
        name: m
        hyperparameters:
          optimizer: adam
          version: "10"
          flag: "true"
          date: 2024-01-01
    """

    config = load_config(write_config(text))
    decoded = {key: decode(value) for key, value in config.hyperparameters.items()}

    assert decoded == {
        "optimizer": "adam",
        "version": "10",
        "flag": "true",
        "date": "2024-01-01",
    }


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("6MB", 6_000_000),
        ("6 MiB", 6 * 1024 * 1024),
        ("500kB", 500_000),
        ("2KiB", 2048),
        ("1.5GiB", 3 * 1024**3 // 2),
        ("100B", 100),
        ("1048576", 1048576),
        ("1_000", 1000),
    ],
)
def test_max_request_size_units(write_config, written, expected):
    config = load_config(
        write_config(f"name: m\nserve:\n  max_request_size: {written}\n")
    )

    assert config.serve.max_request_size == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("90s", 90.0),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("500ms", 0.5),
        ("45", 45.0),
        ("2.5", 2.5),
        ("1.5 m", 90.0),
    ],
)
def test_startup_timeout_units(write_config, written, expected):
    config = load_config(
        write_config(f"name: m\nserve:\n  startup_timeout: {written}\n")
    )

    assert config.serve.startup_timeout == expected
    assert type(config.serve.startup_timeout) is float


def test_stage_merges_overrides(write_config):
    config = load_config(write_config(FULL_CONFIG), stage="prod")

    assert config.hyperparameters == {
        "use_gpu": "false",
        "lr": "0.001",
        "epochs": "50",
        "layers": "[64, 32]",
    }
    assert config.environment == {"LOG_LEVEL": "warning"}


def test_stage_without_overrides(write_config):
    config = load_config(write_config(FULL_CONFIG), stage="dev")

    assert config.hyperparameters["epochs"] == "10"
    assert config.environment == {"LOG_LEVEL": "debug"}


def test_no_stage_keeps_top_level(write_config):
    config = load_config(write_config(FULL_CONFIG))

    assert config.hyperparameters["epochs"] == "10"
    assert config.environment == {"LOG_LEVEL": "debug"}


def test_merge_key_applied(write_config):
    text = """
        name: m
        stages:
          dev: &common
            registry: hub
            environment: {MODE: shared}
          prod:
            <<: *common
            tag: v2
        registries:
          hub: {kind: docker}
    """

    config = load_config(write_config(text))

    assert config.stages["prod"] == Stage(
        tag="v2", registry="hub", environment={"MODE": "shared"}
    )


def test_merge_key_explicit_wins(write_config):
    text = """
        name: m
        stages:
          dev: &common {tag: dev}
          prod:
            <<: *common
            tag: v2
    """

    config = load_config(write_config(text))

    assert config.stages["prod"].tag == "v2"


def test_registry_settings_free_form(write_config):
    text = """
        name: m
        registries:
          ecr:
            kind: aws-ecr
            account: 012345670123
            region: eu-west-1
            create_repository: true
            retries: 3
            tags: [a, b]
    """

    config = load_config(write_config(text))

    assert config.registries["ecr"] == {
        "kind": "aws-ecr",
        "account": "012345670123",
        "region": "eu-west-1",
        "create_repository": True,
        "retries": 3,
        "tags": ["a", "b"],
    }


def test_utf8_bom_accepted(tmp_path):
    (tmp_path / "mldock.yaml").write_bytes(b"\xef\xbb\xbfname: m\n")

    config = load_config(tmp_path)

    assert config.name == "m"


def test_direct_construction_defaults(tmp_path):
    config = ProjectConfig(
        path=tmp_path / "mldock.yaml", name="m", python_version="3.12"
    )

    assert config.base_image == "python:3.12-slim"
