"""Registries: which registry kind handles a target, and pushing and pulling through it.

Credentials come from the registry plugin before every push or pull and go to
the engine with that one call (docker-py's ``auth_config``), so no mldock
command creates or changes ``~/.docker/config.json``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

from mldock_core.errors import ConfigError, RegistryError
from mldock_core.kinds import FROM_URI, Credentials, Registry, RegistryTarget

if TYPE_CHECKING:
    import docker

    from mldock_core.plugins import PluginHost
    from mldock_core.project import Project

GENERIC_KIND = "docker"
COMMON_OPTIONS = {
    "kind": "the registry kind",
    "host": "the registry host images go to, such as ghcr.io or 127.0.0.1:5000",
    "repository": "the repository path on that host [default: the image name]",
    "create_repository": "create the repository when it does not exist (true or false)",
}
# Hosts of registries whose plugins are distributed separately, for a useful
# error when the plugin is not installed.
HOST_HINTS = (
    (re.compile(r"\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$"), "Amazon ECR", "mldock-aws"),
    (re.compile(r"(^|\.)gcr\.io$|-docker\.pkg\.dev$"), "Google Artifact Registry", "mldock-gcp"),
    (re.compile(r"\.azurecr\.(io|cn|us)$"), "Azure Container Registry", "mldock-azure"),
)
KIND_HINTS = {"ecr": "mldock-aws", "artifact-registry": "mldock-gcp", "acr": "mldock-azure"}
UNAUTHORIZED = re.compile(r"unauthorized|authentication required|token has expired|expired token", re.I)
NOT_FOUND = re.compile(r"name unknown|repository .* (not found|does not exist)|not found: repository", re.I)
DENIED = re.compile(r"denied|forbidden", re.I)
DIGEST = re.compile(r"digest: (sha256:[0-9a-f]{64})", re.I)


def split_uri(uri: str) -> tuple[str, str, str | None]:
    """Split ``host/repository[:tag]``; the host must be given explicitly."""
    from mldock_core.names import split_host, split_image_reference

    name, tag, digest = split_image_reference(uri)
    host, repository = split_host(name)
    if digest is not None:
        raise ConfigError(f"--to {uri!r} names a digest; pass a tag instead (host/repository:tag)")
    if host is None:
        raise ConfigError(
            f"--to {uri!r} has no registry host; write it in full, such as "
            f"docker.io/{name} or 127.0.0.1:5000/{name}"
        )
    return host, repository, tag


def kind_for_host(plugins: PluginHost, host: str) -> Registry:
    """Return the registry kind for ``host``: a specific plugin's, else the generic one."""
    registries = plugins.registries()
    for name, registry in sorted(registries.items()):
        if name != GENERIC_KIND and registry.recognizes(host):
            return registry
    for pattern, service, distribution in HOST_HINTS:
        if pattern.search(host):
            raise RegistryError(
                f"{host} is an {service} host, and no installed plugin handles it; "
                f"install it with 'pip install {distribution}'"
            )
    return registries[GENERIC_KIND]


def _registry_kind(plugins: PluginHost, entry_name: str, kind: str) -> Registry:
    registries = plugins.registries()
    if kind in registries:
        return registries[kind]
    install = f"; install it with 'pip install {KIND_HINTS[kind]}'" if kind in KIND_HINTS else ""
    raise ConfigError(
        f"registry {entry_name!r} has the unknown kind {kind!r}; installed kinds: "
        f"{', '.join(sorted(registries))}{install}"
    )


def check_options(entry_name: str, registry: Registry, options: dict[str, Any]) -> None:
    """Reject keys that neither mldock nor the registry kind declares, suggesting the closest."""
    known = {**COMMON_OPTIONS, **registry.options}
    for key in options:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(sorted(known))}"
            raise ConfigError(f"registries.{entry_name} has the unknown key {key!r}{hint}")
    create = options.get("create_repository", False)
    if not isinstance(create, bool):
        raise ConfigError(
            f"registries.{entry_name}.create_repository must be true or false, found {create!r}"
        )


def _entry_name(project: Project, name: str | None, stage: str | None) -> str:
    entries = project.config.registries
    if name is None and stage is not None:
        name = project.config.stages[stage].registry
    if name is None:
        if len(entries) == 1:
            return next(iter(entries))
        if not entries:
            raise ConfigError(
                "mldock.yaml has no 'registries' section; add one, or pass --to "
                "HOST/REPOSITORY:TAG"
            )
        raise ConfigError(
            f"mldock.yaml has several registries ({', '.join(sorted(entries))}); "
            "choose one with --registry, or with --stage for a stage that names one"
        )
    if name not in entries:
        known = ", ".join(sorted(entries)) or "none"
        raise ConfigError(f"no registry {name!r} in mldock.yaml; configured registries: {known}")
    return name


@dataclass(frozen=True)
class Resolved:
    registry: Registry
    target: RegistryTarget
    create: bool


def resolve(
    project: Project,
    plugins: PluginHost,
    *,
    registry_name: str | None,
    uri: str | None,
    stage: str | None,
    tag: str,
    create: bool,
) -> Resolved:
    """Work out the registry kind and the target reference of a push or pull."""
    from mldock_core.names import check_image_name, check_tag, split_host

    if uri is not None:
        host, repository, uri_tag = split_uri(uri)
        registry = kind_for_host(plugins, host)
        target = RegistryTarget(FROM_URI, registry.name, host, repository, uri_tag or tag, {})
    else:
        name = _entry_name(project, registry_name, stage)
        options = dict(project.config.registries[name])
        registry = _registry_kind(plugins, name, options["kind"])
        check_options(name, registry, options)
        host = options.get("host") or registry.host_for(options)
        if not host:
            derived = " or ".join(f"'{key}'" for key in registry.host_options)
            alternative = f", or {derived} from which kind {registry.name!r} derives it" if derived else ""
            raise ConfigError(f"registries.{name} needs a 'host', such as 'host: ghcr.io'{alternative}")
        repository = options.get("repository") or split_host(project.name)[1]
        create = create or options.get("create_repository", False)
        target = RegistryTarget(name, registry.name, str(host), str(repository), tag, options)

    check_image_name(target.repository_uri)
    check_tag(target.tag)
    registry.check_target(target)
    return Resolved(registry, target, create)


@dataclass
class TransferEvents:
    """Callbacks a command gives to follow a push or pull, layer by layer."""

    on_layer: Callable[[str, str, int | None, int | None], None]
    report: Callable[[str], None]


class TransferError(RegistryError):
    """An error inside the engine's push or pull stream."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.unauthorized = bool(UNAUTHORIZED.search(message))


def _follow(stream: Iterable[dict], events: TransferEvents) -> str | None:
    """Follow a push or pull stream; return the digest it reports."""
    digest = None
    for chunk in stream:
        if "error" in chunk:
            detail = chunk.get("errorDetail") or {}
            raise TransferError(str(detail.get("message") or chunk["error"]).strip())
        aux = chunk.get("aux")
        if isinstance(aux, dict) and aux.get("Digest"):
            digest = aux["Digest"]
        status = str(chunk.get("status", ""))
        found = DIGEST.search(status)
        if found:
            digest = found.group(1)
        layer = chunk.get("id")
        if layer and status:
            progress = chunk.get("progressDetail") or {}
            events.on_layer(str(layer), status, progress.get("current"), progress.get("total"))
    return digest


def _failure(error: TransferError, action: str, target: RegistryTarget) -> RegistryError:
    where = f"repository {target.repository!r} in {target.described}"
    text = str(error)
    if error.unauthorized:
        return RegistryError(
            f"{action} to {where} failed: the registry refused the credentials ({text}); "
            "check the credentials of this registry and that they allow pushing there"
        )
    if NOT_FOUND.search(text):
        fix = "create it or pass --create-repository" if action == "push" else "check the repository and tag"
        return RegistryError(f"{action} failed: {where} not found ({text}); {fix}")
    if DENIED.search(text):
        return RegistryError(f"{action} to {where} was denied: {text}")
    return RegistryError(f"{action} to {where} failed: {text}")


def _with_fresh_credentials(
    run: Callable[[Credentials | None], str | None],
    registry: Registry,
    target: RegistryTarget,
    given: Credentials | None,
    action: str,
    events: TransferEvents,
) -> str | None:
    """Run a transfer with fresh credentials; after "unauthorized", fetch new ones and retry once."""
    for attempt in (1, 2):
        credentials = given or registry.credentials(target)
        try:
            return run(credentials)
        except TransferError as error:
            if attempt == 1 and error.unauthorized and given is None:
                events.report(f"{target.host} refused the credentials; fetching new ones and retrying once")
                continue
            raise _failure(error, action, target) from error
    raise AssertionError("unreachable")


def push(
    client: docker.DockerClient,
    resolved: Resolved,
    local_image: str,
    events: TransferEvents,
    given: Credentials | None = None,
) -> str:
    """Tag ``local_image`` as the target and push it; return the digest the registry reports."""
    from docker.errors import APIError, ImageNotFound

    registry, target = resolved.registry, resolved.target
    try:
        image = client.images.get(local_image)
    except ImageNotFound:
        raise RegistryError(f"image {local_image} not found; build it with 'mldock build' or pass --build") from None
    if registry.ensure_repository(target, resolved.create):
        events.report(f"created repository {target.repository} in {target.host}")
    image.tag(target.repository_uri, target.tag)

    def run(credentials: Credentials | None) -> str | None:
        auth = credentials.auth_config() if credentials else None
        try:
            stream = client.api.push(
                target.repository_uri, tag=target.tag, auth_config=auth, stream=True, decode=True
            )
            return _follow(stream, events)
        except APIError as error:
            raise TransferError(str(error.explanation or error)) from error

    digest = _with_fresh_credentials(run, registry, target, given, "push", events)
    if not digest:
        raise RegistryError(f"push of {target.reference} ended without a digest from the registry")
    return digest


def pull(
    client: docker.DockerClient,
    resolved: Resolved,
    local_image: str,
    events: TransferEvents,
    given: Credentials | None = None,
) -> str | None:
    """Pull the target and tag it as ``local_image``; return the digest."""
    from docker.errors import APIError

    registry, target = resolved.registry, resolved.target

    def run(credentials: Credentials | None) -> str | None:
        auth = credentials.auth_config() if credentials else None
        try:
            stream = client.api.pull(
                target.repository_uri, tag=target.tag, auth_config=auth, stream=True, decode=True
            )
            return _follow(stream, events)
        except APIError as error:
            raise TransferError(str(error.explanation or error)) from error

    digest = _with_fresh_credentials(run, registry, target, given, "pull", events)
    name, _, tag = local_image.rpartition(":")
    client.images.get(target.reference).tag(name, tag)
    return digest
