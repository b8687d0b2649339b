"""The ``sklearn`` template for mldock: an iris classifier with scikit-learn."""

from __future__ import annotations

from mldock_core import hookimpl
from mldock_core.kinds import Template

__version__ = "0.1.0"


class SklearnTemplate(Template):
    name = "sklearn"
    description = "scikit-learn classifier trained on the iris data set"

    def root(self):
        from importlib.resources import files

        return files(__name__) / "template"


@hookimpl
def mldock_register_templates(register):
    register(SklearnTemplate())
