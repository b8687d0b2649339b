"""Time `mldock --help` against `python -c "import click"` in the same environment.

    python3 bench/cli_startup.py [--runs 30]

Installs mldock-core and mldock-sklearn from this repository into a new
virtual environment (a regular install: an editable one adds an import hook
that costs about 15 ms on its own), then times both commands with that
environment's interpreter. Prints the median wall time of each command and their ratio; the target is a
ratio of at most 1.5, which holds when no command imports docker-py, rich or
PyYAML just to show the help.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

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

    with tempfile.TemporaryDirectory() as folder:
        environment = Path(folder) / "venv"
        venv.create(environment, with_pip=True)
        python = str(environment / "bin/python")
        packages = [str(ROOT), str(ROOT / "plugins/mldock-sklearn")]
        subprocess.run([python, "-m", "pip", "install", "--quiet", *packages], check=True)

        baseline = median_seconds([python, "-c", "import click"], runs)
        helped = median_seconds([str(environment / "bin/mldock"), "--help"], runs)
    ratio = helped / baseline
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"python -c 'import click': {baseline * 1000:.1f} ms (median of {runs})")
    print(f"mldock --help:            {helped * 1000:.1f} ms (median of {runs})")
    print(f"ratio: {ratio:.2f} ({verdict} the target of {TARGET_RATIO})")


if __name__ == "__main__":
    main()
