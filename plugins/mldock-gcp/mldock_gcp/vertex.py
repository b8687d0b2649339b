"""The ``vertex`` runtime: Vertex AI's custom training job and custom serving container.

Vertex AI gives a container its settings in ``AIP_`` variables: the port
(AIP_HTTP_PORT, the first of containerSpec.ports, 8080 by default), the health
and predict routes of the deployed model, and where the model is
(AIP_STORAGE_URI when serving, AIP_MODEL_DIR when training). In the cloud
those locations are gs:// URIs; here they are folders at /gcs/BUCKET/...,
the paths where Cloud Storage FUSE mounts buckets in a training job, so the
image reads and writes them as local paths.
"""

from __future__ import annotations

from mldock_core.kinds import INSTANCES, ContainerContract, Runtime, TrainingContract

BUCKET_ROOT = "/gcs/mldock-local"
MODEL_DIR = f"{BUCKET_ROOT}/model"
ENDPOINT_ID = "1"
DEPLOYED_MODEL_ID = "1"
HEALTH_ROUTE = f"/v1/endpoints/{ENDPOINT_ID}/deployedModels/{DEPLOYED_MODEL_ID}"
PREDICT_ROUTE = f"{HEALTH_ROUTE}:predict"
# Vertex AI's TCP liveness probe tries 4 times, 10 seconds apart, then
# restarts the container, and the mldock runtime opens its port only after
# load() returns.
HEALTH_DEADLINE = 40.0


class VertexRuntime(Runtime):
    name = "vertex"
    description = (
        'Vertex AI: AIP_ variables, {"instances"} in and {"predictions"} out, '
        "the model at AIP_STORAGE_URI"
    )

    def contract(self, project, protocol=None):
        environment = {
            "AIP_HTTP_PORT": "8080",
            "AIP_HEALTH_ROUTE": HEALTH_ROUTE,
            "AIP_PREDICT_ROUTE": PREDICT_ROUTE,
            "AIP_STORAGE_URI": MODEL_DIR,
            "AIP_ENDPOINT_ID": ENDPOINT_ID,
            "AIP_DEPLOYED_MODEL_ID": DEPLOYED_MODEL_ID,
            "AIP_MODE": "PREDICTION",
        }
        return ContainerContract(
            port=8080,
            health_route=HEALTH_ROUTE,
            predict_route=PREDICT_ROUTE,
            environment=environment,
            model_dir=MODEL_DIR,
            envelope=INSTANCES,
            health_deadline=HEALTH_DEADLINE,
            training=training_contract(),
        )


def training_contract() -> TrainingContract:
    """Return the training contract: the model goes to AIP_MODEL_DIR.

    Vertex AI reads no failure file, only the exit status and the logs, so the
    failure file stays where the mldock runtime writes it, in output/.
    Checkpoints and TensorBoard logs go to output/ as well.
    """
    return TrainingContract(
        environment={
            "AIP_MODEL_DIR": MODEL_DIR,
            "AIP_CHECKPOINT_DIR": "/opt/ml/output/checkpoints",
            "AIP_TENSORBOARD_LOG_DIR": "/opt/ml/output/tensorboard",
        },
        model_dir=MODEL_DIR,
    )
