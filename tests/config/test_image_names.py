"""Image names and tags: Docker's rules, messages and suggested fixes."""

from __future__ import annotations

import re

import pytest

from mldock_core.errors import ConfigError
from mldock_core.names import (
    IMAGE_NAME_PATTERN,
    TAG_PATTERN,
    check_image_name,
    check_image_reference,
    check_tag,
    image_name_from_folder,
    split_image_reference,
    suggest_image_name,
)

VALID_NAMES = [
    "fraud-model",
    "fraud_model",
    "fraud__model",
    "fraud.model",
    "fraud---model",
    "a",
    "0",
    "acme/fraud-model",
    "acme/team/fraud-model",
    "ghcr.io/acme/fraud-model",
    "localhost/fraud",
    "localhost:5000/fraud",
    "registry:5000/fraud",
    "127.0.0.1:5000/fraud",
    "My.Registry.example.com/fraud",
    "[::1]:5000/fraud",
    "a" * 255,
]

INVALID_NAMES = [
    "",
    "FraudModel",
    "fraud model",
    "fraud-model:v1",
    "fraud@sha256:" + "a" * 64,
    "-fraud",
    "fraud-",
    "fraud..model",
    "fraud___model",
    "fraud_-model",
    "acme//fraud",
    "acme/",
    "/fraud",
    "Acme/fraud",
    "my_host.com/fraud",
    "a" * 256,
    "modèle",
]


def name_error(name: str) -> str:
    with pytest.raises(ConfigError) as caught:
        check_image_name(name)
    return str(caught.value)


def tag_error(tag: str) -> str:
    with pytest.raises(ConfigError) as caught:
        check_tag(tag)
    return str(caught.value)


@pytest.mark.parametrize("name", VALID_NAMES)
def test_name_valid(name):
    assert check_image_name(name) == name


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_name_invalid(name):
    with pytest.raises(ConfigError):
        check_image_name(name)


@pytest.mark.parametrize("name", VALID_NAMES)
def test_name_pattern_accepts(name):
    assert re.search(IMAGE_NAME_PATTERN, name)


@pytest.mark.parametrize("name", [n for n in INVALID_NAMES if len(n) <= 255])
def test_name_pattern_rejects(name):
    assert not re.search(IMAGE_NAME_PATTERN, name)


def test_name_uppercase_message():
    assert name_error("FraudModel") == (
        "image name 'FraudModel' is invalid: it must be lowercase; try 'fraudmodel'"
    )


def test_name_characters_message():
    assert name_error("Fraud Model!") == (
        "image name 'Fraud Model!' is invalid: each part between '/' may contain "
        "only lowercase letters, digits and the separators '.', '_', '__' or '-', "
        "and must start and end with a letter or digit; try 'fraud-model'"
    )


def test_name_no_suggestion():
    assert name_error("!!!") == (
        "image name '!!!' is invalid: each part between '/' may contain only "
        "lowercase letters, digits and the separators '.', '_', '__' or '-', and "
        "must start and end with a letter or digit"
    )


def test_name_empty_message():
    assert name_error("") == (
        "image name is empty; use a lowercase name such as 'fraud-model'"
    )


def test_name_tag_message():
    assert name_error("fraud-model:v1") == (
        "image name 'fraud-model:v1' is invalid: it must not contain a tag or "
        "digest; try 'fraud-model'"
    )


def test_name_too_long_message():
    message = name_error("a" * 256)

    assert message.startswith(
        f"image name '{'a' * 256}' is invalid: it has 256 characters, at most 255 "
        f"are allowed; try '{'a' * 255}'"
    )


def test_name_host_message():
    assert name_error("my_host.com/fraud") == (
        "image name 'my_host.com/fraud' is invalid: the registry host 'my_host.com' "
        "may contain only letters, digits, '-' and '.', optionally followed by ':' "
        "and a port number; try 'my-host.com/fraud'"
    )


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("FraudModel", "fraudmodel"),
        ("Fraud Model", "fraud-model"),
        ("fraud..model", "fraud-model"),
        ("fraud___model", "fraud-model"),
        ("-fraud-", "fraud"),
        ("modèle", "modele"),
        ("Acme/Fraud Model", "acme/fraud-model"),
        ("localhost:5000/Fraud", "localhost:5000/fraud"),
        ("fraud-model:v1", "fraud-model"),
        ("acme//fraud", "acme/fraud"),
        ("!!!", None),
        ("", None),
        ("fraud-model", None),
    ],
)
def test_suggest_image_name(bad, expected):
    assert suggest_image_name(bad) == expected


@pytest.mark.parametrize("bad", INVALID_NAMES)
def test_suggestion_is_valid(bad):
    suggestion = suggest_image_name(bad)

    if suggestion is not None:
        assert check_image_name(suggestion) == suggestion


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("Fraud Model", "fraud-model"),
        ("My_Model.v2", "my_model.v2"),
        ("fraud-model", "fraud-model"),
        ("__", "mldock-project"),
        ("", "mldock-project"),
        ("!!!", "mldock-project"),
        ("日本語", "mldock-project"),
        ("Café Prédictions", "cafe-predictions"),
        ("  spaced  out  ", "spaced-out"),
        ("a__b___c", "a__b-c"),
        ("v1.0_", "v1.0"),
    ],
)
def test_name_from_folder(folder, expected):
    assert image_name_from_folder(folder) == expected


@pytest.mark.parametrize(
    "folder",
    ["x" * 300, "a" * 254 + "_b", "._-", "UPPER/lower", "a b/c d", "..", "-_-a-_-"],
)
def test_name_from_folder_valid(folder):
    name = image_name_from_folder(folder)

    assert check_image_name(name) == name


@pytest.mark.parametrize(
    "tag", ["latest", "v1", "v1.0", "1.0-rc_1", "_private", "A" * 128, "3.11-slim"]
)
def test_tag_valid(tag):
    assert check_tag(tag) == tag
    assert re.search(TAG_PATTERN, tag)


@pytest.mark.parametrize("tag", [".v1", "-v1", "v1 beta", "v1/x", "a" * 129, "v:1"])
def test_tag_invalid(tag):
    with pytest.raises(ConfigError):
        check_tag(tag)
    assert not re.search(TAG_PATTERN, tag)


def test_tag_message():
    assert tag_error("v1 beta") == (
        "tag 'v1 beta' is invalid: a tag may contain only letters, digits, '_', '.' "
        "and '-', at most 128 characters, and may not start with '.' or '-'; "
        "try 'v1-beta'"
    )


def test_tag_empty_message():
    assert tag_error("") == "tag is empty; give a tag such as 'latest' or 'v1'"


@pytest.mark.parametrize(
    ("tag", "suggestion"),
    [
        (".hidden", "hidden"),
        ("a" * 130, "a" * 128),
        ("v1 ", "v1"),
        ("version 2!", "version-2"),
    ],
)
def test_tag_suggestion(tag, suggestion):
    assert tag_error(tag).endswith(f"; try '{suggestion}'")


def test_tag_no_suggestion():
    assert "try" not in tag_error("!!!")


@pytest.mark.parametrize(
    ("reference", "parts"),
    [
        ("python:3.11-slim", ("python", "3.11-slim", None)),
        ("python", ("python", None, None)),
        ("localhost:5000/x", ("localhost:5000/x", None, None)),
        ("localhost:5000/x:1", ("localhost:5000/x", "1", None)),
        ("x@sha256:abc", ("x", None, "sha256:abc")),
        ("x:1@sha256:abc", ("x", "1", "sha256:abc")),
    ],
)
def test_split_reference(reference, parts):
    assert split_image_reference(reference) == parts


@pytest.mark.parametrize(
    "reference",
    [
        "python:3.11-slim",
        "ghcr.io/acme/base:1.0",
        "localhost:5000/base",
        "python@sha256:" + "0" * 64,
        "python:3.11@sha256:" + "f" * 64,
    ],
)
def test_reference_valid(reference):
    assert check_image_reference(reference) == reference


def test_reference_bad_digest():
    with pytest.raises(ConfigError) as caught:
        check_image_reference("python@md5:12")

    assert str(caught.value) == (
        "image reference 'python@md5:12' is invalid: the digest 'md5:12' must have "
        "the form 'sha256:' followed by the hexadecimal hash"
    )


def test_reference_bad_tag():
    with pytest.raises(ConfigError) as caught:
        check_image_reference("python:3.11 slim")

    assert str(caught.value).startswith(
        "image reference 'python:3.11 slim' is invalid: tag '3.11 slim' is invalid"
    )
