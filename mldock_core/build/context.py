"""The build context: the files mldock sends to the Docker engine, as an in-memory tar.

mldock assembles the context itself, so only what the Dockerfile copies is sent.
The tar is deterministic: entries are sorted by name and carry no time or owner, so
the same files give the same bytes and the engine reuses its cache for COPY layers.
Files are only read when the tar is written, and excluded files are never opened.
"""

from __future__ import annotations

import io
import logging
import os
import posixpath
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mldock_core.build.dockerignore import DockerIgnore, IgnoreRule
from mldock_core.errors import BuildContextError

logger = logging.getLogger(__name__)

# Project-relative top-level folders never sent, whatever .dockerignore says:
# local runs write data, models and outputs there, and they can be large or secret.
ALWAYS_EXCLUDED = ("data", "model", "output", "config", ".mldock", ".git")
# Files that hold credentials by convention. They are never sent, in any
# folder, because an image is copied to registries and machines the user may
# not control; the values belong in `-e KEY=VALUE` at run time instead.
SECRET_FILE_PATTERNS = (
    "**/.env",
    "**/*.env",
    "**/.env.*",
    "**/.aws",
    "**/.ssh",
    "**/.docker/config.json",
    "**/.netrc",
    "**/.pypirc",
    "**/.git-credentials",
    "**/id_rsa",
    "**/id_dsa",
    "**/id_ecdsa",
    "**/id_ed25519",
    "**/*.pem",
    "**/*.key",
    "**/*.p12",
    "**/*.pfx",
    "**/credentials.json",
    "**/service-account*.json",
)
SECRET_FILES_SOURCE = "mldock's list of secret files"

_SKIPPED_FOLDERS = ("__pycache__",)
_SKIPPED_SUFFIXES = (".pyc",)

FILE_MODE = 0o644
EXECUTABLE_MODE = 0o755
FOLDER_MODE = 0o755


@dataclass
class _Entry:
    mode: int
    is_dir: bool = False
    source: Path | None = None  # a file read when the tar is written
    data: bytes | None = None  # generated content
    size: int = 0
    origin: str = "a folder"

    def content(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.source is not None
        try:
            return self.source.read_bytes()
        except OSError as exc:
            raise BuildContextError(
                f"cannot read {self.source} for the build context: {exc.strerror}; "
                "check that the file exists and is readable"
            ) from exc


@dataclass(frozen=True)
class _Exclusion:
    """Why a project path stays out of the build context, and how to let it in."""

    relative: str
    rule: IgnoreRule | None  # None for the ALWAYS_EXCLUDED rule
    secret: bool = False

    def reason(self) -> str:
        if self.secret and self.rule is not None:
            return (
                f"looks like a file of credentials (it matches '{self.rule.text}'), and "
                "mldock never puts those into an image"
            )
        if self.rule is not None:
            return f"is excluded by {self.rule.describe()}"
        top = self.relative.split("/", 1)[0]
        where = "is" if self.relative == top else f"is inside '{top}',"
        return (
            f"{where} a top-level folder mldock never sends to the Docker engine "
            f"({', '.join(ALWAYS_EXCLUDED)})"
        )

    def file_fix(self) -> str:
        if self.secret:
            return "pass its values at run time with -e KEY=VALUE, or rename the file if it holds no secret"
        if self.rule is not None:
            return f"remove that line or add '!{self.relative}' after it"
        return "move the file elsewhere in the project"

    def folder_fix(self) -> str:
        if self.secret:
            return "stop including it, and pass its values at run time with -e KEY=VALUE"
        if self.rule is not None:
            return "remove that line or stop including the folder"
        return "local runs mount it instead, so stop including it in the build"


class BuildContext:
    """Files and folders to send to the Docker engine, keyed by their name in the tar.

    ``root`` is the project folder. ``ignore`` defaults to the project's
    .dockerignore, which applies to every path added with ``add_project_path``.
    """

    def __init__(self, root: Path, ignore: DockerIgnore | None = None) -> None:
        self.root = Path(root)
        self._real_root = self.root.resolve()
        self.ignore = ignore if ignore is not None else DockerIgnore.from_project(root)
        self._entries: dict[str, _Entry] = {}
        self.secrets_left_out: list[str] = []

    @property
    def arcnames(self) -> list[str]:
        """The names of every entry in the tar, folders included, sorted."""
        return sorted(self._entries)

    @property
    def size(self) -> int:
        """The total bytes of file contents, as stat reported them when added."""
        return sum(entry.size for entry in self._entries.values() if not entry.is_dir)

    def add_project_path(
        self, relpath: str, arcname: str | None = None, what: str | None = None
    ) -> list[str]:
        """Add a project file, or a folder with everything in it that is not excluded.

        ``arcname`` is the name in the tar (default: ``relpath``; "" is the tar's
        root). ``what`` names the setting that asked for the path, such as
        "build.include", for error messages. Walking a folder skips what
        .dockerignore or ALWAYS_EXCLUDED excludes, ``__pycache__`` and ``*.pyc``.
        Return the names of the files added, sorted.

        Raise BuildContextError when the path is missing, is outside the project,
        is itself excluded, or holds a symbolic link that leads out of the project.
        """
        relative = self._project_relpath(relpath, what)
        base = _clean_arcname(relative if arcname is None else arcname)
        path = self.root / relative
        if not os.path.lexists(path):
            raise BuildContextError(
                f"{_quote(relpath, what)} not found in the project {self.root}; "
                "create it or fix the path"
            )

        excluded_by = self._exclusion(relative)
        real = self._resolve_project_path(relative, path)
        if real.is_file():
            if excluded_by is not None:
                raise BuildContextError(
                    f"{_quote(relpath, what)} {excluded_by.reason()}, but the build "
                    f"needs it; {excluded_by.file_fix()}"
                )
            self._add_file(base, real, f"project file '{relative}'")
            added = [base]
        elif real.is_dir():
            added = self._add_project_folder(relative, real, base, excluded_by, what)
        else:
            raise BuildContextError(
                f"{_quote(relpath, what)} is not a regular file or folder; "
                "only files and folders can be sent to the Docker engine"
            )

        logger.debug("build context: added %d files from '%s'", len(added), relative)
        return sorted(added)

    def add_directory(self, source: Path, arcname: str) -> list[str]:
        """Add a folder from outside the project, such as mldock's own runtime.

        .dockerignore does not apply, but ``__pycache__`` and ``*.pyc`` are skipped.
        Return the names of the files added, sorted.
        """
        source = Path(source)
        if not source.is_dir():
            raise BuildContextError(
                f"cannot add {source} to the build context: the folder is not found; "
                "reinstall the package that provides it"
            )
        base = _clean_arcname(arcname)
        real = source.resolve()
        added = self._walk_outside(real, base, (real,))
        if base:
            self._put(base, _Entry(FOLDER_MODE, is_dir=True))
        return sorted(added)

    def add_bytes(self, arcname: str, data: bytes, mode: int = FILE_MODE) -> None:
        """Add generated content, such as the Dockerfile, as one file."""
        name = _clean_arcname(arcname)
        if not name:
            raise BuildContextError(
                "add_bytes needs a file name for the content, not the tar's root"
            )
        entry = _Entry(mode, data=bytes(data), size=len(data), origin="generated")
        self._put(name, entry)

    def to_tar(self) -> io.BytesIO:
        """Write the context as an uncompressed tar and return it positioned at 0."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name in sorted(self._entries):
                entry = self._entries[name]
                info = _tar_info(name, entry.mode)
                if entry.is_dir:
                    info.type = tarfile.DIRTYPE
                    tar.addfile(info)
                    continue
                data = entry.content()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        files = sum(1 for entry in self._entries.values() if not entry.is_dir)
        logger.debug(
            "build context: %d files, %d bytes of content, %d bytes of tar",
            files,
            self.size,
            buffer.tell(),
        )
        buffer.seek(0)
        return buffer

    def _add_project_folder(
        self,
        relative: str,
        real: Path,
        base: str,
        excluded_by: _Exclusion | None,
        what: str | None,
    ) -> list[str]:
        added = []
        if excluded_by is None or self._may_include_below(relative):
            added = self._walk_project(real, relative, base, (real,))
        if excluded_by is not None and not added:
            raise BuildContextError(
                f"{_quote(relative, what)} {excluded_by.reason()}, so none of its "
                f"files would be sent; {excluded_by.folder_fix()}"
            )
        if excluded_by is None and base:
            self._put(base, _Entry(FOLDER_MODE, is_dir=True))
        return added

    def _walk_project(
        self, folder: Path, relative: str, base: str, stack: tuple[Path, ...]
    ) -> list[str]:
        added: list[str] = []
        for item in _sorted_scandir(folder):
            child = _join(relative, item.name)
            name = _join(base, item.name)
            is_dir = item.is_dir()
            if _skipped_name(item.name, is_dir):
                continue

            # Decide on exclusion first, so an excluded file is never opened and an
            # excluded link never has to point anywhere valid.
            excluded_by = self._exclusion(child)
            if excluded_by is not None and excluded_by.secret:
                self.secrets_left_out.append(child)
                continue
            if excluded_by is not None and not (
                is_dir and self._may_include_below(child)
            ):
                continue

            real = Path(item.path)
            if item.is_symlink():
                real = self._follow_link(child, real)
            if is_dir:
                _check_no_loop(child, real, stack)
                added += self._walk_project(real, child, name, (*stack, real))
                if excluded_by is None:
                    self._put(name, _Entry(FOLDER_MODE, is_dir=True))
            elif real.is_file():
                self._add_file(name, real, f"project file '{child}'")
                added.append(name)
            else:
                logger.debug("build context: skipped '%s', not a regular file", child)
        return added

    def _walk_outside(
        self, folder: Path, base: str, stack: tuple[Path, ...]
    ) -> list[str]:
        added: list[str] = []
        for item in _sorted_scandir(folder):
            name = _join(base, item.name)
            is_dir = item.is_dir()
            if _skipped_name(item.name, is_dir):
                continue
            real = Path(item.path).resolve()
            if is_dir:
                _check_no_loop(item.path, real, stack)
                added += self._walk_outside(real, name, (*stack, real))
                self._put(name, _Entry(FOLDER_MODE, is_dir=True))
            elif real.is_file():
                self._add_file(name, real, f"'{item.path}'")
                added.append(name)
            elif not real.exists():
                raise BuildContextError(
                    f"cannot add {item.path} to the build context: it is a broken "
                    "symbolic link; reinstall the package that provides it"
                )
        return added

    def _exclusion(self, relative: str) -> _Exclusion | None:
        """Return why a project path stays out, or None when it is sent."""
        if relative == ".":
            return None
        if relative.split("/", 1)[0] in ALWAYS_EXCLUDED:
            return _Exclusion(relative, None)
        secret_rule = _SECRET_FILES.excluding_rule(relative)
        if secret_rule is not None:
            return _Exclusion(relative, secret_rule, secret=True)
        rule = self.ignore.excluding_rule(relative)
        return _Exclusion(relative, rule) if rule is not None else None

    def _may_include_below(self, relative: str) -> bool:
        if relative.split("/", 1)[0] in ALWAYS_EXCLUDED:
            return False
        return self.ignore.may_include_below(relative)

    def _project_relpath(self, relpath: str, what: str | None) -> str:
        if PurePosixPath(relpath).is_absolute():
            raise BuildContextError(
                f"{_quote(relpath, what)} is an absolute path; give a path relative "
                "to the project folder"
            )
        relative = posixpath.normpath(relpath) if relpath else "."
        if relative == ".." or relative.startswith("../"):
            raise BuildContextError(
                f"{_quote(relpath, what)} is outside the project, so it cannot be "
                "sent to the Docker engine; copy it into the project"
            )
        return relative

    def _resolve_project_path(self, relative: str, path: Path) -> Path:
        """Resolve symbolic links on the way to ``path`` and check where they lead."""
        expected = self._real_root if relative == "." else self._real_root / relative
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            real = None
        if real != expected:
            return self._follow_link(relative, path)
        return expected

    def _follow_link(self, relative: str, link: Path) -> Path:
        """Return the target of a link inside the project; raise for any other."""
        try:
            real = link.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            raise BuildContextError(
                f"symbolic link '{relative}' points to '{_link_target(link)}', which "
                "does not exist; fix the link or delete it"
            ) from exc
        if not real.is_relative_to(self._real_root):
            raise BuildContextError(
                f"symbolic link '{relative}' points to '{real}', outside the project, "
                "so it cannot be sent to the Docker engine; copy the target into the "
                "project, or exclude the link in .dockerignore"
            )
        target = real.relative_to(self._real_root).as_posix()
        excluded_by = self._exclusion(target)
        if excluded_by is not None:
            raise BuildContextError(
                f"symbolic link '{relative}' points to '{target}', which "
                f"{excluded_by.reason()}; exclude the link in .dockerignore too, "
                "or delete it"
            )
        return real

    def _add_file(self, name: str, real: Path, origin: str) -> None:
        status = real.stat()
        executable = status.st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        entry = _Entry(
            EXECUTABLE_MODE if executable else FILE_MODE,
            source=real,
            size=status.st_size,
            origin=origin,
        )
        self._put(name, entry)

    def _put(self, name: str, entry: _Entry) -> None:
        parts = name.split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            existing = self._entries.get(parent)
            if existing is None:
                self._entries[parent] = _Entry(FOLDER_MODE, is_dir=True)
            elif not existing.is_dir:
                raise _conflict(parent, existing, "a folder of " + entry.origin)

        existing = self._entries.get(name)
        if existing is None:
            self._entries[name] = entry
            return
        if entry.is_dir and existing.is_dir:
            return
        if entry.is_dir or existing.is_dir or not _same_file(existing, entry):
            raise _conflict(name, existing, entry.origin)


def _conflict(name: str, existing: _Entry, origin: str) -> BuildContextError:
    # Two build steps chose the same name for different things: a plugin bug.
    return BuildContextError(
        f"the build context already holds '{name}' ({existing.origin}), and "
        f"{origin} was added under the same name with different content; "
        "the build steps involved must use different names in the build context"
    )


def _same_file(first: _Entry, second: _Entry) -> bool:
    if first.mode != second.mode or first.size != second.size:
        return False
    if first.source is not None and first.source == second.source:
        return True
    return first.content() == second.content()


def _tar_info(name: str, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode = mode
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _sorted_scandir(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as items:
            return sorted(items, key=lambda item: item.name)
    except OSError as exc:
        raise BuildContextError(
            f"cannot list {folder} for the build context: {exc.strerror}; "
            "check its permissions"
        ) from exc


def _skipped_name(name: str, is_dir: bool) -> bool:
    if is_dir:
        return name in _SKIPPED_FOLDERS
    return name.endswith(_SKIPPED_SUFFIXES)


def _check_no_loop(relative: str, real: Path, stack: tuple[Path, ...]) -> None:
    if real in stack:
        raise BuildContextError(
            f"symbolic link '{relative}' points to '{real}', a folder that contains "
            "the link, so the build context would never end; delete the link or "
            "exclude it in .dockerignore"
        )


def _link_target(link: Path) -> str:
    try:
        return os.readlink(link)
    except OSError:
        return "?"


def _clean_arcname(arcname: str) -> str:
    name = posixpath.normpath(arcname) if arcname else "."
    if name.startswith(("/", "../")) or name == "..":
        raise BuildContextError(
            f"'{arcname}' is not a valid name in the build context; "
            "use a relative path that stays inside it"
        )
    return "" if name == "." else name


def _join(base: str, name: str) -> str:
    if base in ("", "."):
        return name
    return f"{base}/{name}"


def _quote(relpath: str, what: str | None) -> str:
    if what:
        return f"'{relpath}' (from {what})"
    return f"'{relpath}'"


_SECRET_FILES = DockerIgnore(list(SECRET_FILE_PATTERNS), source=SECRET_FILES_SOURCE)
