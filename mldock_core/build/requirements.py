"""Check a pip requirements file before the build and list the project files pip needs.

The file is parsed the way pip parses it: comments, line continuations, options,
nested ``-r``/``-c`` files, URLs and local paths. Problems that pip would report
only inside ``docker build``, such as invalid lines and missing files, are raised
here as BuildContextError, naming the file, the line and the fix.

Local paths are resolved against the project root, because pip resolves them
against its working folder and the build runs pip from the folder that mirrors
the project root. Paths after ``-r`` and ``-c`` are relative to the including
file, as in pip.
"""

from __future__ import annotations

import codecs
import difflib
import posixpath
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from mldock_core.errors import BuildContextError

# The Debian package that provides the command pip runs for each VCS URL scheme.
VCS_SYSTEM_PACKAGES = {
    "git": "git",
    "hg": "mercurial",
    "svn": "subversion",
    "bzr": "bzr",  # in Debian 12, a transitional package that installs Breezy
}

_ARCHIVE_SUFFIXES = (
    ".whl",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tar",
    ".zip",
)
_URL_SCHEMES = ("http", "https", "file", "ftp")

# pip expands only this form of variable, and only with upper-case names.
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
# user:password@ in a URL, or any user part of an http(s) URL (often a token);
# ssh's "git@" carries no secret and stays allowed.
_URL_CREDENTIALS = re.compile(r"\b(?:https?://[^/\s@]+@|[a-z][a-z0-9+.-]*://[^/\s@:]+:[^/\s@]+@)", re.I)
# A '#' starts a comment at the start of a line or after whitespace, so URL
# fragments such as '#egg=name' stay part of the line.
_COMMENT = re.compile(r"(^|\s+)#.*$")
_TRAILING_EXTRAS = re.compile(r"^(.*?)(\[[^\]]*\])?$")

_SHORT_OPTIONS = {
    "-r": "--requirement",
    "-c": "--constraint",
    "-e": "--editable",
    "-i": "--index-url",
    "-f": "--find-links",
}
# Options that stand on a line of their own, and whether each takes a value.
_FILE_OPTIONS = {
    "--requirement": True,
    "--constraint": True,
    "--editable": True,
    "--index-url": True,
    "--extra-index-url": True,
    "--no-index": False,
    "--find-links": True,
    "--pre": False,
    "--trusted-host": True,
    "--prefer-binary": False,
    "--no-binary": True,
    "--only-binary": True,
    "--require-hashes": False,
    "--use-feature": True,
}
# Options that follow a requirement on its line.
_LINE_OPTIONS = {
    "--hash": True,
    "--config-settings": True,
    "--global-option": True,
}
_ALL_OPTIONS = {**_FILE_OPTIONS, **_LINE_OPTIONS}


@dataclass(frozen=True)
class RequirementsPlan:
    """What a requirements file needs at build time, checked before the build."""

    path: str  # project-relative path of the top requirements file
    # Project-relative files and folders pip reads: the file itself, the files it
    # includes with -r or -c, local wheels, source archives and project folders.
    files: tuple[str, ...]
    system_packages: tuple[str, ...]  # Debian packages, such as git for git+ URLs
    requirements: tuple[str, ...]  # normalized requirement lines, for display


def read_requirements(root: Path, relpath: str) -> RequirementsPlan:
    """Parse the requirements file ``relpath`` of the project at ``root``.

    Raise BuildContextError for anything pip would reject or could not find
    inside the build: invalid lines, unknown options, missing or outside files,
    environment variables, include cycles and files that are not UTF-8.
    """
    root = Path(root)
    relative = posixpath.normpath(relpath)
    if relpath.startswith("/") or relative == ".." or relative.startswith("../"):
        raise BuildContextError(
            f"requirements file {_q(relpath)} is outside the project, so it cannot be "
            "sent to the Docker engine; copy it into the project and set "
            "'requirements' in mldock.yaml to its relative path"
        )
    if not (root / relative).is_file():
        raise BuildContextError(
            f"requirements file {_q(relpath)} not found in {root}; create it, or set "
            "'requirements' in mldock.yaml to its path (null if the project has none)"
        )

    parser = _Parser(root)
    parser.parse_file(relative, constraint=False, chain=(relative,))
    return RequirementsPlan(
        path=relative,
        files=tuple(parser.files),
        system_packages=tuple(sorted(parser.system_packages)),
        requirements=tuple(parser.requirements),
    )


@dataclass(frozen=True)
class _Line:
    """One logical line: continuations joined, comment and outer whitespace removed."""

    path: str
    number: int
    text: str

    def error(self, reason: str) -> BuildContextError:
        return BuildContextError(f"{self.path}, line {self.number}: {reason}")


def _decode(path: str, raw: bytes) -> str:
    for bom, name in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if raw.startswith(bom):
            raise BuildContextError(
                f"{path}: the file is {name} (it starts with a {name} byte order "
                "mark), but mldock reads requirements files as UTF-8; save it as UTF-8"
            )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BuildContextError(
            f"{path}: the file is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset "
            f"{exc.start} is invalid); save it as UTF-8"
        ) from exc
    # UTF-16 text without a byte order mark decodes as UTF-8 full of NUL characters.
    if "\x00" in text:
        raise BuildContextError(
            f"{path}: the file contains NUL bytes, as UTF-16 text does; "
            "save it as UTF-8"
        )
    return text


def _logical_lines(path: str, text: str) -> list[_Line]:
    """Join continued lines and drop comments and blank lines, as pip does."""
    lines: list[_Line] = []
    pending: list[str] = []
    first = 0
    for number, physical in enumerate(text.splitlines(), start=1):
        is_comment = _COMMENT.match(physical) is not None
        if physical.endswith("\\") and not is_comment:
            if not pending:
                first = number
            pending.append(physical[:-1])
            continue
        if pending:
            # A leading space keeps a comment line recognisable once joined.
            pending.append(" " + physical if is_comment else physical)
            joined, number = "".join(pending), first
            pending = []
        else:
            joined = physical
        _append_line(lines, path, number, joined)
    if pending:
        _append_line(lines, path, first, "".join(pending))
    return lines


def _append_line(lines: list[_Line], path: str, number: int, text: str) -> None:
    text = _COMMENT.sub("", text).strip()
    if text:
        lines.append(_Line(path, number, text))


def _split_options(line: _Line) -> tuple[str, list[tuple[str, str | None]]]:
    """Split a line into its requirement text and its options, as pip does."""
    start = len(line.text)
    for token in re.finditer(r"\S+", line.text):
        if token.group().startswith("-"):
            start = token.start()
            break
    requirement = line.text[:start].strip()
    try:
        tokens = shlex.split(line.text[start:])
    except ValueError as exc:
        raise line.error(
            f"{_q(line.text)} cannot be split into options ({exc})"
        ) from exc
    return requirement, _parse_options(line, tokens)


def _parse_options(line: _Line, tokens: list[str]) -> list[tuple[str, str | None]]:
    options: list[tuple[str, str | None]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if not token.startswith("-") or token == "-":
            raise line.error(
                f"{_q(line.text)}: unexpected '{token}' after an option; "
                "put each requirement on a line of its own"
            )
        name, value = _option_name_value(token)
        name = _canonical_option(line, name)
        takes_value = _ALL_OPTIONS[name]
        if takes_value and value is None:
            if index >= len(tokens):
                raise line.error(f"{_q(line.text)}: option '{name}' needs a value")
            value = tokens[index]
            index += 1
        elif not takes_value and value is not None:
            raise line.error(f"{_q(line.text)}: option '{name}' takes no value")
        options.append((name, value))
    return options


def _option_name_value(token: str) -> tuple[str, str | None]:
    if token.startswith("--"):
        name, equals, value = token.partition("=")
        return name, value if equals else None
    # Short options take their value attached or as the next token: -rbase.txt.
    return token[:2], token[2:] or None


def _canonical_option(line: _Line, name: str) -> str:
    name = _SHORT_OPTIONS.get(name, name)
    if name in _ALL_OPTIONS:
        return name
    # pip's option parser accepts any unambiguous start of a long option.
    if name.startswith("--"):
        candidates = [option for option in _ALL_OPTIONS if option.startswith(name)]
        if len(candidates) == 1:
            return candidates[0]
    close = difflib.get_close_matches(name, list(_ALL_OPTIONS), n=1)
    hint = (
        f"did you mean '{close[0]}'?"
        if close
        else "a requirements file accepts " + ", ".join(_ALL_OPTIONS)
    )
    raise line.error(f"{_q(line.text)}: unknown option '{name}'; {hint}")


def _is_url(text: str) -> bool:
    scheme = urlsplit(text).scheme.lower() if ":" in text else ""
    return scheme in _URL_SCHEMES or _vcs_of(text) is not None


def _vcs_of(text: str) -> str | None:
    """Return the VCS of a URL such as 'git+https://...', or None."""
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    vcs = scheme.split("+", 1)[0]
    if vcs not in VCS_SYSTEM_PACKAGES:
        return None
    if "+" in scheme or scheme in ("git", "svn"):
        return vcs
    return None


def _looks_like_path(text: str) -> bool:
    return "/" in text or text.startswith(".")


def _is_archive(text: str) -> bool:
    return text.lower().endswith(_ARCHIVE_SUFFIXES)


def _q(text: str) -> str:
    """Quote a value for a message, with double quotes when it holds a single one."""
    if "'" in text and '"' not in text:
        return f'"{text}"'
    return f"'{text}'"


def _outside(shown: str) -> str:
    return (
        f"{_q(shown)} is outside the project, so it cannot be sent to the Docker "
        "engine; copy it into the project"
    )


def _absolute(shown: str) -> str:
    return (
        f"{_q(shown)} is an absolute path on this machine, which does not exist "
        "inside the Docker build; copy it into the project and give its path "
        "relative to the project root"
    )


class _Parser:
    """The state of one read: files, system packages and requirements found."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.files: dict[str, None] = {}
        self.system_packages: set[str] = set()
        self.requirements: list[str] = []

    def parse_file(
        self, relative: str, constraint: bool, chain: tuple[str, ...]
    ) -> None:
        self.files.setdefault(relative)
        try:
            raw = (self.root / relative).read_bytes()
        except OSError as exc:
            raise BuildContextError(
                f"cannot read {relative}: {exc.strerror}; check its permissions"
            ) from exc
        for line in _logical_lines(relative, _decode(relative, raw)):
            self._parse_line(line, constraint, chain)

    def _parse_line(
        self, line: _Line, constraint: bool, chain: tuple[str, ...]
    ) -> None:
        variable = _ENV_VAR.search(line.text)
        if variable is not None:
            name = variable.group(1)
            raise line.error(
                f"{_q(line.text)} uses the environment variable ${{{name}}}; "
                "pip would expand it, but no variable is set inside 'docker build', "
                "and passing a secret as a build argument would store it in the "
                "image; write the value itself, or for a private index put the "
                "wheels in the project and list them by path"
            )

        if _URL_CREDENTIALS.search(line.text):
            shown = re.sub(r"(://)[^/\s@]+@", r"\1***@", line.text)
            raise line.error(
                f"{_q(shown)} has credentials in a URL; the requirements file is copied "
                "into the image, so they would be stored there for anyone with the image "
                "to read; put the packages of the private index into the project as "
                "wheels and list them by path"
            )

        requirement, options = _split_options(line)
        if requirement:
            for name, _ in options:
                if name not in _LINE_OPTIONS:
                    raise line.error(
                        f"{_q(line.text)}: option '{name}' must be on a line of its own"
                    )
            self._add_requirement(line, requirement, constraint)
            return
        for name, value in options:
            if name in _LINE_OPTIONS:
                raise line.error(
                    f"{_q(line.text)}: option '{name}' belongs to the requirement on "
                    "its line; end the requirement's line with '\\' to continue it"
                )
            self._apply_option(line, name, value, constraint, chain)

    def _apply_option(
        self,
        line: _Line,
        name: str,
        value: str | None,
        constraint: bool,
        chain: tuple[str, ...],
    ) -> None:
        if name in ("--requirement", "--constraint"):
            assert value is not None
            self._include(line, value, name == "--constraint", chain)
        elif name == "--editable":
            assert value is not None
            self._add_editable(line, value, constraint)
        elif name == "--find-links":
            assert value is not None
            self._add_find_links(line, value)

    def _include(
        self, line: _Line, value: str, constraint: bool, chain: tuple[str, ...]
    ) -> None:
        if _is_url(value) and not value.lower().startswith("file:"):
            # NOTE: pip downloads a remote file during the build; it is not checked.
            return
        path = _file_url_path(value) if value.lower().startswith("file:") else value
        if path.startswith("/"):
            raise line.error(_absolute(value))
        target = posixpath.normpath(posixpath.join(posixpath.dirname(line.path), path))
        if target == ".." or target.startswith("../"):
            raise line.error(_outside(value))
        if target in chain:
            cycle = " -> ".join((*chain[chain.index(target) :], target))
            raise line.error(
                f"{_q(line.text)} creates an include cycle: {cycle}; "
                "remove one of these -r/-c lines"
            )
        if not (self.root / target).is_file():
            where = "" if target == path else f" (looked for '{target}')"
            raise line.error(f"{_q(line.text)}: file {_q(value)} not found{where}")
        self._check_inside(line, target, value)
        self.parse_file(target, constraint, (*chain, target))

    def _add_editable(self, line: _Line, value: str, constraint: bool) -> None:
        if constraint:
            raise line.error(
                f"{_q(line.text)}: a constraints file cannot hold editable "
                "requirements; move the line to a requirements file"
            )
        target, _ = self._split_marker(line, value)
        vcs = _vcs_of(target)
        if vcs is not None:
            self._add_vcs(line, target, vcs)
        elif target.lower().startswith("file:") or _looks_like_path(target):
            self._add_local(line, target, editable=True)
        else:
            raise line.error(
                f"{_q(line.text)}: -e needs a path to a local project, such as "
                "'-e ./pkg', or a VCS URL, such as "
                "'-e git+https://github.com/org/pkg.git@v1.0#egg=pkg'"
            )
        self.requirements.append(f"-e {value}")

    def _add_find_links(self, line: _Line, value: str) -> None:
        if _is_url(value) and not value.lower().startswith("file:"):
            return
        path = _file_url_path(value) if value.lower().startswith("file:") else value
        if path.startswith("/"):
            raise line.error(_absolute(value))
        # pip tries the folder of the requirements file first, then its own
        # working folder, which is the project root during the build.
        beside = posixpath.normpath(posixpath.join(posixpath.dirname(line.path), path))
        target = beside if (self.root / beside).exists() else posixpath.normpath(path)
        if target == ".." or target.startswith("../"):
            raise line.error(_outside(value))
        if not (self.root / target).exists():
            raise line.error(f"{_q(line.text)}: folder {_q(value)} not found")
        self._check_inside(line, target, value)
        self.files.setdefault(target)

    def _add_requirement(self, line: _Line, text: str, constraint: bool) -> None:
        if _is_url(text):
            target, _ = self._split_marker(line, text)
            self._reject_unnamed_constraint(line, constraint)
            vcs = _vcs_of(target)
            if vcs is not None:
                self._add_vcs(line, target, vcs)
            elif target.lower().startswith("file:"):
                self._add_local(line, target, editable=False)
            self.requirements.append(text)
            return

        name, at, _ = text.partition("@")
        plain = text.split(";", 1)[0].strip()
        if at and not _looks_like_path(name.strip()):
            self._add_named(line, text, constraint)
        elif _looks_like_path(plain) or _is_archive(plain):
            self._reject_unnamed_constraint(line, constraint)
            target, _ = self._split_marker(line, text)
            self._add_local(line, target, editable=False)
            self.requirements.append(text)
        else:
            self._add_named(line, text, constraint)

    def _add_named(self, line: _Line, text: str, constraint: bool) -> None:
        try:
            requirement = Requirement(text)
        except InvalidRequirement as exc:
            hint = _requirement_hint(text, exc)
            raise line.error(f"{_q(text)} is not a valid requirement ({hint})") from exc
        if constraint and requirement.extras:
            raise line.error(
                f"{_q(text)}: a constraint cannot have extras; write "
                f"'{_without_extras(requirement)}' here and keep the extras in the "
                "requirements file"
            )
        if requirement.url is not None:
            self._check_direct_reference(line, requirement.url)
        if not constraint:
            self.requirements.append(str(requirement))

    def _check_direct_reference(self, line: _Line, url: str) -> None:
        vcs = _vcs_of(url)
        if vcs is not None:
            self._add_vcs(line, url, vcs)
            return
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme in ("", "file"):
            raise line.error(
                f"{_q(line.text)}: the direct reference {_q(url)} points to files on "
                "this machine, which pip cannot find the same way inside the build; "
                "write the path alone instead, relative to the project root"
            )

    def _add_vcs(self, line: _Line, url: str, vcs: str) -> None:
        if "+file:" in url.lower():
            raise line.error(
                f"{_q(url)} is a repository on this machine, which the Docker build "
                "cannot reach; push it to a server or copy a built wheel into the "
                "project"
            )
        self.system_packages.add(VCS_SYSTEM_PACKAGES[vcs])

    def _add_local(self, line: _Line, text: str, *, editable: bool) -> None:
        shown = text
        if text.lower().startswith("file:"):
            text = _file_url_path(text)
        text = _TRAILING_EXTRAS.match(text).group(1)  # type: ignore[union-attr]
        if text.startswith("/"):
            raise line.error(_absolute(shown))
        relative = posixpath.normpath(text)
        if relative == ".." or relative.startswith("../"):
            raise line.error(_outside(shown))
        if not (self.root / relative).exists():
            raise line.error(self._not_found(line, shown, text))
        self._check_inside(line, relative, shown)
        if (self.root / relative).is_dir():
            self._check_project_folder(line, relative, shown)
        elif editable:
            raise line.error(
                f"{_q(shown)} is a file, but -e needs a project folder; "
                "remove '-e' to install the file"
            )
        else:
            self._check_archive(line, relative, shown)
        self.files.setdefault(relative)

    def _not_found(self, line: _Line, shown: str, text: str) -> str:
        beside = posixpath.normpath(posixpath.join(posixpath.dirname(line.path), text))
        if beside != posixpath.normpath(text) and (self.root / beside).exists():
            return (
                f"{_q(shown)} not found in the project; pip resolves local paths "
                f"from the project root, not from {line.path}, so write "
                f"'./{beside}'"
            )
        return (
            f"{_q(shown)} not found in the project "
            "(paths are relative to the project root)"
        )

    def _check_inside(self, line: _Line, relative: str, shown: str) -> None:
        """Raise when a symbolic link on the way leads out of the project."""
        real = (self.root / relative).resolve()
        if not real.is_relative_to(self.real_root):
            raise line.error(_outside(shown))

    def _check_project_folder(self, line: _Line, relative: str, shown: str) -> None:
        folder = self.root / relative
        if not (
            (folder / "pyproject.toml").is_file() or (folder / "setup.py").is_file()
        ):
            raise line.error(
                f"{_q(shown)} is a folder but not an installable Python project: it "
                "has neither 'pyproject.toml' nor 'setup.py'; add one, or fix the path"
            )

    def _check_archive(self, line: _Line, relative: str, shown: str) -> None:
        if not _is_archive(relative):
            raise line.error(
                f"{_q(shown)} is neither a wheel (.whl) nor a source archive "
                "(.tar.gz, .zip); give the path of a package file or a project folder"
            )
        if relative.lower().endswith(".whl"):
            try:
                parse_wheel_filename(posixpath.basename(relative))
            except InvalidWheelFilename as exc:
                raise line.error(
                    f"{_q(shown)} is not a valid wheel file name ({exc}); "
                    "keep the name the wheel was built with"
                ) from exc

    def _split_marker(self, line: _Line, text: str) -> tuple[str, str | None]:
        """Split an environment marker off a URL or path, and check it."""
        # pip needs a space after the ';' of a URL, because a URL may contain ';'.
        separator = "; " if _is_url(text) else ";"
        if separator not in text:
            return text.strip(), None
        target, marker = text.split(separator, 1)
        try:
            Marker(marker.strip())
        except InvalidMarker as exc:
            reason = str(exc).splitlines()[0]
            raise line.error(
                f"{_q(marker.strip())} is not a valid environment marker ({reason})"
            ) from exc
        return target.strip(), marker.strip()

    def _reject_unnamed_constraint(self, line: _Line, constraint: bool) -> None:
        if constraint:
            raise line.error(
                f"{_q(line.text)}: a constraint must name its package, as in "
                "'name==1.0' or 'name @ https://...'; move this line to a "
                "requirements file"
            )


def _file_url_path(url: str) -> str:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return f"//{parts.netloc}{unquote(parts.path)}"
    return unquote(parts.path)


def _without_extras(requirement: Requirement) -> str:
    plain = Requirement(str(requirement))
    plain.extras = set()
    return str(plain)


def _requirement_hint(text: str, exc: InvalidRequirement) -> str:
    if re.match(r"^[A-Za-z0-9._-]+(\[[^\]]*\])?\s*=[^=<>~!]", text):
        return "use '==' to pin a version"
    if re.match(r"^[A-Za-z0-9._-]+\s+v?\d", text):
        return "join the name and the version with '==', as in 'numpy==1.26.4'"
    reason = str(exc).splitlines()[0]
    return (
        f"{reason}; write a name with an optional version specifier, "
        "as in 'numpy==1.26.4'"
    )
