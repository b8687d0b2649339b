"""Exceptions of the in-container runtime.

The runtime cannot import mldock_core's errors because mldock_core is not installed
in the image. ``__main__`` turns each of these into a log line and an exit status.
"""

from __future__ import annotations


class MldockRuntimeError(Exception):
    """An error the user can act on: the message names the value and the fix."""

    exit_code = 1


class SettingsError(MldockRuntimeError):
    """An environment variable that configures the runtime is invalid."""

    exit_code = 2


class UserCodeError(MldockRuntimeError):
    """The project's module or function is missing, or importing the module failed."""


class InputConfigError(MldockRuntimeError):
    """A JSON file under input/config is unreadable or not a JSON object."""


class ChannelNotFoundError(MldockRuntimeError, LookupError):
    """``ctx.channel(name)`` was called with a channel that has no folder."""


class ServerStartupError(MldockRuntimeError):
    """The HTTP server or one of its workers failed to start."""


class HttpError(MldockRuntimeError):
    """A request failed, and the server sends ``{"error": message}`` with ``status``.

    ``fields`` are extra members of the JSON body, such as the accepted media types.
    """

    def __init__(self, status: int, message: str, **fields: object) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields
