"""``mldock plugins`` and ``mldock templates``: what the loaded plugins provide."""

from __future__ import annotations

import click

KIND_TITLES = {"template": "templates", "build step": "build steps", "runtime": "runtimes", "registry": "registries"}


@click.command(short_help="List plugins, what each contributes, and load errors.")
def plugins() -> None:
    """List plugins: distribution, version, what each contributes, and load errors."""
    from mldock_core.plugins import get_plugin_host

    for info in get_plugin_host().plugins():
        origin = "built-in" if info.builtin else info.module
        click.echo(f"{info.name}  ({info.distribution} {info.version}, {origin})")
        for kind, names in info.contributions.items():
            if names:
                click.echo(f"    {KIND_TITLES[kind]}: {', '.join(sorted(names))}")
        if info.error:
            click.echo(f"    error: {info.error}")


@click.command(short_help="List the templates 'mldock init --template' accepts.")
def templates() -> None:
    """List the templates 'mldock init --template' accepts."""
    from mldock_core.plugins import get_plugin_host

    host = get_plugin_host()
    found = host.templates()
    width = max((len(name) for name in found), default=0)
    for name in sorted(found):
        origin = host.origin("template", name)
        click.echo(f"{name:<{width}}  {found[name].description}  [{origin.distribution} {origin.version}]")
    for info in host.failures():
        click.echo(f"warning: plugin {info.name} ({info.distribution}) is left out: {info.error}", err=True)
