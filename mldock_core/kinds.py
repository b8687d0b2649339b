"""The four extension kinds: the base classes a plugin subclasses.

Each kind has a ``name`` unique among the loaded plugins and a ``description``
shown by the listing commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from mldock_core.errors import ConfigError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from mldock_core.build.context import BuildContext
    from mldock_core.project import Project


class Template:
    """The project ``mldock init`` writes: files, config defaults and build steps.

    A minimal template plugin::

        from importlib.resources import files

        from mldock_core import hookimpl
        from mldock_core.kinds import Template

        class Minimal(Template):
            name = "minimal"
            description = "A bare project"
            requirements = ("pandas==2.2.2",)
            hyperparameters = {"epochs": 10}

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

    When the files include no ``mldock.yaml``, ``init`` writes one from
    ``python_version``, ``base_image``, ``system_packages``, ``channels``
    and ``hyperparameters``; when they include no ``requirements.txt``, one
    from ``requirements``. ``build_steps()`` adds build steps to every
    project made from this template.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    python_version: ClassVar[str] = "3.11"
    base_image: ClassVar[str | None] = None
    """Base image; None means ``python:{python_version}-slim``."""
    system_packages: ClassVar[tuple[str, ...]] = ()
    requirements: ClassVar[tuple[str, ...]] = ()
    """Lines of the requirements.txt written when the files have none."""
    hyperparameters: ClassVar[dict[str, Any]] = {}
    channels: ClassVar[dict[str, str]] = {"training": "data/training"}
    """Data channels: name to project-relative folder, created empty when missing."""

    def root(self) -> Traversable | None:
        """Return the folder holding the template's files (package data), or None."""
        return None

    def variables(self, project_name: str) -> dict[str, str]:
        """Return the values substituted into ``.tmpl`` files."""
        return {"name": project_name, "template": self.name}

    def build_steps(self) -> list[BuildStep]:
        """Return extra build steps for projects made from this template."""
        return []


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


RAW = "raw"
"""Envelope: the payload is the request body, sent with its own Content-Type."""
INSTANCES = "instances"
"""Envelope: ``{"instances": [...]}`` in, ``{"predictions": [...]}`` out."""
KSERVE_V2 = "kserve-v2"
"""Envelope: KServe v2 input tensors in, output tensors out."""
ENVELOPES = (RAW, INSTANCES, KSERVE_V2)


@dataclass(frozen=True)
class TrainingContract:
    """The variables and folders a platform gives a training container.

    ``mldock train`` mounts the project's folders at these paths in the
    container, and ``mldock verify`` checks that the image writes the model and
    the failure file where the platform collects them. Every path is absolute.
    """

    environment: dict[str, str] = field(default_factory=dict)
    """Variables the platform sets in the training container."""
    data_dir: str = "/opt/ml/input/data"
    """Each data channel is mounted read-only at ``data_dir/<channel>``."""
    config_dir: str = "/opt/ml/input/config"
    """The folder where config/ (hyperparameters.json and more) is mounted."""
    model_dir: str = "/opt/ml/model"
    """The folder where the platform collects the model; model/ is mounted there."""
    output_dir: str = "/opt/ml/output"
    """The project's output/ is mounted here."""
    failure_file: str = "/opt/ml/output/failure"
    """The file where a failed run must write its reason, inside ``output_dir``."""

    def __post_init__(self) -> None:
        if not self.failure_file.startswith(self.output_dir.rstrip("/") + "/"):
            raise ValueError(
                f"failure_file {self.failure_file!r} is not inside output_dir "
                f"{self.output_dir!r}; put it in output_dir so that it lands in output/"
            )


@dataclass(frozen=True)
class ContainerContract:
    """The variables, paths, port and routes a platform gives a serving container.

    The first five fields keep their order, so ``ContainerContract(9000)`` and
    the keyword forms of older plugins still work. ``training`` is None for a
    platform that only serves models.
    """

    port: int = 8080
    """The port the platform sends requests to, inside the container."""
    health_route: str = "/ping"
    """The GET route that must return 200 once the model is loaded."""
    predict_route: str = "/invocations"
    """The POST route that runs a prediction."""
    ml_root: str = "/opt/ml"
    environment: dict[str, str] = field(default_factory=dict)
    """Variables the platform sets in the serving container."""
    model_dir: str | None = None
    """The read-only mount point of the model folder; None means ``{ml_root}/model``."""
    envelope: str = RAW
    """The request format of the predict route: one of :data:`ENVELOPES`."""
    probe_routes: tuple[str, ...] = ()
    """More GET routes the platform probes, such as readiness; each must return 200."""
    health_deadline: float | None = None
    """Seconds from container start until the health route must return 200.

    None means the platform sets no limit, and the project's
    ``serve.startup_timeout`` applies.
    """
    predict_timeout: float | None = None
    """Seconds the platform waits for a prediction; None means no limit."""
    training: TrainingContract | None = field(default_factory=TrainingContract)

    def __post_init__(self) -> None:
        if self.envelope not in ENVELOPES:
            raise ValueError(
                f"envelope {self.envelope!r} is not one of {', '.join(ENVELOPES)}"
            )

    @property
    def model_mount(self) -> str:
        """Return where the model folder is mounted in the serving container."""
        return self.model_dir or f"{self.ml_root}/model"


class Runtime:
    """A platform's container contract, run locally by ``train``, ``serve``, ``verify``.

    A minimal runtime plugin::

        class Edge(Runtime):
            name = "edge"
            description = "An edge device that calls POST /invocations on 9000"

            def contract(self, project):
                return ContainerContract(port=9000)

    A platform with several request protocols lists them in ``protocols``,
    the default first, and takes the chosen one in ``contract``::

        class Mesh(Runtime):
            name = "mesh"
            protocols = ("v2", "v1")

            def contract(self, project, protocol=None):
                if (protocol or "v2") == "v1":
                    return ContainerContract(
                        predict_route="/v1/predict", envelope=INSTANCES
                    )
                return ContainerContract(predict_route="/v2/infer", envelope=KSERVE_V2)
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    protocols: ClassVar[tuple[str, ...]] = ()
    """The platform's request protocols, the default first; empty for one protocol."""

    def contract(
        self, project: Project, protocol: str | None = None
    ) -> ContainerContract:
        """Return the contract this platform applies to ``project``'s image.

        ``protocol`` is passed only to runtimes that declare ``protocols``.
        """
        raise NotImplementedError

    def contract_for(
        self, project: Project, protocol: str | None = None
    ) -> ContainerContract:
        """Return the contract for ``protocol``, checked against ``protocols``.

        ``contract`` gets the protocol only from runtimes that declare
        protocols, so a runtime written as ``contract(self, project)`` works.
        """
        if not self.protocols:
            if protocol is not None:
                raise ConfigError(
                    f"runtime {self.name!r} has one protocol, so --protocol "
                    f"{protocol!r} does not apply; leave --protocol out"
                )
            return self.contract(project)
        if protocol is None:
            protocol = self.protocols[0]
        if protocol not in self.protocols:
            raise ConfigError(
                f"runtime {self.name!r} has no protocol {protocol!r}; use one of "
                f"{', '.join(self.protocols)}"
            )
        return self.contract(project, protocol=protocol)


@dataclass(frozen=True)
class Credentials:
    """A user name and a short-lived password or token for one registry host.

    The password is kept out of ``repr()`` so that it never reaches a log line.
    """

    username: str
    password: str = field(repr=False)

    def auth_config(self) -> dict[str, str]:
        """Return the form docker-py's push and pull take: sent per call, never stored."""
        return {"username": self.username, "password": self.password}


FROM_URI = "--to"
"""``RegistryTarget.registry`` of a target given as ``mldock push --to HOST/REPOSITORY``."""


@dataclass(frozen=True)
class RegistryTarget:
    """The destination of one image: ``host/repository:tag`` and the registry entry behind it."""

    registry: str
    kind: str
    host: str
    repository: str
    tag: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def described(self) -> str:
        """Return "registry NAME (HOST)", or "registry HOST" for a target given with --to."""
        if self.registry == FROM_URI:
            return f"registry {self.host}"
        return f"registry {self.registry} ({self.host})"

    @property
    def repository_uri(self) -> str:
        return f"{self.host}/{self.repository}"

    @property
    def reference(self) -> str:
        return f"{self.repository_uri}:{self.tag}"


class Registry:
    """A kind of container registry that ``mldock push`` and ``pull`` talk to.

    A minimal registry plugin::

        class Internal(Registry):
            name = "internal"
            description = "The company registry"
            default_host = "registry.example.internal"

            def recognizes(self, host):
                return host == self.default_host

            def credentials(self, target):
                return Credentials("robot", read_token_from_vault())

    ``credentials`` is called before every push or pull and again once after
    an "unauthorized" response, so it should fetch a fresh token each time and
    never cache one on disk.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    default_host: ClassVar[str | None] = None
    """Host used when a registry entry of this kind names none."""
    host_options: ClassVar[tuple[str, ...]] = ()
    """Entry keys ``host_for`` derives the host from, named when they are missing."""
    options: ClassVar[dict[str, str]] = {}
    """Kind-specific keys a registry entry may have, with a description of each."""

    def recognizes(self, host: str) -> bool:
        """Return whether images for ``host`` are this registry kind's to handle."""
        return False

    def host_for(self, options: dict[str, Any]) -> str | None:
        """Return the registry host for an entry that names none (default: ``default_host``)."""
        return self.default_host

    def check_target(self, target: RegistryTarget) -> None:
        """Raise ``ConfigError`` when ``target`` cannot exist in this kind of registry."""

    def credentials(self, target: RegistryTarget) -> Credentials | None:
        """Return fresh credentials for ``target``, or None to push without logging in."""
        return None

    def ensure_repository(self, target: RegistryTarget, create: bool) -> bool:
        """Make sure the repository exists; return True when it was created.

        Raise ``RegistryError`` naming the repository and the registry when it
        does not exist and ``create`` is false. The default assumes the
        registry creates repositories on first push, as Docker's does.
        """
        return False
