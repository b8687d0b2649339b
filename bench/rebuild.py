"""Time `mldock build` after a one-line change in src/, on the local Docker engine.

    .venv-test/bin/python bench/rebuild.py [--runs 5]

Makes a project from the built-in python template in a temporary folder,
builds it once to fill the layer cache, then appends one line to
src/serve.py and times each rebuild. The target is under 5 s. The image is
removed at the end.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 5.0
IMAGE = "mldock-bench-rebuild"


def mldock(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "mldock_core", *args], cwd=cwd, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="rebuilds to time (default 5)")
    runs = parser.parse_args().runs

    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "bench"
        mldock("init", str(project), "--template", "python", "--name", IMAGE, cwd=Path(folder))
        mldock("build", cwd=project)
        times = []
        for run in range(runs):
            with (project / "src/serve.py").open("a") as file:
                file.write(f"# change {run}\n")
            started = time.perf_counter()
            mldock("build", cwd=project)
            times.append(time.perf_counter() - started)
    subprocess.run(["docker", "image", "rm", f"{IMAGE}:latest"], capture_output=True)

    median = statistics.median(times)
    verdict = "within" if median < TARGET_SECONDS else "OVER"
    print(f"rebuild after a one-line change in src/: median {median:.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s over {runs} runs")
    print(f"({verdict} the target of {TARGET_SECONDS:.0f} s)")


if __name__ == "__main__":
    main()
