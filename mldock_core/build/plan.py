"""The build plan: the generated Dockerfile and the build context that goes with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mldock_core.build.context import BuildContext
from mldock_core.errors import BuildContextError, PluginError
from mldock_core.kinds import PHASES, BuildStep

if TYPE_CHECKING:
    from mldock_core.plugins import PluginHost
    from mldock_core.project import Project

DOCKERFILE = "Dockerfile"


@dataclass
class PlannedStep:
    name: str
    phase: str
    lines: list[str]


@dataclass
class BuildPlan:
    """What ``mldock build`` sends to the engine; ``mldock_before_build`` may change it."""

    project: Project
    context: BuildContext
    tag: str
    steps: list[PlannedStep] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    user_dockerfile: str | None = None

    def dockerfile(self) -> str:
        """Return the Dockerfile text: the user's own, or one made from the steps."""
        if self.user_dockerfile is not None:
            return self.user_dockerfile
        blocks = []
        for step in self.steps:
            if step.lines:
                blocks.append("\n".join([f"# {step.phase}: {step.name}", *step.lines]))
        return "\n\n".join(blocks) + "\n"


def _ordered(steps: dict[str, BuildStep]) -> list[BuildStep]:
    for step in steps.values():
        if step.phase not in PHASES:
            raise PluginError(
                f"build step {step.name!r} has the unknown phase {step.phase!r}; "
                f"use one of: {', '.join(PHASES)}"
            )
    return sorted(steps.values(), key=lambda s: (PHASES.index(s.phase), s.order, s.name))


def _steps_for(project: Project, host: PluginHost) -> dict[str, BuildStep]:
    """Return the registered build steps plus those of the project's template."""
    steps = dict(host.build_steps())
    template = host.templates().get(project.config.template or "")
    for step in template.build_steps() if template else ():
        if step.name in steps:
            raise PluginError(
                f"template {template.name!r} adds the build step {step.name!r}, but a plugin "
                "already registered a step of that name; the template's plugin must rename it"
            )
        steps[step.name] = step
    return steps


def make_plan(project: Project, host: PluginHost, tag: str) -> BuildPlan:
    """Run every build step that applies to ``project`` and collect the result."""
    context = BuildContext(project.root)
    plan = BuildPlan(project, context, tag)
    dockerfile = project.config.build.dockerfile
    if dockerfile is not None:
        plan.user_dockerfile = _read_user_dockerfile(project, dockerfile)
        context.add_project_path(".", "")
    else:
        for step in _ordered(_steps_for(project, host)):
            if step.applies_to(project):
                lines = list(step.instructions(project, context))
                plan.steps.append(PlannedStep(step.name, step.phase, lines))
    host.pm.hook.mldock_before_build(project=project, plan=plan)
    return plan


def _read_user_dockerfile(project: Project, relative: str) -> str:
    path = project.path(relative)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BuildContextError(
            f"build.dockerfile names {relative!r}, which does not exist in {project.root}; "
            "fix the path or remove the key to let mldock generate the Dockerfile"
        ) from None


def context_digest(plan: BuildPlan) -> str:
    """Return the sha256 of the finished build context: equal contexts, equal digests."""
    import hashlib

    return "sha256:" + hashlib.sha256(plan.context.to_tar().getvalue()).hexdigest()


def stale_image_notice(project: Project, host: PluginHost, image: str, labels: dict[str, str]) -> str | None:
    """Return a notice when ``image`` was built from other files than the project has now."""
    from mldock_core.errors import MldockError
    from mldock_core.project import LABEL_INPUTS

    built_from = labels.get(LABEL_INPUTS)
    if built_from is None:
        return None
    try:
        plan = make_plan(project, host, image.rpartition(":")[2])
        finish_context(plan)
    except MldockError:
        return None  # the next build reports what is wrong
    if context_digest(plan) == built_from:
        return None
    return (
        f"the image {image} was built before the latest changes to the project's code, "
        "requirements or mldock.yaml; run 'mldock build' to include them"
    )


def finish_context(plan: BuildPlan) -> str:
    """Add a generated Dockerfile to the build context; return the Dockerfile's path in it."""
    dockerfile = plan.project.config.build.dockerfile
    if plan.user_dockerfile is not None and dockerfile is not None:
        return dockerfile
    plan.context.add_bytes(DOCKERFILE, plan.dockerfile().encode("utf-8"))
    return DOCKERFILE
