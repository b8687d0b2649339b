"""The ``sagemaker`` runtime: Amazon SageMaker's training job and real-time endpoint.

SageMaker runs ``docker run IMAGE train`` with the /opt/ml layout and reads the
reason of a failed job from /opt/ml/output/failure. An endpoint runs
``docker run IMAGE serve``, sends GET /ping and POST /invocations to port 8080,
and unpacks model.tar.gz into /opt/ml/model.
"""

from __future__ import annotations

from mldock_core.kinds import ContainerContract, Runtime, TrainingContract

# NOTE: the default start-up window of a real-time endpoint (8 minutes), as the
# SageMaker developer guide states it for health checks. An endpoint
# configuration changes it with ContainerStartupHealthCheckTimeoutInSeconds,
# 60 to 3600 seconds.
HEALTH_DEADLINE = 480.0
# InvokeEndpoint: "A customer's model containers must respond to requests
# within 60 seconds" (SageMaker Runtime API reference).
PREDICT_TIMEOUT = 60.0
LOCAL_ACCOUNT = "000000000000"
LOCAL_REGION = "local"


class SageMakerRuntime(Runtime):
    name = "sagemaker"
    description = (
        "Amazon SageMaker: /opt/ml layout, GET /ping and POST /invocations on 8080, "
        "60 s per request"
    )

    def contract(self, project, protocol=None):
        job = f"{project.name.rsplit('/', 1)[-1]}-local"
        arn = f"arn:aws:sagemaker:{LOCAL_REGION}:{LOCAL_ACCOUNT}:training-job/{job}"
        training = TrainingContract(
            environment={"TRAINING_JOB_NAME": job, "TRAINING_JOB_ARN": arn}
        )
        return ContainerContract(
            health_deadline=HEALTH_DEADLINE,
            predict_timeout=PREDICT_TIMEOUT,
            training=training,
        )
