"""The ``azureml`` runtime: an Azure ML online endpoint with a custom container.

Azure ML mounts the registered model and names its folder in AZUREML_MODEL_DIR
(/var/azureml-app/azureml-models/NAME/VERSION). A custom container deployment
names its liveness, readiness and scoring routes in its inference
configuration. An mldock image is deployed with GET / for liveness and
readiness, and POST /score for scoring, all on port 8080.
"""

from __future__ import annotations

from mldock_core.kinds import ContainerContract, Runtime, TrainingContract

MODEL_VERSION = "1"
# Probe defaults of an online deployment (azure-ai-ml ProbeSettings): first
# probe after 10 s, then every 10 s, unhealthy after 30 failures.
HEALTH_DEADLINE = 10.0 + 30 * 10.0
# request_settings.request_timeout_ms of an online deployment defaults to 5000.
PREDICT_TIMEOUT = 5.0


class AzureMLRuntime(Runtime):
    name = "azureml"
    description = (
        "Azure ML online endpoint: GET / and POST /score on 8080, the model at "
        "AZUREML_MODEL_DIR, 5 s per request"
    )

    def contract(self, project, protocol=None):
        model = project.name.rsplit("/", 1)[-1]
        model_dir = f"/var/azureml-app/azureml-models/{model}/{MODEL_VERSION}"
        return ContainerContract(
            port=8080,
            health_route="/",
            predict_route="/score",
            environment={"AZUREML_MODEL_DIR": model_dir},
            model_dir=model_dir,
            health_deadline=HEALTH_DEADLINE,
            predict_timeout=PREDICT_TIMEOUT,
            # NOTE: Azure ML sets no folder layout for a command job, so the
            # image trains with /opt/ml, and the job must upload /opt/ml/model
            # as its output itself.
            training=TrainingContract(),
        )
