"""mldock init: files written from a template, names, and files never lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mldock_core.cli import cli
from mldock_core.config import load_config


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str):
    return runner.invoke(cli, list(args), catch_exceptions=False)


def test_python_template_files(runner, tmp_path: Path):
    target = tmp_path / "demo"
    result = invoke(runner, "init", str(target), "--template", "python")
    assert result.exit_code == 0, result.output
    for relative in ("mldock.yaml", "requirements.txt", "src/train.py", "src/serve.py",
                     "data/training/line.csv", ".dockerignore", ".gitignore"):
        assert (target / relative).is_file(), relative
    config = load_config(target)
    assert config.name == "demo"
    assert config.template == "python"


def test_config_points_at_schema(runner, tmp_path: Path):
    target = tmp_path / "demo"
    invoke(runner, "init", str(target), "--template", "python")
    first_line = (target / "mldock.yaml").read_text().splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=.mldock/mldock.schema.json"
    schema = json.loads((target / ".mldock/mldock.schema.json").read_text())
    assert "name" in schema["properties"]


def test_existing_files_not_overwritten(runner, tmp_path: Path):
    target = tmp_path / "demo"
    target.mkdir()
    (target / "requirements.txt").write_text("pandas==2.2.2\n")
    result = runner.invoke(cli, ["init", str(target), "--template", "python"])
    assert result.exit_code == 1
    assert "already has requirements.txt; pass --force to overwrite" in result.output
    assert (target / "requirements.txt").read_text() == "pandas==2.2.2\n"
    assert not (target / "mldock.yaml").exists()


def test_force_keeps_other_files(runner, tmp_path: Path):
    target = tmp_path / "demo"
    target.mkdir()
    (target / "requirements.txt").write_text("pandas==2.2.2\n")
    (target / "notes.md").write_text("mine\n")
    result = invoke(runner, "init", str(target), "--template", "python", "--force")
    assert result.exit_code == 0, result.output
    assert (target / "notes.md").read_text() == "mine\n"
    assert "pandas" not in (target / "requirements.txt").read_text()


def test_name_from_folder(runner, tmp_path: Path):
    target = tmp_path / "Fraud Model"
    result = invoke(runner, "init", str(target), "--template", "python")
    assert result.exit_code == 0, result.output
    assert "image name: fraud-model (made from the folder name 'Fraud Model'" in result.output
    assert load_config(target).name == "fraud-model"


def test_uppercase_name_rejected(runner, tmp_path: Path):
    result = runner.invoke(cli, ["init", str(tmp_path / "x"), "--template", "python", "--name", "FraudModel"])
    assert result.exit_code == 2
    assert "image name 'FraudModel' is invalid: it must be lowercase; try 'fraudmodel'" in result.output
    assert not (tmp_path / "x").exists()


def test_unknown_template(runner, tmp_path: Path):
    result = runner.invoke(cli, ["init", str(tmp_path / "x"), "--template", "pytorch"])
    assert result.exit_code == 1
    assert "unknown template 'pytorch'; available: python" in result.output.replace(", sklearn", "")


def test_template_required_without_terminal(runner, tmp_path: Path):
    result = runner.invoke(cli, ["init", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "no template given; pass --template with one of: python" in result.output.replace(", sklearn", "")


def test_templates_listing(runner):
    result = invoke(runner, "templates")
    assert result.exit_code == 0
    assert "python" in result.output
    assert "[mldock-core 0.1.0]" in result.output
