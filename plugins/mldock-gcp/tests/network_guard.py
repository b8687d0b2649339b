"""Block and record every network use of a Python process that is not loopback.

Installed as ``sitecustomize`` in the processes the tests start (through
PYTHONPATH), so that mldock, google-auth and the Artifact Registry client can
reach only 127.0.0.1. A blocked attempt is appended to the file that
MLDOCK_TEST_NETWORK_LOG names and fails with OSError inside the process.
Unix sockets, such as the Docker engine's, pass.
"""

from __future__ import annotations

import os
import socket
import sys

LOG_VARIABLE = "MLDOCK_TEST_NETWORK_LOG"
LOOPBACK_NAMES = ("localhost", "::1")


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    return isinstance(host, str) and (host.startswith("127.") or host in LOOPBACK_NAMES)


def _block(log: str, target: str) -> None:
    with open(log, "a", encoding="utf-8") as file:
        file.write(f"{target}\n")
    raise OSError(f"the test network guard blocked {target}")


def _audit(log: str):
    def hook(event: str, args: tuple) -> None:
        if event == "socket.connect":
            sock, address = args
            inet = sock.family in (socket.AF_INET, socket.AF_INET6)
            if inet and not _is_loopback(address[0]):
                _block(log, f"connect to {address!r}")
        elif event in ("socket.getaddrinfo", "socket.gethostbyname"):
            if args[0] is not None and not _is_loopback(args[0]):
                _block(log, f"lookup of {args[0]!r}")

    return hook


if os.environ.get(LOG_VARIABLE):
    sys.addaudithook(_audit(os.environ[LOG_VARIABLE]))
