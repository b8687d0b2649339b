"""build, train, serve, predict and stop on the real engine, with the python template."""

from __future__ import annotations

import json
from pathlib import Path

from mldock_core.testing import describe, free_port, run_mldock

from engine_helpers import build, project_containers


def test_python_template_round_trip(python_project: Path, mldock_docker):
    build(python_project)

    trained = run_mldock("train", cwd=python_project)
    assert trained.returncode == 0, describe(trained)
    model = json.loads((python_project / "model/model.json").read_text())
    assert abs(model["slope"] - 2.5) < 0.05
    assert abs(model["intercept"] - 1.0) < 0.2

    port = free_port()
    served = run_mldock("serve", "--detach", "--port", str(port), cwd=python_project)
    assert served.returncode == 0, describe(served)
    assert served.stdout.strip() == f"http://127.0.0.1:{port}"

    payload = python_project / "x.json"
    payload.write_text("[0, 4]")
    answer = run_mldock("predict", str(payload), cwd=python_project)
    assert answer.returncode == 0, describe(answer)
    first, second = json.loads(answer.stdout)
    assert abs(first - 1.0) < 0.2
    assert abs(second - 11.0) < 0.3

    stopped = run_mldock("stop", cwd=python_project)
    assert stopped.returncode == 0, describe(stopped)
    assert project_containers(mldock_docker, python_project) == []


def test_predict_csv_by_extension(python_project: Path):
    build(python_project)
    assert run_mldock("train", cwd=python_project).returncode == 0
    port = free_port()
    assert run_mldock("serve", "--detach", "--port", str(port), cwd=python_project).returncode == 0

    payload = python_project / "x.csv"
    payload.write_text("2\n")
    answer = run_mldock("predict", str(payload), cwd=python_project)
    assert answer.returncode == 0, describe(answer)
    (value,) = json.loads(answer.stdout)
    assert abs(value - 6.0) < 0.2


def test_predict_without_server(python_project: Path):
    payload = python_project / "x.json"
    payload.write_text("[1]")
    result = run_mldock("predict", str(payload), cwd=python_project)
    assert result.returncode == 1, describe(result)
    assert "no serving container of" in result.stderr
    assert "'mldock serve --detach'" in result.stderr


def test_predict_unknown_extension(python_project: Path):
    payload = python_project / "x.bin"
    payload.write_bytes(b"\x00")
    result = run_mldock("predict", str(payload), cwd=python_project)
    assert result.returncode == 2, describe(result)
    assert "cannot tell the content type of" in result.stderr
    assert "pass --content-type" in result.stderr


def test_typed_hyperparameters(python_project: Path):
    (python_project / "src/train.py").write_text(
        "import json\n\n"
        "def train(ctx):\n"
        "    values = {k: [v, type(v).__name__] for k, v in ctx.hyperparameters.items()}\n"
        "    (ctx.model_dir / 'seen.json').write_text(json.dumps(values))\n"
    )
    config = python_project / "mldock.yaml"
    text = config.read_text().replace(
        "hyperparameters:\n  target: y\n",
        "hyperparameters:\n  use_gpu: false\n  lr: 0.001\n  epochs: 10\n  layers: [64, 32]\n",
    )
    config.write_text(text)
    build(python_project)

    result = run_mldock("train", "-p", "epochs=12", "-p", "name=run-1", cwd=python_project)
    assert result.returncode == 0, describe(result)

    written = json.loads((python_project / "config/hyperparameters.json").read_text())
    assert written == {
        "use_gpu": "false",
        "lr": "0.001",
        "epochs": "12",
        "layers": "[64, 32]",
        "name": "run-1",
    }
    seen = json.loads((python_project / "model/seen.json").read_text())
    assert seen["use_gpu"] == [False, "bool"]
    assert seen["lr"] == [0.001, "float"]
    assert seen["epochs"] == [12, "int"]
    assert seen["layers"] == [[64, 32], "list"]
    assert seen["name"] == ["run-1", "str"]


def test_train_failure_reason(python_project: Path, mldock_docker):
    (python_project / "src/train.py").write_text(
        "def train(ctx):\n    raise ValueError('labels column missing')\n"
    )
    build(python_project)
    result = run_mldock("train", cwd=python_project)
    assert result.returncode == 1, describe(result)
    failure = (python_project / "output/failure").read_text()
    assert failure.splitlines()[0] == "ValueError: labels column missing"
    assert "Traceback" in failure
    assert "training failed with exit code 1: ValueError: labels column missing" in result.stderr
    assert project_containers(mldock_docker, python_project) == []


def test_missing_channel_folder(python_project: Path):
    build(python_project)
    (python_project / "data/training/line.csv").unlink()
    (python_project / "data/training").rmdir()
    result = run_mldock("train", cwd=python_project)
    assert result.returncode == 2, describe(result)
    assert "data channel 'training' points at 'data/training', which is not a folder" in result.stderr


def test_train_without_image(python_project: Path):
    result = run_mldock("train", cwd=python_project)
    assert result.returncode == 1, describe(result)
    assert "not found; build it first with 'mldock build'" in result.stderr


def test_stop_all_by_label(mldock_project, mldock_docker):
    first = mldock_project("python")
    second = mldock_project("python")
    for project in (first, second):
        build(project)
        assert run_mldock("train", cwd=project).returncode == 0
        port = free_port()
        result = run_mldock("serve", "--detach", "--port", str(port), cwd=project)
        assert result.returncode == 0, describe(result)

    result = run_mldock("stop", cwd=first)
    assert result.returncode == 0, describe(result)
    assert project_containers(mldock_docker, first) == []
    assert len(project_containers(mldock_docker, second)) == 1

    result = run_mldock("stop", "--all")
    assert result.returncode == 0, describe(result)
    assert project_containers(mldock_docker, second) == []
