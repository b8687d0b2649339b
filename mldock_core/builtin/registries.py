"""The built-in registry kinds: any Docker registry, and Docker Hub.

Credentials, first found wins: ``--username`` with ``--password-stdin`` (the
push command passes those itself), the environment variables
``MLDOCK_REGISTRY_USERNAME`` and ``MLDOCK_REGISTRY_PASSWORD``, then the
user's Docker config (``~/.docker/config.json`` or ``$DOCKER_CONFIG``) with its
credential helpers, read and never written.
"""

from __future__ import annotations

import os

from mldock_core import hookimpl
from mldock_core.errors import ConfigError
from mldock_core.kinds import Credentials, Registry, RegistryTarget

DOCKER_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
USERNAME_VARIABLE = "MLDOCK_REGISTRY_USERNAME"
PASSWORD_VARIABLE = "MLDOCK_REGISTRY_PASSWORD"


def credentials_from_environment() -> Credentials | None:
    username = os.environ.get(USERNAME_VARIABLE)
    password = os.environ.get(PASSWORD_VARIABLE)
    if username and password:
        return Credentials(username, password)
    return None


def credentials_from_docker_config(host: str) -> Credentials | None:
    """Return the Docker config's credentials for ``host``, helpers included, or None."""
    from docker import auth
    from docker.errors import DockerException

    try:
        config = auth.load_config()
        found = auth.resolve_authconfig(config, registry=host)
    except DockerException as error:
        import logging

        logging.getLogger(__name__).warning("could not read Docker credentials for %s: %s", host, error)
        return None
    if not found or not found.get("Username") or not found.get("Password"):
        return None
    return Credentials(found["Username"], found["Password"])


class DockerRegistry(Registry):
    name = "docker"
    description = "Any registry that speaks the Docker registry API"

    def recognizes(self, host: str) -> bool:
        return True

    def credentials(self, target: RegistryTarget) -> Credentials | None:
        return credentials_from_environment() or credentials_from_docker_config(target.host)


class DockerHub(DockerRegistry):
    name = "dockerhub"
    description = "Docker Hub (docker.io); the repository is USER/NAME or ORGANIZATION/NAME"
    default_host = "docker.io"

    def recognizes(self, host: str) -> bool:
        return host in DOCKER_HUB_HOSTS

    def check_target(self, target: RegistryTarget) -> None:
        if "/" not in target.repository:
            raise ConfigError(
                f"Docker Hub repository {target.repository!r} has no account part; "
                f"write it as USER/{target.repository} (the 'repository' key of "
                f"registries.{target.registry}, or --to docker.io/USER/{target.repository})"
            )


@hookimpl
def mldock_register_registries(register):
    register(DockerRegistry())
    register(DockerHub())
