"""The Artifact Registry project, location and repository of an image reference.

Artifact Registry references are ``LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE``,
and IMAGE may have several parts. Container Registry hosts (gcr.io and its
regional hosts) are served by Artifact Registry repositories named after the
host, so ``gcr.io/PROJECT/IMAGE`` lives in repository ``gcr.io`` of PROJECT, in
location ``us``. A domain-scoped project ``example.com:team`` is written
``example.com/team`` in a reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mldock_core.errors import ConfigError
from mldock_core.kinds import RegistryTarget

PKG_DEV_HOST = re.compile(r"(?P<location>[a-z][a-z0-9-]*[a-z0-9])-docker\.pkg\.dev")
GCR_HOST = re.compile(r"(?:[a-z0-9-]+\.)?gcr\.io")
# Container Registry host -> the location of the gcr.io repository that serves it.
GCR_LOCATIONS = {
    "gcr.io": "us",
    "us.gcr.io": "us",
    "eu.gcr.io": "europe",
    "asia.gcr.io": "asia",
}
LOCATION = re.compile(r"[a-z][a-z0-9-]*[a-z0-9]")
PROJECT_ID = re.compile(r"(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]*[a-z0-9]")
REPOSITORY_ID = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")
EXAMPLE = "europe-west4-docker.pkg.dev/my-project/models/iris"


@dataclass(frozen=True)
class ImagePath:
    """An image's project, location, Artifact Registry repository and image name."""

    project: str
    location: str
    repository: str
    image: str

    @property
    def parent(self) -> str:
        return f"projects/{self.project}/locations/{self.location}"

    @property
    def resource_name(self) -> str:
        """The repository's name in the Artifact Registry API."""
        return f"{self.parent}/repositories/{self.repository}"

    def __str__(self) -> str:
        return (
            f"repository '{self.repository}' in project {self.project} "
            f"(location {self.location})"
        )


def is_gcr_host(host: str) -> bool:
    return GCR_HOST.fullmatch(host.lower()) is not None


def is_artifact_registry_host(host: str) -> bool:
    return PKG_DEV_HOST.fullmatch(host.lower()) is not None or is_gcr_host(host)


def host_for_location(location: Any) -> str | None:
    """Return ``LOCATION-docker.pkg.dev``, or None for a missing or invalid location."""
    if isinstance(location, str) and LOCATION.fullmatch(location):
        return f"{location}-docker.pkg.dev"
    return None


def locate(target: RegistryTarget) -> ImagePath:
    """Return where ``target`` lives, or raise ConfigError naming the part to fix."""
    host = target.host.lower()
    parts = target.repository.split("/")
    if is_gcr_host(host):
        location = _gcr_location(target, host)
        project, rest = _split_project(parts)
        if not rest:
            raise ConfigError(
                f"image {target.repository_uri!r} has no image name after the project; "
                f"write it as {host}/PROJECT/IMAGE"
                f"{_where_to_fix(target, 'PROJECT/IMAGE')}"
            )
        path = ImagePath(project, location, host, "/".join(rest))
    else:
        location = _location(target, host)
        project, rest = _split_project(parts)
        if len(rest) < 2:
            raise ConfigError(
                f"Artifact Registry image {target.repository_uri!r} must be "
                f"HOST/PROJECT/REPOSITORY/IMAGE, such as {EXAMPLE}"
                f"{_where_to_fix(target, 'PROJECT/REPOSITORY/IMAGE')}"
            )
        path = ImagePath(project, location, rest[0], "/".join(rest[1:]))
        _check_repository_id(target, path.repository)
    _check_project(target, path.project)
    return path


def _split_project(parts: list[str]) -> tuple[str, list[str]]:
    # Project IDs have no dots, so a first part with one is the domain of a
    # domain-scoped project, and the second part is the rest of its ID.
    if "." in parts[0] and len(parts) > 1:
        return f"{parts[0]}:{parts[1]}", parts[2:]
    return parts[0], parts[1:]


def _gcr_location(target: RegistryTarget, host: str) -> str:
    location = GCR_LOCATIONS.get(host)
    if location is None:
        raise ConfigError(
            f"{host} is not a Container Registry host that Artifact Registry serves; "
            f"use one of {', '.join(GCR_LOCATIONS)}, or LOCATION-docker.pkg.dev"
        )
    configured = target.options.get("location")
    if configured is not None and configured != location:
        raise ConfigError(
            f"registries.{target.registry}.location is {configured!r}, but images of "
            f"{host} live in location {location!r}; remove 'location' or set it "
            f"to {location}"
        )
    return location


def _location(target: RegistryTarget, host: str) -> str:
    configured = target.options.get("location")
    if configured is not None and not host_for_location(configured):
        raise ConfigError(
            f"registries.{target.registry}.location {configured!r} is invalid; use a "
            "Google Cloud location such as europe-west4, us-central1 or us"
        )
    match = PKG_DEV_HOST.fullmatch(host)
    if match is None:
        if configured is None:
            raise ConfigError(
                f"registries.{target.registry} needs 'location' (such as "
                f"europe-west4), because its host {target.host} is not an "
                "Artifact Registry host"
            )
        return configured
    if configured is not None and configured != match["location"]:
        raise ConfigError(
            f"registries.{target.registry}.location is {configured!r}, but host "
            f"{target.host} is in location {match['location']!r}; make them agree"
        )
    return match["location"]


def _check_project(target: RegistryTarget, project: str) -> None:
    if not PROJECT_ID.fullmatch(project):
        raise ConfigError(
            f"{project!r} in image {target.repository_uri!r} is not a Google Cloud "
            "project ID; write the image as HOST/PROJECT/REPOSITORY/IMAGE"
        )
    configured = target.options.get("project")
    if configured is not None and configured != project:
        raise ConfigError(
            f"registries.{target.registry}.project is {configured!r}, but the "
            f"repository {target.repository!r} starts with project {project!r}; "
            "make them agree"
        )


def _check_repository_id(target: RegistryTarget, repository: str) -> None:
    if not REPOSITORY_ID.fullmatch(repository):
        raise ConfigError(
            f"{repository!r} in image {target.repository_uri!r} is not a valid "
            "Artifact Registry repository name: it needs a lowercase letter first, "
            "then at most 62 lowercase letters, digits or '-', not ending in '-'"
        )


def _where_to_fix(target: RegistryTarget, form: str) -> str:
    if target.registry == "--to":
        return ""
    return f"; set registries.{target.registry}.repository to {form}"
