"""The sklearn template end to end on the real engine: init, build, train, serve, predict."""

from __future__ import annotations

import json

from mldock_core.testing import describe, free_port

SPECIES = ["setosa", "versicolor", "virginica"]


def test_iris_project_round_trip(mldock_project, mldock, mldock_docker):
    project = mldock_project("sklearn")
    for command in (["build"], ["train"]):
        result = mldock(*command, cwd=project)
        assert result.returncode == 0, describe(result)
    metadata = json.loads((project / "model/metadata.json").read_text())
    assert metadata["classes"] == SPECIES
    assert metadata["training_accuracy"] > 0.9

    port = free_port()
    served = mldock("serve", "--detach", "--port", str(port), cwd=project)
    assert served.returncode == 0, describe(served)

    by_json = mldock("predict", "examples/three-rows.json", cwd=project)
    assert by_json.returncode == 0, describe(by_json)
    assert json.loads(by_json.stdout) == SPECIES

    by_csv = mldock("predict", "examples/three-rows.csv", cwd=project)
    assert by_csv.returncode == 0, describe(by_csv)
    assert json.loads(by_csv.stdout) == SPECIES

    named = project / "named.json"
    named.write_text(json.dumps({"instances": [
        {"sepal_length": 5.0, "sepal_width": 3.4, "petal_length": 1.5, "petal_width": 0.2},
    ]}))
    by_name = mldock("predict", str(named), cwd=project)
    assert by_name.returncode == 0, describe(by_name)
    assert json.loads(by_name.stdout) == ["setosa"]

    wrong = project / "wrong.json"
    wrong.write_text("[[1.0, 2.0]]")
    rejected = mldock("predict", str(wrong), cwd=project)
    assert rejected.returncode == 1, describe(rejected)
    assert "HTTP 500" in rejected.stderr

    stopped = mldock("stop", cwd=project)
    assert stopped.returncode == 0, describe(stopped)
    assert mldock_docker.containers.list(all=True, filters={"label": f"io.mldock.project={project.name}"}) == []
