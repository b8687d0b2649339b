"""Invalid mldock.yaml files: each error's exact message, with file and line."""

from __future__ import annotations

import pytest


def test_unknown_key_suggestion(config_error):
    message = config_error("buildd: {}\nname: m\n")

    assert (
        message == "mldock.yaml: unknown key 'buildd' at line 1; did you mean 'build'?"
    )


def test_unknown_key_no_hint(config_error):
    message = config_error("name: m\ngpu_count: 2\n")

    assert message == "mldock.yaml: unknown key 'gpu_count' at line 2"


def test_unknown_nested_key(config_error):
    message = config_error("name: m\nserve:\n  workres: 2\n")

    assert message == (
        "mldock.yaml: unknown key 'serve.workres' at line 3; "
        "did you mean 'serve.workers'?"
    )


def test_unknown_stage_key(config_error):
    message = config_error("name: m\nstages:\n  prod:\n    tagg: v1\n")

    assert message == (
        "mldock.yaml: unknown key 'stages.prod.tagg' at line 4; "
        "did you mean 'stages.prod.tag'?"
    )


def test_free_form_keys_allowed(write_config):
    from mldock_core.config import load_config

    text = """
        name: m
        hyperparameters: {anything: 1}
        environment: {ANYTHING: x}
        build: {labels: {anything: x}}
        registries: {hub: {kind: docker, anything: x}}
    """

    config = load_config(write_config(text))

    assert config.registries["hub"]["anything"] == "x"


def test_mapping_found_integer(config_error):
    message = config_error("name: m\npython_version: '3.11'\nserve: 8080\n")

    assert message == (
        "mldock.yaml: 'serve' at line 3 must be a mapping, found an integer (8080)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: [a, b]\n",
            "'name' at line 1 must be a string, found a list",
        ),
        (
            "name: m\nserve:\n  port: '8080'\n",
            "'serve.port' at line 3 must be an integer, found a string ('8080')",
        ),
        (
            "name: m\nserve:\n  port: 80.5\n",
            "'serve.port' at line 3 must be an integer, found a number (80.5)",
        ),
        (
            "name: m\nserve: true\n",
            "'serve' at line 2 must be a mapping, found a boolean (true)",
        ),
        (
            "name: m\nbuild:\n  include: {src: 1}\n",
            "'build.include' at line 3 must be a list, found a mapping",
        ),
        (
            "name: m\nsystem_packages: [git, 12]\n",
            "'system_packages[1]' at line 2 must be a string, found an integer (12)",
        ),
        (
            "name: m\nregistries:\n  hub: {kind: [docker]}\n",
            "'registries.hub.kind' at line 3 must be a string, found a list",
        ),
        (
            "name: m\ndata: null\n",
            "'data' at line 2 must be a mapping, found null",
        ),
        (
            "name: m\nserve:\n  workers:\n",
            "'serve.workers' at line 3 must be an integer, found an empty value",
        ),
        (
            "name: m\nbuild:\n  platform: 1\n",
            "'build.platform' at line 3 must be a string or null, found an integer (1)",
        ),
    ],
)
def test_wrong_type_message(config_error, text, expected):
    assert config_error(text) == f"mldock.yaml: {expected}"


def test_duplicate_top_key(config_error):
    message = config_error("name: a\ntemplate: x\nname: b\n")

    assert message == (
        "mldock.yaml: duplicate key 'name' at lines 1 and 3; keep only one of them"
    )


def test_duplicate_nested_key(config_error):
    message = config_error("name: m\nserve:\n  port: 1\n  workers: 2\n  port: 3\n")

    assert message == (
        "mldock.yaml: duplicate key 'serve.port' at lines 3 and 5; "
        "keep only one of them"
    )


@pytest.mark.parametrize(
    "section",
    ["hyperparameters", "environment", "data", "stages", "registries"],
)
def test_duplicate_free_form_key(config_error, section):
    value = {"stages": "{}", "registries": "{kind: docker}"}.get(section, "x")
    text = f"name: m\n{section}:\n  A1: {value}\n  A1: {value}\n"

    message = config_error(text)

    assert message == (
        f"mldock.yaml: duplicate key '{section}.A1' at lines 3 and 4; "
        "keep only one of them"
    )


def test_duplicate_in_registry_settings(config_error):
    text = "name: m\nregistries:\n  hub:\n    kind: docker\n    opts: {a: 1, a: 2}\n"

    message = config_error(text)

    assert message == (
        "mldock.yaml: duplicate key 'registries.hub.opts.a' at line 5 (twice); "
        "keep only one of them"
    )


def test_missing_name(config_error):
    message = config_error("template: python\n")

    assert message == (
        "mldock.yaml: missing required key 'name' at line 1; "
        "add 'name: <image name>', such as 'name: fraud-model'"
    )


def test_name_uppercase(config_error):
    message = config_error("template: python\nname: FraudModel\n")

    assert message == (
        "mldock.yaml: line 2: image name 'FraudModel' is invalid: it must be "
        "lowercase; try 'fraudmodel'"
    )


def test_stage_tag_invalid(config_error):
    message = config_error("name: m\nstages:\n  prod:\n    tag: v1 beta\n")

    assert message == (
        "mldock.yaml: line 4: tag 'v1 beta' is invalid: a tag may contain only "
        "letters, digits, '_', '.' and '-', at most 128 characters, and may not "
        "start with '.' or '-'; try 'v1-beta'"
    )


def test_base_image_invalid(config_error):
    message = config_error("name: m\nbase_image: Python:3.11\n")

    assert message == (
        "mldock.yaml: line 2: image reference 'Python:3.11' is invalid: image name "
        "'Python' is invalid: it must be lowercase; try 'python'"
    )


@pytest.mark.parametrize(
    ("key", "text", "what"),
    [
        ("requirements", "requirements: /home/me/req.txt", "file"),
        ("build.dockerfile", "build:\n  dockerfile: /srv/Dockerfile", "file"),
        ("build.include[0]", "build:\n  include: [/srv/src]", "file or folder"),
        ("data.training", "data:\n  training: /mnt/data", "folder"),
    ],
)
def test_absolute_path_rejected(config_error, key, text, what):
    message = config_error(f"name: m\n{text}\n")

    value = text.rsplit(" ", 1)[1].strip("[]")
    line = text.count("\n") + 2
    assert message == (
        f"mldock.yaml: '{key}' at line {line} is the absolute path '{value}'; paths "
        f"are relative to the project folder, so move the {what} into the project "
        "and give its relative path"
    )


@pytest.mark.parametrize(
    ("key", "text", "what"),
    [
        ("requirements", "requirements: ../req.txt", "file"),
        ("build.dockerfile", "build:\n  dockerfile: docker/../../Dockerfile", "file"),
        ("build.include[0]", "build:\n  include: [..]", "file or folder"),
        ("data.training", "data:\n  training: ../shared/data", "folder"),
    ],
)
def test_escaping_path_rejected(config_error, key, text, what):
    message = config_error(f"name: m\n{text}\n")

    value = text.rsplit(" ", 1)[1].strip("[]")
    line = text.count("\n") + 2
    assert message == (
        f"mldock.yaml: '{key}' at line {line} is '{value}', which is outside the "
        f"project folder; move the {what} into the project and give its relative "
        "path"
    )


@pytest.mark.parametrize("value", ["~/req.txt", "C:\\req.txt", "D:/req.txt"])
def test_other_absolute_forms(config_error, value):
    message = config_error(f"name: m\nrequirements: '{value}'\n")

    assert f"is the absolute path '{value}'" in message


def test_empty_path_rejected(config_error):
    message = config_error("name: m\nrequirements: ''\n")

    assert message == (
        "mldock.yaml: 'requirements' at line 2 is empty; give the path of a file in "
        "the project"
    )


@pytest.mark.parametrize("channel", ["bad name", "-train", ".hidden", "a/b"])
def test_channel_name_invalid(config_error, channel):
    message = config_error(f"name: m\ndata:\n  '{channel}': data/x\n")

    assert message == (
        f"mldock.yaml: channel name '{channel}' at line 3 is invalid: it must start "
        "with a letter or digit and contain only letters, digits, '_', '.' and '-'"
    )


@pytest.mark.parametrize("key", ["9LIVES", "MY-VAR", "A B", "ÜBER"])
def test_environment_key_invalid(config_error, key):
    message = config_error(f"name: m\nenvironment:\n  '{key}': x\n")

    assert message == (
        f"mldock.yaml: environment variable name '{key}' at line 3 is invalid: it "
        "may contain only letters, digits and '_', and may not start with a digit"
    )


@pytest.mark.parametrize(
    "key",
    [
        "DB_PASSWORD",
        "HF_TOKEN",
        "github_token",
        "TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "OPENAI_API_KEY",
        "aws_access_key_id",
        "SSH_PRIVATE_KEY",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "MySecret",
    ],
)
def test_environment_secret_rejected(config_error, key):
    message = config_error(f"name: m\nenvironment:\n  {key}: x\n")

    assert message == (
        f"mldock.yaml: 'environment.{key}' at line 3 looks like a secret, and a "
        "value set here is stored in the image, where anyone who can pull it can "
        "read it; remove it and pass it at run time with "
        f"'mldock train -e {key}=VALUE' or 'mldock serve -e {key}=VALUE'"
    )


def test_stage_environment_secret_rejected(config_error):
    message = config_error(
        "name: m\nstages:\n  prod:\n    environment: {HF_TOKEN: x}\n"
    )

    assert message.startswith(
        "mldock.yaml: 'stages.prod.environment.HF_TOKEN' at line 4 looks like a secret"
    )


def test_environment_empty_value(config_error):
    message = config_error("name: m\nenvironment:\n  EMPTY:\n")

    assert message == (
        "mldock.yaml: 'environment.EMPTY' at line 3 must be a string, found an empty "
        "value; write '' for an empty string"
    )


def test_environment_list_value(config_error):
    message = config_error("name: m\nenvironment:\n  PATHS: [a, b]\n")

    assert message == (
        "mldock.yaml: 'environment.PATHS' at line 3 must be a string, found a list"
    )


def test_stage_registry_unknown(config_error):
    text = """
        name: m
        stages:
          prod: {registry: ecr}
        registries:
          hub: {kind: docker}
          ghcr: {kind: docker}
    """

    message = config_error(text)

    assert message == (
        "mldock.yaml: 'stages.prod.registry' at line 3 is 'ecr', which is not an "
        "entry of 'registries'; the registries are 'hub' and 'ghcr'"
    )


def test_stage_registry_close_match(config_error):
    text = "name: m\nstages:\n  prod: {registry: hubb}\nregistries:\n  hub: {kind: x}\n"

    message = config_error(text)

    assert message == (
        "mldock.yaml: 'stages.prod.registry' at line 3 is 'hubb', which is not an "
        "entry of 'registries'; the registries are 'hub'; did you mean 'hub'?"
    )


def test_stage_registry_none_defined(config_error):
    message = config_error("name: m\nstages:\n  prod:\n    registry: hub\n")

    assert message == (
        "mldock.yaml: 'stages.prod.registry' at line 4 is 'hub', which is not an "
        "entry of 'registries'; add it under 'registries' with its 'kind'"
    )


def test_registry_missing_kind(config_error):
    message = config_error("name: m\nregistries:\n  ecr:\n    region: eu-west-1\n")

    assert message == (
        "mldock.yaml: 'registries.ecr' at line 3 is missing the required key "
        "'kind'; add 'kind: <registry kind>', such as 'kind: docker'"
    )


def test_unknown_stage_lists_stages(config_error):
    text = "name: m\nstages:\n  dev: {tag: dev}\n  prod: {tag: v1}\n"

    message = config_error(text, stage="prd")

    assert message == (
        "mldock.yaml: unknown stage 'prd'; the stages are 'dev' and 'prod'; "
        "did you mean 'prod'?"
    )


def test_unknown_stage_no_match(config_error):
    text = "name: m\nstages:\n  dev: {tag: dev}\n  prod: {tag: v1}\n"

    message = config_error(text, stage="qa")

    assert message == "mldock.yaml: unknown stage 'qa'; the stages are 'dev' and 'prod'"


def test_unknown_stage_none_defined(config_error):
    message = config_error("name: m\n", stage="prod")

    assert message == (
        "mldock.yaml: unknown stage 'prod': the file defines no stages; add it "
        "under 'stages' or leave out the stage"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("port: 0", "'serve.port' at line 3 must be between 1 and 65535, found 0"),
        (
            "port: 70000",
            "'serve.port' at line 3 must be between 1 and 65535, found 70000",
        ),
        ("workers: 0", "'serve.workers' at line 3 must be at least 1, found 0"),
        (
            "max_request_size: 0",
            "'serve.max_request_size' at line 3 must be at least 1, found 0",
        ),
        (
            "startup_timeout: 0",
            (
                "'serve.startup_timeout' at line 3 must be a finite time above 0, "
                "found '0'"
            ),
        ),
        (
            "startup_timeout: -5s",
            (
                "'serve.startup_timeout' at line 3 must be a time in seconds, such as "
                "120, or a duration such as '90s' or '2m', found a string ('-5s')"
            ),
        ),
        (
            "startup_timeout: .inf",
            (
                "'serve.startup_timeout' at line 3 must be a finite time above 0, "
                "found '.inf'"
            ),
        ),
    ],
)
def test_serve_range_message(config_error, text, expected):
    assert config_error(f"name: m\nserve:\n  {text}\n") == f"mldock.yaml: {expected}"


@pytest.mark.parametrize("size", ["6 KB", "6mb", "MB", "6 MiBs", "-1MB", "yes"])
def test_size_invalid(config_error, size):
    message = config_error(f"name: m\nserve:\n  max_request_size: {size}\n")

    assert message.startswith(
        "mldock.yaml: 'serve.max_request_size' at line 3 must be a size in bytes "
        "such as 20971520, '20MiB' or '500kB' (kB, MB and GB count in 1000s, KiB, "
        "MiB and GiB in 1024s), found "
    )


def test_python_version_invalid(config_error):
    message = config_error("name: m\npython_version: '3'\n")

    assert message == (
        "mldock.yaml: 'python_version' at line 2 must be a Python version such as "
        "'3.11', found '3'"
    )


def test_system_package_invalid(config_error):
    message = config_error("name: m\nsystem_packages: ['libgomp1; rm -rf /']\n")

    assert message == (
        "mldock.yaml: 'system_packages[0]' at line 2 must be a Debian package name "
        "such as 'libgomp1' (lowercase letters, digits, '+', '-' and '.'), "
        "optionally pinned as 'name=version', found 'libgomp1; rm -rf /'"
    )


@pytest.mark.parametrize("platform", ["linux", "Linux/amd64", "linux/amd64/v8/x"])
def test_platform_invalid(config_error, platform):
    message = config_error(f"name: m\nbuild:\n  platform: {platform}\n")

    assert message == (
        "mldock.yaml: 'build.platform' at line 3 must be a platform such as "
        f"'linux/amd64' or 'linux/arm/v7', found '{platform}'"
    )


def test_hyperparameter_unknown_tag(config_error):
    message = config_error("name: m\nhyperparameters:\n  lr: !decimal 0.1\n")

    assert message == (
        "mldock.yaml: 'hyperparameters.lr' at line 3 has the YAML tag '!decimal', "
        "which hyperparameters do not support; write a plain number, string, "
        "boolean, list or mapping"
    )


def test_many_errors_listed(config_error):
    text = """
        name: Bad Name
        serve: 8080
        buildd: {}
        environment:
          API_KEY: x
    """

    message = config_error(text)

    lines = message.splitlines()
    assert lines[0] == "mldock.yaml: 4 errors"
    assert lines[1].startswith("mldock.yaml: line 1: image name 'Bad Name'")
    assert lines[2].startswith("mldock.yaml: 'serve' at line 2")
    assert lines[3].startswith("mldock.yaml: unknown key 'buildd' at line 3")
    assert lines[4].startswith("mldock.yaml: 'environment.API_KEY' at line 5")
    assert len(lines) == 5


def test_errors_sorted_by_line(config_error):
    text = "name: m\nserve: {port: 0}\nstages:\n  prod: {registry: x}\nbuild: 1\n"

    message = config_error(text)

    lines = [
        int(line.split(" at line ")[1].split()[0]) for line in message.splitlines()[1:]
    ]
    assert lines == sorted(lines)


def test_registry_setting_recursive(config_error):
    text = "name: m\nregistries:\n  hub:\n    kind: docker\n    loop: &r [1, *r]\n"

    message = config_error(text)

    assert message == (
        "mldock.yaml: 'registries.hub.loop[1]' at line 5 refers to itself through "
        "a YAML alias; remove the alias"
    )


def test_registry_setting_unknown_tag(config_error):
    message = config_error("name: m\nregistries:\n  hub: {kind: docker, x: !env A}\n")

    assert message == (
        "mldock.yaml: 'registries.hub.x' at line 3 has the YAML tag '!env', which "
        "mldock.yaml does not support; write a plain value"
    )
