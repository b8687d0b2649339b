from __future__ import annotations

import os
from pathlib import Path

import pytest

from mldock_core.build.dockerignore import DockerIgnore, go_clean
from mldock_core.errors import BuildContextError

# (patterns, path, excluded)
MATCH_CASES = [
    # plain names match at the root only, and exclude everything below them
    (["secret.env"], "secret.env", True),
    (["secret.env"], "src/secret.env", False),
    (["data"], "data", True),
    (["data"], "data/training/iris.csv", True),
    (["data"], "database.py", False),
    (["data/"], "data/training/iris.csv", True),
    (["/data"], "data/x.csv", True),
    (["./data/../data"], "data/x.csv", True),
    (["src//models/"], "src/models/net.py", True),
    # '*' and '?' never cross '/'
    (["*.md"], "README.md", True),
    (["*.md"], "docs/guide.md", False),
    (["*/temp*"], "src/temporary.txt", True),
    (["*/temp*"], "src/temp", True),
    (["*/temp*"], "temp.txt", False),
    (["*/temp*"], "a/b/temp.txt", False),
    (["*/*/temp*"], "a/b/temp.txt", True),
    (["temp?"], "tempa", True),
    (["temp?"], "temp", False),
    (["temp?"], "tempab", False),
    (["temp?"], "src/tempa", False),
    (["temp?"], "tempa/inner.txt", True),
    # '**' stands for any number of folders, none included
    (["**/*.pyc"], "a.pyc", True),
    (["**/*.pyc"], "src/pkg/a.pyc", True),
    (["**/*.pyc"], "src/pkg/a.py", False),
    (["**/__pycache__"], "src/__pycache__/a.cpython-311.pyc", True),
    (["src/**/test_*.py"], "src/test_a.py", True),
    (["src/**/test_*.py"], "src/x/y/test_a.py", True),
    (["src/**/test_*.py"], "lib/test_a.py", False),
    (["logs/**"], "logs/a/b.log", True),
    (["**"], "anything/at/all", True),
    # character classes
    (["file[0-9].txt"], "file7.txt", True),
    (["file[0-9].txt"], "filex.txt", False),
    (["file[^0-9].txt"], "filex.txt", True),
    (["file[^0-9].txt"], "file7.txt", False),
    (["[a-c]*.csv"], "b_train.csv", True),
    (["[a-c]*.csv"], "d_train.csv", False),
    # regular expression characters are literal
    (["a+b.(x)"], "a+b.(x)", True),
    (["a+b.(x)"], "aab.(x)", False),
    (["v1.0"], "v1x0", False),
    (["\\*.txt"], "*.txt", True),
    (["\\*.txt"], "a.txt", False),
    # comments, blank lines and whitespace
    (["# secret.env"], "secret.env", False),
    (["  secret.env  "], "secret.env", True),
    (["", "   ", "secret.env"], "secret.env", True),
    ([" # not a comment"], "# not a comment", True),
    (["."], "src/a.py", False),
    # exceptions: the last matching line wins
    (["*.md", "!README.md"], "README.md", False),
    (["*.md", "!README.md"], "CHANGES.md", True),
    (["!README.md", "*.md"], "README.md", True),
    (["*.md", "!README*.md", "README-secret.md"], "README-secret.md", True),
    (["*.md", "!README*.md", "README-secret.md"], "README-public.md", False),
    (["*.md", "README-secret.md", "!README*.md"], "README-secret.md", False),
    (["data/", "!data/keep.txt"], "data/keep.txt", False),
    (["data/", "!data/keep.txt"], "data/other.txt", True),
    (["docs", "!docs/api"], "docs/api/index.md", False),
    (["docs", "!docs/api"], "docs/guide.md", True),
    (["*", "!src"], "src/train.py", False),
    (["*", "!src"], "notes.txt", True),
    (["**/*.pyc", "!keep/*.pyc"], "keep/a.pyc", False),
    (["! data/keep.txt"], "data/keep.txt", False),
]


@pytest.mark.parametrize(("patterns", "path", "excluded"), MATCH_CASES)
def test_is_excluded_table(patterns: list[str], path: str, excluded: bool) -> None:
    ignore = DockerIgnore(patterns)

    assert ignore.is_excluded(path) is excluded, f"{patterns!r} on {path!r}"


def test_is_excluded_empty_rules() -> None:
    assert DockerIgnore([]).is_excluded("anything.txt") is False


def test_excluding_rule_names_line() -> None:
    ignore = DockerIgnore(["# build output", "", "*.log", "secret.env"])

    rule = ignore.excluding_rule("secret.env")

    assert rule is not None
    assert rule.line == 4
    assert rule.text == "secret.env"
    assert rule.describe() == ".dockerignore line 4 ('secret.env')"


def test_excluding_rule_none_after_exception() -> None:
    ignore = DockerIgnore(["*.md", "!README.md"])

    assert ignore.excluding_rule("README.md") is None


def test_excluding_rule_parent_folder() -> None:
    ignore = DockerIgnore(["data/", "*.tmp"])

    rule = ignore.excluding_rule("data/raw/a.csv")

    assert rule is not None
    assert rule.text == "data/"


@pytest.mark.parametrize(
    ("patterns", "folder", "expected"),
    [
        (["data"], "data", False),
        (["data", "!data/keep.txt"], "data", True),
        (["data", "!data/keep.txt"], "datasets", False),
        (["docs", "!docs/api/index.md"], "docs/api", True),
        (["data", "!**/keep.txt"], "data", True),
        (["data", "!src"], "data", False),
    ],
)
def test_may_include_below_table(
    patterns: list[str], folder: str, expected: bool
) -> None:
    assert DockerIgnore(patterns).may_include_below(folder) is expected


def test_pattern_lone_exclamation_rejected() -> None:
    with pytest.raises(BuildContextError) as caught:
        DockerIgnore(["*.log", "!"])

    assert str(caught.value) == (
        ".dockerignore line 2: '!' is an exception with no pattern; "
        "write the path to re-include after '!', or delete the line"
    )


def test_pattern_unclosed_class_rejected() -> None:
    with pytest.raises(BuildContextError) as caught:
        DockerIgnore(["file[0-9.txt"])

    assert str(caught.value).startswith(
        ".dockerignore line 1: 'file[0-9.txt' is not a valid pattern ("
    )


@pytest.mark.parametrize(
    ("path", "cleaned"),
    [
        ("a//b", "a/b"),
        ("./a/./b/", "a/b"),
        ("a/../b", "b"),
        ("a/..", "."),
        ("../a", "../a"),
        ("/../a", "/a"),
        ("", "."),
        ("/", "/"),
        ("a/b/../../..", ".."),
    ],
)
def test_go_clean_table(path: str, cleaned: str) -> None:
    assert go_clean(path) == cleaned


def test_from_project_missing_file(tmp_path: Path) -> None:
    ignore = DockerIgnore.from_project(tmp_path)

    assert ignore.rules == []
    assert not (tmp_path / ".dockerignore").exists()


def test_from_project_reads_crlf_and_bom(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_bytes(
        b"\xef\xbb\xbf*.log\r\n# comment\r\n!keep.log\r\n"
    )

    ignore = DockerIgnore.from_project(tmp_path)

    assert ignore.is_excluded("a.log") is True
    assert ignore.is_excluded("keep.log") is False
    assert ignore.excluding_rule("a.log").line == 1  # type: ignore[union-attr]


def test_from_project_leaves_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / ".dockerignore"
    content = b"data/\n  *.pyc  \n\n# keep\n!data/keep.txt"
    path.write_bytes(content)
    os.chmod(path, 0o444)
    os.utime(path, (1_000_000, 1_000_000))
    before = path.stat()

    DockerIgnore.from_project(tmp_path).is_excluded("data/x")

    after = path.stat()
    assert path.read_bytes() == content
    assert after.st_mtime == before.st_mtime
    assert after.st_mode == before.st_mode
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dockerignore"]


def test_from_project_rejects_utf16(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_bytes("data/\n".encode("utf-16"))

    with pytest.raises(BuildContextError) as caught:
        DockerIgnore.from_project(tmp_path)

    assert "is not UTF-8" in str(caught.value)
    assert str(caught.value).endswith("save it as UTF-8")
