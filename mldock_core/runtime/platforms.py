"""Which platforms' contracts the server serves, read from their variables.

Each platform starts the container with variables of its own, so the one image
finds out where it runs without a setting per platform:

- SageMaker's routes (GET /ping, POST /invocations) are always served.
- Vertex AI sets AIP_HEALTH_ROUTE and AIP_PREDICT_ROUTE, which are served when set.
  ``MLDOCK_PLATFORM=vertex`` makes a missing AIP_PREDICT_ROUTE an error.
- Azure ML sets AZUREML_MODEL_DIR, which switches on GET / and POST /score.
  ``MLDOCK_PLATFORM=azureml`` does the same without a model folder.
- KServe's v1 and v2 routes are always served, because their paths (under /v1/models
  and /v2) clash with no other platform's, so a deployment needs no variable.
  ``MLDOCK_PLATFORM=kserve`` makes /mnt/models, where KServe's storage initializer
  puts the model of ``storageUri``, the model folder.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import SettingsError
from .settings import MlLayout

PLATFORM_NAMES = ("sagemaker", "vertex", "azureml", "kserve")
DEFAULT_MODEL_NAME = "model"
KSERVE_MODEL_DIR = "/mnt/models"

# Characters that are safe in one path segment and cannot be confused with the
# ":predict" suffix of KServe v1.
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


@dataclass(frozen=True)
class PlatformConfig:
    """The platform routes to serve and where load(ctx) finds the model.

    ``model_uri`` is a remote model location (such as Vertex AI's gs:// URI) that
    the runtime did not download, or None.
    """

    vertex_health_route: str | None
    vertex_predict_route: str | None
    azureml: bool
    model_name: str
    model_dir: Path
    model_uri: str | None


def read_platform_config(
    environ: Mapping[str, str], layout: MlLayout, log: logging.Logger | None = None
) -> PlatformConfig:
    """Read the platform variables, raising SettingsError that names a bad one.

    With ``log``, explains on it where the model folder comes from when a platform
    variable could not be used.
    """
    chosen = (environ.get("MLDOCK_PLATFORM") or "").strip().lower()
    if chosen and chosen not in PLATFORM_NAMES:
        raise SettingsError(
            f"MLDOCK_PLATFORM is {environ['MLDOCK_PLATFORM']!r}, not one of "
            f"{', '.join(PLATFORM_NAMES)}; set it to one of them or unset it to "
            f"detect the platform from its variables."
        )

    predict_route = _read_route(environ, "AIP_PREDICT_ROUTE")
    if chosen == "vertex" and predict_route is None:
        raise SettingsError(
            "MLDOCK_PLATFORM is 'vertex', but AIP_PREDICT_ROUTE is not set, so there "
            "is no Vertex AI route to serve; set AIP_PREDICT_ROUTE and "
            "AIP_HEALTH_ROUTE to the paths of the model's containerSpec."
        )

    azureml_dir = environ.get("AZUREML_MODEL_DIR") or None
    model_dir, model_uri = _serve_model_location(
        environ, layout, azureml_dir, chosen == "kserve", log
    )
    return PlatformConfig(
        vertex_health_route=_read_route(environ, "AIP_HEALTH_ROUTE"),
        vertex_predict_route=predict_route,
        azureml=azureml_dir is not None or chosen == "azureml",
        model_name=read_model_name(environ),
        model_dir=model_dir,
        model_uri=model_uri,
    )


def read_model_name(environ: Mapping[str, str]) -> str:
    """Return MLDOCK_MODEL_NAME, the model name in KServe's paths."""
    name = environ.get("MLDOCK_MODEL_NAME") or DEFAULT_MODEL_NAME
    if not _MODEL_NAME.match(name):
        raise SettingsError(
            f"MLDOCK_MODEL_NAME is {name!r}, which cannot be a path segment of "
            f"/v2/models/NAME; use letters, digits, '.', '_' and '-', starting with "
            f"a letter or digit, or unset it to use {DEFAULT_MODEL_NAME!r}."
        )
    return name


def local_path(location: str) -> Path | None:
    """Return the folder that a plain path or a file:// URI names, else None.

    Remote URIs (gs://, s3://, https://) and file:// URIs of another host give None.
    """
    parsed = urlparse(location)
    if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
        return Path(unquote(parsed.path))
    # Images run Linux, so any scheme means a URI, even one letter like a drive.
    if parsed.scheme:
        return None
    return Path(location)


def train_model_dir(
    environ: Mapping[str, str], layout: MlLayout, log: logging.Logger
) -> Path:
    """Return where train() saves the model: AIP_MODEL_DIR when local, else model/."""
    location = environ.get("AIP_MODEL_DIR")
    if not location:
        return layout.model_dir
    path = local_path(location)
    if path is not None:
        return path
    log.warning(
        "AIP_MODEL_DIR is %s, which the runtime cannot write to; train() saves the "
        "model in %s. Upload it from train() to %s, for example with "
        "google-cloud-storage.",
        location,
        layout.model_dir,
        location,
    )
    return layout.model_dir


def _serve_model_location(
    environ: Mapping[str, str],
    layout: MlLayout,
    azureml_dir: str | None,
    kserve: bool,
    log: logging.Logger | None,
) -> tuple[Path, str | None]:
    """Pick the model folder: AZUREML_MODEL_DIR, AIP_STORAGE_URI, KServe's, model/."""
    if azureml_dir is not None:
        return Path(azureml_dir), None

    storage_uri = environ.get("AIP_STORAGE_URI")
    if not storage_uri:
        return (Path(KSERVE_MODEL_DIR) if kserve else layout.model_dir), None
    path = local_path(storage_uri)
    if path is not None:
        return path, None

    # NOTE: the runtime uses the standard library only, so it cannot read Cloud
    # Storage. load() gets the URI as ctx.model_uri to fetch the model itself.
    if log is not None:
        log.warning(
            "AIP_STORAGE_URI is %s, which the runtime does not download; load() "
            "gets the model folder %s (the model in the image, if any) and the URI "
            "as ctx.model_uri. Download the model in load(), for example with "
            "google-cloud-storage.",
            storage_uri,
            layout.model_dir,
        )
    return layout.model_dir, storage_uri


def _read_route(environ: Mapping[str, str], variable: str) -> str | None:
    route = environ.get(variable) or None
    if route is not None and not route.startswith("/"):
        raise SettingsError(
            f"{variable} is {route!r}, not an HTTP path; set it to a path that "
            f"starts with '/', such as '/predict', or unset it."
        )
    return route
