"""Google Cloud for mldock: the ``artifact-registry`` registry, the ``vertex`` runtime.

Modules here import google-auth and the Google Cloud clients only inside the
functions that call them, because mldock imports every plugin on each command.
"""

from __future__ import annotations

from mldock_core import hookimpl

__version__ = "0.1.0"


@hookimpl
def mldock_register_registries(register):
    from mldock_gcp.artifact_registry import ArtifactRegistry

    register(ArtifactRegistry())


@hookimpl
def mldock_register_runtimes(register):
    from mldock_gcp.vertex import VertexRuntime

    register(VertexRuntime())
