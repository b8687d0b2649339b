"""mldock verify on the real engine: every contract passing, and one failure per platform."""

from __future__ import annotations

from pathlib import Path

from mldock_core.testing import describe, run_mldock

from engine_helpers import build, project_containers

SLOW_LOAD = """\
import json
import time


def load(ctx):
    time.sleep(30)
    return json.loads((ctx.model_dir / "model.json").read_text())


def predict(model, data, ctx):
    return [model["slope"] * float(x) + model["intercept"] for x in data]
"""

# One prediction short, which Vertex AI's one-per-instance rule rejects.
SHORT_PREDICT = """\
import json


def load(ctx):
    return json.loads((ctx.model_dir / "model.json").read_text())


def predict(model, data, ctx):
    return [model["slope"] * float(x) + model["intercept"] for x in data][:-1]
"""

# Saves to a fixed folder and ignores the platform's variables, so on Vertex AI
# the model never reaches AIP_MODEL_DIR.
FIXED_PATH_TRAIN = """\
import json
from pathlib import Path


def train(ctx):
    Path("/tmp/model").mkdir(parents=True, exist_ok=True)
    Path("/tmp/model/model.json").write_text(json.dumps({"slope": 1, "intercept": 0}))
"""


def verify(project: Path, *args: str):
    return run_mldock("verify", *args, cwd=project)


def rows(output: str, runtime: str) -> dict[str, str]:
    """Return check name -> result of one runtime's rows in the printed table."""
    found = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("│┃ ").split("│")]
        if len(cells) == 4 and cells[0] == runtime:
            found[cells[1]] = cells[2]
    return found


def test_verify_sklearn_all(mldock_project, mldock_docker):
    project = mldock_project("sklearn")
    build(project)

    result = verify(project, "--all")
    assert result.returncode == 0, describe(result)
    for runtime in (
        "local",
        "sagemaker",
        "vertex",
        "azureml",
        "kserve (v2)",
        "kserve (v1)",
    ):
        checks = rows(result.stdout, runtime)
        assert (
            checks.get("round trip") == "pass"
        ), f"{runtime}: {checks}\n{describe(result)}"
    assert (
        "meets the contract of local, azureml, kserve, sagemaker, vertex"
        in result.stderr
    )
    assert project_containers(mldock_docker, project) == []


def test_verify_python_all(python_project: Path, mldock_docker):
    build(python_project)

    result = verify(python_project, "--all")
    assert result.returncode == 0, describe(result)
    assert "fail" not in [
        cell
        for runtime in ("local", "vertex")
        for cell in rows(result.stdout, runtime).values()
    ]
    assert rows(result.stdout, "vertex")["training: model folder"] == "pass"
    assert rows(result.stdout, "kserve")["training: model folder"] == "skip"
    assert rows(result.stdout, "kserve (v2)")["probe routes"] == "pass"
    assert "round trip payload: examples/two-values.json" in result.stderr
    assert project_containers(mldock_docker, python_project) == []


def test_verify_leaves_project_folders(python_project: Path):
    build(python_project)

    result = verify(python_project, "--runtime", "vertex")
    assert result.returncode == 0, describe(result)
    assert (
        not (python_project / "model").exists()
        or list((python_project / "model").iterdir()) == []
    )
    assert not (python_project / "output/failure").exists()
    assert [path.name for path in (python_project / ".mldock").iterdir()] == [
        "mldock.schema.json"
    ]


def test_verify_vertex_short_predictions(python_project: Path, mldock_docker):
    (python_project / "src/serve.py").write_text(SHORT_PREDICT)
    build(python_project)

    result = verify(python_project, "--runtime", "vertex")
    assert result.returncode == 1, describe(result)
    assert rows(result.stdout, "vertex")["round trip"] == "fail"
    assert (
        "FAIL vertex round trip: HTTP 500: predict() returned 1 predictions for 2 instances; "
        "Vertex AI needs one prediction per instance" in result.stdout
    )
    assert "1 of 6 checks failed" in result.stderr
    assert project_containers(mldock_docker, python_project) == []


def test_verify_vertex_model_elsewhere(python_project: Path):
    (python_project / "src/train.py").write_text(FIXED_PATH_TRAIN)
    build(python_project)

    result = verify(python_project, "--runtime", "vertex")
    assert result.returncode == 1, describe(result)
    assert (
        "FAIL vertex training: model folder: train exited with code 0 but wrote nothing to "
        "/gcs/mldock-local/model, where runtime vertex collects the model"
        in result.stdout
    )
    assert rows(result.stdout, "vertex")["health"] == "skip"


def test_verify_azureml_slow_health(python_project: Path, mldock_docker):
    (python_project / "src/serve.py").write_text(SLOW_LOAD)
    build(python_project)

    result = verify(python_project, "--runtime", "azureml", "--health-timeout", "3")
    assert result.returncode == 1, describe(result)
    assert (
        "FAIL azureml health: GET / did not return 200 within 3 s (--health-timeout)"
        in result.stdout
    )
    assert rows(result.stdout, "azureml")["round trip"] == "skip"
    assert project_containers(mldock_docker, python_project) == []


def test_verify_kserve_wrong_route(python_project: Path):
    build(python_project)

    result = verify(
        python_project, "--runtime", "kserve", "-e", "MLDOCK_MODEL_NAME=other"
    )
    assert result.returncode == 1, describe(result)
    model = python_project.name
    assert (
        f"FAIL kserve (v2) predict route: POST /v2/models/{model}/infer returned HTTP 404"
        in result.stdout
    )
    assert (
        f"FAIL kserve (v1) health: GET /v1/models/{model} returned HTTP 404"
        in result.stdout
    )
    assert f"GET /v2/models/{model}/ready returned 404, expected 200" in result.stdout


def test_verify_sagemaker_image_env_breaks_route(python_project: Path):
    config = python_project / "mldock.yaml"
    config.write_text(
        config.read_text() + "environment:\n  AIP_PREDICT_ROUTE: /invocations\n"
    )
    build(python_project)

    result = verify(python_project, "--runtime", "sagemaker", "--runtime", "local")
    assert result.returncode == 1, describe(result)
    for runtime in ("sagemaker", "local"):
        assert rows(result.stdout, runtime)["round trip"] == "fail"
        assert (
            f'FAIL {runtime} round trip: HTTP 400: Request body has no "instances"'
            in result.stdout
        )


def test_verify_without_payload(python_project: Path):
    for example in (python_project / "examples").iterdir():
        example.unlink()
    build(python_project)
    trained = run_mldock("train", cwd=python_project)
    assert trained.returncode == 0, describe(trained)

    result = verify(python_project, "--skip-train", "--runtime", "local")
    assert result.returncode == 0, describe(result)
    checks = rows(result.stdout, "local")
    assert checks["health"] == "pass"
    assert checks["round trip"] == "skip"
    assert checks["training: model folder"] == "skip"
