"""Logging of the runtime: diagnostics to stderr, the HTTP access log to stdout."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

TRAIN_LOGGER = "mldock.train"
SERVE_LOGGER = "mldock.serve"
ACCESS_LOGGER = "mldock.access"

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_ACCESS_FORMAT = "%(asctime)s %(message)s"
# Set on the handlers added here, so that a second call adds no duplicates.
_MARK = "_mldock_runtime_handler"


def configure_logging() -> None:
    """Attach the runtime's handlers to the mldock and uvicorn loggers.

    The loggers do not propagate to the root logger, so a project that configures
    logging itself gets no duplicate lines.
    """
    _attach("mldock", sys.stderr, _FORMAT)
    _attach("uvicorn", sys.stderr, _FORMAT)
    _attach(ACCESS_LOGGER, sys.stdout, _ACCESS_FORMAT)


def _attach(name: str, stream: TextIO, fmt: str) -> None:
    logger = logging.getLogger(name)
    if any(getattr(handler, _MARK, False) for handler in logger.handlers):
        return

    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(fmt))
    setattr(handler, _MARK, True)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
