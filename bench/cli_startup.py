"""Time `mldock --help` against `python -c "import click"` in the same environment.

Run with the interpreter of an environment where mldock-core (and, for the
published figure, mldock-sklearn) is installed:

    .venv-test/bin/python bench/cli_startup.py [--runs 30]

Prints the median wall time of each command and their ratio; the target is a
ratio of at most 1.5, which holds when no command imports docker-py, rich or
PyYAML just to show the help.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_RATIO = 1.5


def median_seconds(command: list[str], runs: int) -> float:
    subprocess.run(command, check=True, capture_output=True)  # warm the file cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each command (default 30)")
    runs = parser.parse_args().runs

    script = Path(sys.executable).parent / "mldock"
    mldock = str(script) if script.exists() else shutil.which("mldock")
    if mldock is None:
        sys.exit("no mldock command beside this interpreter or on PATH; install mldock-core first")

    baseline = median_seconds([sys.executable, "-c", "import click"], runs)
    helped = median_seconds([mldock, "--help"], runs)
    ratio = helped / baseline
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"python -c 'import click': {baseline * 1000:.1f} ms (median of {runs})")
    print(f"mldock --help:            {helped * 1000:.1f} ms (median of {runs})")
    print(f"ratio: {ratio:.2f} ({verdict} the target of {TARGET_RATIO})")


if __name__ == "__main__":
    main()
