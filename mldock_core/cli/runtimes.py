"""``mldock runtimes``, and the ``--runtime`` and ``--protocol`` options."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    from mldock_core.kinds import ContainerContract, Runtime
    from mldock_core.project import Project

F = TypeVar("F", bound=Callable)


RUNTIME_HELP = "Run as this platform would (see 'mldock runtimes') [default: local]."


def runtime_option(
    function: F | None = None, *, help: str = RUNTIME_HELP, multiple: bool = False
):
    """Add ``--runtime/-r NAME``: the platform whose contract the container runs under.

    Use it bare (``@runtime_option``), or called with another help text or
    ``multiple=True`` for a command that takes several runtimes.
    """

    def add(target: F) -> F:
        return click.option(
            "--runtime",
            "-r",
            "runtime_name",
            default=None,
            multiple=multiple,
            metavar="NAME",
            help=help,
        )(target)

    return add(function) if function is not None else add


def protocol_option(function: F) -> F:
    """Add ``--protocol``: one of the runtime's request protocols, such as v1."""
    return click.option(
        "--protocol",
        default=None,
        metavar="NAME",
        help="The runtime's request protocol, e.g. v1 or v2 for kserve "
        "[default: the runtime's first].",
    )(function)


def resolve(
    project: Project, runtime_name: str | None, protocol: str | None
) -> tuple[Runtime, ContainerContract]:
    """Return the runtime called ``runtime_name`` (default local) and its contract."""
    from mldock_core.plugins import get_plugin_host
    from mldock_core.serving import DEFAULT_RUNTIME

    runtime = get_plugin_host().get("runtime", runtime_name or DEFAULT_RUNTIME)
    return runtime, runtime.contract_for(project, protocol)


@click.command(short_help="List the runtimes '--runtime' accepts.")
def runtimes() -> None:
    """List the runtimes of the loaded plugins: name, description, protocols, origin."""
    from mldock_core.plugins import get_plugin_host

    host = get_plugin_host()
    found = host.runtimes()
    width = max((len(name) for name in found), default=0)
    for name in sorted(found):
        runtime = found[name]
        origin = host.origin("runtime", name)
        protocols = (
            f" (protocols: {', '.join(runtime.protocols)})" if runtime.protocols else ""
        )
        click.echo(
            f"{name:<{width}}  {runtime.description}{protocols}  "
            f"[{origin.distribution} {origin.version}]"
        )
    for info in host.failures():
        click.echo(
            f"warning: plugin {info.name} ({info.distribution}) is left out: "
            f"{info.error}",
            err=True,
        )
