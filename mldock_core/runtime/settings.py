"""Settings of the runtime, read from environment variables of the container."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import SettingsError

DEFAULT_ML_ROOT = "/opt/ml"
DEFAULT_CODE_DIR = "/opt/program"
DEFAULT_PORT = 8080
# The same default as the project setting serve.max_request_size (20 MiB).
DEFAULT_MAX_REQUEST_SIZE = 20 * 1024 * 1024


@dataclass(frozen=True)
class MlLayout:
    """The SageMaker folder layout under the ML root (``/opt/ml`` in the image)."""

    root: Path

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> MlLayout:
        return cls(Path(environ.get("MLDOCK_ML_ROOT") or DEFAULT_ML_ROOT))

    @property
    def config_dir(self) -> Path:
        return self.root / "input" / "config"

    @property
    def hyperparameters_file(self) -> Path:
        return self.config_dir / "hyperparameters.json"

    @property
    def input_data_config_file(self) -> Path:
        return self.config_dir / "inputdataconfig.json"

    @property
    def resource_config_file(self) -> Path:
        return self.config_dir / "resourceconfig.json"

    @property
    def data_dir(self) -> Path:
        return self.root / "input" / "data"

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    @property
    def output_data_dir(self) -> Path:
        return self.output_dir / "data"

    @property
    def failure_file(self) -> Path:
        return self.output_dir / "failure"


@dataclass(frozen=True)
class UserModule:
    """The project's module that defines the functions the runtime calls."""

    source_dir: Path
    name: str
    # The environment variable that chose the module, named in error messages.
    variable: str

    @property
    def expected_file(self) -> Path:
        return self.source_dir.joinpath(*self.name.split(".")).with_suffix(".py")


@dataclass(frozen=True)
class ServeSettings:
    """Listening address, worker count and request body limit (bytes) of the server."""

    host: str
    port: int
    workers: int
    max_request_size: int


def read_user_module(environ: Mapping[str, str], kind: str) -> UserModule:
    """Return the training or serving module (``kind`` is "train" or "serve")."""
    variable = f"MLDOCK_{kind.upper()}_MODULE"
    name = environ.get(variable) or kind
    if not all(part.isidentifier() for part in name.split(".")):
        raise SettingsError(
            f"{variable} is {name!r}, which is not a Python module name; "
            f"set it to a dotted name such as {kind!r} or 'mypackage.{kind}'."
        )

    code_dir = Path(environ.get("MLDOCK_CODE_DIR") or DEFAULT_CODE_DIR)
    return UserModule(source_dir=code_dir / "src", name=name, variable=variable)


def read_serve_settings(environ: Mapping[str, str]) -> ServeSettings:
    """Read the server settings, raising SettingsError that names a bad variable.

    The port is Vertex AI's AIP_HTTP_PORT, else SageMaker's SAGEMAKER_BIND_TO_PORT,
    else 8080. Only the platform that runs the container sets its variable.
    """
    port = _read_int(
        environ, ("AIP_HTTP_PORT", "SAGEMAKER_BIND_TO_PORT"), DEFAULT_PORT, 1, 65535
    )
    workers = _read_int(
        environ,
        ("MLDOCK_SERVE_WORKERS", "SAGEMAKER_MODEL_SERVER_WORKERS"),
        1,
        1,
        None,
    )
    max_request_size = _read_int(
        environ, ("MLDOCK_MAX_REQUEST_SIZE",), DEFAULT_MAX_REQUEST_SIZE, 1, None
    )
    host = environ.get("MLDOCK_BIND_HOST") or "0.0.0.0"
    return ServeSettings(host, port, workers, max_request_size)


def _read_int(
    environ: Mapping[str, str],
    variables: tuple[str, ...],
    default: int,
    minimum: int,
    maximum: int | None,
) -> int:
    """Parse the first of ``variables`` that is set and not empty."""
    for variable in variables:
        text = environ.get(variable, "").strip()
        if text:
            break
    else:
        return default

    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        allowed = f">= {minimum}" if maximum is None else f"{minimum} to {maximum}"
        raise SettingsError(
            f"{variable} is {text!r}, not a whole number {allowed}; "
            f"set it to such a number or unset it to use the default {default}."
        )
    return value
