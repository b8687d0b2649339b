"""The built-in ``local`` runtime: SageMaker's container contract, run on this machine."""

from __future__ import annotations

from mldock_core import hookimpl
from mldock_core.kinds import ContainerContract, Runtime


class LocalRuntime(Runtime):
    name = "local"
    description = "SageMaker-compatible: /opt/ml layout, GET /ping and POST /invocations on 8080"

    def contract(self, project):
        return ContainerContract()


@hookimpl
def mldock_register_runtimes(register):
    register(LocalRuntime())
