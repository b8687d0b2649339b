"""Each platform's contract, served by one ``mldock_runtime serve`` process.

The module's server runs with the variables that Vertex AI and Azure ML set, so
that SageMaker's, Vertex AI's, Azure ML's and KServe's routes all respond at once,
with the same predict().
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy
import pytest
from runtime_harness import Response, Server, make_project, start_server

MODEL_NAME = "iris"
HEALTH_ROUTE = "/v1/endpoints/1/deployedModels/2"
PREDICT_ROUTE = "/v1/endpoints/1/deployedModels/2:predict"
# A health route must respond well within the probe timeouts of the platforms,
# which are whole seconds, while predict() runs.
HEALTH_DEADLINE = 1.0

PLATFORM_SERVE = """
    import time

    import numpy

    def load(ctx):
        return {"model_dir": str(ctx.model_dir), "model_uri": ctx.model_uri}

    def describe(model, data, ctx):
        return {
            "platform": ctx.platform,
            "parameters": ctx.parameters,
            "type": type(data).__name__,
            "data": data,
            "model_dir": model["model_dir"],
        }

    def predict(model, data, ctx):
        mode = ctx.headers.get("x-test-mode", "echo")
        if mode == "echo":
            return data
        if mode == "describe":
            return describe(model, data, ctx)
        if mode == "describe-each":
            return [describe(model, item, ctx) for item in data]
        if mode == "drop-last":
            return data[:-1]
        if mode == "v2-describe":
            return {
                "platform": ctx.platform,
                "type": type(data).__name__,
                "names": sorted(data),
                "b": data["b"],
                "mode": ctx.parameters["mode"],
            }
        if mode == "mapping":
            return {"label": "setosa"}
        if mode == "tensors":
            return {"platform": ctx.platform, "scores": [[0.5, 0.25], [1, 2]]}
        if mode == "float32":
            return numpy.asarray(data, dtype="float32") * 2
        if mode == "ragged":
            return [[1, 2], [3]]
        if mode == "double":
            return data * 2
        if mode == "spin":
            # Pure Python, so the loop holds the GIL except at switch intervals.
            deadline = time.monotonic() + float(ctx.headers["x-seconds"])
            while time.monotonic() < deadline:
                pass
            return data
        raise ValueError(f"unknown test mode {mode}")
"""


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("azureml-model")


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, runtime_lib: Path, model_dir: Path
) -> Iterator[Server]:
    project = make_project(
        tmp_path_factory.mktemp("platforms") / "project", runtime_lib
    )
    project.write_source("serve.py", PLATFORM_SERVE)
    running = start_server(
        project,
        port_variable="AIP_HTTP_PORT",
        AIP_HEALTH_ROUTE=HEALTH_ROUTE,
        AIP_PREDICT_ROUTE=PREDICT_ROUTE,
        AZUREML_MODEL_DIR=str(model_dir),
        MLDOCK_MODEL_NAME=MODEL_NAME,
    )
    yield running
    running.stop()


def error_of(response: Response) -> str:
    return response.json()["error"]


def npy_bytes(array: numpy.ndarray) -> bytes:
    buffer = io.BytesIO()
    numpy.save(buffer, array)
    return buffer.getvalue()


def test_vertex_health_route(server: Server) -> None:
    response = server.request("GET", HEALTH_ROUTE)

    assert response.status == 200


def test_vertex_round_trip(server: Server) -> None:
    body = {"instances": [[1, 2], [3, 4]], "parameters": {"threshold": 0.5}}

    response = server.post_json(PREDICT_ROUTE, body, X_Test_Mode="describe-each")

    assert response.status == 200
    predictions = response.json()["predictions"]
    assert [item["data"] for item in predictions] == [[1, 2], [3, 4]]
    assert predictions[0]["platform"] == "vertex"
    assert predictions[0]["parameters"] == {"threshold": 0.5}


def test_vertex_no_parameters_empty(server: Server) -> None:
    response = server.post_json(
        PREDICT_ROUTE, {"instances": ["a"]}, X_Test_Mode="describe-each"
    )

    assert response.status == 200
    assert response.json()["predictions"][0]["parameters"] == {}


def test_vertex_length_mismatch_500(server: Server) -> None:
    body = {"instances": [1, 2, 3]}

    response = server.post_json(PREDICT_ROUTE, body, X_Test_Mode="drop-last")

    assert response.status == 500
    message = error_of(response)
    assert "predict() returned 2 predictions for 3 instances" in message
    assert "Vertex AI needs one prediction per instance" in message


def test_vertex_mapping_result_500(server: Server) -> None:
    body = {"instances": [1]}

    response = server.post_json(PREDICT_ROUTE, body, X_Test_Mode="mapping")

    assert response.status == 500
    assert "returned a dict, not a list, for 1 instance;" in error_of(response)


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (b'{"inputs": [1]}', "the body is an object without it"),
        (b"[1, 2]", "the body is a list"),
    ],
)
def test_vertex_missing_instances_400(server: Server, body: bytes, found: str) -> None:
    response = server.request(
        "POST", PREDICT_ROUTE, body, {"Content-Type": "application/json"}
    )

    assert response.status == 400
    message = error_of(response)
    assert 'Request body has no "instances": Vertex AI needs' in message
    assert found in message


def test_vertex_parameters_not_object_400(server: Server) -> None:
    body = {"instances": [1], "parameters": [1]}

    response = server.post_json(PREDICT_ROUTE, body)

    assert response.status == 400
    assert '"parameters" must be a JSON object' in error_of(response)


def test_vertex_csv_body_415(server: Server) -> None:
    response = server.request(
        "POST", PREDICT_ROUTE, b"1,2\n", {"Content-Type": "text/csv"}
    )

    assert response.status == 415
    assert 'takes {"instances": [...]} as application/json' in error_of(response)
    assert response.json()["accepted"] == ["application/json"]


def test_vertex_no_content_type_json(server: Server) -> None:
    response = server.request("POST", PREDICT_ROUTE, b'{"instances": [7]}')

    assert response.status == 200
    assert response.json() == {"predictions": [7]}


def test_azureml_liveness(server: Server) -> None:
    response = server.request("GET", "/")

    assert response.status == 200
    assert response.body == b"Healthy"


def test_azureml_score_csv(server: Server, model_dir: Path) -> None:
    response = server.request(
        "POST",
        "/score",
        b"1,2.5\n3,x\n",
        {"Content-Type": "text/csv", "X-Test-Mode": "describe"},
    )

    assert response.status == 200
    result = response.json()
    assert result["platform"] == "azureml"
    assert result["data"] == [[1, 2.5], [3, "x"]]
    assert result["model_dir"] == str(model_dir)


def test_sagemaker_beside_others(server: Server) -> None:
    response = server.post(b"[1]", "application/json", X_Test_Mode="describe")

    assert response.status == 200
    assert response.json()["platform"] == "sagemaker"


def test_kserve_v1_ready(server: Server) -> None:
    response = server.request("GET", f"/v1/models/{MODEL_NAME}")

    assert response.status == 200
    assert response.json() == {"name": MODEL_NAME, "ready": True}


def test_kserve_v1_list_models(server: Server) -> None:
    response = server.request("GET", "/v1/models")

    assert response.json() == {"models": [MODEL_NAME]}


def test_kserve_v1_round_trip(server: Server) -> None:
    body = {"instances": [[5.1, 3.5]], "parameters": {"top_k": 2}}

    response = server.post_json(
        f"/v1/models/{MODEL_NAME}:predict", body, X_Test_Mode="describe"
    )

    assert response.status == 200
    predictions = response.json()["predictions"]
    assert predictions["platform"] == "kserve-v1"
    assert predictions["data"] == [[5.1, 3.5]]
    assert predictions["parameters"] == {"top_k": 2}


def test_kserve_v1_missing_instances_400(server: Server) -> None:
    response = server.post_json(f"/v1/models/{MODEL_NAME}:predict", {"rows": [1]})

    assert response.status == 400
    assert 'Request body has no "instances": KServe v1 needs' in error_of(response)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v2/health/live", {"live": True}),
        ("/v2/health/ready", {"ready": True}),
        (f"/v2/models/{MODEL_NAME}/ready", {"name": MODEL_NAME, "ready": True}),
    ],
)
def test_kserve_v2_health(server: Server, path: str, expected: dict) -> None:
    response = server.request("GET", path)

    assert response.status == 200
    assert response.json() == expected


def test_kserve_v2_model_metadata(server: Server) -> None:
    response = server.request("GET", f"/v2/models/{MODEL_NAME}")

    assert response.status == 200
    assert response.json()["name"] == MODEL_NAME


def test_kserve_v2_round_trip(server: Server) -> None:
    body = {
        "id": "request-7",
        "inputs": [
            {
                "name": "x",
                "shape": [2, 3],
                "datatype": "INT64",
                "data": [1, 2, 3, 4, 5, 6],
            }
        ],
    }

    response = server.post_json(f"/v2/models/{MODEL_NAME}/infer", body)

    assert response.status == 200
    assert response.json() == {
        "model_name": MODEL_NAME,
        "id": "request-7",
        "outputs": [
            {
                "name": "output-0",
                "shape": [2, 3],
                "datatype": "INT64",
                "data": [1, 2, 3, 4, 5, 6],
            }
        ],
    }


def test_kserve_v2_several_inputs(server: Server) -> None:
    body = {
        "inputs": [
            {"name": "a", "shape": [2], "datatype": "FP32", "data": [0.5, 1]},
            {"name": "b", "shape": [1, 1], "datatype": "BYTES", "data": [["hi"]]},
        ],
        "parameters": {"mode": "fast"},
    }

    response = server.post_json(
        f"/v2/models/{MODEL_NAME}/infer", body, X_Test_Mode="v2-describe"
    )

    assert response.status == 200
    outputs = {output["name"]: output for output in response.json()["outputs"]}
    assert outputs["platform"]["data"] == ["kserve-v2"]
    assert outputs["type"]["data"] == ["dict"]
    assert outputs["names"]["data"] == ["a", "b"]
    assert outputs["b"]["shape"] == [1, 1]
    assert outputs["b"]["data"] == ["hi"]
    assert outputs["mode"]["data"] == ["fast"]


def test_kserve_v2_dict_outputs(server: Server) -> None:
    body = {"inputs": [{"name": "x", "shape": [1], "datatype": "BOOL", "data": [True]}]}

    response = server.post_json(
        f"/v2/models/{MODEL_NAME}/infer", body, X_Test_Mode="tensors"
    )

    assert response.status == 200
    assert response.json()["outputs"] == [
        {"name": "platform", "shape": [], "datatype": "BYTES", "data": ["kserve-v2"]},
        {
            "name": "scores",
            "shape": [2, 2],
            "datatype": "FP64",
            "data": [0.5, 0.25, 1, 2],
        },
    ]


def test_kserve_v2_numpy_datatype(server: Server) -> None:
    body = {
        "inputs": [{"name": "x", "shape": [3], "datatype": "FP64", "data": [1, 2, 3]}]
    }

    response = server.post_json(
        f"/v2/models/{MODEL_NAME}/infer", body, X_Test_Mode="float32"
    )

    assert response.status == 200
    output = response.json()["outputs"][0]
    assert output["datatype"] == "FP32"
    assert output["data"] == [2.0, 4.0, 6.0]


def test_kserve_v2_shape_mismatch_400(server: Server) -> None:
    body = {
        "inputs": [
            {"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [1, 2, 3]}
        ]
    }

    response = server.post_json(f"/v2/models/{MODEL_NAME}/infer", body)

    assert response.status == 400
    message = error_of(response)
    assert "Input 'x' has the shape [2, 2], which needs 4 elements" in message
    assert "but its data has 3" in message


def test_kserve_v2_missing_inputs_400(server: Server) -> None:
    response = server.post_json(f"/v2/models/{MODEL_NAME}/infer", {"instances": [1]})

    assert response.status == 400
    assert 'Request body has no "inputs": KServe v2 needs' in error_of(response)


def test_kserve_v2_input_missing_keys_400(server: Server) -> None:
    body = {"inputs": [{"name": "x", "data": [1]}]}

    response = server.post_json(f"/v2/models/{MODEL_NAME}/infer", body)

    assert response.status == 400
    assert 'inputs[0] has no "shape", "datatype"' in error_of(response)


def test_kserve_v2_ragged_result_500(server: Server) -> None:
    body = {"inputs": [{"name": "x", "shape": [1], "datatype": "INT8", "data": [1]}]}

    response = server.post_json(
        f"/v2/models/{MODEL_NAME}/infer", body, X_Test_Mode="ragged"
    )

    assert response.status == 500
    assert "returned a ragged value for the output 'output-0'" in error_of(response)


@pytest.mark.parametrize(
    "path", ["/v2/models/other/infer", "/v1/models/other:predict", "/predict"]
)
def test_wrong_route_lists_routes(server: Server, path: str) -> None:
    response = server.post_json(path, {"instances": [1]})

    assert response.status == 404
    routes = response.json()["routes"]
    assert f"POST /v2/models/{MODEL_NAME}/infer" in routes
    assert f"POST {PREDICT_ROUTE}" in routes
    assert "POST /score" in routes
    assert f"No route for {path!r}; the routes are: GET /ping" in error_of(response)


def test_wrong_method_405(server: Server) -> None:
    response = server.request("GET", PREDICT_ROUTE)

    assert response.status == 405
    assert response.headers["allow"] == "POST"


def test_npy_round_trip(server: Server) -> None:
    array = numpy.arange(6, dtype=numpy.int32).reshape(2, 3)

    response = server.post(
        npy_bytes(array),
        "application/x-npy",
        Accept="application/x-npy",
        X_Test_Mode="double",
    )

    assert response.status == 200
    assert response.headers["content-type"] == "application/x-npy"
    returned = numpy.load(io.BytesIO(response.body), allow_pickle=False)
    assert returned.dtype == numpy.int32
    assert returned.tolist() == [[0, 2, 4], [6, 8, 10]]


def test_npy_result_json_by_default(server: Server) -> None:
    array = numpy.array([1.5, 2.5])

    response = server.post(npy_bytes(array), "Application/NPY", X_Test_Mode="double")

    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == [3.0, 5.0]


def test_npy_pickled_objects_400(server: Server) -> None:
    array = numpy.array([{"a": 1}], dtype=object)
    buffer = io.BytesIO()
    numpy.save(buffer, array, allow_pickle=True)

    response = server.post(buffer.getvalue(), "application/x-npy")

    assert response.status == 400
    assert "holds Python objects" in error_of(response)


def test_npy_not_npy_400(server: Server) -> None:
    response = server.post(b"[1, 2, 3]", "application/x-npy")

    assert response.status == 400
    assert "starts with b'[1, 2,', not with the .npy magic" in error_of(response)


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("application/json", b'{"a": "\xe9"}', "0xe9 at byte offset 7"),
        ("text/csv", b"1,2\n3,\xff\n", "0xff at byte offset 6"),
        ("text/plain; charset=utf-8", b"ok\xc3", "0xc3 at byte offset 2"),
        ("text/plain; charset=utf-16", "café!".encode("latin-1"), "byte offset 4"),
        ("text/plain; charset=utf-16-le", b"\x00\xd8A\x00", "byte offset 0"),
    ],
)
def test_charset_error_position(
    server: Server, content_type: str, body: bytes, expected: str
) -> None:
    response = server.post(body, content_type)

    assert response.status == 400
    message = error_of(response)
    assert "Request body is not valid" in message
    assert expected in message


def test_utf16_declared_latin1_400(server: Server) -> None:
    body = '{"word": "naïve"}'.encode("utf-16")

    response = server.post(body, "application/json; charset=latin-1")

    assert response.status == 400
    message = error_of(response)
    assert "not valid JSON" in message
    assert "character 0 after decoding as latin-1" in message


def test_vertex_charset_error_400(server: Server) -> None:
    response = server.request(
        "POST",
        PREDICT_ROUTE,
        b'{"instances": ["\xff"]}',
        {"Content-Type": "application/json"},
    )

    assert response.status == 400
    assert "0xff at byte offset 16" in error_of(response)


def test_health_during_long_predict(server: Server) -> None:
    predict_done = threading.Event()

    def slow_predict() -> None:
        server.post_json(
            PREDICT_ROUTE, {"instances": [1]}, X_Test_Mode="spin", X_Seconds="2"
        )
        predict_done.set()

    worker = threading.Thread(target=slow_predict)
    worker.start()
    try:
        # Give the request time to reach predict().
        time.sleep(0.3)
        timings = {}
        for path in (HEALTH_ROUTE, "/ping", "/", "/v2/health/ready"):
            started = time.monotonic()
            status = server.request("GET", path).status
            timings[path] = (status, time.monotonic() - started)
        busy = not predict_done.is_set()
    finally:
        worker.join(timeout=30)

    assert busy, "predict() finished before the health requests; raise x-seconds"
    for path, (status, elapsed) in timings.items():
        assert status == 200, path
        assert elapsed < HEALTH_DEADLINE, f"{path} took {elapsed:.2f} s"
