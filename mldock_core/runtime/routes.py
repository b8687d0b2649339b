"""The HTTP routes of every platform contract, and the bodies of the health routes."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from .platforms import PlatformConfig

# Route actions. "predict" runs predict(), and the others are health and metadata.
PREDICT = "predict"
PING = "ping"
ALIVE = "alive"
V1_MODELS = "v1-models"
V1_MODEL_READY = "v1-model-ready"
V2_LIVE = "v2-live"
V2_READY = "v2-ready"
V2_MODEL_METADATA = "v2-model-metadata"
V2_MODEL_READY = "v2-model-ready"

# The values of ctx.platform.
SAGEMAKER = "sagemaker"
VERTEX = "vertex"
AZUREML = "azureml"
KSERVE_V1 = "kserve-v1"
KSERVE_V2 = "kserve-v2"
PLATFORMS = (SAGEMAKER, VERTEX, AZUREML, KSERVE_V1, KSERVE_V2)


@dataclass(frozen=True)
class Route:
    """One method on one path, and the platform contract it belongs to."""

    method: str
    path: str
    action: str
    platform: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


class RouteTable:
    """Routes by exact path and method, where a later route replaces an earlier one."""

    def __init__(self, routes: list[Route], log: logging.Logger) -> None:
        self._routes: dict[tuple[str, str], Route] = {}
        for route in routes:
            replaced = self._routes.get((route.path, route.method))
            if replaced is not None:
                log.warning(
                    "%s of %s replaces the %s route %s at the same path",
                    route,
                    route.platform,
                    replaced.platform,
                    replaced,
                )
            self._routes[(route.path, route.method)] = route

    def methods(self, path: str) -> dict[str, Route]:
        """Return the routes on ``path`` by method, empty for an unknown path."""
        return {
            method: route
            for (route_path, method), route in self._routes.items()
            if route_path == path
        }

    def describe(self) -> list[str]:
        """Return "METHOD /path" for each route, in the order they were added."""
        return [str(route) for route in self._routes.values()]


def build_routes(config: PlatformConfig, log: logging.Logger) -> RouteTable:
    """Return the routes of SageMaker, the platforms switched on, and KServe."""
    routes = [
        Route("GET", "/ping", PING, SAGEMAKER),
        Route("POST", "/invocations", PREDICT, SAGEMAKER),
    ]
    if config.azureml:
        routes += [
            Route("GET", "/", ALIVE, AZUREML),
            Route("POST", "/score", PREDICT, AZUREML),
        ]

    name = config.model_name
    routes += [
        Route("GET", "/v1/models", V1_MODELS, KSERVE_V1),
        Route("GET", f"/v1/models/{name}", V1_MODEL_READY, KSERVE_V1),
        Route("POST", f"/v1/models/{name}:predict", PREDICT, KSERVE_V1),
        Route("GET", "/v2/health/live", V2_LIVE, KSERVE_V2),
        Route("GET", "/v2/health/ready", V2_READY, KSERVE_V2),
        Route("GET", f"/v2/models/{name}", V2_MODEL_METADATA, KSERVE_V2),
        Route("GET", f"/v2/models/{name}/ready", V2_MODEL_READY, KSERVE_V2),
        Route("POST", f"/v2/models/{name}/infer", PREDICT, KSERVE_V2),
    ]

    # Last, so that the paths Vertex AI was configured with win over any other.
    if config.vertex_health_route is not None:
        routes.append(Route("GET", config.vertex_health_route, PING, VERTEX))
    if config.vertex_predict_route is not None:
        routes.append(Route("POST", config.vertex_predict_route, PREDICT, VERTEX))
    return RouteTable(routes, log)


def health_response(
    action: str, loaded: bool, model_name: str
) -> tuple[int, bytes, str | None]:
    """Return the status, body and Content-Type of a health or metadata route.

    Readiness routes return 503 until the model is loaded. Liveness routes return
    200 whenever the server responds at all.
    """
    ready_status = 200 if loaded else 503
    if action == PING:
        return ready_status, b"", None
    if action == ALIVE:
        # The same body as Azure ML's own inference server sends.
        return 200, b"Healthy", "text/plain; charset=utf-8"
    if action == V1_MODELS:
        return _json(200, {"models": [model_name]})
    if action in (V1_MODEL_READY, V2_MODEL_READY):
        return _json(ready_status, {"name": model_name, "ready": loaded})
    if action == V2_LIVE:
        return _json(200, {"live": True})
    if action == V2_READY:
        return _json(ready_status, {"ready": loaded})
    if action == V2_MODEL_METADATA:
        # The runtime does not know the tensors predict() takes and returns.
        metadata = {
            "name": model_name,
            "platform": "mldock",
            "inputs": [],
            "outputs": [],
        }
        return _json(200, metadata)
    raise ValueError(f"unknown health action {action!r}")


def _json(status: int, value: object) -> tuple[int, bytes, str]:
    return status, json.dumps(value).encode("utf-8"), "application/json"
