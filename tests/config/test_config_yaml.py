"""Files that are not readable YAML mappings: missing, empty, tabs, syntax errors."""

from __future__ import annotations

import pytest

from mldock_core.config import load_config
from mldock_core.errors import ConfigError


def load_error(project) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(project)
    return str(caught.value)


def write_bytes(tmp_path, data: bytes):
    (tmp_path / "mldock.yaml").write_bytes(data)
    return tmp_path


def test_missing_file(tmp_path):
    message = load_error(tmp_path)

    assert message == (
        f"no mldock.yaml in {tmp_path.resolve()}; run 'mldock init' there or pass --dir"
    )


def test_missing_folder(tmp_path):
    message = load_error(tmp_path / "absent")

    assert message == (
        f"folder {tmp_path.resolve() / 'absent'} does not exist; pass --dir with "
        "the project"
    )


def test_config_is_folder(tmp_path):
    (tmp_path / "mldock.yaml").mkdir()

    message = load_error(tmp_path)

    assert message.startswith(f"{tmp_path.resolve() / 'mldock.yaml'} cannot be read: ")


def test_tab_indentation(tmp_path):
    text = "name: m\nserve:\n  port: 8080\n\tworkers: 2\n"

    message = load_error(write_bytes(tmp_path, text.encode()))

    assert message == (
        "mldock.yaml: line 4 is indented with a tab; YAML needs spaces, replace the "
        "tab with spaces"
    )


def test_tab_after_spaces(tmp_path):
    text = "name: m\nserve:\n  \tport: 8080\n"

    message = load_error(write_bytes(tmp_path, text.encode()))

    assert message == (
        "mldock.yaml: line 3 is indented with a tab; YAML needs spaces, replace the "
        "tab with spaces"
    )


def test_tab_inside_line(tmp_path):
    message = load_error(write_bytes(tmp_path, b"name:\tm\n"))

    assert message == (
        "mldock.yaml: line 1 contains a tab at column 6, where YAML does not allow "
        "one; replace the tab with spaces"
    )


def test_tab_in_block_scalar_allowed(tmp_path):
    text = "name: m\nbuild:\n  labels:\n    notes: |\n      a\n      \tb\n"

    config = load_config(write_bytes(tmp_path, text.encode()))

    assert config.build.labels == {"notes": "a\n\tb\n"}


def test_syntax_error_position(tmp_path):
    message = load_error(write_bytes(tmp_path, b"name: m\nserve: port: 1\n"))

    assert message == (
        "mldock.yaml: invalid YAML at line 2, column 12: mapping values are not "
        "allowed here"
    )


def test_syntax_error_context(tmp_path):
    message = load_error(write_bytes(tmp_path, b"name: m\ninclude: [a, b\n"))

    assert message == (
        "mldock.yaml: invalid YAML at line 3, column 1: expected ',' or ']', but "
        "got '<stream end>' (while parsing a flow sequence at line 2)"
    )
    assert "\n" not in message


def test_two_documents(tmp_path):
    message = load_error(write_bytes(tmp_path, b"name: a\n---\nname: b\n"))

    assert message.startswith("mldock.yaml: invalid YAML at line 2, column 1: ")


@pytest.mark.parametrize("data", [b"", b"\n\n", b"# only a comment\n", b"---\n"])
def test_empty_file(tmp_path, data):
    message = load_error(write_bytes(tmp_path, data))

    assert message == (
        "mldock.yaml: the file is empty; add at least 'name: <image name>'"
    )


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"- name: m\n", "a list"),
        (b"fraud-model\n", "a string ('fraud-model')"),
        (b"\n\n42\n", "an integer (42)"),
    ],
)
def test_document_not_mapping(tmp_path, data, found):
    message = load_error(write_bytes(tmp_path, data))

    line = data.count(b"\n", 0, len(data) - len(data.lstrip())) + 1
    assert message == (
        f"mldock.yaml: the document at line {line} must be a mapping of keys such "
        f"as 'name: fraud-model', found {found}"
    )


def test_not_utf8(tmp_path):
    data = "name: m\ntemplate: café\n".encode("utf-16")

    message = load_error(write_bytes(tmp_path, data))

    assert message == (
        "mldock.yaml: line 1 is not valid UTF-8 text; save the file as UTF-8"
    )


def test_latin1_line(tmp_path):
    data = "name: m\ntemplate: café\n".encode("latin-1")

    message = load_error(write_bytes(tmp_path, data))

    assert message == (
        "mldock.yaml: line 2 is not valid UTF-8 text; save the file as UTF-8"
    )


def test_complex_key_rejected(tmp_path):
    message = load_error(write_bytes(tmp_path, b"name: m\n? [a, b]\n: 1\n"))

    assert message == (
        "mldock.yaml: a key at line 2 is a list; keys must be plain text"
    )


def test_merge_of_scalar_rejected(tmp_path):
    message = load_error(write_bytes(tmp_path, b"name: m\nserve:\n  <<: 5\n"))

    assert message == (
        "mldock.yaml: '<<' in 'serve' at line 3 must merge a mapping or a list of "
        "mappings, found an integer (5)"
    )


def test_alias_bomb_rejected(tmp_path):
    from mldock_core.config import load_config
    from mldock_core.errors import ConfigError

    lines = ["name: demo", "hyperparameters:", "  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for previous, name in zip("abcdef", "bcdefg"):
        lines.append(f"  {name}: &{name} [{', '.join([f'*{previous}'] * 10)}]")
    (tmp_path / "mldock.yaml").write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    assert "the YAML aliases from line" in str(raised.value)
    assert "expand to more than 100000 values" in str(raised.value)
