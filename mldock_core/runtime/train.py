"""``python3 -m mldock_runtime train``: run the project's train(ctx) once."""

from __future__ import annotations

import contextlib
import logging
import signal
import time
import traceback
from collections.abc import Iterator, Mapping
from types import FrameType

from .context import build_train_context
from .errors import MldockRuntimeError
from .logs import TRAIN_LOGGER, configure_logging
from .settings import MlLayout, read_user_module
from .usercode import find_function, import_user_module, one_line_summary


class TrainingStopped(BaseException):
    """Raised in the main thread when SIGTERM or SIGINT arrives during training.

    It derives from BaseException, like KeyboardInterrupt, so that an
    ``except Exception`` in the project's code does not swallow the stop.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.signal_name = signal.Signals(signum).name
        super().__init__(f"Training was stopped by {self.signal_name}")


def run_training(environment: Mapping[str, str]) -> int:
    """Run train(ctx) and return the process exit status.

    0 on success. On failure, the output/failure file gets a one-line summary, a
    blank line and the traceback, and the status is 1, or 2 for an invalid
    MLDOCK_TRAIN_MODULE. When SIGTERM or SIGINT stopped training, the status is
    128 plus the signal number: 143 or 130.
    """
    configure_logging()
    log = logging.getLogger(TRAIN_LOGGER)
    layout = MlLayout.from_environment(environment)
    # A failure file left by an earlier local run would describe the wrong run.
    layout.failure_file.unlink(missing_ok=True)

    try:
        with _stop_on_signals():
            return _prepare_and_train(layout, environment, log)
    except TrainingStopped as stop:
        summary = f"{stop} before train() returned."
        _report_failure(layout, log, summary, stop)
        return 128 + stop.signum


def _prepare_and_train(
    layout: MlLayout, environment: Mapping[str, str], log: logging.Logger
) -> int:
    try:
        module = read_user_module(environment, "train")
        ctx = build_train_context(layout, environment, log)
        imported = import_user_module(module, "train(ctx)")
        train = find_function(imported, "train", "train(ctx) -> None")
    except MldockRuntimeError as exc:
        # The message is complete, so a traceback helps only for the project's
        # own exception, such as one raised while its module was imported.
        _report_failure(layout, log, str(exc), exc.__cause__)
        return exc.exit_code

    log.info(
        "Training started with %s.train() from %s; channels: %s; hyperparameters: %s",
        module.name,
        imported.__file__,
        ", ".join(ctx.channels) or "none",
        ", ".join(sorted(ctx.hyperparameters)) or "none",
    )
    started = time.monotonic()
    try:
        train(ctx)
    except SystemExit as exc:
        if exc.code not in (0, None):
            _report_failure(layout, log, f"train() called sys.exit({exc.code!r}).", exc)
            return 1
    except Exception as exc:
        _report_failure(layout, log, one_line_summary(exc), exc)
        return 1

    saved = sorted(path.name for path in ctx.model_dir.iterdir())
    listing = ", ".join(saved[:10]) + (
        f" and {len(saved) - 10} more" if len(saved) > 10 else ""
    )
    log.info(
        "Training finished in %.1f s; %s contains: %s",
        time.monotonic() - started,
        ctx.model_dir,
        listing or "nothing",
    )
    return 0


def _report_failure(
    layout: MlLayout,
    log: logging.Logger,
    summary: str,
    exc: BaseException | None,
) -> None:
    """Log the failure with its traceback and write output/failure.

    SageMaker shows the first 1024 characters of that file as the failure reason,
    so the summary comes first, on one line.
    """
    summary = " ".join(summary.split())
    trace = "".join(traceback.format_exception(exc)) if exc is not None else ""
    log.error("Training failed: %s", summary, exc_info=exc)

    try:
        layout.failure_file.parent.mkdir(parents=True, exist_ok=True)
        layout.failure_file.write_text(f"{summary}\n\n{trace}", encoding="utf-8")
    except OSError as write_error:
        log.error("Writing %s failed: %s", layout.failure_file, write_error)


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGINT into TrainingStopped while the block runs.

    SageMaker sends SIGTERM when a job is stopped. Raising in the main thread lets
    the project's ``finally`` blocks and context managers run before the runtime
    writes the failure file.
    """

    def raise_stop(signum: int, frame: FrameType | None) -> None:
        raise TrainingStopped(signum)

    previous = {
        signum: signal.signal(signum, raise_stop)
        for signum in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
