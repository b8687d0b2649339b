"""mldock build on the real engine: layer order, cache reuse, build context, requirements."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path


from mldock_core.testing import describe, run_mldock

from engine_helpers import build


def image_name(project: Path) -> str:
    for line in (project / "mldock.yaml").read_text().splitlines():
        if line.startswith("name:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("no name in mldock.yaml")


def run_in_image(client, project: Path, script: str) -> str:
    output = client.containers.run(
        f"{image_name(project)}:latest", ["-c", script], entrypoint="sh", remove=True
    )
    return output.decode()


def layer_of(client, reference: str, fragment: str) -> str:
    """Return the id of the image layer whose instruction contains ``fragment``."""
    for entry in client.images.get(reference).history():
        if fragment in entry["CreatedBy"]:
            return entry["Id"]
    raise AssertionError(f"no layer of {reference} was made by an instruction with {fragment!r}")


def test_dockerfile_layer_order(python_project: Path):
    result = run_mldock("build", "--print-dockerfile", cwd=python_project)
    assert result.returncode == 0, describe(result)
    text = result.stdout
    positions = [
        text.index("FROM python:3.11-slim"),
        text.index("COPY [\"deps/requirements.txt\""),
        text.index("RUN python3 -m pip install -r requirements.txt"),
        text.index("COPY mldock/mldock_runtime "),
        text.index("COPY [\"code/src\""),
        text.index("LABEL "),
    ]
    assert positions == sorted(positions)


def test_rebuild_after_code_change(python_project: Path, mldock_docker):
    build(python_project)
    reference = f"{image_name(python_project)}:latest"
    requirements_layer = layer_of(mldock_docker, reference, "pip install -r requirements.txt")
    runtime_layer = layer_of(mldock_docker, reference, "runtime-requirements.txt")

    with (python_project / "src/serve.py").open("a") as file:
        file.write("\n# a one-line change\n")
    output = build(python_project)

    assert layer_of(mldock_docker, reference, "pip install -r requirements.txt") == requirements_layer
    assert layer_of(mldock_docker, reference, "runtime-requirements.txt") == runtime_layer
    assert "a one-line change" in run_in_image(mldock_docker, python_project, "cat /opt/program/src/serve.py")
    assert "steps from cache" in output


def test_context_leaves_out_data_and_ignored(python_project: Path, mldock_docker):
    big = python_project / "data/big.bin"
    with big.open("wb") as file:
        file.truncate(1024**3)  # sparse: 1 GiB that takes no disk space
    (python_project / "secret.env").write_text("API_TOKEN=do-not-ship\n")
    (python_project / "notes.txt").write_text("kept\n")
    ignore = python_project / ".dockerignore"
    ignore.write_text(ignore.read_text() + "data/\nsecret.env\n")
    before = hashlib.sha256(ignore.read_bytes()).hexdigest()
    config = python_project / "mldock.yaml"
    config.write_text(config.read_text() + "build:\n  include: [src, notes.txt, .]\n")

    output = build(python_project)

    context_line = next(line for line in output.splitlines() if line.startswith("build context:"))
    assert "GiB" not in context_line, context_line
    assert "MiB" not in context_line, context_line
    listing = run_in_image(mldock_docker, python_project, "find /opt/program -type f")
    assert "/opt/program/notes.txt" in listing
    assert "secret.env" not in listing
    assert "big.bin" not in listing
    search = run_in_image(mldock_docker, python_project, "find / -xdev -name secret.env -o -xdev -name big.bin")
    assert search.strip() == ""
    assert hashlib.sha256(ignore.read_bytes()).hexdigest() == before


def test_including_ignored_file_fails(python_project: Path):
    ignore = python_project / ".dockerignore"
    ignore.write_text(ignore.read_text() + "secret.env\n")
    (python_project / "secret.env").write_text("API_TOKEN=do-not-ship\n")
    config = python_project / "mldock.yaml"
    config.write_text(config.read_text() + "build:\n  include: [src, secret.env]\n")

    result = run_mldock("build", cwd=python_project)
    assert result.returncode != 0, describe(result)
    assert "'secret.env' (from build.include) looks like a file of credentials" in result.stderr


def make_wheel(folder: Path, name: str, version: str) -> Path:
    """Write a minimal pure-Python wheel with one module ``name`` defining VALUE."""
    tag = "py3-none-any"
    path = folder / f"{name}-{version}-{tag}.whl"
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": f"VALUE = {version!r}\n",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: mldock-tests\nRoot-Is-Purelib: true\nTag: {tag}\n",
    }
    record = io.StringIO()
    with zipfile.ZipFile(path, "w") as archive:
        for arcname, text in files.items():
            archive.writestr(arcname, text)
            record.write(f"{arcname},,\n")
        record.write(f"{dist_info}/RECORD,,\n")
        archive.writestr(f"{dist_info}/RECORD", record.getvalue())
    return path


def test_requirements_as_people_write_them(python_project: Path, mldock_docker):
    wheels = python_project / "wheels"
    wheels.mkdir()
    make_wheel(wheels, "localpkg", "0.1.0")
    (python_project / "base.txt").write_bytes(b"# shared pins\r\nsix==1.16.0   # inline comment\r\n")
    (python_project / "requirements.txt").write_bytes(
        b"# pinned\r\n"
        b"-r base.txt\r\n"
        b"idna[all]==3.7   # extras that do not exist are ignored by pip\r\n"
        b"./wheels/localpkg-0.1.0-py3-none-any.whl\r\n"
    )
    build(python_project)
    check = "import six, idna, localpkg; print(six.__version__, idna.__version__, localpkg.VALUE)"
    output = run_in_image(mldock_docker, python_project, f"python3 -c '{check}'")
    assert output.split() == ["1.16.0", "3.7", "0.1.0"]


def test_vcs_requirement_adds_git(python_project: Path):
    (python_project / "requirements.txt").write_text(
        "git+https://github.com/example-org/example-pkg.git@v0.1.0#egg=example-pkg\n"
    )
    result = run_mldock("build", "--print-dockerfile", cwd=python_project)
    assert result.returncode == 0, describe(result)
    assert "apt-get install -y --no-install-recommends git" in result.stdout


def test_invalid_requirement_stops_before_build(python_project: Path):
    (python_project / "requirements.txt").write_text("numpy==1.26.4\nscipy=1.11\n")
    result = run_mldock("build", cwd=python_project)
    assert result.returncode != 0, describe(result)
    assert "requirements.txt, line 2" in result.stderr
    assert "step 1/" not in result.stderr


def test_failing_step_shows_output(python_project: Path):
    (python_project / "requirements.txt").write_text("./wheels/missing.whl\n")
    (python_project / "wheels").mkdir()
    result = run_mldock("build", cwd=python_project)
    assert result.returncode != 0, describe(result)
    assert "missing.whl" in result.stderr


def test_build_failure_names_step(python_project: Path):
    config = python_project / "mldock.yaml"
    config.write_text(config.read_text() + "system_packages: [no-such-package-mldock]\n")
    result = run_mldock("build", cwd=python_project, timeout=600)
    assert result.returncode == 1, describe(result)
    assert "build failed at step" in result.stderr
    assert "apt-get install" in result.stderr
    assert "no-such-package-mldock" in result.stderr


def test_invalid_tag_rejected(python_project: Path):
    result = run_mldock("build", "--tag", "v1 beta", cwd=python_project)
    assert result.returncode == 2, describe(result)
    assert "tag 'v1 beta' is invalid" in result.stderr
    assert "[A-Za-z0-9_.-]" in result.stderr or "letters, digits, '_', '.' and '-'" in result.stderr


def test_socket_permission_denied(tmp_path: Path):
    path = tmp_path / "docker.sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        listener.listen()
        path.chmod(0)
        # root ignores file modes; dropping the capability that allows it makes
        # this run see the socket as a normal user would.
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
        result = subprocess.run(
            [*prefix, sys.executable, "-m", "mldock_core", "stop", "--all"],
            env={**os.environ, "DOCKER_HOST": f"unix://{path}"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1, describe(result)
    assert f"permission denied for the Docker socket {path}" in result.stderr
    assert "Traceback" not in result.stderr


def test_engine_not_reachable(python_project: Path):
    result = run_mldock("build", cwd=python_project, env={"DOCKER_HOST": "unix:///tmp/none.sock"})
    assert result.returncode == 1, describe(result)
    assert "the Docker engine is not reachable at unix:///tmp/none.sock" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


def test_environment_and_labels_kept_exactly(python_project: Path, mldock_docker):
    config = python_project / "mldock.yaml"
    config.write_text(
        config.read_text()
        + "environment:\n"
        + "  MODEL_URI: 's3://bucket/$VERSION/model'\n"
        + "  QUOTED: 'with \"quotes\" and $HOME \\'\n"
        + "  BRACED: '${PATH}x'\n"
        + "build:\n  labels:\n    org.example.note: 'costs $5'\n"
    )
    build(python_project)
    script = "import os; print(repr([os.environ[k] for k in ('MODEL_URI', 'QUOTED', 'BRACED')]))"
    output = run_in_image(mldock_docker, python_project, f'python3 -c "{script}"')
    assert output.strip() == repr(["s3://bucket/$VERSION/model", 'with "quotes" and $HOME \\', "${PATH}x"])
    labels = mldock_docker.images.get(f"{image_name(python_project)}:latest").labels
    assert labels["org.example.note"] == "costs $5"


def test_secret_files_left_out(python_project: Path, mldock_docker):
    (python_project / "src/.env").write_text("HF_TOKEN=hf_secret\n")
    (python_project / "src/prod.env").write_text("A=1\n")
    output = build(python_project)
    assert "left out of the image because they look like files of credentials: src/.env, src/prod.env" in output
    listing = run_in_image(mldock_docker, python_project, "find /opt -name '*.env'")
    assert listing.strip() == ""


def test_including_dockerignored_file_fails(python_project: Path):
    ignore = python_project / ".dockerignore"
    ignore.write_text(ignore.read_text() + "notes.md\n")
    (python_project / "notes.md").write_text("kept out\n")
    config = python_project / "mldock.yaml"
    config.write_text(config.read_text() + "build:\n  include: [src, notes.md]\n")
    result = run_mldock("build", "--print-dockerfile", cwd=python_project)
    assert result.returncode == 1, describe(result)
    assert "'notes.md' (from build.include) is excluded by .dockerignore line" in result.stderr
    assert "add '!notes.md' after it" in result.stderr
