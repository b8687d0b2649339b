"""The plugin manager: built-ins, inline plugins, clashes, failures, entry points."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mldock_core import hookimpl
from mldock_core.errors import PluginError
from mldock_core.kinds import Template
from mldock_core.plugins import PluginHost


class OtherPython(Template):
    name = "python"
    description = "a second template called python"


class Extra(Template):
    name = "extra"
    description = "an extra template"


class ExtraPlugin:
    @hookimpl
    def mldock_register_templates(self, register):
        register(Extra())


class ClashingPlugin:
    @hookimpl
    def mldock_register_templates(self, register):
        register(OtherPython())


class FailingPlugin:
    @hookimpl
    def mldock_register_templates(self, register):
        raise RuntimeError("registration exploded")


def make_host(*plugins: tuple[str, object]) -> PluginHost:
    host = PluginHost(entry_points=False).load()
    for name, plugin in plugins:
        host.register(plugin, name=name, distribution=f"dist-{name}", version="9.9")
    return host


def test_builtins_register_every_kind():
    host = make_host()
    assert "python" in host.templates()
    assert "local" in host.runtimes()
    assert "docker" in host.registries()
    assert {"base-image", "requirements", "code"} <= set(host.build_steps())


def test_inline_plugin_adds_template():
    host = make_host(("extra", ExtraPlugin()))
    assert host.get("template", "extra").description == "an extra template"
    assert host.origin("template", "extra").distribution == "dist-extra"


def test_duplicate_name_names_both_plugins():
    host = make_host(("clash", ClashingPlugin()))
    with pytest.raises(PluginError) as raised:
        host.templates()
    message = str(raised.value)
    assert "template 'python' is registered by two plugins" in message
    assert "'mldock_core.builtin.templates' (mldock-core)" in message
    assert "'clash' (dist-clash)" in message


def test_duplicate_recorded_in_listing():
    host = make_host(("clash", ClashingPlugin()))
    failed = {info.name: info.error for info in host.failures()}
    assert "registered by two plugins" in failed["clash"]


def test_failing_registration_leaves_others():
    host = make_host(("broken", FailingPlugin()), ("extra", ExtraPlugin()))
    assert {"python", "extra"} <= set(host.templates())
    failed = {info.name: info.error for info in host.failures()}
    assert failed["broken"] == "mldock_register_templates failed: RuntimeError: registration exploded"


def test_unknown_name_lists_choices():
    host = make_host()
    with pytest.raises(PluginError, match=r"unknown template 'nope'; available: python"):
        host.get("template", "nope")


def test_hook_tracing_writes_calls():
    host = make_host()
    lines: list[str] = []
    host.trace_hooks(lines.append)
    host.pm.hook.mldock_register_commands(cli=None)
    assert any("mldock_register_commands" in line for line in lines)


def write_distribution(site: Path, name: str, module_source: str) -> None:
    """Write a plugin module and its dist-info so importlib.metadata finds its entry point."""
    (site / f"{name}.py").write_text(textwrap.dedent(module_source))
    info = site / f"{name}-0.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.3\n")
    (info / "entry_points.txt").write_text(f"[mldock]\n{name} = {name}\n")


def run_mldock(*args: str, site: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(site), **env}
    return subprocess.run(
        [sys.executable, "-m", "mldock_core", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )


@pytest.fixture
def broken_site(tmp_path: Path) -> Path:
    write_distribution(tmp_path, "broken_plugin", "raise ImportError('needs a module that is missing')\n")
    return tmp_path


def test_broken_plugin_keeps_templates_working(broken_site: Path):
    result = run_mldock("templates", site=broken_site)
    assert result.returncode == 0, result.stderr
    assert "python" in result.stdout
    assert "plugin broken_plugin (broken_plugin) is left out" in result.stderr
    assert "needs a module that is missing" in result.stderr


def test_broken_plugin_shown_by_plugins(broken_site: Path):
    result = run_mldock("plugins", site=broken_site)
    assert result.returncode == 0, result.stderr
    assert "broken_plugin  (broken_plugin 0.3, broken_plugin)" in result.stdout
    assert "error: ImportError: needs a module that is missing" in result.stdout


def test_broken_plugin_keeps_help_working(broken_site: Path):
    result = run_mldock("--help", site=broken_site)
    assert result.returncode == 0, result.stderr
    assert "templates" in result.stdout


def test_disable_variable_skips_plugin(broken_site: Path):
    result = run_mldock("plugins", site=broken_site, MLDOCK_DISABLE_PLUGINS="broken_plugin")
    assert result.returncode == 0, result.stderr
    assert "broken_plugin" not in result.stdout


def test_entry_point_plugin_adds_command(tmp_path: Path):
    write_distribution(
        tmp_path,
        "hello_plugin",
        """
        import click
        from mldock_core import hookimpl

        @hookimpl
        def mldock_register_commands(cli):
            @cli.command()
            def hello():
                "Say hello."
                click.echo("hello from a plugin")
        """,
    )
    result = run_mldock("hello", site=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello from a plugin\n"


def test_disabled_plugin_named_in_lookup(tmp_path: Path):
    write_distribution(
        tmp_path,
        "extra_templates",
        """
        from mldock_core import hookimpl
        from mldock_core.kinds import Template

        class Extra(Template):
            name = "extra"

        @hookimpl
        def mldock_register_templates(register):
            register(Extra())
        """,
    )
    result = run_mldock(
        "init", str(tmp_path / "project"), "--template", "extra",
        site=tmp_path, MLDOCK_DISABLE_PLUGINS="extra_templates",
    )
    assert result.returncode == 1, result.stderr
    assert "unknown template 'extra'" in result.stderr
    assert "plugins left out by MLDOCK_DISABLE_PLUGINS or MLDOCK_PLUGINS: extra_templates (extra_templates)" in result.stderr
