"""The azureml runtime: its contract, its registration and a check of a real image."""

from __future__ import annotations

import mldock_azure
from mldock_core.kinds import RAW
from mldock_core.project import Project
from mldock_core.testing import describe, run_mldock


def test_azureml_contract(mldock_project, mldock_plugin_host):
    project = Project.load(mldock_project("python"))
    runtime = mldock_plugin_host(mldock_azure).get("runtime", "azureml")

    contract = runtime.contract_for(project)
    model_dir = f"/var/azureml-app/azureml-models/{project.name}/1"
    assert (contract.health_route, contract.predict_route) == ("/", "/score")
    assert contract.environment == {"AZUREML_MODEL_DIR": model_dir}
    assert contract.model_mount == model_dir
    assert contract.envelope == RAW
    assert contract.health_deadline == 310.0
    assert contract.predict_timeout == 5.0


def test_azureml_listed():
    result = run_mldock("runtimes")
    assert result.returncode == 0, describe(result)
    (line,) = [
        line for line in result.stdout.splitlines() if line.startswith("azureml ")
    ]
    assert line.endswith("[mldock-azure 0.1.0]")


def test_azureml_verify_image(mldock_project, mldock_build):
    project = mldock_project("python")
    mldock_build(project)

    result = run_mldock("verify", "--runtime", "azureml", cwd=project)
    assert result.returncode == 0, describe(result)
    assert "GET / returned 200" in result.stdout
    assert "POST /score returned 200" in result.stdout
