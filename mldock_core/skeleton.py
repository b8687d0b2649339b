"""``mldock plugin new``: write a new plugin distribution from a skeleton."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path, PurePosixPath

from mldock_core import __version__
from mldock_core.errors import ConfigError, TemplateError
from mldock_core.scaffold import VARIABLE

SKELETON_SUFFIX = ".skel"
PACKAGE_FOLDER = "package"
PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
KINDS = ("template",)


def plugin_variables(name: str) -> dict[str, str]:
    """Return the names of the distribution, package, entry point and class for ``name``."""
    plugin = name.removeprefix("mldock-")
    if not PLUGIN_NAME.match(plugin):
        raise ConfigError(
            f"plugin name {name!r} is invalid: use lowercase letters, digits and single '-' "
            "between words, starting with a letter, such as 'acme' or 'acme-vision'"
        )
    package = "mldock_" + plugin.replace("-", "_")
    return {
        "plugin": plugin,
        "distribution": f"mldock-{plugin}",
        "package": package,
        "class_name": "".join(part.capitalize() for part in plugin.split("-")) + "Template",
        "core_version": __version__,
    }


def _render(text: str, variables: dict[str, str]) -> str:
    return VARIABLE.sub(lambda match: variables[match.group(1)], text)


def write_plugin(name: str, kind: str, parent: Path) -> Path:
    """Write the plugin distribution into ``parent/mldock-NAME``; return that folder."""
    if kind not in KINDS:
        raise ConfigError(f"--kind {kind!r} has no skeleton yet; available: {', '.join(KINDS)}")
    variables = plugin_variables(name)
    target = parent / variables["distribution"]
    if target.exists():
        raise TemplateError(f"{target} already exists; choose another name or folder")

    skeleton = files("mldock_core.skeletons") / kind
    for relative, entry in _walk(skeleton, PurePosixPath()):
        parts = [variables["package"] if part == PACKAGE_FOLDER else part for part in relative.parts]
        path = target.joinpath(*parts)
        content = entry.read_bytes()
        if path.name.endswith(SKELETON_SUFFIX):
            path = path.with_name(path.name[: -len(SKELETON_SUFFIX)])
            content = _render(content.decode("utf-8"), variables).encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    _copy_starter_files(target / variables["package"] / "template")
    return target


# The new template starts from the code, data and ignore files of the
# built-in python template; its config comes from the class's declarations.
STARTER_FILES = ("src", "data", "dot-dockerignore", "dot-gitignore")


def _copy_starter_files(destination: Path) -> None:
    python_template = files("mldock_core.builtin.templates") / "python"
    for name in STARTER_FILES:
        entry = python_template / name
        if not entry.is_dir():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            (destination / name).write_bytes(entry.read_bytes())
            continue
        for relative, item in _walk(entry, PurePosixPath(name)):
            path = destination.joinpath(*relative.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(item.read_bytes())


def _walk(folder, prefix: PurePosixPath):
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name == "__pycache__" or entry.name.endswith(".pyc"):
            continue
        if entry.is_dir():
            yield from _walk(entry, prefix / entry.name)
        else:
            yield prefix / entry.name, entry
