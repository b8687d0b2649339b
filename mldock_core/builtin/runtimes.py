"""The built-in runtimes: ``local`` (SageMaker's layout on this machine), ``kserve``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mldock_core import hookimpl
from mldock_core.kinds import (
    INSTANCES,
    KSERVE_V2,
    ContainerContract,
    Runtime,
    TrainingContract,
)

if TYPE_CHECKING:
    from mldock_core.project import Project

KSERVE_MODEL_DIR = "/mnt/models"
# NOTE: Knative Serving's default progress deadline (config-deployment,
# progress-deadline: 600s). A raw Kubernetes deployment has no such limit, only
# the probes of the InferenceService.
KSERVE_HEALTH_DEADLINE = 600.0


def short_name(project: Project) -> str:
    """Return the last segment of the image name: ``iris`` for ``models/iris``."""
    return project.name.rsplit("/", 1)[-1]


class LocalRuntime(Runtime):
    name = "local"
    description = (
        "SageMaker-compatible: /opt/ml layout, GET /ping and POST /invocations on 8080"
    )

    def contract(self, project, protocol=None):
        training = TrainingContract(
            environment={"TRAINING_JOB_NAME": f"{short_name(project)}-local"}
        )
        return ContainerContract(training=training)


class KServeRuntime(Runtime):
    """KServe's custom predictor: v2 (open inference protocol) by default, or v1.

    The model of ``storageUri`` is put in /mnt/models by KServe's storage
    initializer; ``MLDOCK_PLATFORM=kserve`` points the runtime there. KServe only
    serves, so this runtime has no training contract.
    """

    name = "kserve"
    description = "KServe custom predictor on 8080, the model in /mnt/models"
    protocols = ("v2", "v1")

    def contract(self, project, protocol=None):
        model = short_name(project)
        shared = {
            "port": 8080,
            "environment": {"MLDOCK_PLATFORM": "kserve", "MLDOCK_MODEL_NAME": model},
            "model_dir": KSERVE_MODEL_DIR,
            "health_deadline": KSERVE_HEALTH_DEADLINE,
            "training": None,
        }
        if protocol == "v1":
            return ContainerContract(
                health_route=f"/v1/models/{model}",
                predict_route=f"/v1/models/{model}:predict",
                envelope=INSTANCES,
                **shared,
            )
        return ContainerContract(
            health_route="/v2/health/ready",
            predict_route=f"/v2/models/{model}/infer",
            envelope=KSERVE_V2,
            probe_routes=("/v2/health/live", f"/v2/models/{model}/ready"),
            **shared,
        )


@hookimpl
def mldock_register_runtimes(register):
    register(LocalRuntime())
    register(KServeRuntime())
