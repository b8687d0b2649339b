"""ECR host names, ecr entries and their errors, checked before any AWS call."""

from __future__ import annotations

import pytest
from ecr_helpers import add_entry
from mldock_aws.ecr import EcrLocation, EcrRegistry, parse_host

from mldock_core.testing import describe, run_mldock

# No test here should reach AWS; the environment makes sure any call goes to moto.
pytestmark = pytest.mark.usefixtures("aws_environment")

ECR_HOSTS = [
    (
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        EcrLocation("123456789012", "eu-west-1"),
    ),
    (
        "210987654321.dkr.ecr.us-gov-west-1.amazonaws.com",
        EcrLocation("210987654321", "us-gov-west-1"),
    ),
    (
        "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com",
        EcrLocation("123456789012", "us-east-1", fips=True),
    ),
    (
        "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
        EcrLocation("123456789012", "cn-north-1"),
    ),
    (
        "123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn",
        EcrLocation("123456789012", "cn-northwest-1"),
    ),
    (
        "123456789012.DKR.ECR.AP-SOUTHEAST-2.AMAZONAWS.COM",
        EcrLocation("123456789012", "ap-southeast-2"),
    ),
]
OTHER_HOSTS = [
    "127.0.0.1:5000",
    "docker.io",
    "ghcr.io",
    "public.ecr.aws",
    "europe-west1-docker.pkg.dev",
    "12345.dkr.ecr.eu-west-1.amazonaws.com",
    "123456789012.dkr.ecr.amazonaws.com",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com:443",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com.example.org",
    "mirror.123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    "123456789012.dkr.ecr.cn-north-1.amazonaws.com",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com.cn",
]


@pytest.mark.parametrize(("host", "location"), ECR_HOSTS)
def test_host_parsed(host, location):
    assert parse_host(host) == location
    assert EcrRegistry().recognizes(host)


@pytest.mark.parametrize("host", OTHER_HOSTS)
def test_host_not_recognized(host):
    assert parse_host(host) is None
    assert not EcrRegistry().recognizes(host)


@pytest.mark.parametrize(
    ("options", "host"),
    [
        (
            {"registry_id": "123456789012", "region": "eu-west-1"},
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        ),
        (
            {"registry_id": 123456789012, "region": "us-east-2"},
            "123456789012.dkr.ecr.us-east-2.amazonaws.com",
        ),
        (
            {"registry_id": "123456789012", "region": "cn-northwest-1"},
            "123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn",
        ),
        ({"registry_id": "123456789012"}, None),
        ({"region": "eu-west-1"}, None),
    ],
)
def test_host_for_options(options, host):
    assert EcrRegistry().host_for(options) == host


def test_host_for_round_trip():
    host = EcrRegistry().host_for(
        {"registry_id": "123456789012", "region": "eu-west-1"}
    )
    assert parse_host(host) == EcrLocation("123456789012", "eu-west-1")


ECR_HOST = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
ENTRY_ERRORS = [
    (
        "host: 127.0.0.1:5000\nregion: eu-west-1",
        (
            "registries.ecr has the host 127.0.0.1:5000, which is not an ECR host, "
            "so it needs 'registry_id' and 'region'; add registry_id: '123456789012' "
            "and region: eu-west-1 with the values of the registry"
        ),
    ),
    (
        f"host: {ECR_HOST}\nregion: us-east-1",
        (
            f"registries.ecr.region is 'us-east-1', but the host {ECR_HOST} has "
            "'eu-west-1'; remove 'region' or make the two agree"
        ),
    ),
    (
        f"host: {ECR_HOST}\nregistry_id: '210987654321'",
        (
            f"registries.ecr.registry_id is '210987654321', but the host {ECR_HOST} "
            "has '123456789012'; remove 'registry_id' or make the two agree"
        ),
    ),
    (
        "registry_id: 12345\nregion: eu-west-1",
        (
            "registries.ecr.registry_id must be a 12-digit AWS account id in quotes, "
            "such as '123456789012', found 12345"
        ),
    ),
    (
        "registry_id: '123456789012'\nregion: Ireland",
        (
            "registries.ecr.region must be an AWS region such as eu-west-1, found "
            "'Ireland'"
        ),
    ),
    (
        f"host: {ECR_HOST}\ntag_mutability: sometimes",
        (
            "registries.ecr.tag_mutability must be MUTABLE or IMMUTABLE, found "
            "'sometimes'"
        ),
    ),
    (
        f"host: {ECR_HOST}\nscan_on_push: daily",
        "registries.ecr.scan_on_push must be true or false, found 'daily'",
    ),
    (
        f"host: {ECR_HOST}\nprofile: ''",
        "registries.ecr.profile must be the name of an AWS profile, found ''",
    ),
    (
        f"host: {ECR_HOST}\nrepository: m",
        (
            "'m' is not a valid ECR repository name; use 2 to 256 lower-case letters "
            "and digits, separated by '.', '_', '-' or '/', such as 'team/model'"
        ),
    ),
    (
        f"host: {ECR_HOST}\ntag_mutablity: IMMUTABLE",
        (
            "registries.ecr has the unknown key 'tag_mutablity'; did you mean "
            "'tag_mutability'?"
        ),
    ),
    ("region: eu-west-1", "registries.ecr needs a 'host'"),
]


@pytest.mark.parametrize(("lines", "message"), ENTRY_ERRORS)
def test_entry_errors(mldock_project, lines, message):
    project = mldock_project("python")
    add_entry(project, lines)

    result = run_mldock("push", cwd=project)
    assert result.returncode == 2, describe(result)
    assert result.stderr.startswith(f"Error: {message}"), describe(result)


def test_to_invalid_repository(mldock_project):
    project = mldock_project("python")

    result = run_mldock("push", "--to", f"{ECR_HOST}/m:v1", cwd=project)
    assert result.returncode == 2, describe(result)
    assert result.stderr.startswith("Error: 'm' is not a valid ECR repository name")


def test_registries_listing(mldock_project):
    project = mldock_project("python")
    add_entry(
        project, "registry_id: '123456789012'\nregion: eu-west-1\nrepository: ml/iris"
    )

    result = run_mldock("registries", cwd=project)
    assert result.returncode == 0, describe(result)
    listing = " ".join(result.stdout.split())  # column widths follow the longest name
    assert "ecr Amazon ECR (ACCOUNT.dkr.ecr.REGION.amazonaws.com)" in listing
    assert "[mldock-aws 0.1.0]" in listing
    assert f"ecr ecr {ECR_HOST}/ml/iris" in listing
