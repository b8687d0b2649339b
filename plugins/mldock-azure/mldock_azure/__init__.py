"""Azure for mldock: the ``acr`` registry kind and the ``azureml`` runtime.

Only the hooks live here. Each kind has its own module, imported cheaply:
azure-identity and requests are imported inside the calls that use them, so
loading this plugin does not slow down ``mldock --help``.
"""

from __future__ import annotations

from mldock_core import hookimpl

__version__ = "0.1.0"


@hookimpl
def mldock_register_registries(register):
    from mldock_azure.acr import AzureContainerRegistry

    register(AzureContainerRegistry())


@hookimpl
def mldock_register_runtimes(register):
    from mldock_azure.azureml import AzureMLRuntime

    register(AzureMLRuntime())
