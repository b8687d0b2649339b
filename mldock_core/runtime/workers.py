"""Run the server in several worker processes that share one listening socket.

uvicorn 0.54.0 has its own supervisor, which kills a worker that does not respond
to a health check within 5 s (timeout_worker_healthcheck) and starts a new one. A
load() that keeps the GIL longer, as unpickling a large model does, then never
finishes. This pool does no health checks. It watches for workers that exit, stops
the server when a worker exits before it started, and replaces a worker that exits
while serving.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import signal
import socket
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from types import FrameType

import uvicorn

from .errors import ServerStartupError
from .logs import SERVE_LOGGER, configure_logging

# After one worker failed to start, the others get this many seconds to stop
# before they are killed. A worker inside load() handles SIGTERM only after
# load() returns.
FAILED_START_STOP_TIMEOUT = 5.0

_spawn = multiprocessing.get_context("spawn")


@dataclass
class _Worker:
    process: BaseProcess
    # Set by the worker once its model is loaded and it accepts connections.
    started: Event


class _WorkerServer(uvicorn.Server):
    """A uvicorn server that sets an event once start-up has succeeded."""

    def __init__(self, config: uvicorn.Config, started: Event) -> None:
        super().__init__(config)
        self._started_event = started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._started_event.set()


def _run_worker(
    config: uvicorn.Config, sockets: list[socket.socket], started: Event
) -> None:
    configure_logging()
    _WorkerServer(config, started).run(sockets=sockets)


class WorkerPool:
    """Start ``size`` worker processes with ``config`` and supervise them."""

    def __init__(self, config: uvicorn.Config, size: int) -> None:
        self._config = config
        self._size = size
        self._log = logging.getLogger(SERVE_LOGGER)
        self._stop_signal: int | None = None
        self._force_stop = False

    def run(self) -> None:
        """Serve until SIGTERM or SIGINT, then stop the workers and wait for them.

        Raises ServerStartupError when a worker exits before it has started.
        """
        sockets = [self._config.bind_socket()]
        previous = {
            signum: signal.signal(signum, self._request_stop)
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        workers = [self._start_worker(sockets) for _ in range(self._size)]
        failure = None
        try:
            failure = self._supervise(workers, sockets)
        finally:
            timeout = FAILED_START_STOP_TIMEOUT if failure is not None else None
            self._stop_all(workers, timeout)
            for signum, handler in previous.items():
                signal.signal(signum, handler)

        if failure is not None:
            raise ServerStartupError(failure)

    def _start_worker(self, sockets: list[socket.socket]) -> _Worker:
        started = _spawn.Event()
        process = _spawn.Process(
            target=_run_worker,
            args=(self._config, sockets, started),
            name="mldock-server-worker",
        )
        process.start()
        return _Worker(process, started)

    def _supervise(
        self, workers: list[_Worker], sockets: list[socket.socket]
    ) -> str | None:
        """Wait for a stop signal, or return a message if a worker failed to start."""
        while self._stop_signal is None:
            sentinels = [worker.process.sentinel for worker in workers]
            multiprocessing.connection.wait(sentinels, timeout=0.5)
            for index, worker in enumerate(workers):
                if worker.process.exitcode is None:
                    continue

                status = describe_exit(worker.process.exitcode)
                if not worker.started.is_set():
                    return (
                        f"Server worker {worker.process.pid} {status} before it "
                        f"finished starting, so the server stops instead of "
                        f"starting it again; its error is logged above."
                    )
                self._log.warning(
                    "Server worker %d %s while serving; starting a new worker",
                    worker.process.pid,
                    status,
                )
                workers[index] = self._start_worker(sockets)

        name = signal.Signals(self._stop_signal).name
        self._log.info("Received %s; stopping %d workers", name, len(workers))
        return None

    def _stop_all(self, workers: list[_Worker], timeout: float | None) -> None:
        """Send SIGTERM to each worker and wait for it, killing it after ``timeout`` s.

        Without a timeout, a second SIGTERM or SIGINT kills the workers.
        """
        for worker in workers:
            if worker.process.exitcode is None:
                worker.process.terminate()

        deadline = None if timeout is None else time.monotonic() + timeout
        for worker in workers:
            while worker.process.exitcode is None:
                expired = deadline is not None and time.monotonic() > deadline
                if expired or self._force_stop:
                    self._log.warning(
                        "Killing server worker %d, which did not stop%s",
                        worker.process.pid,
                        f" within {timeout:.0f} s" if expired else "",
                    )
                    worker.process.kill()
                worker.process.join(0.2)

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        if self._stop_signal is not None:
            self._force_stop = True
        self._stop_signal = signum


def describe_exit(exitcode: int) -> str:
    """Describe a process exit code the way the log lines need it."""
    if exitcode >= 0:
        return f"exited with status {exitcode}"
    try:
        name = signal.Signals(-exitcode).name
    except ValueError:
        name = f"signal {-exitcode}"
    if exitcode == -signal.SIGKILL:
        return f"was killed by {name}, for example by the kernel when memory ran out"
    return f"was killed by {name}"
