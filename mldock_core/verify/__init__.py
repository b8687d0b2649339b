"""``mldock verify``: start the image as each platform would and check its contract.

For each runtime, training runs twice with the platform's variables and
folders: once to check that the model lands where the platform collects it,
once with a training module that does not exist to check the failure file.
The model of the first run is then served as the platform serves it, and the
health route, the probe routes, the predict route, a prediction in the
platform's envelope and an unknown route are checked. Every container started
here is removed. The project's model/ and output/ are left as they were,
because training writes to a temporary folder under .mldock/.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mldock_core import containers
from mldock_core.verify.checks import FAIL, PASS, SKIP, Check, Options, Payload
from mldock_core.verify.serving_checks import ServingCheck
from mldock_core.verify.training_checks import TrainingChecks

if TYPE_CHECKING:
    import docker

    from mldock_core.kinds import Runtime
    from mldock_core.project import Project

__all__ = ["FAIL", "PASS", "SKIP", "Check", "Options", "Payload", "Verifier"]


class Verifier:
    """Runs the checks of one project's image, runtime by runtime."""

    def __init__(
        self,
        client: docker.DockerClient,
        project: Project,
        image: str,
        options: Options,
        report: Callable[[str], None],
    ) -> None:
        self.client = client
        self.project = project
        self.image = image
        self.options = options
        self.report = report

    def verify(self, runtime: Runtime) -> list[Check]:
        """Return the checks of ``runtime``, with every protocol it offers."""
        protocols = list(runtime.protocols) or [None]
        contracts = [
            (protocol, runtime.contract_for(self.project, protocol))
            for protocol in protocols
        ]
        workspace = self._workspace(runtime.name)
        try:
            with containers.signals_raise():
                training = TrainingChecks(self, runtime, workspace)
                checks, model_dir = training.run(contracts[0][1])
                for protocol, contract in contracts:
                    serving = ServingCheck(self, runtime, contract, protocol)
                    self.report(f"checking the serving contract of {serving.label}")
                    checks += serving.run(model_dir)
        finally:
            shutil.rmtree(workspace, ignore_errors=True)
        return checks

    def _workspace(self, name: str) -> Path:
        parent = self.project.root / ".mldock"
        parent.mkdir(exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"verify-{name}-", dir=parent))
