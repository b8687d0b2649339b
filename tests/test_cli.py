"""The CLI group: lazy commands, help listing, error boundary."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mldock_core.cli import BUILTIN_COMMANDS, COMMAND_SUMMARIES, cli


@pytest.mark.parametrize("name", sorted(BUILTIN_COMMANDS))
def test_summary_matches_command(name):
    command = cli.get_command(None, name)
    assert command.short_help == COMMAND_SUMMARIES[name]


def test_help_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    for name, summary in COMMAND_SUMMARIES.items():
        assert f"{name}" in result.output
        assert summary in result.output


def test_config_error_is_one_line(tmp_path):
    (tmp_path / "mldock.yaml").write_text("name: demo\nbuildd: {}\n")
    result = CliRunner().invoke(cli, ["build", "--print-dockerfile", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown key 'buildd' at line 2; did you mean 'build'?" in result.output
    assert "Traceback" not in result.output


def test_missing_config_names_folder(tmp_path):
    result = CliRunner().invoke(cli, ["train", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert f"no mldock.yaml in {tmp_path}" in result.output


def test_bad_assignment_names_option(tmp_path):
    (tmp_path / "mldock.yaml").write_text("name: demo\n")
    result = CliRunner().invoke(cli, ["train", "--dir", str(tmp_path), "-p", "epochs"])
    assert result.exit_code == 2
    assert "-p" in result.output
    assert "KEY=VALUE" in result.output


def test_debug_traces_hooks():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "mldock_core", "--debug", "templates"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "hook: mldock_register_templates [mldock_core.builtin.templates]" in result.stderr
    assert "hook: mldock_register_build_steps [mldock_core.builtin.build_steps]" in result.stderr
