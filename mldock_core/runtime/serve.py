"""``python3 -m mldock_runtime serve``: run uvicorn with the model server app."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import uvicorn

from .errors import ServerStartupError
from .logs import SERVE_LOGGER, configure_logging
from .platforms import read_platform_config
from .routes import build_routes
from .settings import MlLayout, read_serve_settings
from .workers import WorkerPool


def run_server(environment: Mapping[str, str]) -> None:
    """Serve until SIGTERM or SIGINT, or raise ServerStartupError if start-up fails.

    Each worker process calls load() once. When load() fails in any worker, the
    whole server stops instead of starting that worker again.
    """
    configure_logging()
    log = logging.getLogger(SERVE_LOGGER)
    # Read here so that an invalid variable stops the server before any worker
    # starts. The workers read the same variables again in create_app().
    settings = read_serve_settings(environment)
    layout = MlLayout.from_environment(environment)
    platforms = read_platform_config(environment, layout, log)
    routes = build_routes(platforms, log)
    config = uvicorn.Config(
        f"{__package__}.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        lifespan="on",
        # Fixed so that behaviour does not change when the project's requirements
        # happen to install httptools, uvloop or websockets.
        http="h11",
        loop="asyncio",
        ws="none",
        # The app writes its own access log, without query strings.
        access_log=False,
        log_config=None,
    )
    log.info(
        "Starting %d worker(s) on %s:%d; request body limit %d bytes",
        settings.workers,
        settings.host,
        settings.port,
        settings.max_request_size,
    )
    log.info(
        "Model folder %s; routes: %s", platforms.model_dir, ", ".join(routes.describe())
    )

    try:
        if settings.workers == 1:
            uvicorn.Server(config).run()
        else:
            WorkerPool(config, settings.workers).run()
    except SystemExit as exc:
        # uvicorn exits on start-up errors, after logging the cause.
        if exc.code not in (0, None):
            raise ServerStartupError(
                f"The server failed to start (uvicorn exit status {exc.code}); "
                f"the error is logged above."
            ) from None
