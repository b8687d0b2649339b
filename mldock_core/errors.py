"""The exceptions mldock raises; the CLI turns each into one line and an exit code."""

from __future__ import annotations


class MldockError(Exception):
    """An error the user can act on: the message names the value and the fix."""

    exit_code = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(MldockError):
    """mldock.yaml, a command-line value or a name is invalid."""

    exit_code = 2


class PluginError(MldockError):
    """A plugin failed to load, or two plugins registered the same name."""


class TemplateError(MldockError):
    """A template is unknown, or writing it would overwrite or escape the project."""


class BuildContextError(MldockError):
    """A file the build needs is missing, unreadable or outside the project."""


class DockerUnavailableError(MldockError):
    """The Docker engine cannot be reached or refused the connection."""


class BuildError(MldockError):
    """`docker build` failed; the message carries the failing step and its output."""


class RunError(MldockError):
    """A training or serving container failed, or could not be started or reached."""


class RegistryError(MldockError):
    """A push or pull failed: unknown registry, missing repository, refused credentials."""
