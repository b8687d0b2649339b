"""One test per hook, and a check that every hook has a test and a reference entry."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mldock_core import hookimpl, hookspecs
from mldock_core.build.plan import make_plan
from mldock_core.kinds import BuildStep, ContainerContract, Registry, Runtime, Template
from mldock_core.project import Project
from mldock_core.registry import kind_for_host
from mldock_core.scaffold import write_project

from test_plugins import run_mldock, write_distribution

ROOT = Path(__file__).resolve().parent.parent
HOOK_NAMES = sorted(name for name in vars(hookspecs) if name.startswith("mldock_"))


def hook_signature(name: str) -> str:
    parameters = inspect.signature(getattr(hookspecs, name)).parameters
    return f"`{name}({', '.join(parameters)})`"


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_hook_has_reference_entry(name):
    reference = (ROOT / "docs/plugins/hooks.md").read_text()
    assert f"### {hook_signature(name)}" in reference, f"docs/plugins/hooks.md has no entry for {name}"


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_hook_has_own_test(name):
    pattern = re.compile(rf"^def test_hook_{name}\(", re.M)
    sources = [path.read_text() for path in (ROOT / "tests").rglob("test_*.py")]
    assert any(pattern.search(source) for source in sources), f"no test named test_hook_{name}"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    write_project(Bare(), tmp_path, "hooked")
    (tmp_path / "src").mkdir()
    return Project.load(tmp_path)


class Bare(Template):
    name = "bare"
    description = "a template for hook tests"


class BarePlugin:
    @hookimpl
    def mldock_register_templates(self, register):
        register(Bare())


def test_hook_mldock_register_templates(mldock_plugin_host):
    host = mldock_plugin_host(BarePlugin())
    assert host.get("template", "bare").description == "a template for hook tests"
    assert host.origin("template", "bare").distribution == "under-test"


class Stamp(BuildStep):
    name = "stamp"
    phase = "metadata"
    order = 200

    def instructions(self, project, context):
        context.add_bytes("stamp.txt", b"stamped\n")
        return ["COPY stamp.txt /opt/stamp.txt"]


class StampPlugin:
    @hookimpl
    def mldock_register_build_steps(self, register):
        register(Stamp())


def test_hook_mldock_register_build_steps(mldock_plugin_host, project):
    plan = make_plan(project, mldock_plugin_host(StampPlugin()), "latest")
    dockerfile = plan.dockerfile()
    assert dockerfile.rstrip().endswith("COPY stamp.txt /opt/stamp.txt")
    assert "stamp.txt" in plan.context.arcnames


class Edge(Runtime):
    name = "edge"
    description = "port 9000"

    def contract(self, project):
        return ContainerContract(port=9000)


class EdgePlugin:
    @hookimpl
    def mldock_register_runtimes(self, register):
        register(Edge())


def test_hook_mldock_register_runtimes(mldock_plugin_host, project):
    host = mldock_plugin_host(EdgePlugin())
    assert host.get("runtime", "edge").contract(project).port == 9000
    assert "local" in host.runtimes()


class Internal(Registry):
    name = "internal"

    def recognizes(self, host):
        return host == "registry.internal.example"


class InternalPlugin:
    @hookimpl
    def mldock_register_registries(self, register):
        register(Internal())


def test_hook_mldock_register_registries(mldock_plugin_host):
    host = mldock_plugin_host(InternalPlugin())
    assert kind_for_host(host, "registry.internal.example").name == "internal"
    assert kind_for_host(host, "other.example").name == "docker"


def test_hook_mldock_register_commands(tmp_path: Path):
    write_distribution(
        tmp_path,
        "greeting_plugin",
        """
        import click
        from mldock_core import hookimpl

        @hookimpl
        def mldock_register_commands(cli):
            @cli.command(short_help="Greet.")
            @click.argument("who")
            def greet(who):
                click.echo(f"hello {who}")
        """,
    )
    listed = run_mldock("--help", site=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^\s+greet\s+Greet\.$", listed.stdout, re.M)
    result = run_mldock("greet", "plugins", site=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello plugins\n"


class NoticePlugin:
    @hookimpl
    def mldock_before_build(self, project, plan):
        plan.notices.append(f"building {project.name}")
        plan.steps[-1].lines.append('LABEL checked="yes"')


def test_hook_mldock_before_build(mldock_plugin_host, project):
    plan = make_plan(project, mldock_plugin_host(NoticePlugin()), "latest")
    assert plan.notices == ["building hooked"]
    assert plan.dockerfile().rstrip().endswith('LABEL checked="yes"')


@pytest.mark.docker
def test_hook_mldock_after_build(tmp_path: Path, mldock_project):
    write_distribution(
        tmp_path,
        "after_plugin",
        """
        import os
        from mldock_core import hookimpl

        @hookimpl
        def mldock_after_build(project, image):
            with open(os.environ["AFTER_BUILD_LOG"], "w") as log:
                log.write(f"{project.name} {image.id} {image.labels['io.mldock.project']}")
        """,
    )
    project = mldock_project("python")
    log = tmp_path / "after.log"
    result = subprocess.run(
        [sys.executable, "-m", "mldock_core", "build"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(tmp_path), "AFTER_BUILD_LOG": str(log)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    name, image_id, label = log.read_text().split()
    assert name == project.name
    assert image_id.startswith("sha256:")
    assert label == project.name


def test_docs_build_strict(tmp_path: Path):
    """The documentation builds with MkDocs in strict mode: no broken link, no page left out."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
