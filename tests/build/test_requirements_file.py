from __future__ import annotations

from pathlib import Path

import pytest

from mldock_core.build.context import BuildContext
from mldock_core.build.requirements import RequirementsPlan, read_requirements
from mldock_core.errors import BuildContextError

WHEEL = "wheels/x-1.0-py3-none-any.whl"

# A file as users write it, with every feature the parser must handle.
REALISTIC = """\
# pinned
numpy==1.26.4   # inline comment
requests[socks]==2.31.0
pandas>=2.0 ; python_version >= "3.10"
git+https://github.com/example-org/example-pkg.git@v0.1.0#egg=example-pkg
-r base.txt
./wheels/x-1.0-py3-none-any.whl

--extra-index-url https://download.pytorch.org/whl/cpu
--prefer-binary
scikit-learn==1.4.2 \\
    --hash=sha256:aaaa \\
    --hash=sha256:bbbb
"""


def write(root: Path, relative: str, content: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write(root, "base.txt", "pyyaml==6.0.1\n")
    write(root, WHEEL, b"PK\x03\x04")
    return root


def read(root: Path, content: str | bytes, name: str = "requirements.txt"):
    write(root, name, content)
    return read_requirements(root, name)


def error_of(root: Path, content: str | bytes, name: str = "requirements.txt") -> str:
    with pytest.raises(BuildContextError) as caught:
        read(root, content, name)
    return str(caught.value)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_realistic_file_line_endings(project: Path, newline: str) -> None:
    content = REALISTIC.replace("\n", newline)

    plan = read(project, content)

    assert plan == RequirementsPlan(
        path="requirements.txt",
        files=("requirements.txt", "base.txt", WHEEL),
        system_packages=("git",),
        requirements=(
            "numpy==1.26.4",
            "requests[socks]==2.31.0",
            'pandas>=2.0; python_version >= "3.10"',
            "git+https://github.com/example-org/example-pkg.git@v0.1.0#egg=example-pkg",
            "pyyaml==6.0.1",
            "./wheels/x-1.0-py3-none-any.whl",
            "scikit-learn==1.4.2",
        ),
    )


def test_realistic_file_with_bom(project: Path) -> None:
    plan = read(project, "\ufeff" + REALISTIC)

    assert plan.requirements[0] == "numpy==1.26.4"


def test_lf_and_crlf_same_plan(project: Path) -> None:
    lf = read(project, REALISTIC)
    crlf = read(project, REALISTIC.replace("\n", "\r\n"))

    assert lf == crlf


def test_comment_forms(project: Path) -> None:
    plan = read(
        project,
        "# top comment\n   # indented comment\nnumpy==1.26.4\t# tab comment\n"
        "pkg @ https://example.com/pkg-1.0.tar.gz#sha256=abc\n",
    )

    assert plan.requirements == (
        "numpy==1.26.4",
        "pkg @ https://example.com/pkg-1.0.tar.gz#sha256=abc",
    )


def test_continuation_keeps_first_line_number(project: Path) -> None:
    message = error_of(project, "numpy==1.26.4\nscipy\\\n=1.0\n")

    assert message.startswith("requirements.txt, line 2: 'scipy=1.0'")


def test_continuation_at_end_of_file(project: Path) -> None:
    plan = read(project, "numpy==1.26.4 \\")

    assert plan.requirements == ("numpy==1.26.4",)


def test_comment_line_ends_continuation(project: Path) -> None:
    plan = read(project, "numpy==1.26.4 \\\n# a comment\nscipy==1.13.0\n")

    assert plan.requirements == ("numpy==1.26.4", "scipy==1.13.0")


def test_file_options_accepted(project: Path) -> None:
    write(project, "constraints.txt", "numpy<2\n")
    write(project, "wheelhouse/.keep", "")

    plan = read(
        project,
        "-i https://pypi.org/simple\n--index-url=https://pypi.org/simple\n"
        "--extra-index-url https://download.pytorch.org/whl/cpu\n"
        "--trusted-host pypi.example.com\n--pre\n--prefer-binary\n"
        "--no-binary :all:\n--only-binary=:none:\n--no-index\n"
        "-f ./wheelhouse\n--find-links https://example.com/links\n"
        "-c constraints.txt\n--constraint=constraints.txt\n"
        "numpy --config-settings editable_mode=compat\n",
    )

    assert plan.files == ("requirements.txt", "wheelhouse", "constraints.txt")
    assert plan.requirements == ("numpy",)


def test_short_option_attached_value(project: Path) -> None:
    plan = read(project, "-rbase.txt\n")

    assert plan.files == ("requirements.txt", "base.txt")


def test_long_option_unique_prefix(project: Path) -> None:
    plan = read(project, "--extra-index https://download.pytorch.org/whl/cpu\n")

    assert plan.requirements == ()


def test_include_relative_to_including_file(project: Path) -> None:
    write(project, "reqs/dev.txt", "-r common.txt\npytest==8.2.0\n")
    write(project, "reqs/common.txt", "-r ../base.txt\n")

    plan = read(project, "-r reqs/dev.txt\n")

    assert plan.files == (
        "requirements.txt",
        "reqs/dev.txt",
        "reqs/common.txt",
        "base.txt",
    )
    assert plan.requirements == ("pyyaml==6.0.1", "pytest==8.2.0")


def test_constraints_not_requirements(project: Path) -> None:
    write(project, "constraints.txt", "urllib3<2\n")

    plan = read(project, "-c constraints.txt\nrequests\n")

    assert plan.requirements == ("requests",)
    assert plan.files == ("requirements.txt", "constraints.txt")


def test_remote_include_not_followed(project: Path) -> None:
    plan = read(project, "-r https://example.com/requirements.txt\n")

    assert plan.files == ("requirements.txt",)


@pytest.mark.parametrize(
    ("line", "package"),
    [
        ("git+https://github.com/org/pkg.git@v1#egg=pkg", "git"),
        ("git+ssh://git@github.com/org/pkg.git", "git"),
        ("git://github.com/org/pkg.git", "git"),
        ("hg+https://hg.example.com/pkg#egg=pkg", "mercurial"),
        ("svn+https://svn.example.com/pkg/trunk#egg=pkg", "subversion"),
        ("bzr+https://bzr.example.com/pkg#egg=pkg", "bzr"),
        ("pkg @ git+https://github.com/org/pkg.git@v1", "git"),
        ("-e git+https://github.com/org/pkg.git@v1#egg=pkg", "git"),
    ],
)
def test_vcs_system_packages(project: Path, line: str, package: str) -> None:
    plan = read(project, line + "\n")

    assert plan.system_packages == (package,)


def test_system_packages_sorted_unique(project: Path) -> None:
    plan = read(
        project,
        "svn+https://svn.example.com/a#egg=a\n"
        "git+https://github.com/org/b.git#egg=b\n"
        "git+https://github.com/org/c.git#egg=c\n",
    )

    assert plan.system_packages == ("git", "subversion")


def test_https_url_needs_no_system_package(project: Path) -> None:
    plan = read(project, "https://example.com/pkg-1.0.tar.gz\n")

    assert plan.system_packages == ()


@pytest.mark.parametrize(
    "line",
    [
        "./wheels/x-1.0-py3-none-any.whl",
        "wheels/x-1.0-py3-none-any.whl",
        "file:./wheels/x-1.0-py3-none-any.whl",
        './wheels/x-1.0-py3-none-any.whl ; python_version >= "3.8"',
    ],
)
def test_local_wheel_forms(project: Path, line: str) -> None:
    plan = read(project, line + "\n")

    assert plan.files == ("requirements.txt", WHEEL)


@pytest.mark.parametrize(
    ("line", "folder"),
    [
        ("./pkg", "pkg"),
        ("./pkg/", "pkg"),
        ("./pkg[dev]", "pkg"),
        ("-e ./pkg", "pkg"),
        ("--editable=./pkg[dev]", "pkg"),
        (".", "."),
        ("-e .", "."),
    ],
)
def test_local_project_forms(project: Path, line: str, folder: str) -> None:
    write(project, "pkg/pyproject.toml", "[project]\nname = 'pkg'\n")
    write(project, "pyproject.toml", "[project]\nname = 'root'\n")

    plan = read(project, line + "\n")

    assert plan.files == ("requirements.txt", folder)


def test_local_sdist(project: Path) -> None:
    write(project, "dist/pkg-1.0.tar.gz", b"\x1f\x8b")

    plan = read(project, "dist/pkg-1.0.tar.gz\n")

    assert plan.files == ("requirements.txt", "dist/pkg-1.0.tar.gz")


def test_files_fit_build_context(project: Path) -> None:
    plan = read(project, REALISTIC)
    context = BuildContext(project)

    for relative in plan.files:
        context.add_project_path(relative, f"deps/{relative}", what="requirements")

    assert context.arcnames == [
        "deps",
        "deps/base.txt",
        "deps/requirements.txt",
        "deps/wheels",
        "deps/wheels/x-1.0-py3-none-any.whl",
    ]


def test_invalid_requirement_single_equals(project: Path) -> None:
    message = error_of(project, "# pinned\npandas==2.2.2\nnumpy=1.26\n")

    assert message == (
        "requirements.txt, line 3: 'numpy=1.26' is not a valid requirement "
        "(use '==' to pin a version)"
    )


def test_invalid_requirement_space_version(project: Path) -> None:
    message = error_of(project, "numpy 1.26\n")

    assert message == (
        "requirements.txt, line 1: 'numpy 1.26' is not a valid requirement "
        "(join the name and the version with '==', as in 'numpy==1.26.4')"
    )


def test_invalid_requirement_other(project: Path) -> None:
    message = error_of(project, "numpy==1.0; bad_marker == 'x'\n")

    assert message == (
        "requirements.txt, line 1: \"numpy==1.0; bad_marker == 'x'\" is not a valid "
        "requirement (Expected a marker variable or quoted string; write a name "
        "with an optional version specifier, as in 'numpy==1.26.4')"
    )


def test_include_missing(project: Path) -> None:
    message = error_of(project, "numpy\npandas\n\n# base\n-r missing.txt\n")

    assert message == (
        "requirements.txt, line 5: '-r missing.txt': file 'missing.txt' not found"
    )


def test_include_missing_in_subfolder(project: Path) -> None:
    write(project, "reqs/dev.txt", "-r base.txt\n")

    message = error_of(project, "-r reqs/dev.txt\n")

    assert message == (
        "reqs/dev.txt, line 1: '-r base.txt': file 'base.txt' not found "
        "(looked for 'reqs/base.txt')"
    )


def test_include_outside_project(project: Path) -> None:
    write(project.parent, "shared/base.txt", "numpy\n")

    message = error_of(project, "-r ../shared/base.txt\n")

    assert message == (
        "requirements.txt, line 1: '../shared/base.txt' is outside the project, so "
        "it cannot be sent to the Docker engine; copy it into the project"
    )


def test_local_wheel_outside_project(project: Path) -> None:
    write(project.parent, "libs/x.whl", b"PK")

    message = error_of(project, "numpy\n\n\n\n\n# local\n../libs/x.whl\n")

    assert message == (
        "requirements.txt, line 7: '../libs/x.whl' is outside the project, so it "
        "cannot be sent to the Docker engine; copy it into the project"
    )


def test_local_path_symlink_outside(project: Path) -> None:
    outside = write(project.parent, "libs/y-1.0-py3-none-any.whl", b"PK")
    (project / "wheels/y-1.0-py3-none-any.whl").symlink_to(outside)

    message = error_of(project, "./wheels/y-1.0-py3-none-any.whl\n")

    assert message == (
        "requirements.txt, line 1: './wheels/y-1.0-py3-none-any.whl' is outside the "
        "project, so it cannot be sent to the Docker engine; copy it into the project"
    )


def test_local_path_absolute(project: Path) -> None:
    message = error_of(project, "/opt/wheels/x-1.0-py3-none-any.whl\n")

    assert message == (
        "requirements.txt, line 1: '/opt/wheels/x-1.0-py3-none-any.whl' is an "
        "absolute path on this machine, which does not exist inside the Docker "
        "build; copy it into the project and give its path relative to the project "
        "root"
    )


def test_local_path_missing(project: Path) -> None:
    message = error_of(project, "./wheels/missing-1.0-py3-none-any.whl\n")

    assert message == (
        "requirements.txt, line 1: './wheels/missing-1.0-py3-none-any.whl' not found "
        "in the project (paths are relative to the project root)"
    )


def test_local_path_relative_to_wrong_folder(project: Path) -> None:
    write(project, "reqs/wheels/z-1.0-py3-none-any.whl", b"PK")
    write(project, "reqs/prod.txt", "wheels/z-1.0-py3-none-any.whl\n")

    message = error_of(project, "-r reqs/prod.txt\n")

    assert message == (
        "reqs/prod.txt, line 1: 'wheels/z-1.0-py3-none-any.whl' not found in the "
        "project; pip resolves local paths from the project root, not from "
        "reqs/prod.txt, so write './reqs/wheels/z-1.0-py3-none-any.whl'"
    )


def test_local_folder_not_installable(project: Path) -> None:
    write(project, "notapkg/readme.txt", "hi\n")

    message = error_of(project, "./notapkg\n")

    assert message == (
        "requirements.txt, line 1: './notapkg' is a folder but not an installable "
        "Python project: it has neither 'pyproject.toml' nor 'setup.py'; add one, "
        "or fix the path"
    )


def test_local_wheel_bad_name(project: Path) -> None:
    write(project, "wheels/mywheel.whl", b"PK")

    message = error_of(project, "./wheels/mywheel.whl\n")

    assert message == (
        "requirements.txt, line 1: './wheels/mywheel.whl' is not a valid wheel file "
        "name (Invalid wheel filename (wrong number of parts): 'mywheel'); keep the "
        "name the wheel was built with"
    )


def test_editable_file_rejected(project: Path) -> None:
    message = error_of(project, f"-e ./{WHEEL}\n")

    assert message == (
        f"requirements.txt, line 1: './{WHEEL}' is a file, but -e needs a project "
        "folder; remove '-e' to install the file"
    )


def test_editable_name_rejected(project: Path) -> None:
    message = error_of(project, "-e numpy\n")

    assert message.startswith(
        "requirements.txt, line 1: '-e numpy': -e needs a path to a local project"
    )


def test_direct_reference_file_url(project: Path) -> None:
    message = error_of(project, f"x @ file:///home/me/{WHEEL}\n")

    assert message == (
        f"requirements.txt, line 1: 'x @ file:///home/me/{WHEEL}': the direct "
        f"reference 'file:///home/me/{WHEEL}' points to files on this machine, which "
        "pip cannot find the same way inside the build; write the path alone "
        "instead, relative to the project root"
    )


@pytest.mark.parametrize(
    "line",
    [
        "--extra-index-url https://${PIP_TOKEN}@pypi.example.com/simple",
        "numpy==${NUMPY_VERSION}",
    ],
)
def test_environment_variable_rejected(project: Path, line: str) -> None:
    message = error_of(project, line + "\n")

    variable = line.split("${")[1].split("}")[0]
    assert message == (
        f"requirements.txt, line 1: '{line}' uses the environment variable "
        f"${{{variable}}}; pip would expand it, but no variable is set inside "
        "'docker build', and passing a secret as a build argument would store it "
        "in the image; write the value itself, or for a private index put the "
        "wheels in the project and list them by path"
    )


def test_environment_variable_in_comment_ignored(project: Path) -> None:
    plan = read(project, "numpy  # set ${NUMPY_VERSION} later\n")

    assert plan.requirements == ("numpy",)


def test_utf16_rejected(project: Path) -> None:
    write(project, "requirements.txt", "numpy==1.26.4\n".encode("utf-16"))

    with pytest.raises(BuildContextError) as caught:
        read_requirements(project, "requirements.txt")

    assert str(caught.value) == (
        "requirements.txt: the file is UTF-16 (it starts with a UTF-16 byte order "
        "mark), but mldock reads requirements files as UTF-8; save it as UTF-8"
    )


def test_utf16_without_bom_rejected(project: Path) -> None:
    write(project, "requirements.txt", "numpy==1.26.4\n".encode("utf-16-le"))

    with pytest.raises(BuildContextError) as caught:
        read_requirements(project, "requirements.txt")

    assert str(caught.value) == (
        "requirements.txt: the file contains NUL bytes, as UTF-16 text does; "
        "save it as UTF-8"
    )


def test_latin1_rejected(project: Path) -> None:
    write(project, "requirements.txt", "# caf\xe9\nnumpy\n".encode("latin-1"))

    with pytest.raises(BuildContextError) as caught:
        read_requirements(project, "requirements.txt")

    assert str(caught.value) == (
        "requirements.txt: the file is not UTF-8 (byte 0xe9 at offset 5 is "
        "invalid); save it as UTF-8"
    )


def test_include_cycle_named(project: Path) -> None:
    write(project, "a.txt", "numpy\n-r b.txt\n")
    write(project, "b.txt", "-r a.txt\n")

    with pytest.raises(BuildContextError) as caught:
        read_requirements(project, "a.txt")

    assert str(caught.value) == (
        "b.txt, line 1: '-r a.txt' creates an include cycle: a.txt -> b.txt -> a.txt; "
        "remove one of these -r/-c lines"
    )


def test_include_self_cycle(project: Path) -> None:
    message = error_of(project, "-r ./requirements.txt\n")

    assert message == (
        "requirements.txt, line 1: '-r ./requirements.txt' creates an include cycle: "
        "requirements.txt -> requirements.txt; remove one of these -r/-c lines"
    )


def test_include_diamond_allowed(project: Path) -> None:
    write(project, "dev.txt", "-r base.txt\n")
    write(project, "test.txt", "-r base.txt\n")

    plan = read(project, "-r dev.txt\n-r test.txt\n")

    assert plan.files == ("requirements.txt", "dev.txt", "base.txt", "test.txt")


def test_unknown_option_named(project: Path) -> None:
    message = error_of(project, "numpy\n--extra-idnex-url https://x.example/simple\n")

    assert message == (
        "requirements.txt, line 2: '--extra-idnex-url https://x.example/simple': "
        "unknown option '--extra-idnex-url'; did you mean '--extra-index-url'?"
    )


def test_unknown_option_without_suggestion(project: Path) -> None:
    message = error_of(project, "--zzz\n")

    assert message.startswith(
        "requirements.txt, line 1: '--zzz': unknown option '--zzz'; "
        "a requirements file accepts --requirement, --constraint"
    )


def test_option_missing_value(project: Path) -> None:
    message = error_of(project, "-r\n")

    assert (
        message
        == "requirements.txt, line 1: '-r': option '--requirement' needs a value"
    )


def test_file_option_after_requirement(project: Path) -> None:
    message = error_of(project, "numpy -i https://pypi.org/simple\n")

    assert message == (
        "requirements.txt, line 1: 'numpy -i https://pypi.org/simple': option "
        "'--index-url' must be on a line of its own"
    )


def test_hash_without_requirement(project: Path) -> None:
    message = error_of(project, "numpy==1.26.4\n    --hash=sha256:abc\n")

    assert message == (
        "requirements.txt, line 2: '--hash=sha256:abc': option '--hash' belongs to "
        "the requirement on its line; end the requirement's line with '\\' to "
        "continue it"
    )


def test_constraint_editable_rejected(project: Path) -> None:
    write(project, "constraints.txt", "-e ./pkg\n")

    message = error_of(project, "-c constraints.txt\n")

    assert message == (
        "constraints.txt, line 1: '-e ./pkg': a constraints file cannot hold "
        "editable requirements; move the line to a requirements file"
    )


def test_constraint_extras_rejected(project: Path) -> None:
    write(project, "constraints.txt", "requests[socks]==2.31.0\n")

    message = error_of(project, "-c constraints.txt\n")

    assert message == (
        "constraints.txt, line 1: 'requests[socks]==2.31.0': a constraint cannot "
        "have extras; write 'requests==2.31.0' here and keep the extras in the "
        "requirements file"
    )


def test_constraint_unnamed_path_rejected(project: Path) -> None:
    write(project, "constraints.txt", f"./{WHEEL}\n")

    message = error_of(project, "-c constraints.txt\n")

    assert message.startswith(
        f"constraints.txt, line 1: './{WHEEL}': a constraint must name its package"
    )


def test_invalid_marker_on_path(project: Path) -> None:
    message = error_of(project, f"./{WHEEL} ; python_versio >= '3'\n")

    assert message == (
        "requirements.txt, line 1: \"python_versio >= '3'\" is not a valid "
        "environment marker (Expected a marker variable or quoted string)"
    )


def test_vcs_file_url_rejected(project: Path) -> None:
    message = error_of(project, "git+file:///home/me/repo#egg=repo\n")

    assert message == (
        "requirements.txt, line 1: 'git+file:///home/me/repo#egg=repo' is a "
        "repository on this machine, which the Docker build cannot reach; push it to "
        "a server or copy a built wheel into the project"
    )


def test_top_file_missing(project: Path) -> None:
    with pytest.raises(BuildContextError) as caught:
        read_requirements(project, "requirements.txt")

    assert str(caught.value) == (
        f"requirements file 'requirements.txt' not found in {project}; create it, "
        "or set 'requirements' in mldock.yaml to its path (null if the project has "
        "none)"
    )


def test_top_file_outside(project: Path) -> None:
    with pytest.raises(BuildContextError) as caught:
        read_requirements(project, "../requirements.txt")

    assert str(caught.value).startswith(
        "requirements file '../requirements.txt' is outside the project"
    )


def test_top_file_in_subfolder(project: Path) -> None:
    write(project, "env/requirements.txt", "-r ../base.txt\n")

    plan = read_requirements(project, "./env/requirements.txt")

    assert plan.path == "env/requirements.txt"
    assert plan.files == ("env/requirements.txt", "base.txt")


def test_empty_file(project: Path) -> None:
    plan = read(project, "# nothing yet\n\n")

    assert plan.requirements == ()
    assert plan.files == ("requirements.txt",)


@pytest.mark.parametrize(
    "line",
    [
        "--index-url https://user:s3cr3t@pypi.example.com/simple",
        "--extra-index-url https://ghp_token123@pypi.example.com/simple",
        "private-pkg @ https://user:s3cr3t@files.example.com/private_pkg-1.0-py3-none-any.whl",
        "git+https://oauth2:s3cr3t@git.example.com/team/pkg.git#egg=pkg",
    ],
)
def test_url_credentials_rejected(project: Path, line: str) -> None:
    message = error_of(project, f"numpy==1.26.4\n{line}\n")
    assert message.startswith("requirements.txt, line 2: ")
    assert "has credentials in a URL" in message
    assert "s3cr3t" not in message
    assert "ghp_token123" not in message


def test_ssh_user_allowed(project: Path) -> None:
    plan = read(project, "git+ssh://git@github.com/example-org/pkg.git@v1#egg=pkg\n")
    assert plan.system_packages == ("git",)
