"""Unit tests of runtime modules that need no child process."""

from __future__ import annotations

import signal

import pytest

from mldock_core.runtime.errors import SettingsError
from mldock_core.runtime.mediatypes import parse_accept, parse_media_type, preference
from mldock_core.runtime.settings import read_serve_settings, read_user_module
from mldock_core.runtime.workers import describe_exit


def test_serve_settings_defaults() -> None:
    settings = read_serve_settings({})

    assert settings.host == "0.0.0.0"
    assert settings.port == 8080
    assert settings.workers == 1
    assert settings.max_request_size == 20971520


def test_workers_variable_precedence() -> None:
    environment = {"MLDOCK_SERVE_WORKERS": "3", "SAGEMAKER_MODEL_SERVER_WORKERS": "5"}

    assert read_serve_settings(environment).workers == 3


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SAGEMAKER_BIND_TO_PORT", "70000"),
        ("SAGEMAKER_MODEL_SERVER_WORKERS", "0"),
        ("MLDOCK_MAX_REQUEST_SIZE", "20MB"),
    ],
)
def test_serve_settings_invalid(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        read_serve_settings({variable: value})

    assert f"{variable} is {value!r}, not a whole number" in str(raised.value)


def test_module_name_invalid() -> None:
    with pytest.raises(SettingsError) as raised:
        read_user_module({"MLDOCK_TRAIN_MODULE": "my-train"}, "train")

    assert "MLDOCK_TRAIN_MODULE is 'my-train'" in str(raised.value)


def test_module_expected_file() -> None:
    module = read_user_module(
        {"MLDOCK_CODE_DIR": "/code", "MLDOCK_SERVE_MODULE": "pkg.api"}, "serve"
    )

    assert str(module.expected_file) == "/code/src/pkg/api.py"


def test_media_type_quoted_params() -> None:
    media_type = parse_media_type('Text/CSV; Note="a;b \\"c\\""; HEADER=present')

    assert media_type.essence == "text/csv"
    assert media_type.params == {"note": 'a;b "c"', "header": "present"}


@pytest.mark.parametrize("value", ["", "text", "text/", "text/csv; header"])
def test_media_type_malformed(value: str) -> None:
    with pytest.raises(ValueError):
        parse_media_type(value)


def test_accept_specific_range_wins() -> None:
    ranges = parse_accept("text/*;q=0.2, text/csv, */*;q=0.5")

    assert preference(ranges, "text/csv")[0] == 1.0
    assert preference(ranges, "text/plain")[0] == 0.2
    assert preference(ranges, "application/json")[0] == 0.5


def test_accept_malformed_q_counts_one() -> None:
    ranges = parse_accept("text/csv;q=high, nonsense")

    assert len(ranges) == 1
    assert preference(ranges, "text/csv")[0] == 1.0


def test_exit_description_signal() -> None:
    assert describe_exit(3) == "exited with status 3"
    assert describe_exit(-signal.SIGTERM) == "was killed by SIGTERM"
    assert describe_exit(-signal.SIGKILL).startswith("was killed by SIGKILL")
