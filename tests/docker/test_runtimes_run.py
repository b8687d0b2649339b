"""train, serve and predict with --runtime, on the real engine, with the python template."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from mldock_core.serving import LABEL_RUNTIME
from mldock_core.testing import describe, free_port, run_mldock

from engine_helpers import build, project_containers

# A train() that also records where it saved the model and the value of Vertex
# AI's variable, so the test sees the path inside the container.
RECORDING_TRAIN = """\
import json
import os

import train_line


def train(ctx):
    train_line.train(ctx)
    seen = {"model_dir": str(ctx.model_dir), "AIP_MODEL_DIR": os.environ.get("AIP_MODEL_DIR")}
    (ctx.model_dir / "seen.json").write_text(json.dumps(seen))
"""


def serve(project: Path, *args: str) -> str:
    """Start the project's server in the background and return its URL."""
    result = run_mldock(
        "serve", "--detach", "--port", str(free_port()), *args, cwd=project
    )
    assert result.returncode == 0, describe(result)
    return result.stdout.strip()


def trained(project: Path) -> Path:
    build(project)
    result = run_mldock("train", cwd=project)
    assert result.returncode == 0, describe(result)
    return project


def http(url: str, body: bytes | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def test_train_vertex_model_dir(python_project: Path):
    source = python_project / "src"
    (source / "train.py").rename(source / "train_line.py")
    (source / "train.py").write_text(RECORDING_TRAIN)
    build(python_project)

    result = run_mldock("train", "--runtime", "vertex", cwd=python_project)
    assert result.returncode == 0, describe(result)
    seen = json.loads((python_project / "model/seen.json").read_text())
    assert seen["AIP_MODEL_DIR"] == "/gcs/mldock-local/model"
    assert seen["model_dir"] == "/gcs/mldock-local/model"
    assert (python_project / "model/model.json").is_file()
    assert "model/ is mounted at /gcs/mldock-local/model" in result.stderr


def test_train_vertex_failure_file(python_project: Path):
    (python_project / "src/train.py").write_text(
        "def train(ctx):\n    raise RuntimeError('no rows for Vertex')\n"
    )
    build(python_project)
    result = run_mldock("train", "--runtime", "vertex", cwd=python_project)
    assert result.returncode == 1, describe(result)
    first_line = (python_project / "output/failure").read_text().splitlines()[0]
    assert first_line == "RuntimeError: no rows for Vertex"
    assert (
        "training failed with exit code 1: RuntimeError: no rows for Vertex"
        in result.stderr
    )


def test_train_kserve_rejected(python_project: Path):
    result = run_mldock("train", "--runtime", "kserve", cwd=python_project)
    assert result.returncode == 2, describe(result)
    assert "runtime 'kserve' runs no training, only serving" in result.stderr


def test_serve_azureml_routes(python_project: Path, mldock_docker):
    url = serve(trained(python_project), "--runtime", "azureml")

    status, body = http(url + "/")
    assert status == 200
    assert body == b"Healthy"
    status, body = http(url + "/score", b"[0, 4]")
    assert status == 200
    first, second = json.loads(body)
    assert abs(first - 1.0) < 0.2
    assert abs(second - 11.0) < 0.3

    (container,) = project_containers(mldock_docker, python_project)
    assert container.labels[LABEL_RUNTIME] == "azureml"
    environment = dict(item.split("=", 1) for item in container.attrs["Config"]["Env"])
    model = python_project.name
    assert (
        environment["AZUREML_MODEL_DIR"] == f"/var/azureml-app/azureml-models/{model}/1"
    )


def test_predict_kserve_v2_tensors(python_project: Path):
    serve(trained(python_project), "--runtime", "kserve")
    payload = python_project / "examples/two-values.json"

    result = run_mldock(
        "predict", "--runtime", "kserve", str(payload), cwd=python_project
    )
    assert result.returncode == 0, describe(result)
    answer = json.loads(result.stdout)
    assert answer["model_name"] == python_project.name
    (output,) = answer["outputs"]
    assert output["shape"] == [2]
    assert output["datatype"] == "FP64"
    assert abs(output["data"][1] - 11.0) < 0.3


def test_predict_kserve_v1_protocol(python_project: Path):
    serve(trained(python_project), "--runtime", "kserve")
    payload = python_project / "examples/two-values.json"

    result = run_mldock("predict", "--protocol", "v1", str(payload), cwd=python_project)
    assert result.returncode == 0, describe(result)
    predictions = json.loads(result.stdout)["predictions"]
    assert len(predictions) == 2


def test_predict_follows_label(python_project: Path):
    serve(trained(python_project), "--runtime", "vertex")
    payload = python_project / "rows.csv"
    payload.write_text("0\n4\n")

    result = run_mldock("predict", str(payload), cwd=python_project)
    assert result.returncode == 0, describe(result)
    predictions = json.loads(result.stdout)["predictions"]
    assert len(predictions) == 2
    assert abs(predictions[1] - 11.0) < 0.3


def test_predict_other_runtime_hint(python_project: Path):
    serve(trained(python_project), "--runtime", "kserve")
    payload = python_project / "examples/two-values.json"

    result = run_mldock(
        "predict", "--runtime", "vertex", str(payload), cwd=python_project
    )
    assert result.returncode == 1, describe(result)
    assert (
        "the server returned HTTP 404 on /v1/endpoints/1/deployedModels/1:predict"
        in result.stderr
    )
    assert "start it with 'mldock serve --runtime vertex'" in result.stderr


def test_serve_unknown_runtime(python_project: Path):
    result = run_mldock("serve", "--runtime", "edge", cwd=python_project)
    assert result.returncode == 1, describe(result)
    assert (
        "unknown runtime 'edge'; available: azureml, kserve, local, sagemaker, vertex"
        in result.stderr
    )


def test_protocol_of_single_protocol_runtime(python_project: Path):
    result = run_mldock(
        "serve", "--runtime", "vertex", "--protocol", "v1", cwd=python_project
    )
    assert result.returncode == 2, describe(result)
    assert (
        "runtime 'vertex' has one protocol, so --protocol 'v1' does not apply"
        in result.stderr
    )


def test_runtimes_listing():
    result = run_mldock("runtimes")
    assert result.returncode == 0, describe(result)
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == ["azureml", "kserve", "local", "sagemaker", "vertex"]
    assert "(protocols: v2, v1)  [mldock-core 0.1.0]" in result.stdout
    assert "[mldock-gcp 0.1.0]" in result.stdout
