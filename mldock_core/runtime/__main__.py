"""Command line of the runtime: ``python3 -m mldock_runtime train|serve``."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from .errors import MldockRuntimeError
from .logs import SERVE_LOGGER

USAGE = """\
usage: python3 -m mldock_runtime COMMAND

commands:
  train   call train(ctx) of the project's training module once, with the
          SageMaker folder layout under $MLDOCK_ML_ROOT (default /opt/ml)
  serve   load the model with load(ctx) and answer predictions on port
          $AIP_HTTP_PORT or $SAGEMAKER_BIND_TO_PORT (default 8080): SageMaker's
          GET /ping and POST /invocations, KServe's /v1/models and /v2 routes,
          and Vertex AI's and Azure ML's routes when their variables are set
"""


def main(argv: list[str]) -> int:
    """Run the command in ``argv`` and return the exit status."""
    if argv in (["-h"], ["--help"]):
        sys.stdout.write(USAGE)
        return 0
    if len(argv) != 1 or argv[0] not in ("train", "serve"):
        problem = "missing command" if not argv else f"unknown arguments {argv!r}"
        sys.stderr.write(f"mldock_runtime: {problem}; expected train or serve.\n\n")
        sys.stderr.write(USAGE)
        return 2

    if argv[0] == "train":
        from .train import run_training

        return run_training(os.environ)

    # Imported here so that training needs no HTTP server packages.
    try:
        from .serve import run_server
    except ModuleNotFoundError as exc:
        if exc.name != "uvicorn":
            raise
        requirements = Path(__file__).with_name("requirements.txt")
        sys.stderr.write(
            f"mldock_runtime: serve needs uvicorn, which is not installed; "
            f"install it with: pip install -r {requirements}\n"
        )
        return 1

    try:
        run_server(os.environ)
    except MldockRuntimeError as exc:
        logging.getLogger(SERVE_LOGGER).error("%s", exc)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
