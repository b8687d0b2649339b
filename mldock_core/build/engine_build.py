"""Running a build plan on the Docker engine, with progress and readable failures."""

from __future__ import annotations

import collections
import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from mldock_core.errors import BuildError

if TYPE_CHECKING:
    import docker

    from mldock_core.build.plan import BuildPlan

logger = logging.getLogger(__name__)

STEP_LINE = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
OUTPUT_LINES_KEPT = 30


@dataclass
class BuildResult:
    image_id: str
    reference: str
    seconds: float
    cached_steps: int
    total_steps: int


class StreamReader:
    """Follows the classic builder's JSON stream: current step, output and errors."""

    def __init__(self, on_step: Callable[[int, int, str], None], on_output: Callable[[str], None]):
        self.on_step = on_step
        self.on_output = on_output
        self.step = (0, 0, "")
        self.output: collections.deque[str] = collections.deque(maxlen=OUTPUT_LINES_KEPT)
        self.image_id: str | None = None
        self.cached_steps = 0

    def feed(self, chunk: dict) -> None:
        if "error" in chunk:
            raise self.failure(chunk.get("errorDetail", {}).get("message") or chunk["error"])
        if "aux" in chunk and isinstance(chunk["aux"], dict) and "ID" in chunk["aux"]:
            self.image_id = chunk["aux"]["ID"]
        text = chunk.get("stream")
        if not text:
            return
        for line in text.splitlines():
            self._line(line.rstrip())

    def _line(self, line: str) -> None:
        if not line:
            return
        match = STEP_LINE.match(line)
        if match:
            self.step = (int(match.group(1)), int(match.group(2)), match.group(3))
            self.output.clear()
            self.on_step(*self.step)
            return
        if line.strip() == "---> Using cache":
            self.cached_steps += 1
        if not line.startswith(" ---> ") and not line.startswith("Removing intermediate"):
            self.output.append(line)
        self.on_output(line)

    def failure(self, message: str) -> BuildError:
        number, total, instruction = self.step
        where = f"step {number}/{total} ({instruction})" if number else "the start of the build"
        output = "\n".join(f"  | {line}" for line in self.output)
        detail = f"\noutput of the failing step:\n{output}" if output else ""
        return BuildError(f"build failed at {where}: {message.strip()}{detail}")


def run_build(
    client: docker.DockerClient,
    plan: BuildPlan,
    dockerfile: str,
    *,
    no_cache: bool,
    on_step: Callable[[int, int, str], None],
    on_output: Callable[[str], None],
    labels: dict[str, str] | None = None,
) -> BuildResult:
    """Send the plan's build context to the engine and follow the build to its end."""
    from docker.errors import APIError

    from mldock_core.engine import api_error

    config = plan.project.config
    reference = plan.project.image(plan.tag)
    reader = StreamReader(on_step, on_output)
    started = time.monotonic()
    try:
        stream: Iterable[dict] = client.api.build(
            fileobj=plan.context.to_tar(),
            custom_context=True,
            dockerfile=dockerfile,
            tag=reference,
            rm=True,
            forcerm=True,
            nocache=no_cache,
            platform=config.build.platform,
            labels=labels,
            decode=True,
        )
        for chunk in stream:
            reader.feed(chunk)
    except APIError as error:
        raise api_error(error, f"building {reference}") from error
    if reader.image_id is None:
        raise reader.failure("the engine ended the build without an image id")
    return BuildResult(
        reader.image_id,
        reference,
        time.monotonic() - started,
        reader.cached_steps,
        reader.step[1],
    )
