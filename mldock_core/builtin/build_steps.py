"""The built-in build steps: the layers of every image mldock generates.

Layer order is base, system packages, requirements (copied alone), runtime,
code, metadata, so a change in src/ rebuilds only the last two layers.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from mldock_core import __version__, hookimpl
from mldock_core.kinds import BuildStep

if TYPE_CHECKING:
    from mldock_core.build.context import BuildContext
    from mldock_core.project import Project

RUNTIME_SOURCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "runtime")
LIB_DIR = "/opt/mldock/lib"
DEPS_DIR = "/opt/mldock/deps"
CODE_DIR = "/opt/program"
ML_ROOT = "/opt/ml"


def _json(value: object) -> str:
    # Imported here: the built-in plugins load on every command, `--help` included.
    import json

    return json.dumps(value)


def _quoted(value: str, key: str) -> str:
    """Quote ``value`` for ENV or LABEL so the image stores exactly this text.

    Docker expands ``$NAME`` inside ENV and LABEL values, so ``$`` is
    escaped; a line break cannot be stored there at all.
    """
    if "\n" in value or "\r" in value:
        from mldock_core.errors import ConfigError

        raise ConfigError(
            f"{key} contains a line break, which an image's ENV or LABEL cannot hold; "
            "put the value on one line, or pass it at run time with -e"
        )
    return _json(value).replace("$", "\\$")


class BaseImage(BuildStep):
    name = "base-image"
    phase = "base"
    description = "FROM the configured base image, with Python set up for containers"

    def instructions(self, project: Project, context: BuildContext) -> list[str]:
        return [
            f"FROM {project.config.base_image}",
            "ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \\",
            "    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore",
        ]


class SystemPackages(BuildStep):
    name = "system-packages"
    phase = "system"
    description = "apt-get install of system_packages and of what requirements.txt needs"

    def applies_to(self, project: Project) -> bool:
        return bool(system_packages(project))

    def instructions(self, project: Project, context: BuildContext) -> list[str]:
        packages = " ".join(system_packages(project))
        return [
            "RUN apt-get update \\",
            f" && apt-get install -y --no-install-recommends {packages} \\",
            " && rm -rf /var/lib/apt/lists/*",
        ]


def system_packages(project: Project) -> list[str]:
    """Return the configured packages plus those the requirements file needs, sorted."""
    packages = set(project.config.system_packages)
    if project.requirements is not None:
        packages.update(project.requirements.system_packages)
    return sorted(packages)


class Requirements(BuildStep):
    name = "requirements"
    phase = "dependencies"
    description = "pip install -r of the project's requirements file, copied alone"

    def applies_to(self, project: Project) -> bool:
        return project.requirements is not None

    def instructions(self, project: Project, context: BuildContext) -> list[str]:
        plan = project.requirements
        assert plan is not None  # applies_to checked it
        lines = []
        for relative in plan.files:
            context.add_project_path(relative, f"deps/{relative}", what="requirements")
            lines.append(f"COPY {_json(['deps/' + relative, f'{DEPS_DIR}/{relative}'])}")
        # pip resolves local paths against its working folder, which mirrors the
        # project root here just as it does on the user's machine.
        lines.append(f"WORKDIR {DEPS_DIR}")
        import shlex

        lines.append(f"RUN python3 -m pip install -r {shlex.quote(plan.path)}")
        return lines


class RuntimeLayer(BuildStep):
    name = "runtime"
    phase = "runtime"
    description = "mldock's in-container runtime: the train and serve entrypoints"

    def instructions(self, project: Project, context: BuildContext) -> list[str]:
        from pathlib import Path

        context.add_directory(Path(RUNTIME_SOURCE), "mldock/mldock_runtime")
        # Platforms that start the image with a command of their own still find
        # `train` and `serve` on PATH, as SageMaker's contract expects.
        for command in ("train", "serve"):
            script = f'#!/bin/sh\nexec python3 -m mldock_runtime {command} "$@"\n'
            context.add_bytes(f"mldock/bin/{command}", script.encode(), mode=0o755)
        return [
            "COPY mldock/mldock_runtime/requirements.txt /opt/mldock/runtime-requirements.txt",
            "RUN python3 -m pip install -r /opt/mldock/runtime-requirements.txt",
            f"COPY mldock/mldock_runtime {LIB_DIR}/mldock_runtime",
            "COPY mldock/bin/ /usr/local/bin/",
            f"ENV PYTHONPATH={LIB_DIR} MLDOCK_CODE_DIR={CODE_DIR} MLDOCK_ML_ROOT={ML_ROOT}",
            f"WORKDIR {CODE_DIR}",
            'ENTRYPOINT ["python3", "-m", "mldock_runtime"]',
            'CMD ["serve"]',
        ]


class Code(BuildStep):
    name = "code"
    phase = "code"
    description = "the project's code (build.include, default src/)"

    def instructions(self, project: Project, context: BuildContext) -> list[str]:
        lines = []
        for relative in project.config.build.include:
            relative = relative.rstrip("/")
            context.add_project_path(relative, f"code/{relative}", what="build.include")
            lines.append(f"COPY {_json(['code/' + relative, f'{CODE_DIR}/{relative}'])}")
        return lines


class Metadata(BuildStep):
    name = "metadata"
    phase = "metadata"
    description = "environment, serving settings and labels"

    def instructions(self, project: Project, context: BuildContext) -> list[str]:
        config = project.config
        environment = {
            **config.environment,
            "MLDOCK_SERVE_WORKERS": str(config.serve.workers),
            "MLDOCK_MAX_REQUEST_SIZE": str(config.serve.max_request_size),
        }
        # mldock's own labels come last so that build.labels cannot replace them.
        labels = {
            **config.build.labels,
            "io.mldock.project": config.name,
            "io.mldock.template": config.template or "",
            "io.mldock.version": __version__,
        }
        env_pairs = (f"{key}={_quoted(value, f'environment.{key}')}" for key, value in environment.items())
        label_pairs = (
            f"{_json(key)}={_quoted(value, f'build.labels.{key}')}" for key, value in labels.items()
        )
        return ["ENV " + " ".join(env_pairs), "LABEL " + " ".join(label_pairs)]


@hookimpl
def mldock_register_build_steps(register):
    for step in (BaseImage(), SystemPackages(), Requirements(), RuntimeLayer(), Code(), Metadata()):
        register(step)
