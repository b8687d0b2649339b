"""Hyperparameter encoding for SageMaker's hyperparameters.json, and -p/-e values."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
import yaml

from mldock_core.config.yamldoc import ConfigLoader
from mldock_core.errors import ConfigError
from mldock_core.hyperparameters import encode, encode_node, parse_assignment


def decode(value: str) -> object:
    """Decode a value as the runtime in the container does."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def node(text: str) -> yaml.Node:
    return yaml.compose(text, Loader=ConfigLoader)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "true"),
        (False, "false"),
        (10, "10"),
        (-3, "-3"),
        (0.001, "0.001"),
        (1e-10, "1e-10"),
        ([64, 32], "[64, 32]"),
        ({"a": 1, "b": [True, None]}, '{"a": 1, "b": [true, null]}'),
        ((1, 2), "[1, 2]"),
        (None, "null"),
        ("adam", "adam"),
        ("", ""),
        ("true", '"true"'),
        ("10", '"10"'),
        ("[1]", '"[1]"'),
        ("null", '"null"'),
        ('"x"', '"\\"x\\""'),
        (" 10 ", '" 10 "'),
        ("{not json", "{not json"),
    ],
)
def test_encode(value, expected):
    assert encode(value) == expected


@pytest.mark.parametrize(
    "text",
    ["true", "false", "10", "0.5", "[1]", "{}", "null", '"x"', " 1", "", "adam", "NaN"],
)
def test_encode_string_round_trip(text):
    assert decode(encode(text)) == text


def test_encode_never_repr():
    assert encode(False) != "False"
    assert encode([True]) == "[true]"


def test_encode_unsupported():
    with pytest.raises(ConfigError) as caught:
        encode({1, 2})

    assert str(caught.value) == (
        "hyperparameter value {1, 2} cannot be written as JSON (Object of type set "
        "is not JSON serializable); use a number, string, boolean, null, list or "
        "mapping"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.001", "0.001"),
        ("3.10", "3.10"),
        ("10", "10"),
        ("-0", "-0"),
        ("1e-3", "1e-3"),
        ("1.5e3", "1.5e3"),
        ("1.0e+3", "1.0e+3"),
        ("0x1F", "31"),
        ("0o17", "0o17"),
        ("010", "8"),
        ("1_000", "1000"),
        ("+5", "5"),
        ("1.", "1.0"),
        (".5", "0.5"),
        (".inf", "Infinity"),
        ("-.inf", "-Infinity"),
        (".nan", "NaN"),
        ("1:30", "90"),
        ("yes", "true"),
        ("No", "false"),
        ("on", "true"),
        ("off", "false"),
        ("true", "true"),
        ("~", "null"),
        ("null", "null"),
        ("adam", "adam"),
        ("'10'", '"10"'),
        ('"true"', '"true"'),
        ("2024-01-01", "2024-01-01"),
        ("[64, 32]", "[64, 32]"),
        ("[64,32]", "[64, 32]"),
        ("[0.10, yes, ~, '1', a]", '[0.10, true, null, "1", "a"]'),
        ("{b: 1, a: [x]}", '{"b": 1, "a": ["x"]}'),
        ("{3: x}", '{"3": "x"}'),
        ("[]", "[]"),
        ("{}", "{}"),
    ],
)
def test_encode_node(text, expected):
    assert encode_node(node(text)) == expected


def test_encode_node_block_mapping():
    text = "lr: 0.001\nlayers:\n  - 64\n  - 32\nopts:\n  momentum: 0.9\n"
    root = node(text)
    values = {key.value: encode_node(value) for key, value in root.value}

    assert values == {"lr": "0.001", "layers": "[64, 32]", "opts": '{"momentum": 0.9}'}


def test_encode_node_alias():
    root = node("base: &b [1, 2]\ncopy: *b\n")

    assert encode_node(root.value[1][1]) == "[1, 2]"


def test_encode_node_merge_key():
    root = node("{base: &b {x: 1, y: 2}, v: {<<: *b, y: 3}}")

    assert encode_node(root.value[1][1]) == '{"y": 3, "x": 1}'


def test_encode_node_recursive():
    root = node("a: &r [1, *r]\n")

    with pytest.raises(ConfigError) as caught:
        encode_node(root.value[0][1], "a")

    assert str(caught.value) == (
        "'a[1]' at line 1 refers to itself through a YAML alias; JSON cannot "
        "represent a recursive value"
    )


def test_encode_node_duplicate_key():
    with pytest.raises(ConfigError) as caught:
        encode_node(node("{a: 1,\n a: 2}"), "opts")

    assert str(caught.value) == (
        "duplicate key 'opts.a' at lines 1 and 2; keep only one of them"
    )


def test_encode_node_unknown_tag():
    with pytest.raises(ConfigError) as caught:
        encode_node(node("[!!binary aGk=]"), "blob")

    assert str(caught.value) == (
        "'blob[0]' at line 1 has the YAML tag 'tag:yaml.org,2002:binary', which "
        "hyperparameters do not support; write a plain number, string, boolean, "
        "list or mapping"
    )


def test_round_trip_typed():
    root = node("{use_gpu: false, lr: 0.001, epochs: 10, layers: [64, 32]}")
    encoded = {key.value: encode_node(value) for key, value in root.value}

    assert encoded == {
        "use_gpu": "false",
        "lr": "0.001",
        "epochs": "10",
        "layers": "[64, 32]",
    }
    decoded = {key: decode(value) for key, value in encoded.items()}
    assert decoded == {"use_gpu": False, "lr": 0.001, "epochs": 10, "layers": [64, 32]}
    assert decoded["use_gpu"] is False
    assert type(decoded["epochs"]) is int


def test_round_trip_special_floats():
    assert math.isinf(decode(encode_node(node(".inf"))))
    assert math.isnan(decode(encode_node(node(".nan"))))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lr=0.001", ("lr", "0.001")),
        ("layers=[64,32]", ("layers", "[64, 32]")),
        ("use_gpu=false", ("use_gpu", "false")),
        ("use_gpu=yes", ("use_gpu", "true")),
        ("name=abc", ("name", "abc")),
        ("v=3.10", ("v", "3.10")),
        ("lr=1e-3", ("lr", "1e-3")),
        ("opts={a: 1}", ("opts", '{"a": 1}')),
        ("s='10'", ("s", '"10"')),
        ("empty=", ("empty", "")),
        ("expr=a=b", ("expr", "a=b")),
        ("msg=hello: world", ("msg", "hello: world")),
        ("note=a # b", ("note", "a # b")),
        ("item=- a", ("item", "- a")),
        ("hash=#x", ("hash", "#x")),
        ("n=null", ("n", "null")),
        (" key =5", ("key", "5")),
    ],
)
def test_parse_hyperparameter(text, expected):
    assert parse_assignment(text, "-p") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LOG_LEVEL=debug", ("LOG_LEVEL", "debug")),
        ("FLAG=yes", ("FLAG", "yes")),
        ("N=010", ("N", "010")),
        ("LIST=[1,2]", ("LIST", "[1,2]")),
        ("EMPTY=", ("EMPTY", "")),
        ("URL=a=b&c=d", ("URL", "a=b&c=d")),
        ("SPACES= x ", ("SPACES", " x ")),
    ],
)
def test_parse_environment_raw(text, expected):
    assert parse_assignment(text, "-e", raw=True) == expected


def test_parse_missing_equals():
    with pytest.raises(ConfigError) as caught:
        parse_assignment("lr0.001", "-p")

    assert str(caught.value) == (
        "invalid -p 'lr0.001': no '=' found; use the form -p KEY=VALUE"
    )


def test_parse_empty_key():
    with pytest.raises(ConfigError) as caught:
        parse_assignment("=debug", "-e", raw=True)

    assert str(caught.value) == (
        "invalid -e '=debug': the key before '=' is empty; use the form -e KEY=VALUE"
    )


def test_parse_broken_list():
    with pytest.raises(ConfigError) as caught:
        parse_assignment("layers=[64, 32", "-p")

    assert str(caught.value) == (
        "invalid -p 'layers=[64, 32': the value is not a valid YAML list or mapping "
        "(expected ',' or ']', but got '<stream end>'); quote the whole value to "
        "pass it as a string"
    )


def test_parse_duplicate_key():
    with pytest.raises(ConfigError) as caught:
        parse_assignment("opts={a: 1, a: 2}", "-p")

    assert str(caught.value) == (
        "invalid -p 'opts={a: 1, a: 2}': duplicate key 'opts.a' at line 1 (twice); "
        "keep only one of them"
    )


@pytest.mark.parametrize(
    "module", ["mldock_core.hyperparameters", "mldock_core.config"]
)
def test_import_order(module):
    # mldock_core.config and mldock_core.hyperparameters import each other.
    code = f"import {module}; from mldock_core.hyperparameters import encode_node"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
