"""The vertex runtime: its contract, its registration and a check of a real image."""

from __future__ import annotations

import mldock_gcp
from mldock_core.kinds import INSTANCES
from mldock_core.project import Project
from mldock_core.testing import describe, run_mldock

ROUTE = "/v1/endpoints/1/deployedModels/1"


def test_vertex_contract(mldock_project, mldock_plugin_host):
    project = Project.load(mldock_project("python"))
    runtime = mldock_plugin_host(mldock_gcp).get("runtime", "vertex")

    contract = runtime.contract_for(project)
    assert (contract.health_route, contract.predict_route) == (
        ROUTE,
        f"{ROUTE}:predict",
    )
    assert contract.environment["AIP_HEALTH_ROUTE"] == ROUTE
    assert contract.environment["AIP_PREDICT_ROUTE"] == f"{ROUTE}:predict"
    assert contract.environment["AIP_HTTP_PORT"] == str(contract.port)
    assert contract.environment["AIP_STORAGE_URI"] == contract.model_mount
    assert contract.envelope == INSTANCES
    assert contract.health_deadline == 40.0
    assert contract.training.environment["AIP_MODEL_DIR"] == contract.training.model_dir


def test_vertex_listed():
    result = run_mldock("runtimes")
    assert result.returncode == 0, describe(result)
    (line,) = [
        line for line in result.stdout.splitlines() if line.startswith("vertex ")
    ]
    assert line.endswith("[mldock-gcp 0.1.0]")


def test_vertex_verify_image(mldock_project, mldock_build):
    project = mldock_project("python")
    mldock_build(project)

    result = run_mldock("verify", "--runtime", "vertex", cwd=project)
    assert result.returncode == 0, describe(result)
    assert "model.json in /gcs/mldock-local/model" in result.stdout
    assert "2 predictions" in result.stdout
