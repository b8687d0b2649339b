"""Hook specifications: every way a plugin extends mldock.

A plugin implements any of these with ``@mldock_core.hookimpl``. Contribution
hooks receive a ``register`` callable; call it once per object contributed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import pluggy

from mldock_core import PROJECT_NAME

if TYPE_CHECKING:
    import click

    from mldock_core.build.plan import BuildPlan
    from mldock_core.kinds import BuildStep, Registry, Runtime, Template
    from mldock_core.project import Project

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec
def mldock_register_templates(register: Callable[[Template], None]) -> None:
    """Register project templates for ``mldock init``."""


@hookspec
def mldock_register_build_steps(register: Callable[[BuildStep], None]) -> None:
    """Register build steps that add Dockerfile instructions and build context files."""


@hookspec
def mldock_register_runtimes(register: Callable[[Runtime], None]) -> None:
    """Register runtime environments: a platform's container contract."""


@hookspec
def mldock_register_registries(register: Callable[[Registry], None]) -> None:
    """Register registry kinds that ``mldock push`` can send images to."""


@hookspec
def mldock_register_commands(cli: click.Group) -> None:
    """Add commands or command groups to the ``mldock`` CLI."""


@hookspec
def mldock_before_build(project: Project, plan: BuildPlan) -> None:
    """Inspect or change the build plan before the image is built."""


@hookspec
def mldock_after_build(project: Project, image: Any) -> None:
    """React to a finished build; ``image`` is the docker-py ``Image``."""
