"""Check and derive Docker image names and tags.

The rules are those of Docker's image reference grammar (the distribution
``reference`` package): an optional registry host, then ``/``-separated
lowercase path components, at most 255 characters in all, and tags of at most
128 characters.
"""

from __future__ import annotations

import re
import unicodedata

from mldock_core.errors import ConfigError

NAME_MAX_LENGTH = 255
TAG_MAX_LENGTH = 128
DEFAULT_PROJECT_NAME = "mldock-project"

_COMPONENT_TEXT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST_COMPONENT_TEXT = r"(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_IPV6_TEXT = r"\[[0-9A-Fa-f:]+\]"

# Patterns in the syntax shared by Python and JSON Schema (ECMA-262). Docker
# reads a first part that contains '.' or ':', or is localhost, as a registry
# host, so such a part must be a valid host and never counts as a path part.
IMAGE_NAME_PATTERN = (
    rf"^(?:(?:(?:{_HOST_COMPONENT_TEXT}(?:\.{_HOST_COMPONENT_TEXT})+|localhost"
    rf"|{_IPV6_TEXT})(?::[0-9]+)?|{_HOST_COMPONENT_TEXT}:[0-9]+)/"
    r"|(?![^/]*[.:][^/]*/))"
    rf"{_COMPONENT_TEXT}(?:/{_COMPONENT_TEXT})*$"
)
TAG_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"

_PATH_COMPONENT = re.compile(_COMPONENT_TEXT)
_HOST = re.compile(
    rf"(?:{_HOST_COMPONENT_TEXT}(?:\.{_HOST_COMPONENT_TEXT})*|{_IPV6_TEXT})(?::[0-9]+)?"
)
_TAG = re.compile(TAG_PATTERN)
_DIGEST = re.compile(
    r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
)
_SEPARATOR = re.compile(r"\.|_|__|-+")

_NAME_RULE = (
    "each part between '/' may contain only lowercase letters, digits and the "
    "separators '.', '_', '__' or '-', and must start and end with a letter or digit"
)
_TAG_RULE = (
    "a tag may contain only letters, digits, '_', '.' and '-', at most 128 "
    "characters, and may not start with '.' or '-'"
)


def check_image_name(name: str) -> str:
    """Return ``name`` if it is a valid image repository name, else raise ConfigError.

    The name may start with a registry host (``localhost:5000/``,
    ``ghcr.io/``) but may not carry a tag or digest. The error names the
    broken rule and, when one can be derived, a valid name to use instead.
    """
    problem = _image_name_problem(name)
    if problem is None:
        return name
    if not name:
        raise ConfigError(
            "image name is empty; use a lowercase name such as 'fraud-model'"
        )

    message = f"image name '{name}' is invalid: {problem}"
    suggestion = suggest_image_name(name)
    if suggestion is not None:
        message += f"; try '{suggestion}'"
    raise ConfigError(message)


def check_tag(tag: str) -> str:
    """Return ``tag`` if Docker accepts it as an image tag, else raise ConfigError."""
    if _TAG.fullmatch(tag):
        return tag
    if not tag:
        raise ConfigError("tag is empty; give a tag such as 'latest' or 'v1'")

    message = f"tag '{tag}' is invalid: {_TAG_RULE}"
    suggestion = _suggest_tag(tag)
    if suggestion is not None:
        message += f"; try '{suggestion}'"
    raise ConfigError(message)


def check_image_reference(reference: str) -> str:
    """Return ``reference`` if it is a valid ``name[:tag][@digest]``, else raise.

    Used for base images such as ``python:3.11-slim`` or
    ``ghcr.io/org/base@sha256:...``.
    """
    name, tag, digest = split_image_reference(reference)
    try:
        check_image_name(name)
        if tag is not None:
            check_tag(tag)
    except ConfigError as error:
        raise ConfigError(
            f"image reference '{reference}' is invalid: {error}"
        ) from None

    if digest is not None and not _DIGEST.fullmatch(digest):
        raise ConfigError(
            f"image reference '{reference}' is invalid: the digest '{digest}' must "
            "have the form 'sha256:' followed by the hexadecimal hash"
        )
    return reference


def split_image_reference(reference: str) -> tuple[str, str | None, str | None]:
    """Split ``name[:tag][@digest]`` into its three parts; absent parts are None."""
    name, _, digest = reference.partition("@")
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    # A colon before the last '/' belongs to the registry host's port.
    if colon > last_slash:
        return name[:colon], name[colon + 1 :], digest or None
    return name, None, digest or None


def image_name_from_folder(folder: str) -> str:
    """Derive a valid image name from a project folder's name.

    ``Fraud Model`` gives ``fraud-model`` and ``My_Model.v2`` gives
    ``my_model.v2``. A folder name without a usable letter or digit gives
    ``mldock-project``.
    """
    name = _clean_component(folder)[:NAME_MAX_LENGTH]
    name = name.rstrip("._-")
    return name or DEFAULT_PROJECT_NAME


def suggest_image_name(bad: str) -> str | None:
    """Return a valid image name close to ``bad``, or None if none can be derived.

    Uppercase letters become lowercase, accented letters lose their accents,
    a tag or digest is dropped, and other invalid characters become '-'.
    """
    host, path = split_host(bad)
    path = path.partition("@")[0].partition(":")[0]
    components = [_clean_component(part) for part in path.split("/")]
    components = [part for part in components if part]
    if not components:
        return None

    suggestion = "/".join(components)
    if host is not None:
        host = re.sub(r"[^A-Za-z0-9.:\[\]-]", "-", host)
        if _HOST.fullmatch(host):
            suggestion = f"{host}/{suggestion}"
    suggestion = suggestion[:NAME_MAX_LENGTH].rstrip("._-/")
    if _image_name_problem(suggestion) is not None or suggestion == bad:
        return None
    return suggestion


def _image_name_problem(name: str) -> str | None:
    """Return why ``name`` is not a valid repository name, or None when it is."""
    if not name:
        return "it is empty; use a lowercase name such as 'fraud-model'"
    if len(name) > NAME_MAX_LENGTH:
        return f"it has {len(name)} characters, at most {NAME_MAX_LENGTH} are allowed"

    host, path = split_host(name)
    if host is not None and not _HOST.fullmatch(host):
        return (
            f"the registry host '{host}' may contain only letters, digits, '-' "
            "and '.', optionally followed by ':' and a port number"
        )

    components = path.split("/")
    if all(_PATH_COMPONENT.fullmatch(part) for part in components):
        return None
    if all(_PATH_COMPONENT.fullmatch(part.lower()) for part in components):
        return "it must be lowercase"
    if ":" in path or "@" in path:
        return "it must not contain a tag or digest"
    return _NAME_RULE


def split_host(name: str) -> tuple[str | None, str]:
    """Split off the registry host the way Docker recognises one.

    The first component is a host when more components follow and it
    contains '.' or ':' or is ``localhost``.
    """
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return None, name


def _clean_component(text: str) -> str:
    """Turn ``text`` into one valid path component, possibly empty."""
    text = _strip_accents(text).lower()
    text = re.sub(r"[^a-z0-9._-]+", "-", text)
    text = re.sub(r"[._-]+", _fix_separator, text)
    return text.strip("._-")


def _fix_separator(match: re.Match[str]) -> str:
    # Docker allows '.', '_', '__' and runs of '-' between letters and digits.
    separator = match.group()
    return separator if _SEPARATOR.fullmatch(separator) else "-"


def _suggest_tag(tag: str) -> str | None:
    text = re.sub(r"[^A-Za-z0-9_.-]+", "-", _strip_accents(tag))
    text = text.lstrip(".-")[:TAG_MAX_LENGTH].rstrip("-")
    if not text or text == tag:
        return None
    return text


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))
