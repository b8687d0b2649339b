"""mldock plugin for AWS: the ``ecr`` registry kind and the ``sagemaker`` runtime.

boto3 is imported only by the calls that talk to AWS, because mldock imports
every plugin on each command, ``mldock --help`` included.
"""

from __future__ import annotations

from mldock_aws.ecr import EcrRegistry
from mldock_core import hookimpl

__version__ = "0.1.0"


@hookimpl
def mldock_register_registries(register):
    register(EcrRegistry())


@hookimpl
def mldock_register_runtimes(register):
    from mldock_aws.sagemaker import SageMakerRuntime

    register(SageMakerRuntime())
