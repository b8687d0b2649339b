"""The sagemaker runtime: its contract, its registration and a check of a real image."""

from __future__ import annotations

import mldock_aws
from mldock_core.kinds import RAW
from mldock_core.project import Project
from mldock_core.testing import describe, run_mldock


def test_sagemaker_contract(mldock_project, mldock_plugin_host):
    project = Project.load(mldock_project("python"))
    runtime = mldock_plugin_host(mldock_aws).get("runtime", "sagemaker")

    contract = runtime.contract_for(project)
    assert (contract.port, contract.health_route, contract.predict_route) == (
        8080,
        "/ping",
        "/invocations",
    )
    assert contract.model_mount == "/opt/ml/model"
    assert contract.envelope == RAW
    assert contract.health_deadline == 480.0
    assert contract.predict_timeout == 60.0
    job = f"{project.name}-local"
    assert contract.training.environment == {
        "TRAINING_JOB_NAME": job,
        "TRAINING_JOB_ARN": f"arn:aws:sagemaker:local:000000000000:training-job/{job}",
    }
    assert contract.training.failure_file == "/opt/ml/output/failure"


def test_sagemaker_listed():
    result = run_mldock("runtimes")
    assert result.returncode == 0, describe(result)
    (line,) = [
        line for line in result.stdout.splitlines() if line.startswith("sagemaker ")
    ]
    assert line.endswith("[mldock-aws 0.1.0]")


def test_sagemaker_verify_image(mldock_project, mldock_build, mldock_docker):
    project = mldock_project("python")
    mldock_build(project)

    result = run_mldock("verify", "--runtime", "sagemaker", cwd=project)
    assert result.returncode == 0, describe(result)
    assert "GET /ping returned 200" in result.stdout
    assert "meets the contract of sagemaker" in result.stderr
