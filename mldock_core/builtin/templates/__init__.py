"""The built-in ``python`` template: a framework-free project to start from."""

from __future__ import annotations

from mldock_core import hookimpl
from mldock_core.kinds import Template


class PythonTemplate(Template):
    name = "python"
    description = "Plain Python, no ML framework: a least-squares line fitted to a CSV file"

    def root(self):
        from importlib.resources import files

        return files(__name__) / "python"


@hookimpl
def mldock_register_templates(register):
    register(PythonTemplate())
