"""Template declarations: generated config and requirements, build steps, path checks."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from mldock_core import hookimpl
from mldock_core.build.plan import make_plan
from mldock_core.config import load_config
from mldock_core.errors import TemplateError
from mldock_core.kinds import BuildStep, Template
from mldock_core.plugins import PluginHost
from mldock_core.project import Project
from mldock_core.scaffold import write_project


class Timezone(BuildStep):
    name = "timezone"
    phase = "system"

    def instructions(self, project, context):
        return ["ENV TZ=UTC"]


class Declared(Template):
    name = "declared"
    description = "a template made only of declarations"
    python_version = "3.10"
    system_packages = ("libgomp1",)
    requirements = ("numpy==1.26.4",)
    hyperparameters = {"epochs": 10, "lr": 0.001, "use_gpu": False, "layers": [64, 32], "name": "3.10"}
    channels = {"training": "data/training", "validation": "data/validation"}

    def build_steps(self):
        return [Timezone()]


class FakeEntry:
    """A package-data entry whose name escapes the project, as a broken plugin could make."""

    def __init__(self, name: str, children: list | None = None) -> None:
        self.name = name
        self.children = children

    def iterdir(self):
        return iter(self.children or [])

    def is_dir(self) -> bool:
        return self.children is not None

    def read_bytes(self) -> bytes:
        return b"x"


class Escaping(Template):
    name = "escaping"

    def root(self):
        return FakeEntry("root", [FakeEntry("..", [FakeEntry("outside.txt")])])


class DeclaredPlugin:
    @hookimpl
    def mldock_register_templates(self, register):
        register(Declared())


def test_declared_template_writes_valid_config(tmp_path: Path):
    write_project(Declared(), tmp_path, "demo")
    config = load_config(tmp_path)
    assert config.python_version == "3.10"
    assert config.base_image == "python:3.10-slim"
    assert config.system_packages == ("libgomp1",)
    assert config.data == {"training": "data/training", "validation": "data/validation"}
    assert config.hyperparameters == {
        "epochs": "10", "lr": "0.001", "use_gpu": "false", "layers": "[64, 32]", "name": '"3.10"',
    }


def test_declared_requirements_written(tmp_path: Path):
    write_project(Declared(), tmp_path, "demo")
    lines = (tmp_path / "requirements.txt").read_text().splitlines()
    assert lines[-1] == "numpy==1.26.4"


def test_declared_channels_created(tmp_path: Path):
    write_project(Declared(), tmp_path, "demo")
    assert (tmp_path / "data/training").is_dir()
    assert (tmp_path / "data/validation").is_dir()


def test_template_build_step_in_dockerfile(tmp_path: Path):
    write_project(Declared(), tmp_path, "demo")
    (tmp_path / "src").mkdir()
    host = PluginHost(entry_points=False).load()
    host.register(DeclaredPlugin(), name="declared-plugin")
    plan = make_plan(Project.load(tmp_path), host, "latest")
    dockerfile = plan.dockerfile()
    assert "# system: timezone\nENV TZ=UTC" in dockerfile
    assert "apt-get install -y --no-install-recommends libgomp1" in dockerfile
    assert dockerfile.index("ENV TZ=UTC") < dockerfile.index("pip install -r requirements.txt")


def test_escaping_path_rejected(tmp_path: Path):
    with pytest.raises(TemplateError) as raised:
        write_project(Escaping(), tmp_path / "project", "demo", origin="bad-plugin (bad-dist)")
    message = str(raised.value)
    assert "template 'escaping' of plugin bad-plugin (bad-dist) wants to write '../outside.txt'" in message
    assert "outside the project folder" in message
    assert not (tmp_path / "outside.txt").exists()


def test_absolute_channel_rejected(tmp_path: Path):
    class AbsoluteChannel(Template):
        name = "absolute"
        channels = {"training": "/etc/training"}

    with pytest.raises(TemplateError, match="wants to write '/etc/training'"):
        write_project(AbsoluteChannel(), tmp_path, "demo", origin="p")
    assert not (tmp_path / "mldock.yaml").exists()


def test_rendered_variables(tmp_path: Path):
    class Rendered(Template):
        name = "rendered"

        def root(self):
            return FakeEntry("root", [RenderedFile("NOTES.md.tmpl", b"project {{ name }} from {{template}}\n")])

    write_project(Rendered(), tmp_path, "demo")
    assert (tmp_path / "NOTES.md").read_text() == "project demo from rendered\n"


def test_unknown_variable_named(tmp_path: Path):
    class Unknown(Template):
        name = "unknown"

        def root(self):
            return FakeEntry("root", [RenderedFile("a.txt.tmpl", b"{{ owner }}")])

    with pytest.raises(TemplateError, match=r"a.txt.tmpl uses the unknown variable \{\{ owner \}\}"):
        write_project(Unknown(), tmp_path, "demo")


class RenderedFile(FakeEntry):
    def __init__(self, name: str, content: bytes) -> None:
        super().__init__(name)
        self.content = content

    def read_bytes(self) -> bytes:
        return self.content


def test_plan_paths_are_relative(tmp_path: Path):
    written = write_project(Declared(), tmp_path, "demo")
    for path in written:
        assert PurePosixPath(path.relative_to(tmp_path).as_posix()).parts[0] != ".."
