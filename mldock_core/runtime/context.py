"""The ``ctx`` objects passed to the project's train(), load() and predict()."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ChannelNotFoundError, InputConfigError
from .hyperparameters import decode_hyperparameters
from .platforms import train_model_dir
from .settings import MlLayout


@dataclass
class TrainContext:
    """The argument of ``train(ctx)``: inputs, hyperparameters and output folders."""

    hyperparameters: dict[str, Any]
    channels: dict[str, Path]
    model_dir: Path
    output_dir: Path
    output_data_dir: Path
    input_config: dict[str, Any]
    resource_config: dict[str, Any]
    # Kept out of repr() so that printing ctx shows no secret values.
    environment: Mapping[str, str] = field(repr=False)
    log: logging.Logger = field(repr=False)

    def channel(self, name: str) -> Path:
        """Return the folder of data channel ``name``.

        Raises ChannelNotFoundError, listing the channels that exist, for an
        unknown name.
        """
        if name in self.channels:
            return self.channels[name]

        found = ", ".join(sorted(self.channels)) or "none"
        raise ChannelNotFoundError(
            f"Data channel {name!r} not found; the channels are: {found}. A channel "
            f"is a folder under input/data of the ML root, so add data for {name!r} "
            f"or read one of the channels that exist."
        )


@dataclass
class ServeContext:
    """The argument of ``load(ctx)``.

    ``model_dir`` is AZUREML_MODEL_DIR on Azure ML, AIP_STORAGE_URI when that is a
    local path or file:// URI, /mnt/models when MLDOCK_PLATFORM is kserve, else
    model/ under the ML root. ``model_uri`` is a
    remote AIP_STORAGE_URI (gs://) that the runtime did not download, else None.
    """

    model_dir: Path
    environment: Mapping[str, str] = field(repr=False)
    log: logging.Logger = field(repr=False)
    model_uri: str | None = None


@dataclass
class RequestContext(ServeContext):
    """The ``ctx`` of ``predict(model, data, ctx)``: ServeContext plus the request.

    ``content_type`` is the media type in lower case without parameters, and
    ``content_type_params`` are its parameters with lower-case names. ``headers``
    maps lower-case header names to values, with repeated headers joined by ", ".
    ``accept`` is the Accept header, "*/*" when the request has none.
    ``platform`` is the contract of the route the request came on: "sagemaker",
    "vertex", "azureml", "kserve-v1" or "kserve-v2". ``parameters`` is the
    "parameters" object of a Vertex AI or KServe request, {} when there is none.
    """

    content_type: str = ""
    content_type_params: dict[str, str] = field(default_factory=dict)
    accept: str = "*/*"
    headers: dict[str, str] = field(default_factory=dict)
    platform: str = "sagemaker"
    parameters: dict[str, Any] = field(default_factory=dict)


def build_train_context(
    layout: MlLayout, environment: Mapping[str, str], log: logging.Logger
) -> TrainContext:
    """Read input/config, find the channels and create the output folders.

    The model folder is AIP_MODEL_DIR when Vertex AI sets it to a local path or
    file:// URI, else model/ under the ML root.
    """
    hyperparameters = read_json_object(layout.hyperparameters_file)
    model_dir = train_model_dir(environment, layout, log)
    for directory in (model_dir, layout.output_dir, layout.output_data_dir):
        directory.mkdir(parents=True, exist_ok=True)

    return TrainContext(
        hyperparameters=decode_hyperparameters(hyperparameters, log),
        channels=find_channels(layout.data_dir),
        model_dir=model_dir,
        output_dir=layout.output_dir,
        output_data_dir=layout.output_data_dir,
        input_config=read_json_object(layout.input_data_config_file),
        resource_config=read_json_object(layout.resource_config_file),
        environment=environment,
        log=log,
    )


def find_channels(data_dir: Path) -> dict[str, Path]:
    """Map each folder under ``data_dir`` to its path, sorted by name."""
    if not data_dir.is_dir():
        return {}
    folders = sorted(path for path in data_dir.iterdir() if path.is_dir())
    return {path.name: path for path in folders}


def read_json_object(path: Path) -> dict[str, Any]:
    """Read a JSON object from ``path``, or return {} if the file is missing."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputConfigError(f"Reading {path} failed: {exc}") from exc

    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputConfigError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}. Fix the file, or delete it to pass no values."
        ) from exc
    if not isinstance(value, dict):
        raise InputConfigError(
            f"{path} must contain a JSON object, found {type(value).__name__}: "
            f'write it as {{"name": "value", ...}}.'
        )
    return value
