"""mldock push and pull with the ecr kind: moto for the ECR API, a local registry."""

from __future__ import annotations

import json

import pytest
from ecr_helpers import (
    REGION,
    REGISTRY_ID,
    add_entry,
    assert_pulls,
    assert_pushed,
    last_line,
    local_entry,
    write_docker_config,
)

from mldock_core.testing import describe, run_mldock

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("aws_environment")]
REGISTRY = f"registry {REGISTRY_ID} ({REGION})"
PUSH_ONLY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["ecr:GetAuthorizationToken", "ecr:DescribeRepositories"],
            "Resource": "*",
        }
    ],
}


def repository_names(ecr) -> list[str]:
    repositories = ecr.describe_repositories()["repositories"]
    return [item["repositoryName"] for item in repositories]


def test_push_existing_repository(built_project, ecr, ecr_registry, mldock_docker):
    repository = built_project.name
    ecr.create_repository(repositoryName=repository)
    add_entry(built_project, local_entry(ecr_registry.host))

    result = run_mldock("push", cwd=built_project)
    digest = assert_pushed(result, ecr_registry, repository)
    assert "created repository" not in result.stderr, describe(result)
    assert_pulls(built_project, ecr_registry, repository, digest, mldock_docker)


def test_push_create_repository_flag(built_project, ecr, ecr_registry, mldock_docker):
    repository = f"models/{built_project.name}"
    add_entry(
        built_project,
        local_entry(
            ecr_registry.host,
            f"repository: {repository}",
            "tag_mutability: IMMUTABLE",
            "scan_on_push: true",
        ),
    )

    result = run_mldock("push", "--create-repository", cwd=built_project)
    digest = assert_pushed(result, ecr_registry, repository)
    created = f"created repository {repository} in {ecr_registry.host}"
    assert created in result.stderr, describe(result)
    found = ecr.describe_repositories(repositoryNames=[repository])["repositories"]
    assert found[0]["imageTagMutability"] == "IMMUTABLE"
    assert found[0]["imageScanningConfiguration"] == {"scanOnPush": True}
    assert_pulls(built_project, ecr_registry, repository, digest, mldock_docker)


def test_push_create_repository_config(built_project, ecr, ecr_registry, mldock_docker):
    repository = built_project.name
    add_entry(built_project, local_entry(ecr_registry.host, "create_repository: true"))

    result = run_mldock("push", cwd=built_project)
    digest = assert_pushed(result, ecr_registry, repository)
    assert f"created repository {repository}" in result.stderr, describe(result)
    found = ecr.describe_repositories(repositoryNames=[repository])["repositories"]
    assert found[0]["imageTagMutability"] == "MUTABLE"
    assert found[0]["imageScanningConfiguration"] == {"scanOnPush": False}
    assert_pulls(built_project, ecr_registry, repository, digest, mldock_docker)


def test_push_missing_repository(built_project, ecr, ecr_registry):
    repository = f"new-model-repo-{built_project.name[-8:]}"
    add_entry(
        built_project, local_entry(ecr_registry.host, f"repository: {repository}")
    )

    result = run_mldock("push", cwd=built_project)
    assert result.returncode == 1, describe(result)
    assert last_line(result) == (
        f"Error: repository '{repository}' not found in {REGISTRY}; "
        "create it or pass --create-repository"
    )
    assert ": Pushed" not in result.stderr, describe(result)
    assert ecr_registry.manifest_digest(repository, "latest") is None
    assert repository_names(ecr) == []


def test_push_create_denied(built_project, ecr, ecr_registry, enforce_iam):
    import boto3

    iam = boto3.session.Session(region_name=REGION).client("iam")
    iam.create_user(UserName="pusher")
    iam.put_user_policy(
        UserName="pusher",
        PolicyName="push-only",
        PolicyDocument=json.dumps(PUSH_ONLY_POLICY),
    )
    key = iam.create_access_key(UserName="pusher")["AccessKey"]
    repository = built_project.name
    add_entry(built_project, local_entry(ecr_registry.host))
    enforce_iam()

    env = {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }
    result = run_mldock("push", "--create-repository", cwd=built_project, env=env)
    assert result.returncode == 1, describe(result)
    assert last_line(result) == (
        f"Error: AWS denied ecr:CreateRepository on repository '{repository}' in "
        f"{REGISTRY} (User: arn:aws:iam::{REGISTRY_ID}:user/pusher is not authorized "
        "to perform: ecr:CreateRepository); grant ecr:CreateRepository to this AWS "
        "identity, or use a profile that has it"
    )
    assert ecr_registry.manifest_digest(repository, "latest") is None


def test_push_rejected_access_key(built_project, ecr_registry, enforce_iam):
    add_entry(built_project, local_entry(ecr_registry.host))
    enforce_iam()

    result = run_mldock("push", cwd=built_project)
    assert result.returncode == 1, describe(result)
    assert last_line(result) == (
        f"Error: ecr:DescribeRepositories on repository '{built_project.name}' in "
        f"{REGISTRY} failed: AWS rejected the credentials (The security token "
        "included in the request is invalid.); check the access key and secret key, "
        "or the profile, that boto3 picked up"
    )


def test_push_ignores_expired_docker_config(
    built_project, ecr, ecr_registry, aws_environment, mldock_docker
):
    repository = built_project.name
    ecr.create_repository(repositoryName=repository)
    add_entry(built_project, local_entry(ecr_registry.host))
    config = write_docker_config(
        aws_environment, ecr_registry.host, "AWS", "expired-token-from-yesterday"
    )
    before = config.read_bytes()

    result = run_mldock("push", cwd=built_project)
    digest = assert_pushed(result, ecr_registry, repository)
    assert "refused the credentials" not in result.stderr, describe(result)
    assert config.read_bytes() == before
    assert_pulls(built_project, ecr_registry, repository, digest, mldock_docker)


def test_push_with_profile(
    built_project, ecr, ecr_registry, mldock_docker, tmp_path, monkeypatch
):
    repository = built_project.name
    ecr.create_repository(repositoryName=repository)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    config = tmp_path / "aws/config"
    config.parent.mkdir()
    config.write_text(
        "[profile ci]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    add_entry(built_project, local_entry(ecr_registry.host, "profile: ci"))

    result = run_mldock("push", cwd=built_project)
    digest = assert_pushed(result, ecr_registry, repository)
    assert_pulls(built_project, ecr_registry, repository, digest, mldock_docker)


def test_push_unknown_profile(built_project, ecr_registry):
    add_entry(built_project, local_entry(ecr_registry.host, "profile: nobody"))

    result = run_mldock("push", cwd=built_project)
    assert result.returncode == 1, describe(result)
    assert last_line(result) == (
        f"Error: ecr:DescribeRepositories on repository '{built_project.name}' in "
        f"{REGISTRY} failed: AWS profile 'nobody' not found; check the 'profile' key "
        "or AWS_PROFILE against the profiles of ~/.aws/config (or AWS_CONFIG_FILE)"
    )


def test_push_without_credentials(built_project, ecr_registry, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    add_entry(built_project, local_entry(ecr_registry.host))

    result = run_mldock("push", cwd=built_project)
    assert result.returncode == 1, describe(result)
    assert last_line(result) == (
        f"Error: ecr:DescribeRepositories on repository '{built_project.name}' in "
        f"{REGISTRY} failed: no AWS credentials found; set AWS_PROFILE, or "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, add a 'profile' to the "
        "registry entry, or run 'aws configure'"
    )
    assert "Traceback" not in result.stderr


def test_push_expired_session_token(built_project, ecr_registry, fake_aws):
    fake = fake_aws(
        400,
        "ExpiredTokenException",
        "The security token included in the request is expired",
    )
    add_entry(built_project, local_entry(ecr_registry.host))

    result = run_mldock("push", cwd=built_project)
    assert result.returncode == 1, describe(result)
    assert last_line(result) == (
        f"Error: ecr:DescribeRepositories on repository '{built_project.name}' in "
        f"{REGISTRY} failed: the AWS credentials have expired (The security token "
        "included in the request is expired); refresh them, for example with "
        "'aws sso login' or new session credentials, and retry"
    )
    assert len(fake.requests) == 1


def test_push_throttled_stops(built_project, ecr_registry, fake_aws):
    fake = fake_aws(400, "ThrottlingException", "Rate exceeded")
    add_entry(built_project, local_entry(ecr_registry.host))

    result = run_mldock("push", cwd=built_project)
    assert result.returncode == 1, describe(result)
    assert last_line(result) == (
        f"Error: ecr:DescribeRepositories on repository '{built_project.name}' in "
        f"{REGISTRY} failed: AWS throttled the request 3 times (Rate exceeded); "
        "wait a minute and retry"
    )
    assert len(fake.requests) == 3


def test_push_access_denied_json(built_project, ecr_registry, fake_aws):
    fake_aws(
        400,
        "AccessDeniedException",
        "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: "
        "ecr:DescribeRepositories",
    )
    add_entry(built_project, local_entry(ecr_registry.host))

    result = run_mldock("push", cwd=built_project)
    assert result.returncode == 1, describe(result)
    assert last_line(result) == (
        f"Error: AWS denied ecr:DescribeRepositories on repository "
        f"'{built_project.name}' in {REGISTRY} (User: arn:aws:iam::123456789012:"
        "user/ci is not authorized to perform: ecr:DescribeRepositories); grant "
        "ecr:DescribeRepositories to this AWS identity, or use a profile that has it"
    )
