"""Azure for mldock: the ``acr`` registry kind for Azure Container Registry.

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
