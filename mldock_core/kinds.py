"""The four extension kinds: the base classes a plugin subclasses.

Each kind has a ``name`` unique among the loaded plugins and a ``description``
shown by the listing commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from mldock_core.build.context import BuildContext
    from mldock_core.project import Project


class Template:
    """Files that ``mldock init`` writes into a new project.

    A minimal template plugin::

        from importlib.resources import files

        from mldock_core import hookimpl
        from mldock_core.kinds import Template

        class Minimal(Template):
            name = "minimal"
            description = "A bare project"

            def root(self):
                return files("my_plugin") / "template"

        @hookimpl
        def mldock_register_templates(register):
            register(Minimal())

    Every file under ``root()`` is written to the project at the same relative
    path. A file whose name ends in ``.tmpl`` is written without that suffix,
    with ``{{ name }}`` and the other variables of ``variables()`` replaced. A
    name that starts with ``dot-`` is written with a leading ``.`` instead,
    because packaging tools often leave dot files out of package data.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""

    def root(self) -> Traversable:
        """Return the folder holding the template's files (package data)."""
        raise NotImplementedError

    def variables(self, project_name: str) -> dict[str, str]:
        """Return the values substituted into ``.tmpl`` files."""
        return {"name": project_name, "template": self.name}


PHASES = ("base", "system", "dependencies", "runtime", "code", "metadata")
"""Dockerfile phases in layer order: a change in a late phase keeps the earlier layers cached."""


class BuildStep:
    """Dockerfile instructions for one phase of the generated Dockerfile.

    A minimal build step plugin::

        class Timezone(BuildStep):
            name = "timezone"
            phase = "system"

            def instructions(self, project, context):
                return ["ENV TZ=UTC"]

    ``instructions`` may add files to the build context for its ``COPY`` lines.
    Steps of one phase run in ascending ``order``, then by name.
    """

    name: ClassVar[str]
    phase: ClassVar[str]
    order: ClassVar[int] = 100
    description: ClassVar[str] = ""

    def applies_to(self, project: Project) -> bool:
        """Return whether this step takes part in building ``project``."""
        return True

    def instructions(self, project: Project, context: BuildContext) -> list[str]:
        """Return the Dockerfile lines of this step."""
        raise NotImplementedError


@dataclass(frozen=True)
class ContainerContract:
    """How a platform starts a container: its variables, paths, port and routes."""

    port: int = 8080
    health_route: str = "/ping"
    predict_route: str = "/invocations"
    ml_root: str = "/opt/ml"
    environment: dict[str, str] = field(default_factory=dict)


class Runtime:
    """A platform's container contract, emulated locally by ``mldock train`` and ``serve``.

    A minimal runtime plugin::

        class Edge(Runtime):
            name = "edge"
            description = "An edge device that calls POST /invocations on 9000"

            def contract(self, project):
                return ContainerContract(port=9000)
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""

    def contract(self, project: Project) -> ContainerContract:
        """Return the contract this platform applies to ``project``'s image."""
        raise NotImplementedError


class Registry:
    """A kind of container registry ``mldock push`` can send images to.

    A minimal registry plugin::

        class Internal(Registry):
            name = "internal"
            description = "The company registry"

            def recognizes(self, host):
                return host == "registry.example.internal"
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""

    def recognizes(self, host: str) -> bool:
        """Return whether images for ``host`` are this registry's to handle."""
        return False
