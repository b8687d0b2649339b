"""``python3 -m mldock_runtime train`` run as a child process on the host."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from runtime_harness import Project

REPORT_TRAIN = """
    import json

    def train(ctx):
        report = {
            "hyperparameters": ctx.hyperparameters,
            "channels": {name: str(path) for name, path in ctx.channels.items()},
            "training": str(ctx.channel("training")),
            "model_dir": str(ctx.model_dir),
            "output_dir": str(ctx.output_dir),
            "output_data_dir": str(ctx.output_data_dir),
            "folders_exist": [
                ctx.model_dir.is_dir(),
                ctx.output_dir.is_dir(),
                ctx.output_data_dir.is_dir(),
            ],
            "input_config": ctx.input_config,
            "resource_config": ctx.resource_config,
            "marker": ctx.environment.get("MARKER"),
            "logger": ctx.log.name,
        }
        (ctx.model_dir / "report.json").write_text(json.dumps(report))
        ctx.log.info("report written")
"""

SLEEPING_TRAIN = """
    import time

    def train(ctx):
        (ctx.output_data_dir / "started").write_text("yes")
        time.sleep(60)
"""


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit status {result.returncode}\nstderr:\n{result.stderr}"


def read_report(project: Project) -> dict:
    return json.loads((project.ml_root / "model" / "report.json").read_text())


def failure_text(project: Project) -> str:
    return (project.ml_root / "output" / "failure").read_text(encoding="utf-8")


@pytest.fixture
def reporting(project: Project) -> Project:
    """A project whose train() writes what it received to model/report.json."""
    project.write_source("train.py", REPORT_TRAIN)
    (project.ml_root / "input" / "data" / "training").mkdir(parents=True)
    (project.ml_root / "input" / "data" / "validation").mkdir(parents=True)
    return project


def test_train_hyperparameters_typed(reporting: Project) -> None:
    reporting.write_config(
        "hyperparameters.json",
        {
            "use_gpu": "false",
            "lr": "0.001",
            "epochs": "10",
            "layers": "[64, 32]",
            "name": "abc",
            "quoted": '"true"',
            "id": "007",
            "options": '{"depth": 3}',
        },
    )

    result = reporting.run("train")

    assert result.returncode == 0, describe(result)
    assert read_report(reporting)["hyperparameters"] == {
        "use_gpu": False,
        "lr": 0.001,
        "epochs": 10,
        "layers": [64, 32],
        "name": "abc",
        "quoted": "true",
        "id": "007",
        "options": {"depth": 3},
    }


def test_train_python_spelling_warns(reporting: Project) -> None:
    reporting.write_config(
        "hyperparameters.json", {"use_gpu": "True", "off": "False", "none": "None"}
    )

    result = reporting.run("train")

    assert result.returncode == 0, describe(result)
    hyperparameters = read_report(reporting)["hyperparameters"]
    assert hyperparameters == {"use_gpu": True, "off": False, "none": None}
    assert "Hyperparameter 'use_gpu' is 'True'" in result.stderr
    assert "Write the JSON text 'true'" in result.stderr
    assert "Write the JSON text 'null'" in result.stderr


def test_train_context_fields(reporting: Project) -> None:
    reporting.write_config("inputdataconfig.json", {"training": {"ContentType": "csv"}})
    reporting.write_config("resourceconfig.json", {"current_host": "algo-1"})

    result = reporting.run("train", MARKER="set")

    assert result.returncode == 0, describe(result)
    report = read_report(reporting)
    data_dir = reporting.ml_root / "input" / "data"
    assert report["channels"] == {
        "training": str(data_dir / "training"),
        "validation": str(data_dir / "validation"),
    }
    assert report["training"] == str(data_dir / "training")
    assert report["folders_exist"] == [True, True, True]
    assert report["output_data_dir"] == str(reporting.ml_root / "output" / "data")
    assert report["input_config"] == {"training": {"ContentType": "csv"}}
    assert report["resource_config"] == {"current_host": "algo-1"}
    assert report["marker"] == "set"
    assert report["logger"] == "mldock.train"


def test_train_missing_configs_empty(project: Project) -> None:
    project.write_source(
        "train.py", REPORT_TRAIN.replace('ctx.channel("training")', "1")
    )

    result = project.run("train")

    assert result.returncode == 0, describe(result)
    report = read_report(project)
    assert report["hyperparameters"] == {}
    assert report["channels"] == {}
    assert report["input_config"] == {}
    assert report["resource_config"] == {}


def test_train_logs_start_and_end(reporting: Project) -> None:
    reporting.write_config("hyperparameters.json", {"epochs": "3", "lr": "0.1"})

    result = reporting.run("train")

    assert result.returncode == 0, describe(result)
    assert "channels: training, validation" in result.stderr
    assert "hyperparameters: epochs, lr" in result.stderr
    assert "mldock.train: report written" in result.stderr
    assert "Training finished in" in result.stderr
    assert "contains: report.json" in result.stderr
    assert not (reporting.ml_root / "output" / "failure").exists()


@pytest.mark.parametrize("as_uri", [False, True])
def test_train_vertex_model_dir(
    reporting: Project, tmp_path: Path, as_uri: bool
) -> None:
    target = tmp_path / "vertex model"
    location = target.as_uri() if as_uri else str(target)

    result = reporting.run("train", AIP_MODEL_DIR=location)

    assert result.returncode == 0, describe(result)
    report = json.loads((target / "report.json").read_text())
    assert report["model_dir"] == str(target)
    assert f"{target} contains: report.json" in result.stderr


def test_train_vertex_gs_model_dir(reporting: Project) -> None:
    result = reporting.run("train", AIP_MODEL_DIR="gs://bucket/model/")

    assert result.returncode == 0, describe(result)
    assert read_report(reporting)["model_dir"] == str(reporting.ml_root / "model")
    assert "AIP_MODEL_DIR is gs://bucket/model/, which the runtime" in result.stderr


def test_channel_unknown_lists_channels(reporting: Project) -> None:
    reporting.write_source(
        "train.py",
        """
        def train(ctx):
            ctx.channel("test")
        """,
    )

    result = reporting.run("train")

    assert result.returncode == 1, describe(result)
    first_line = failure_text(reporting).splitlines()[0]
    assert "channel 'test' not found" in first_line
    assert "the channels are: training, validation" in first_line


def test_train_exception_failure_file(project: Project) -> None:
    project.write_source(
        "train.py",
        """
        def check(rate):
            raise ValueError(f"learning rate must be positive,\\n got {rate}")

        def train(ctx):
            check(-1)
        """,
    )

    result = project.run("train")

    assert result.returncode == 1, describe(result)
    lines = failure_text(project).splitlines()
    assert lines[0] == "ValueError: learning rate must be positive, got -1"
    assert lines[1] == ""
    assert lines[2] == "Traceback (most recent call last):"
    assert "in check" in failure_text(project)
    assert "Traceback (most recent call last):" in result.stderr
    assert "ValueError: learning rate must be positive" in result.stderr


def test_train_sys_exit_nonzero(project: Project) -> None:
    project.write_source(
        "train.py",
        """
        import sys

        def train(ctx):
            sys.exit(3)
        """,
    )

    result = project.run("train")

    assert result.returncode == 1, describe(result)
    assert failure_text(project).splitlines()[0] == "train() called sys.exit(3)."


def test_train_old_failure_removed(reporting: Project) -> None:
    failure = reporting.ml_root / "output" / "failure"
    failure.parent.mkdir(parents=True)
    failure.write_text("an earlier run failed")

    result = reporting.run("train")

    assert result.returncode == 0, describe(result)
    assert not failure.exists()


@pytest.mark.parametrize(
    ("signum", "status", "name"),
    [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "SIGINT")],
    ids=["SIGTERM", "SIGINT"],
)
def test_train_signal_stops(
    project: Project, signum: int, status: int, name: str
) -> None:
    project.write_source("train.py", SLEEPING_TRAIN)
    process = project.start("train")
    started = project.ml_root / "output" / "data" / "started"
    deadline = time.monotonic() + 20
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    # The file exists before write_text() returns, and a signal that arrives
    # inside it gives a traceback without the sleep line.
    time.sleep(0.3)

    process.send_signal(signum)
    _, stderr = process.communicate(timeout=20)

    assert process.returncode == status, stderr
    first_line = failure_text(project).splitlines()[0]
    assert first_line.startswith(f"Training was stopped by {name}")
    assert "time.sleep(60)" in failure_text(project)


def test_train_missing_module(project: Project) -> None:
    (project.code_dir / "src").mkdir(parents=True)

    result = project.run("train")

    assert result.returncode == 1, describe(result)
    expected_file = project.code_dir / "src" / "train.py"
    first_line = failure_text(project).splitlines()[0]
    assert f"Module 'train' not found: expected the file {expected_file}" in first_line
    assert "train(ctx)" in first_line
    assert "MLDOCK_TRAIN_MODULE" in first_line
    assert str(expected_file) in result.stderr


def test_train_module_variable(project: Project) -> None:
    project.write_source(
        "fit.py",
        """
        def train(ctx):
            (ctx.model_dir / "done").write_text("yes")
        """,
    )

    result = project.run("train", MLDOCK_TRAIN_MODULE="fit")

    assert result.returncode == 0, describe(result)
    assert (project.ml_root / "model" / "done").exists()


def test_train_missing_function(project: Project) -> None:
    path = project.write_source(
        "train.py",
        """
        def fit(ctx):
            pass
        """,
    )

    result = project.run("train")

    assert result.returncode == 1, describe(result)
    first_line = failure_text(project).splitlines()[0]
    assert f"Module 'train' ({path}) has no function 'train'" in first_line
    assert "def train(ctx) -> None" in first_line


def test_train_import_error(project: Project) -> None:
    project.write_source(
        "train.py",
        """
        import package_that_is_not_installed

        def train(ctx):
            pass
        """,
    )

    result = project.run("train")

    assert result.returncode == 1, describe(result)
    text = failure_text(project)
    first_line = text.splitlines()[0]
    assert first_line.startswith("Importing module 'train' from ")
    assert "ModuleNotFoundError: No module named 'package_that_is_not_installed'" in (
        first_line
    )
    assert "import package_that_is_not_installed" in text
    assert "Traceback (most recent call last):" in result.stderr


def test_train_invalid_hyperparameters_file(reporting: Project) -> None:
    config = reporting.ml_root / "input" / "config"
    config.mkdir(parents=True)
    (config / "hyperparameters.json").write_text('{"lr": "0.1",\n "epochs": }')

    result = reporting.run("train")

    assert result.returncode == 1, describe(result)
    first_line = failure_text(reporting).splitlines()[0]
    assert f"{config / 'hyperparameters.json'} is not valid JSON" in first_line
    assert "line 2, column 12" in first_line


def test_usage_without_command(project: Project) -> None:
    result = project.run()

    assert result.returncode == 2, describe(result)
    assert "missing command" in result.stderr
    assert "usage: python3 -m mldock_runtime COMMAND" in result.stderr


def test_usage_unknown_command(project: Project) -> None:
    result = project.run("fit")

    assert result.returncode == 2, describe(result)
    assert "unknown arguments ['fit']" in result.stderr
    assert "usage: python3 -m mldock_runtime COMMAND" in result.stderr
