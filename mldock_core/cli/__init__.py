"""The ``mldock`` command: a click group whose commands load on first use.

Each built-in command lives in its own module and is imported only when it
runs (or when ``--help`` lists it); plugins add commands through the
``mldock_register_commands`` hook.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from mldock_core import __version__
from mldock_core.errors import MldockError

BUILTIN_COMMANDS = {
    "init": "mldock_core.cli.init:init",
    "build": "mldock_core.cli.build:build",
    "train": "mldock_core.cli.train:train",
    "serve": "mldock_core.cli.serve:serve",
    "predict": "mldock_core.cli.predict:predict",
    "stop": "mldock_core.cli.stop:stop",
    "plugins": "mldock_core.cli.listing:plugins",
    "templates": "mldock_core.cli.listing:templates",
    "push": "mldock_core.cli.transfer:push",
    "pull": "mldock_core.cli.transfer:pull",
    "registries": "mldock_core.cli.transfer:registries",
    "plugin": "mldock_core.cli.plugin:plugin",
    "runtimes": "mldock_core.cli.runtimes:runtimes",
    "verify": "mldock_core.cli.verify:verify",
}
# The help listing shows these instead of importing every command module to
# read its docstring; a test keeps them equal to each command's short help.
COMMAND_SUMMARIES = {
    "init": "Write a new project from a template.",
    "build": "Build the project's image with the local Docker engine.",
    "train": "Train in the project's image as a platform would.",
    "serve": "Serve model/ as a platform would and wait until it responds.",
    "predict": "Send a request to the running server and print the response.",
    "stop": "Stop and remove the project's containers.",
    "plugins": "List plugins, what each contributes, and load errors.",
    "templates": "List the templates 'mldock init --template' accepts.",
    "push": "Push the project's image to a registry.",
    "pull": "Pull the project's image from a registry.",
    "registries": "List registry kinds and the project's registries.",
    "plugin": "Write a new plugin distribution.",
    "runtimes": "List the runtimes '--runtime' accepts.",
    "verify": "Check the image against each platform's container contract.",
}
DEBUG_VARIABLE = "MLDOCK_DEBUG"
STACK_DUMP_VARIABLE = "MLDOCK_STACK_DUMP_ON_SIGUSR1"


class MldockGroup(click.Group):
    """A group that imports built-in commands lazily and collects plugin commands once."""

    plugin_commands_loaded = False

    def _load_plugin_commands(self) -> None:
        if self.plugin_commands_loaded:
            return
        self.plugin_commands_loaded = True
        from mldock_core.plugins import get_plugin_host

        get_plugin_host().call_each("mldock_register_commands", cli=self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return sorted(set(BUILTIN_COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in BUILTIN_COMMANDS:
            module_name, attribute = BUILTIN_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module_name), attribute)
        self._load_plugin_commands()
        return self.commands.get(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in BUILTIN_COMMANDS:
                rows.append((name, COMMAND_SUMMARIES[name]))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MldockError as error:
            if ctx.obj and ctx.obj.get("debug"):
                import traceback

                traceback.print_exc()
            click.echo(f"Error: {error}", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=MldockGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mldock")
@click.option(
    "--debug",
    is_flag=True,
    envvar=DEBUG_VARIABLE,
    help="Show tracebacks, debug logs and every plugin hook call.",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Build a model's container locally, run it as a cloud would, push it anywhere.

    Start with 'mldock init DIR --template sklearn', then build, train, serve
    and predict from inside DIR.
    """
    ctx.obj = {"debug": debug}
    if debug:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
        from mldock_core.plugins import get_plugin_host

        get_plugin_host().trace_hooks(lambda line: click.echo(f"hook: {line}", err=True, nl=False))


def main() -> None:
    """Run the CLI; the console script ``mldock`` calls this."""
    if os.environ.get(STACK_DUMP_VARIABLE):
        # Tests that find mldock hanging send SIGUSR1 to see where it waits.
        import faulthandler
        import signal

        faulthandler.register(signal.SIGUSR1, all_threads=True)
    cli(prog_name="mldock", args=sys.argv[1:], auto_envvar_prefix=None)
