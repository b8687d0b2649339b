from __future__ import annotations

import os
import tarfile
import time
import uuid
from pathlib import Path

import pytest

from mldock_core.build.context import ALWAYS_EXCLUDED, BuildContext
from mldock_core.build.dockerignore import DockerIgnore
from mldock_core.errors import BuildContextError

GIB = 1024**3


def write(root: Path, relative: str, content: str | bytes = "x", mode: int = 0o644):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    os.chmod(path, mode)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write(root, "src/train.py", "def train(ctx): pass\n")
    write(root, "src/serve.py", "def load(ctx): pass\n")
    write(root, "src/pkg/__init__.py", "")
    write(root, "src/pkg/__pycache__/mod.cpython-311.pyc", b"\0")
    write(root, "src/old.pyc", b"\0")
    write(root, "scripts/run.sh", "#!/bin/sh\n", mode=0o755)
    write(root, "requirements.txt", "numpy==1.26.4\n")
    write(root, "secret.env", "TOKEN=abc\n")
    write(root, "notes.md", "# notes\n")
    write(root, "logs/a.log", "a\n")
    write(root, "logs/keep.txt", "keep\n")
    for folder in ALWAYS_EXCLUDED:
        write(root, f"{folder}/inside.txt", "never sent\n")
    write(
        root,
        ".dockerignore",
        "# local files\nsecret.env\n*.md\nlogs/\n!logs/keep.txt\n",
    )
    return root


def tar_members(context: BuildContext) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=context.to_tar()) as tar:
        return {member.name: member for member in tar.getmembers()}


def tar_file(context: BuildContext, name: str) -> bytes:
    with tarfile.open(fileobj=context.to_tar()) as tar:
        extracted = tar.extractfile(name)
        assert extracted is not None
        return extracted.read()


def test_add_project_root_filters(project: Path) -> None:
    context = BuildContext(project)

    added = context.add_project_path(".", "")

    assert added == [
        ".dockerignore",
        "logs/keep.txt",
        "requirements.txt",
        "scripts/run.sh",
        "src/pkg/__init__.py",
        "src/serve.py",
        "src/train.py",
    ]


def test_add_project_root_arcnames_include_folders(project: Path) -> None:
    context = BuildContext(project)
    context.add_project_path(".", "")

    assert context.arcnames == [
        ".dockerignore",
        "logs",
        "logs/keep.txt",
        "requirements.txt",
        "scripts",
        "scripts/run.sh",
        "src",
        "src/pkg",
        "src/pkg/__init__.py",
        "src/serve.py",
        "src/train.py",
    ]


def test_add_project_folder_under_arcname(project: Path) -> None:
    context = BuildContext(project)

    added = context.add_project_path("src", "code/src", what="build.include")

    assert added == [
        "code/src/pkg/__init__.py",
        "code/src/serve.py",
        "code/src/train.py",
    ]
    assert "code" in context.arcnames
    assert "code/src" in context.arcnames


def test_add_project_file_default_arcname(project: Path) -> None:
    context = BuildContext(project)

    assert context.add_project_path("./src/../requirements.txt") == ["requirements.txt"]


def test_add_project_secret_file_rejected(project: Path) -> None:
    context = BuildContext(project)

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path("secret.env", "code/secret.env", what="build.include")

    assert str(caught.value) == (
        "'secret.env' (from build.include) looks like a file of credentials (it matches "
        "'**/*.env'), and mldock never puts those into an image, but the build needs it; "
        "pass its values at run time with -e KEY=VALUE, or rename the file if it holds "
        "no secret"
    )


def test_secret_files_left_out_of_folders(project: Path) -> None:
    (project / "src/.env").write_text("HF_TOKEN=x\n")
    (project / "src/keys").mkdir()
    (project / "src/keys/id_rsa").write_text("private\n")
    (project / "src/.aws").mkdir()
    (project / "src/.aws/credentials").write_text("[default]\n")
    context = BuildContext(project)

    added = context.add_project_path("src", "code/src")

    assert not [name for name in added if ".env" in name or "id_rsa" in name or ".aws" in name]
    assert context.secrets_left_out == ["src/.aws", "src/.env", "src/keys/id_rsa"]


def test_add_project_always_excluded_file(project: Path) -> None:
    context = BuildContext(project)

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path("model/inside.txt")

    assert str(caught.value) == (
        "'model/inside.txt' is inside 'model', a top-level folder mldock never sends "
        "to the Docker engine (data, model, output, config, .mldock, .git), but the "
        "build needs it; move the file elsewhere in the project"
    )


def test_add_project_always_excluded_folder(project: Path) -> None:
    (project / ".dockerignore").unlink()
    context = BuildContext(project)

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path("data", what="build.include")

    assert str(caught.value) == (
        "'data' (from build.include) is a top-level folder mldock never sends to the "
        "Docker engine (data, model, output, config, .mldock, .git), so none of its "
        "files would be sent; local runs mount it instead, so stop including it in "
        "the build"
    )


def test_add_project_always_excluded_beats_exception(project: Path) -> None:
    context = BuildContext(project, DockerIgnore(["!data/inside.txt"]))

    added = context.add_project_path(".", "")

    assert "data/inside.txt" not in added


def test_add_project_nested_data_folder_kept(project: Path) -> None:
    write(project, "src/data/schema.json", "{}")
    context = BuildContext(project)

    added = context.add_project_path("src")

    assert "src/data/schema.json" in added


def test_add_project_excluded_folder_with_exception(project: Path) -> None:
    context = BuildContext(project)

    added = context.add_project_path("logs", "ctx/logs")

    assert added == ["ctx/logs/keep.txt"]


def test_add_project_excluded_folder_no_match(project: Path) -> None:
    context = BuildContext(project, DockerIgnore(["src", "!src/missing.py"]))

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path("src")

    assert str(caught.value) == (
        "'src' is excluded by .dockerignore line 1 ('src'), so none of its files "
        "would be sent; remove that line or stop including the folder"
    )


def test_symlink_into_data_rejected(project: Path) -> None:
    (project / "src/train_data").symlink_to("../data", target_is_directory=True)
    context = BuildContext(project)

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path("src")

    assert str(caught.value) == (
        "symbolic link 'src/train_data' points to 'data', which is a top-level "
        "folder mldock never sends to the Docker engine (data, model, output, "
        "config, .mldock, .git); exclude the link in .dockerignore too, or delete it"
    )


def test_add_project_excluded_folder_rejected(project: Path) -> None:
    context = BuildContext(project, DockerIgnore(["src"]))

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path("src", what="build.include")

    assert str(caught.value) == (
        "'src' (from build.include) is excluded by .dockerignore line 1 ('src'), "
        "so none of its files would be sent; remove that line or stop including "
        "the folder"
    )


def test_add_project_missing_path(project: Path) -> None:
    context = BuildContext(project)

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path("srcc", what="build.include")

    assert str(caught.value) == (
        f"'srcc' (from build.include) not found in the project {project}; "
        "create it or fix the path"
    )


def test_add_project_missing_path_without_hint(project: Path) -> None:
    context = BuildContext(project)

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path("nope.txt")

    assert str(caught.value) == (
        f"'nope.txt' not found in the project {project}; create it or fix the path"
    )


@pytest.mark.parametrize("relpath", ["../outside.txt", "src/../../outside.txt"])
def test_add_project_outside_rejected(project: Path, relpath: str) -> None:
    write(project.parent, "outside.txt")
    context = BuildContext(project)

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path(relpath, what="build.include")

    assert str(caught.value) == (
        f"'{relpath}' (from build.include) is outside the project, so it cannot be "
        "sent to the Docker engine; copy it into the project"
    )


def test_add_project_absolute_rejected(project: Path) -> None:
    context = BuildContext(project)

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path(str(project / "src"))

    assert "is an absolute path" in str(caught.value)


def test_symlink_inside_followed(project: Path) -> None:
    write(project, "shared/utils.py", "X = 1\n")
    (project / "src/utils.py").symlink_to("../shared/utils.py")
    (project / "src/shared").symlink_to("../shared", target_is_directory=True)
    context = BuildContext(project)

    added = context.add_project_path("src")

    assert "src/utils.py" in added
    assert "src/shared/utils.py" in added
    assert tar_file(context, "src/utils.py") == b"X = 1\n"


def test_symlink_outside_rejected(project: Path) -> None:
    target = write(project.parent, "elsewhere/creds.json", "{}")
    (project / "src/creds.json").symlink_to(target)
    context = BuildContext(project)

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path("src")

    assert str(caught.value) == (
        f"symbolic link 'src/creds.json' points to '{target.resolve()}', outside "
        "the project, so it cannot be sent to the Docker engine; copy the target "
        "into the project, or exclude the link in .dockerignore"
    )


def test_symlink_outside_explicit_rejected(project: Path) -> None:
    target = write(project.parent, "elsewhere/model.pkl", "m")
    (project / "model.pkl").symlink_to(target)
    context = BuildContext(project)

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path("model.pkl")

    assert "symbolic link 'model.pkl' points to" in str(caught.value)
    assert str(target.resolve()) in str(caught.value)


def test_symlink_outside_but_excluded_ignored(project: Path) -> None:
    target = write(project.parent, "elsewhere/notes.md", "n")
    (project / "more.md").symlink_to(target)
    context = BuildContext(project)

    added = context.add_project_path(".", "")

    assert "more.md" not in added


def test_symlink_to_excluded_target_rejected(project: Path) -> None:
    (project / "src/settings.txt").symlink_to("../secret.env")
    context = BuildContext(project)

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path("src")

    assert str(caught.value) == (
        "symbolic link 'src/settings.txt' points to 'secret.env', which looks like a "
        "file of credentials (it matches '**/*.env'), and mldock never puts those into "
        "an image; exclude the link in .dockerignore too, or delete it"
    )


def test_symlink_dangling_rejected(project: Path) -> None:
    (project / "src/gone.py").symlink_to("missing.py")
    context = BuildContext(project)

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path("src")

    assert str(caught.value) == (
        "symbolic link 'src/gone.py' points to 'missing.py', which does not exist; "
        "fix the link or delete it"
    )


def test_symlink_loop_rejected(project: Path) -> None:
    (project / "src/pkg/again").symlink_to("..", target_is_directory=True)
    context = BuildContext(project)

    with pytest.raises(BuildContextError) as caught:
        context.add_project_path("src")

    assert str(caught.value).startswith("symbolic link 'src/pkg/again' points to")
    assert "a folder that contains the link" in str(caught.value)


def test_add_directory_skips_bytecode(tmp_path: Path, project: Path) -> None:
    runtime = tmp_path / "runtime"
    write(runtime, "mldock_runtime/__main__.py", "print('hi')\n")
    write(runtime, "mldock_runtime/__pycache__/x.cpython-311.pyc", b"\0")
    write(runtime, "mldock_runtime/stale.pyc", b"\0")
    context = BuildContext(project)

    added = context.add_directory(runtime / "mldock_runtime", "mldock/mldock_runtime")

    assert added == ["mldock/mldock_runtime/__main__.py"]
    assert "mldock/mldock_runtime" in context.arcnames


def test_add_directory_ignores_dockerignore(tmp_path: Path, project: Path) -> None:
    runtime = tmp_path / "runtime"
    write(runtime, "README.md", "runtime docs\n")
    context = BuildContext(project)

    assert context.add_directory(runtime, "rt") == ["rt/README.md"]


def test_add_directory_missing(tmp_path: Path, project: Path) -> None:
    context = BuildContext(project)

    with pytest.raises(BuildContextError) as caught:
        context.add_directory(tmp_path / "nope", "rt")

    assert str(caught.value) == (
        f"cannot add {tmp_path / 'nope'} to the build context: the folder is not "
        "found; reinstall the package that provides it"
    )


def test_add_bytes_duplicate_same_content(project: Path) -> None:
    context = BuildContext(project)
    context.add_bytes("Dockerfile", b"FROM python:3.11-slim\n")

    context.add_bytes("Dockerfile", b"FROM python:3.11-slim\n")

    assert context.arcnames == ["Dockerfile"]


def test_add_bytes_duplicate_other_content(project: Path) -> None:
    context = BuildContext(project)
    context.add_bytes("Dockerfile", b"FROM python:3.11-slim\n")

    with pytest.raises(BuildContextError) as caught:
        context.add_bytes("Dockerfile", b"FROM python:3.12-slim\n")

    assert str(caught.value) == (
        "the build context already holds 'Dockerfile' (generated), and generated "
        "was added under the same name with different content; the build steps "
        "involved must use different names in the build context"
    )


def test_add_project_duplicate_same_file(project: Path) -> None:
    context = BuildContext(project)
    context.add_project_path(".", "deps")

    added = context.add_project_path("requirements.txt", "deps/requirements.txt")

    assert added == ["deps/requirements.txt"]


def test_add_bytes_duplicate_of_project_file(project: Path) -> None:
    context = BuildContext(project)
    context.add_project_path("requirements.txt")

    with pytest.raises(BuildContextError) as caught:
        context.add_bytes("requirements.txt", b"pandas\n")

    assert "already holds 'requirements.txt' (project file" in str(caught.value)


def test_add_bytes_file_under_file_rejected(project: Path) -> None:
    context = BuildContext(project)
    context.add_bytes("mldock", b"x")

    with pytest.raises(BuildContextError) as caught:
        context.add_bytes("mldock/bin/train", b"y")

    assert "already holds 'mldock'" in str(caught.value)


@pytest.mark.parametrize("arcname", ["/etc/passwd", "../up", ""])
def test_add_bytes_bad_arcname(project: Path, arcname: str) -> None:
    context = BuildContext(project)

    with pytest.raises(BuildContextError):
        context.add_bytes(arcname, b"x")


def test_size_counts_file_bytes(project: Path) -> None:
    context = BuildContext(project)
    context.add_project_path("requirements.txt")
    context.add_bytes("Dockerfile", b"12345")

    assert context.size == len("numpy==1.26.4\n") + 5


def test_tar_headers_deterministic(project: Path) -> None:
    context = BuildContext(project)
    context.add_project_path(".", "")
    context.add_bytes("mldock/bin/train", b"#!/bin/sh\n", mode=0o755)

    members = tar_members(context)

    assert list(members) == sorted(members)
    for name, member in members.items():
        assert member.mtime == 0, name
        assert member.uid == 0, name
        assert member.gid == 0, name
        assert member.uname == "", name
        assert member.gname == "", name
    assert members["scripts/run.sh"].mode == 0o755
    assert members["src/train.py"].mode == 0o644
    assert members["mldock/bin/train"].mode == 0o755
    assert members["mldock"].isdir()
    assert members["mldock"].mode == 0o755


def test_tar_content_matches_files(project: Path) -> None:
    context = BuildContext(project)
    context.add_project_path("src")

    assert tar_file(context, "src/train.py") == b"def train(ctx): pass\n"


def test_tar_positioned_at_start(project: Path) -> None:
    context = BuildContext(project)
    context.add_project_path("src")

    assert context.to_tar().tell() == 0


def test_tar_same_bytes_after_touch(project: Path) -> None:
    first = BuildContext(project)
    first.add_project_path(".", "")
    before = first.to_tar().getvalue()
    for path in project.rglob("*"):
        os.utime(path, (2_000_000_000, 2_000_000_000), follow_symlinks=False)

    second = BuildContext(project)
    second.add_project_path(".", "")

    assert second.to_tar().getvalue() == before


def test_tar_independent_of_add_order(project: Path) -> None:
    first = BuildContext(project)
    first.add_project_path("src")
    first.add_bytes("Dockerfile", b"FROM scratch\n")
    second = BuildContext(project)
    second.add_bytes("Dockerfile", b"FROM scratch\n")
    second.add_project_path("src")

    assert first.to_tar().getvalue() == second.to_tar().getvalue()


def test_dockerignore_untouched_by_build(project: Path) -> None:
    path = project / ".dockerignore"
    os.utime(path, (1_000_000, 1_000_000))
    content = path.read_bytes()

    context = BuildContext(project)
    context.add_project_path(".", "")
    context.to_tar()

    assert path.read_bytes() == content
    assert path.stat().st_mtime == 1_000_000


def _timed_build(root: Path) -> tuple[float, BuildContext]:
    started = time.perf_counter()
    context = BuildContext(root)
    context.add_project_path(".", "")
    context.to_tar()
    return time.perf_counter() - started, context


@pytest.mark.parametrize("relative", ["data/training/big.bin", "datasets/big.bin"])
def test_excluded_large_file_not_read(tmp_path: Path, relative: str) -> None:
    timings = {}
    for size in (1024, GIB):
        root = tmp_path / f"project-{size}"
        write(root, "src/train.py", "pass\n")
        write(root, ".dockerignore", "datasets/\n")
        big = write(root, relative, b"")
        os.truncate(big, size)  # sparse: no disk blocks, but reads return zeros

        timings[size], context = _timed_build(root)

        assert relative not in context.arcnames
        assert context.size == len("pass\n") + len("datasets/\n")

    # Reading 1 GiB takes far longer than walking a three-file project.
    assert timings[GIB] < timings[1024] * 5 + 0.25, timings


@pytest.mark.docker
def test_tar_reuses_engine_cache(project: Path) -> None:
    docker = pytest.importorskip("docker")
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        pytest.skip(f"no Docker engine: {exc}")
    tag = f"mldock-test-context-cache:{uuid.uuid4().hex[:12]}"
    dockerfile = b"FROM python:3.11-slim\nCOPY code/src /app/src\n"

    def build() -> list[str]:
        context = BuildContext(project)
        context.add_project_path("src", "code/src")
        context.add_bytes("Dockerfile", dockerfile)
        stream = client.api.build(
            fileobj=context.to_tar(), custom_context=True, tag=tag, decode=True, rm=True
        )
        return [chunk.get("stream", "") for chunk in stream]

    try:
        build()
        for path in (project / "src").rglob("*"):
            os.utime(path, (2_000_000_000, 2_000_000_000))
        output = "".join(build())
    finally:
        client.images.remove(tag, force=True)

    assert "Using cache" in output.split("COPY code/src")[1], output
