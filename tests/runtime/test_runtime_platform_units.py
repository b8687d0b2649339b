"""Unit tests of platform detection, envelopes and KServe v2 tensors, in process."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy
import pytest

from mldock_core.runtime.decode import decode_body
from mldock_core.runtime.encode import encode_result
from mldock_core.runtime.envelopes import envelope_for
from mldock_core.runtime.errors import HttpError, SettingsError
from mldock_core.runtime.kserve_v2 import decode_inputs, encode_outputs
from mldock_core.runtime.mediatypes import parse_media_type
from mldock_core.runtime.platforms import local_path, read_platform_config
from mldock_core.runtime.routes import build_routes
from mldock_core.runtime.settings import MlLayout, read_serve_settings

LAYOUT = MlLayout(Path("/opt/ml"))
LOG = logging.getLogger("mldock.test")
JSON = parse_media_type("application/json")


def tensor(name: str, shape: list, datatype: str, data: list) -> dict:
    return {"name": name, "shape": shape, "datatype": datatype, "data": data}


def http_error(function, *args) -> HttpError:
    with pytest.raises(HttpError) as raised:
        function(*args)
    return raised.value


def test_platform_defaults() -> None:
    config = read_platform_config({}, LAYOUT)

    assert config.vertex_health_route is None
    assert config.vertex_predict_route is None
    assert config.azureml is False
    assert config.model_name == "model"
    assert config.model_dir == Path("/opt/ml/model")
    assert config.model_uri is None


def test_azureml_model_dir_switches_on() -> None:
    config = read_platform_config({"AZUREML_MODEL_DIR": "/var/models/m/1"}, LAYOUT)

    assert config.azureml is True
    assert config.model_dir == Path("/var/models/m/1")


def test_azureml_by_platform_variable() -> None:
    config = read_platform_config({"MLDOCK_PLATFORM": "AzureML"}, LAYOUT)

    assert config.azureml is True
    assert config.model_dir == Path("/opt/ml/model")


@pytest.mark.parametrize(
    ("uri", "expected"),
    [("file:///mnt/my%20model", "/mnt/my model"), ("/mnt/model", "/mnt/model")],
)
def test_storage_uri_local(uri: str, expected: str) -> None:
    config = read_platform_config({"AIP_STORAGE_URI": uri}, LAYOUT)

    assert config.model_dir == Path(expected)
    assert config.model_uri is None


def test_storage_uri_remote_warns(caplog: pytest.LogCaptureFixture) -> None:
    environment = {"AIP_STORAGE_URI": "gs://bucket/model"}

    with caplog.at_level(logging.WARNING, logger="mldock.test"):
        config = read_platform_config(environment, LAYOUT, LOG)

    assert config.model_dir == Path("/opt/ml/model")
    assert config.model_uri == "gs://bucket/model"
    assert "AIP_STORAGE_URI is gs://bucket/model" in caplog.text
    assert "ctx.model_uri" in caplog.text


def test_azureml_dir_wins_over_storage_uri() -> None:
    environment = {"AZUREML_MODEL_DIR": "/azure", "AIP_STORAGE_URI": "/vertex"}

    assert read_platform_config(environment, LAYOUT).model_dir == Path("/azure")


@pytest.mark.parametrize(
    "location", ["gs://bucket/m", "s3://bucket/m", "file://otherhost/m"]
)
def test_local_path_remote_none(location: str) -> None:
    assert local_path(location) is None


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"MLDOCK_PLATFORM": "aws"}, "MLDOCK_PLATFORM is 'aws', not one of"),
        ({"MLDOCK_PLATFORM": "vertex"}, "but AIP_PREDICT_ROUTE is not set"),
        ({"AIP_PREDICT_ROUTE": "predict"}, "AIP_PREDICT_ROUTE is 'predict', not an"),
        ({"MLDOCK_MODEL_NAME": "a/b"}, "MLDOCK_MODEL_NAME is 'a/b', which cannot"),
    ],
)
def test_platform_settings_invalid(environment: dict, expected: str) -> None:
    with pytest.raises(SettingsError) as raised:
        read_platform_config(environment, LAYOUT)

    assert expected in str(raised.value)


def test_vertex_port_precedence() -> None:
    environment = {"AIP_HTTP_PORT": "9000", "SAGEMAKER_BIND_TO_PORT": "8081"}

    assert read_serve_settings(environment).port == 9000


def test_vertex_port_invalid() -> None:
    with pytest.raises(SettingsError) as raised:
        read_serve_settings({"AIP_HTTP_PORT": "http"})

    assert "AIP_HTTP_PORT is 'http', not a whole number 1 to 65535" in str(raised.value)


def test_vertex_route_replaces_same_path(caplog: pytest.LogCaptureFixture) -> None:
    config = read_platform_config({"AIP_PREDICT_ROUTE": "/invocations"}, LAYOUT)

    with caplog.at_level(logging.WARNING, logger="mldock.test"):
        routes = build_routes(config, LOG)

    assert routes.methods("/invocations")["POST"].platform == "vertex"
    assert "replaces the sagemaker route POST /invocations" in caplog.text


def test_vertex_routes_share_path() -> None:
    environment = {"AIP_HEALTH_ROUTE": "/m", "AIP_PREDICT_ROUTE": "/m"}

    routes = build_routes(read_platform_config(environment, LAYOUT), LOG)

    assert sorted(routes.methods("/m")) == ["GET", "POST"]


def test_v2_nested_data_accepted() -> None:
    inputs = [tensor("x", [2, 2], "FP32", [[1, 2.5], [3, 4]])]

    assert decode_inputs(inputs) == [[1, 2.5], [3, 4]]


def test_v2_float_datatype_floats() -> None:
    result = decode_inputs([tensor("x", [2], "FP32", [1, 2.5])])

    assert result == [1.0, 2.5]
    assert isinstance(result[0], float)


def test_v2_scalar_shape() -> None:
    assert decode_inputs([tensor("x", [], "INT32", [7])]) == 7


def test_v2_zero_size_shape() -> None:
    assert decode_inputs([tensor("x", [2, 0], "FP64", [])]) == [[], []]


def test_v2_three_dimensions() -> None:
    data = list(range(8))

    result = decode_inputs([tensor("x", [2, 2, 2], "INT64", data)])

    assert result == [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (tensor("x", [1], "UINT8", [256]), "element 0 of its data is 256 (int)"),
        (tensor("x", [1], "INT64", [True]), "whole numbers from"),
        (tensor("x", [1], "FP32", ["1.5"]), "send numbers"),
        (tensor("x", [1], "BOOL", [1]), "send true or false"),
        (tensor("x", [1], "FLOAT", [1]), "datatype 'FLOAT', which is not one of"),
        (tensor("x", [-1], "FP32", [1]), "a shape is a list of whole numbers >= 0"),
        (tensor(3, [1], "FP32", [1]), 'inputs[0] "name" must be a string'),
        ("x", "inputs[0] must be an object"),
    ],
)
def test_v2_input_invalid(item: object, expected: str) -> None:
    error = http_error(decode_inputs, [item])

    assert error.status == 400
    assert expected in error.message


def test_v2_duplicate_names() -> None:
    inputs = [tensor("x", [1], "FP32", [1]), tensor("x", [1], "FP32", [2])]

    error = http_error(decode_inputs, inputs)

    assert "inputs[1] repeats the input name 'x'" in error.message


@pytest.mark.parametrize("inputs", [[], {"name": "x"}, None])
def test_v2_inputs_not_list(inputs: object) -> None:
    error = http_error(decode_inputs, inputs)

    assert '"inputs" must be a non-empty list' in error.message


@pytest.mark.parametrize(
    ("result", "shape", "datatype"),
    [
        ([True, False], [2], "BOOL"),
        ([[1, 2], [3, 4]], [2, 2], "INT64"),
        ([1, 2.5], [2], "FP64"),
        (["a", b"b"], [2], "BYTES"),
        ([], [0], "FP64"),
        (3, [], "INT64"),
        ([2**70], [1], "FP64"),
        (numpy.zeros((2, 1), dtype=numpy.uint8), [2, 1], "UINT8"),
        (numpy.array([True]), [1], "BOOL"),
        ([numpy.float32(1.5), numpy.float32(2)], [2], "FP64"),
    ],
)
def test_v2_output_inferred(result: object, shape: list, datatype: str) -> None:
    [output] = encode_outputs(result)

    assert output["name"] == "output-0"
    assert output["shape"] == shape
    assert output["datatype"] == datatype


def test_v2_output_bytes_as_text() -> None:
    [output] = encode_outputs([b"caf\xc3\xa9"])

    assert output["data"] == ["café"]


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (["a", 1], "elements of the kinds int, str"),
        ([None], "elements of the kinds NoneType"),
        ({1: [1]}, "the key 1, but the output tensors"),
        ([b"\xff"], "not UTF-8 text"),
        ([[1], [2, 3]], "ragged value for the output 'output-0'"),
        ([[1], 2], "ragged value"),
    ],
)
def test_v2_output_invalid(result: object, expected: str) -> None:
    error = http_error(encode_outputs, result)

    assert error.status == 500
    assert expected in error.message


def test_kserve_v1_inputs_key() -> None:
    envelope = envelope_for("kserve-v1", "model")

    request = envelope.decode(b'{"inputs": {"a": [1, 2]}}', JSON)

    assert request.data == {"a": [1, 2]}
    assert request.parameters == {}


def test_vertex_instances_not_list() -> None:
    envelope = envelope_for("vertex", "model")

    error = http_error(envelope.decode, b'{"instances": {"a": 1}}', JSON)

    assert error.status == 400
    assert '"instances" must be a list' in error.message


def test_npy_without_numpy_415(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry makes `import numpy` raise ImportError, as in an image
    # without numpy.
    monkeypatch.setitem(sys.modules, "numpy", None)

    error = http_error(decode_body, b"\x93NUMPY", parse_media_type("application/npy"))

    assert error.status == 415
    assert "needs numpy, which is not installed in the image" in error.message
    assert "application/npy" not in error.fields["accepted"]


def test_npy_accept_plain_result_json() -> None:
    content_type, body = encode_result([1, 2], "application/x-npy")

    assert content_type == "application/json"
    assert body == b"[1, 2]"


def test_npy_accept_prefers_npy_type() -> None:
    accept = "application/json;q=0.5, application/npy"

    content_type, body = encode_result(numpy.arange(3), accept)

    assert content_type == "application/npy"
    assert body.startswith(b"\x93NUMPY")
