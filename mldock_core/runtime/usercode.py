"""Import the project's module and find the functions the runtime calls in it."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .errors import UserCodeError
from .settings import UserModule


def import_user_module(module: UserModule, defines: str) -> ModuleType:
    """Put the project's source folder first on sys.path and import the module.

    ``defines`` names the functions the module must define, for the error message.
    A failed import raises UserCodeError chained to the project's own exception.
    """
    source_dir = str(module.source_dir)
    if source_dir in sys.path:
        sys.path.remove(source_dir)
    sys.path.insert(0, source_dir)

    try:
        spec = importlib.util.find_spec(module.name)
    except ModuleNotFoundError:
        spec = None
    if spec is None:
        raise UserCodeError(
            f"Module {module.name!r} not found: expected the file "
            f"{module.expected_file} that defines {defines}. Add that file to the "
            f"project, or set {module.variable} to the name of the module that "
            f"defines {defines}."
        )

    try:
        return importlib.import_module(module.name)
    except Exception as exc:
        raise UserCodeError(
            f"Importing module {module.name!r} from {spec.origin} failed: "
            f"{one_line_summary(exc)}"
        ) from exc


def find_function(
    module: ModuleType, function_name: str, signature: str
) -> Callable[..., Any]:
    """Return the module's function ``function_name``, or raise UserCodeError."""
    function = getattr(module, function_name, None)
    if callable(function):
        return function

    found = "" if function is None else f" (found a {type(function).__name__})"
    raise UserCodeError(
        f"Module {module.__name__!r} ({module.__file__}) has no function "
        f"{function_name!r}{found}: define `def {signature}` in that file."
    )


def one_line_summary(exc: BaseException) -> str:
    """Return "Type: message" on one line, as the last line of a traceback shows it."""
    message = " ".join(str(exc).split())
    name = type(exc).__qualname__
    if type(exc).__module__ not in ("builtins", "__main__"):
        name = f"{type(exc).__module__}.{name}"
    return f"{name}: {message}" if message else name
