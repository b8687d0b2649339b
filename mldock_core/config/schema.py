"""The schema of mldock.yaml: one definition for the loader and the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mldock_core.config.fields import (
    ByteSize,
    Duration,
    Field,
    Integer,
    ListOf,
    RelativePath,
    Text,
)
from mldock_core.config.mappings import (
    FreeForm,
    Hyperparameter,
    KeyRule,
    MapOf,
    Record,
)
from mldock_core.config.model import (
    BuildSettings,
    ProjectConfig,
    ServeSettings,
    Stage,
)
from mldock_core.names import (
    IMAGE_NAME_PATTERN,
    TAG_PATTERN,
    check_image_name,
    check_image_reference,
    check_tag,
)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "mldock.schema.json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Words that mark an environment variable as a secret. TOKEN counts only where
# no letter follows it, so MAX_TOKENS and TOKENIZERS_PARALLELISM stay allowed.
SECRET_WORDS = (
    "SECRET",
    "PASSWORD",
    "TOKEN(?![A-Za-z])",
    "API_KEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
)

NAME_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
ENVIRONMENT_KEY_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


def _any_case(pattern: str) -> str:
    """Spell every letter of ``pattern`` as a class of both cases.

    JSON Schema patterns have no case-insensitive flag, so ``TOKEN`` becomes
    ``[Tt][Oo][Kk][Ee][Nn]``. Letters already inside a class stay as they are.
    """
    spelled = []
    in_class = False
    for char in pattern:
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        if char.isalpha() and not in_class:
            spelled.append(f"[{char.upper()}{char.lower()}]")
        else:
            spelled.append(char)
    return "".join(spelled)


SECRET_PATTERN = "|".join(_any_case(word) for word in SECRET_WORDS)


def _name_key_rule(noun: str) -> KeyRule:
    return KeyRule(
        NAME_KEY_PATTERN,
        f"{noun} name '{{key}}' at line {{line}} is invalid: it must start with a "
        "letter or digit and contain only letters, digits, '_', '.' and '-'",
    )


ENVIRONMENT_KEY_RULES = (
    KeyRule(
        ENVIRONMENT_KEY_PATTERN,
        "environment variable name '{key}' at line {line} is invalid: it may "
        "contain only letters, digits and '_', and may not start with a digit",
    ),
    KeyRule(
        SECRET_PATTERN,
        "'{path}' at line {line} looks like a secret, and a value set here is "
        "stored in the image, where anyone who can pull it can read it; remove it "
        "and pass it at run time with 'mldock train -e {key}=VALUE' or "
        "'mldock serve -e {key}=VALUE'",
        must_match=False,
    ),
)


def _hyperparameters(description: str) -> Field:
    return MapOf(Hyperparameter("A hyperparameter value of any type."), description)


def _environment(description: str) -> Field:
    value = Text(
        "The variable's value; numbers and booleans keep their literal text.",
        accepts=("string", "number", "boolean"),
    )
    return MapOf(value, description, key_rules=ENVIRONMENT_KEY_RULES)


SERVE = Record(
    "Settings of the model server that `mldock serve` runs.",
    {
        "port": Integer(
            "Port on 127.0.0.1 where `mldock serve` publishes the server.",
            minimum=1,
            maximum=65535,
        ),
        "workers": Integer(
            "Number of server worker processes in the container; each loads "
            "the model once.",
            minimum=1,
        ),
        "max_request_size": ByteSize(
            "Maximum request body size; larger requests get HTTP 413. An integer "
            "counts bytes; a string has a unit: kB, MB, GB (powers of 1000) or "
            "KiB, MiB, GiB (powers of 1024), such as '6MB' or '500kB'."
        ),
        "startup_timeout": Duration(
            "How long `mldock serve` waits for GET /ping to succeed: seconds as "
            "a number, or a string such as '90s', '2m' or '500ms'. Must be "
            "above 0."
        ),
    },
    model=ServeSettings,
)

BUILD = Record(
    "Settings of `mldock build`: Dockerfile, platform, image contents and labels.",
    {
        "dockerfile": RelativePath(
            "Project-relative path of your own Dockerfile. mldock then uses it "
            "instead of generating one.",
            kind="file",
            nullable=True,
        ),
        "platform": Text(
            "Target platform of the image as os/arch[/variant], such as "
            "linux/amd64, linux/arm64 or linux/arm/v7. Unset means the "
            "Docker engine's own platform.",
            accepts=("string",),
            pattern=r"^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$",
            rule="a platform such as 'linux/amd64' or 'linux/arm/v7'",
            nullable=True,
        ),
        "include": ListOf(
            RelativePath("A project-relative file or folder.", kind="file or folder"),
            "Project-relative files and folders copied into the image's code "
            "layer. Paths must stay inside the project.",
        ),
        "labels": MapOf(
            Text(
                "The label's value.",
                accepts=("string", "number", "boolean"),
            ),
            "Extra labels of the image, such as " "org.opencontainers.image.source.",
        ),
    },
    model=BuildSettings,
)

STAGE = Record(
    "Overrides for one stage.",
    {
        "tag": Text(
            "Image tag for this stage: letters, digits, '_', '.' and '-', at "
            "most 128 characters, not starting with '.' or '-'.",
            check=check_tag,
            json_pattern=TAG_PATTERN,
            nullable=True,
        ),
        "registry": Text(
            "Name of an entry of 'registries' that `mldock push` sends this "
            "stage's image to.",
            nullable=True,
        ),
        "hyperparameters": _hyperparameters(
            "Hyperparameters merged over the top-level ones for this stage."
        ),
        "environment": _environment(
            "Environment variables merged over the top-level ones for this stage."
        ),
    },
    model=Stage,
)

REGISTRY = Record(
    "A registry that images can be pushed to. Keys other than 'kind' are "
    "settings of that registry kind, checked by its plugin.",
    {
        "kind": Text(
            "The registry kind, such as 'docker' (see `mldock plugins` for the "
            "installed kinds).",
            accepts=("string",),
        ),
    },
    required={"kind": "add 'kind: <registry kind>', such as 'kind: docker'"},
    extra=FreeForm("A setting of this registry kind."),
)

PROJECT = Record(
    "The mldock.yaml of a project: how mldock builds, runs and pushes its image.",
    {
        "name": Text(
            "Image name: lowercase letters, digits and the separators '.', '_', "
            "'__' or '-', with '/' between parts and an optional registry host "
            "in front, such as 'fraud-model' or 'ghcr.io/acme/fraud-model'.",
            check=check_image_name,
            json_pattern=IMAGE_NAME_PATTERN,
        ),
        "template": Text(
            "The template the project was created from (see `mldock templates`).",
            nullable=True,
        ),
        "python_version": Text(
            "Python version of the default base image, such as '3.11'. The "
            "literal text is kept, so 3.10 means 3.10, not 3.1.",
            pattern=r"^[0-9]+\.[0-9]+(\.[0-9]+)?$",
            rule="a Python version such as '3.11'",
        ),
        "base_image": Text(
            "The image to build on, such as 'python:3.11-slim'. "
            "Defaults to python:<python_version>-slim.",
            accepts=("string",),
            check=check_image_reference,
        ),
        "requirements": RelativePath(
            "Project-relative path of the pip requirements file installed in "
            "the image; null means none.",
            kind="file",
            nullable=True,
        ),
        "system_packages": ListOf(
            Text(
                "A Debian package name, optionally pinned as name=version.",
                accepts=("string",),
                pattern=r"^[a-z0-9][a-z0-9+.-]+(=[0-9][A-Za-z0-9.+~:-]*)?$",
                rule=(
                    "a Debian package name such as 'libgomp1' (lowercase letters, "
                    "digits, '+', '-' and '.'), optionally pinned as 'name=version'"
                ),
            ),
            "Debian packages installed with apt-get before the Python requirements.",
        ),
        "data": MapOf(
            RelativePath("A project-relative folder.", kind="folder"),
            "Training data channels: channel name -> project-relative folder, "
            "mounted at /opt/ml/input/data/<channel> during training. Setting "
            "this replaces the default channel.",
            key_rules=(_name_key_rule("channel"),),
        ),
        "hyperparameters": _hyperparameters(
            "Hyperparameters for training, written to hyperparameters.json as "
            "SageMaker does: every value as a string, with numbers, booleans, "
            "lists and mappings as JSON text."
        ),
        "environment": _environment(
            "Environment variables set in the image. Do not put secrets here: "
            "names that look like secrets (SECRET, PASSWORD, TOKEN, API_KEY, "
            "ACCESS_KEY, PRIVATE_KEY, CREDENTIAL) are rejected; pass those at "
            "run time with -e."
        ),
        "serve": SERVE,
        "build": BUILD,
        "stages": MapOf(
            STAGE,
            "Stages such as dev and prod: per-stage tag, registry and overrides, "
            "chosen with --stage.",
            key_rules=(_name_key_rule("stage"),),
        ),
        "registries": MapOf(
            REGISTRY,
            "Registries that stages push to, by name.",
            key_rules=(_name_key_rule("registry"),),
        ),
    },
    required={"name": "add 'name: <image name>', such as 'name: fraud-model'"},
    model=ProjectConfig,
    build=False,
)


def config_json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of mldock.yaml."""
    schema = {"$schema": JSON_SCHEMA_DIALECT, "title": "mldock.yaml"}
    schema.update(PROJECT.json_schema())
    return schema


def render_json_schema() -> str:
    """Return the JSON Schema as stored in SCHEMA_PATH: sorted, indented by 2."""
    return json.dumps(config_json_schema(), indent=2, sort_keys=True) + "\n"


def write_json_schema(path: Path = SCHEMA_PATH) -> Path:
    """Write the JSON Schema to ``path`` and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_json_schema(), encoding="utf-8")
    return path
