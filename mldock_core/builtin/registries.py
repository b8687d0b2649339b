"""The built-in registry kinds: any Docker registry, and Docker Hub."""

from __future__ import annotations

from mldock_core import hookimpl
from mldock_core.kinds import Registry

DOCKER_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})


class DockerRegistry(Registry):
    name = "docker"
    description = "Any registry that speaks the Docker registry API; credentials from the Docker config"

    def recognizes(self, host: str) -> bool:
        return True


class DockerHub(Registry):
    name = "dockerhub"
    description = "Docker Hub (docker.io)"

    def recognizes(self, host: str) -> bool:
        return host in DOCKER_HUB_HOSTS


@hookimpl
def mldock_register_registries(register):
    register(DockerRegistry())
    register(DockerHub())
