"""The ``ecr`` registry kind: Amazon Elastic Container Registry through boto3.

Every push or pull gets a new ECR authorization token from boto3's usual
credential chain (environment variables, profile, SSO, instance or task
role). A token stored in the Docker config is never read, because an ECR
token expires after 12 hours and an old one only leads to "unauthorized".
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mldock_aws.aws_errors import client_error_fields, raising
from mldock_core.errors import ConfigError, RegistryError
from mldock_core.kinds import Credentials, Registry, RegistryTarget

if TYPE_CHECKING:
    from botocore.client import BaseClient

logger = logging.getLogger(__name__)

REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
HOST = re.compile(
    rf"(?P<registry_id>\d{{12}})\.dkr\.ecr(?P<fips>-fips)?\.(?P<region>{REGION})"
    r"\.amazonaws\.com(?P<china>\.cn)?"
)
# The repositoryName pattern of ECR's API model, which also allows 2 to 256 characters.
REPOSITORY_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPOSITORY = re.compile(rf"{REPOSITORY_PART}(?:/{REPOSITORY_PART})*")
TAG_MUTABILITY = ("MUTABLE", "IMMUTABLE")
EXAMPLE_ENTRY = "registry_id: '123456789012' and region: eu-west-1"


@dataclass(frozen=True)
class EcrLocation:
    """An ECR registry: the AWS account that owns it, its region, its FIPS host."""

    registry_id: str
    region: str
    fips: bool = False

    def __str__(self) -> str:
        return f"registry {self.registry_id} ({self.region})"


def parse_host(host: str) -> EcrLocation | None:
    """Return the account and region of an ECR host, or None for any other host."""
    match = HOST.fullmatch(host.lower())
    if match is None:
        return None
    region = match["region"]
    # The China regions (cn-*) are served under amazonaws.com.cn, and only they are.
    if bool(match["china"]) != region.startswith("cn-"):
        return None
    return EcrLocation(match["registry_id"], region, fips=bool(match["fips"]))


def build_host(registry_id: str, region: str) -> str:
    """Return the standard (not FIPS) ECR host of an account and region."""
    suffix = ".cn" if region.startswith("cn-") else ""
    return f"{registry_id}.dkr.ecr.{region}.amazonaws.com{suffix}"


def check_options(target: RegistryTarget) -> None:
    """Raise ``ConfigError`` for a key of an ecr entry whose value is malformed."""
    options = target.options
    key = f"registries.{target.registry}"
    region = options.get("region")
    if region is not None and not (
        isinstance(region, str) and re.fullmatch(REGION, region)
    ):
        raise ConfigError(
            f"{key}.region must be an AWS region such as eu-west-1, found {region!r}"
        )
    registry_id = options.get("registry_id")
    if registry_id is not None and not re.fullmatch(r"\d{12}", str(registry_id)):
        raise ConfigError(
            f"{key}.registry_id must be a 12-digit AWS account id in quotes, such as "
            f"'123456789012', found {registry_id!r}"
        )
    profile = options.get("profile")
    if profile is not None and not (isinstance(profile, str) and profile):
        raise ConfigError(
            f"{key}.profile must be the name of an AWS profile, found {profile!r}"
        )
    mutability = options.get("tag_mutability", "MUTABLE")
    if mutability not in TAG_MUTABILITY:
        raise ConfigError(
            f"{key}.tag_mutability must be MUTABLE or IMMUTABLE, found {mutability!r}"
        )
    scan = options.get("scan_on_push", False)
    if not isinstance(scan, bool):
        raise ConfigError(f"{key}.scan_on_push must be true or false, found {scan!r}")


def locate(target: RegistryTarget) -> EcrLocation:
    """Return the account and region of ``target``, from its host or its entry."""
    check_options(target)
    options = target.options
    region = options.get("region")
    registry_id = options.get("registry_id")
    registry_id = None if registry_id is None else str(registry_id)
    found = parse_host(target.host)
    if found is None:
        if registry_id is None or region is None:
            raise ConfigError(
                f"registries.{target.registry} has the host {target.host}, which is "
                "not an ECR host, so it needs 'registry_id' and 'region'; add "
                f"{EXAMPLE_ENTRY} with the values of the registry"
            )
        return EcrLocation(registry_id, region)
    for key, configured, actual in (
        ("registry_id", registry_id, found.registry_id),
        ("region", region, found.region),
    ):
        if configured is not None and configured != actual:
            raise ConfigError(
                f"registries.{target.registry}.{key} is {configured!r}, but the host "
                f"{target.host} has {actual!r}; remove {key!r} or make the two agree"
            )
    return found


def check_repository_name(repository: str) -> None:
    if not (2 <= len(repository) <= 256 and REPOSITORY.fullmatch(repository)):
        raise ConfigError(
            f"{repository!r} is not a valid ECR repository name; use 2 to 256 "
            "lower-case letters and digits, separated by '.', '_', '-' or '/', "
            "such as 'team/model'"
        )


class EcrRegistry(Registry):
    """Amazon ECR: a new token for every push and pull, the repository checked first.

    A missing repository is created only when the entry or the command allows
    it, and otherwise stops the push before any layer is uploaded.
    """

    name = "ecr"
    host_options = ("registry_id", "region")
    description = (
        "Amazon ECR (ACCOUNT.dkr.ecr.REGION.amazonaws.com); credentials from boto3"
    )
    options = {  # noqa: RUF012 - the base class declares it a ClassVar
        "region": "the AWS region, such as eu-west-1 [default: from the host]",
        "registry_id": "the 12-digit AWS account id [default: from the host]",
        "profile": "the AWS profile to use [default: boto3's credential chain]",
        "tag_mutability": "MUTABLE or IMMUTABLE, for a repository mldock creates",
        "scan_on_push": "true to scan images on push, for a repository mldock creates",
    }

    def recognizes(self, host: str) -> bool:
        return parse_host(host) is not None

    def host_for(self, options: dict[str, Any]) -> str | None:
        registry_id, region = options.get("registry_id"), options.get("region")
        if registry_id is None or region is None:
            return None
        return build_host(str(registry_id), str(region))

    def check_target(self, target: RegistryTarget) -> None:
        locate(target)
        check_repository_name(target.repository)

    def credentials(self, target: RegistryTarget) -> Credentials:
        location = locate(target)
        with raising(RegistryError, "ecr:GetAuthorizationToken", str(location)):
            response = self._client(target, location).get_authorization_token(
                registryIds=[location.registry_id]
            )
        return decode_token(response, location)

    def ensure_repository(self, target: RegistryTarget, create: bool) -> bool:
        location = locate(target)
        where = f"repository {target.repository!r} in {location}"
        with raising(RegistryError, "ecr:DescribeRepositories", where):
            client = self._client(target, location)
            if repository_exists(client, target.repository, location):
                return False
        if not create:
            raise RegistryError(
                f"repository {target.repository!r} not found in {location}; "
                "create it or pass --create-repository"
            )
        with raising(RegistryError, "ecr:CreateRepository", where):
            return create_repository(client, target, location)

    def _client(self, target: RegistryTarget, location: EcrLocation) -> BaseClient:
        import boto3
        from botocore.config import Config

        session = boto3.session.Session(
            profile_name=target.options.get("profile"), region_name=location.region
        )
        # The standard retry mode stops after 3 attempts, or AWS_MAX_ATTEMPTS when set.
        settings: dict[str, Any] = {
            "retries": {"mode": "standard"},
            "connect_timeout": 10,
        }
        if location.fips:
            settings["use_fips_endpoint"] = True
        return session.client("ecr", config=Config(**settings))


def decode_token(response: dict[str, Any], location: EcrLocation) -> Credentials:
    """Decode a GetAuthorizationToken response (base64 of ``AWS:password``)."""
    data = response.get("authorizationData") or [{}]
    try:
        text = base64.b64decode(
            data[0].get("authorizationToken") or "", validate=True
        ).decode()
    except (binascii.Error, UnicodeDecodeError):
        text = ""
    username, _, password = text.partition(":")
    if not username or not password:
        raise RegistryError(
            f"ecr:GetAuthorizationToken for {location} returned no usable token; "
            "retry, and check the ECR endpoint if AWS_ENDPOINT_URL_ECR is set"
        )
    logger.debug(
        "fetched an ECR token for %s, valid until %s",
        location,
        data[0].get("expiresAt"),
    )
    return Credentials(username, password)


def repository_exists(
    client: BaseClient, repository: str, location: EcrLocation
) -> bool:
    from botocore.exceptions import ClientError

    try:
        client.describe_repositories(
            repositoryNames=[repository], registryId=location.registry_id
        )
    except ClientError as error:
        if client_error_fields(error)[0] == "RepositoryNotFoundException":
            return False
        raise
    return True


def create_repository(
    client: BaseClient, target: RegistryTarget, location: EcrLocation
) -> bool:
    """Create the target's repository; return False when someone created it first."""
    from botocore.exceptions import ClientError

    options = target.options
    try:
        client.create_repository(
            repositoryName=target.repository,
            registryId=location.registry_id,
            imageTagMutability=options.get("tag_mutability", "MUTABLE"),
            imageScanningConfiguration={
                "scanOnPush": options.get("scan_on_push", False)
            },
        )
    except ClientError as error:
        if client_error_fields(error)[0] == "RepositoryAlreadyExistsException":
            return False
        raise
    logger.debug("created repository %s in %s", target.repository, location)
    return True
