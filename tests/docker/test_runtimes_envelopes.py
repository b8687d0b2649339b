"""How predict and verify wrap a payload file for a runtime, and judge the response; no engine."""

from __future__ import annotations

import json

import pytest

from mldock_core.envelopes import check_response, wrap
from mldock_core.errors import ConfigError
from mldock_core.kinds import INSTANCES, KSERVE_V2, RAW


def body_of(request) -> dict:
    return json.loads(request.body)


def test_raw_unchanged():
    request = wrap(b"1,2\n3,4\n", "text/csv", RAW, "rows.csv")
    assert request.body == b"1,2\n3,4\n"
    assert request.content_type == "text/csv"
    assert request.instance_count == 2


def test_instances_from_csv():
    request = wrap(b"5.1,3.5,setosa\n7,3.2,x\n", "text/csv", INSTANCES, "rows.csv")
    assert body_of(request) == {"instances": [[5.1, 3.5, "setosa"], [7, 3.2, "x"]]}
    assert request.content_type == "application/json"
    assert request.instance_count == 2


def test_instances_already_wrapped():
    payload = {"instances": [1, 2, 3], "parameters": {"top_k": 1}}
    request = wrap(
        json.dumps(payload).encode(), "application/json", INSTANCES, "x.json"
    )
    assert body_of(request) == payload
    assert request.instance_count == 3


def test_instances_reject_scalar():
    with pytest.raises(ConfigError) as raised:
        wrap(b"3", "application/json", INSTANCES, "'x.json'")
    assert "payload 'x.json' contains a number" in str(raised.value)


def test_v2_tensor_of_rows():
    request = wrap(b"[[1, 2.5], [3, 4]]", "application/json", KSERVE_V2, "x.json")
    (tensor,) = body_of(request)["inputs"]
    assert tensor == {
        "name": "input-0",
        "shape": [2, 2],
        "datatype": "FP64",
        "data": [1, 2.5, 3, 4],
    }


@pytest.mark.parametrize(
    ("values", "datatype"),
    [
        ([1, 2], "INT64"),
        ([True, False], "BOOL"),
        (["a", "b"], "BYTES"),
        ([0.5], "FP64"),
    ],
)
def test_v2_datatypes(values, datatype):
    request = wrap(json.dumps(values).encode(), "application/json", KSERVE_V2, "x.json")
    assert body_of(request)["inputs"][0]["datatype"] == datatype


def test_v2_ragged_rows_rejected():
    with pytest.raises(ConfigError) as raised:
        wrap(b"[[1, 2], [3]]", "application/json", KSERVE_V2, "'x.json'")
    assert "payload 'x.json' has rows of different lengths" in str(raised.value)


def test_v2_binary_rejected():
    with pytest.raises(ConfigError) as raised:
        wrap(b"\x89PNG", "image/png", KSERVE_V2, "'x.png'")
    assert "is not UTF-8 text" in str(raised.value)


def test_invalid_json_position():
    with pytest.raises(ConfigError) as raised:
        wrap(b"[1,\n 2", "application/json", INSTANCES, "'x.json'")
    assert "payload 'x.json' is not valid JSON" in str(raised.value)
    assert "line 2" in str(raised.value)


def test_response_count_mismatch():
    problem = check_response(INSTANCES, 200, b'{"predictions": [1]}', 2)
    assert problem == "1 predictions for 2 instances"


def test_response_error_text():
    problem = check_response(
        RAW, 500, b'{"error": "predict() raised ValueError: bad"}', None
    )
    assert problem == "HTTP 500: predict() raised ValueError: bad"


def test_response_v2_missing_datatype():
    body = b'{"model_name": "m", "outputs": [{"name": "o", "shape": [1], "data": [1]}]}'
    assert check_response(KSERVE_V2, 200, body, None) == (
        'output 0 has no datatype: {"name": "o", "shape": [1], "data": [1]}'
    )


def test_response_v2_passes():
    body = b'{"model_name": "m", "outputs": [{"name": "o", "shape": [1], "datatype": "FP64", "data": [1.0]}]}'
    assert check_response(KSERVE_V2, 200, body, None) == ""
