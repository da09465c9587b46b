"""ECR pull through cache, answered by the emulator on top of moto's ECR (see tools/healthomics_emulator/ecr.py).

boto3 talks to the emulator's URL only, as modules do; repositories, their policies and images
end up in moto, the rest (rules, templates, registry policy) in the emulator.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tools.healthomics_emulator import OmicsEmulator
from tools.moto_server import empty_moto_server
from tools.moto_server import reset_moto

REGION = "us-east-1"
ACCOUNT = "123456789012"
SESSION = boto3.session.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
NO_RETRIES = Config(retries={"total_max_attempts": 1})
PYTHON_REPOSITORY = "ecr-public/docker/library/python"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:ecr-pullthroughcache/docker-hub-abc123"
# What HealthOmics needs on a private repository to pull a workflow's container.
OMICS_REPOSITORY_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "omics",
                "Effect": "Allow",
                "Principal": {"Service": "omics.amazonaws.com"},
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            }
        ],
    }
)
# What lets HealthOmics create the cache repositories and import images on first pull.
PULL_THROUGH_REGISTRY_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "omics-pull-through",
                "Effect": "Allow",
                "Principal": {"Service": "omics.amazonaws.com"},
                "Action": ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
                "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/ecr-public/*",
            }
        ],
    }
)


@pytest.fixture(scope="module")
def moto_url():
    with empty_moto_server() as url:
        yield url


@pytest.fixture
def emulator(moto_url):
    reset_moto(moto_url)
    with OmicsEmulator(ec2_endpoint=moto_url, delay=0) as started:
        yield started


@pytest.fixture
def ecr(emulator):
    return SESSION.client("ecr", endpoint_url=emulator.url, config=NO_RETRIES)


def error_code(raised: pytest.ExceptionInfo) -> str:
    return raised.value.response["Error"]["Code"]


def raw_ecr(url: str, operation: str, document: object, region: str = REGION) -> tuple[int, dict, dict]:
    """An awsJson1_1 request signed like botocore's, with a body botocore would refuse to send."""
    body = json.dumps(document).encode()
    request = AWSRequest(
        method="POST",
        url=f"{url}/",
        data=body,
        headers={
            "X-Amz-Target": f"AmazonEC2ContainerRegistry_V20150921.{operation}",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    SigV4Auth(Credentials("testing", "testing"), "ecr", region).add_auth(request)
    outgoing = urllib.request.Request(f"{url}/", data=body, headers=dict(request.headers.items()), method="POST")
    try:
        with urllib.request.urlopen(outgoing, timeout=10) as answer:
            return answer.status, dict(answer.headers.items()), json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), json.loads(error.read())


def create_python_cache(ecr, **template) -> None:
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public", upstreamRegistryUrl="public.ecr.aws")
    ecr.create_repository_creation_template(
        prefix="ecr-public",
        appliedFor=["PULL_THROUGH_CACHE"],
        repositoryPolicy=OMICS_REPOSITORY_POLICY,
        resourceTags=[{"Key": "cache", "Value": "ecr-public"}],
        **template,
    )


# -- pull through cache rules ------------------------------------------------------------------------


def test_pull_through_cache_rule_lifecycle(ecr, emulator):
    created = ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public", upstreamRegistryUrl="public.ecr.aws")
    assert created["ecrRepositoryPrefix"] == "ecr-public"
    assert created["upstreamRegistry"] == "ecr-public"  # derived from the URL
    assert created["registryId"] == ACCOUNT
    assert "credentialArn" not in created
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="k8s", upstreamRegistryUrl="registry.k8s.io")

    rules = ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"]
    assert [(rule["ecrRepositoryPrefix"], rule["upstreamRegistry"]) for rule in rules] == [
        ("ecr-public", "ecr-public"),
        ("k8s", "k8s"),
    ]
    assert rules[0]["createdAt"] == created["createdAt"]
    only = ecr.describe_pull_through_cache_rules(ecrRepositoryPrefixes=["k8s"])["pullThroughCacheRules"]
    assert [rule["upstreamRegistryUrl"] for rule in only] == ["registry.k8s.io"]
    page = ecr.describe_pull_through_cache_rules(maxResults=1)
    assert len(page["pullThroughCacheRules"]) == 1 and page["nextToken"]
    rest = ecr.describe_pull_through_cache_rules(maxResults=1, nextToken=page["nextToken"])
    assert [rule["ecrRepositoryPrefix"] for rule in rest["pullThroughCacheRules"]] == ["k8s"]
    assert "nextToken" not in rest

    for prefix in ("ecr-public", "ecr-public/"):  # a prefix always ends at a "/"
        with pytest.raises(ClientError) as raised:
            ecr.create_pull_through_cache_rule(ecrRepositoryPrefix=prefix, upstreamRegistryUrl="public.ecr.aws")
        assert error_code(raised) == "PullThroughCacheRuleAlreadyExistsException"
    with pytest.raises(ClientError) as raised:
        ecr.describe_pull_through_cache_rules(ecrRepositoryPrefixes=["ecr-public", "quay"])
    assert error_code(raised) == "PullThroughCacheRuleNotFoundException"

    assert ecr.validate_pull_through_cache_rule(ecrRepositoryPrefix="k8s")["isValid"] is True
    deleted = ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix="k8s")
    assert deleted["upstreamRegistryUrl"] == "registry.k8s.io"
    with pytest.raises(ClientError) as raised:
        ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix="k8s")
    assert error_code(raised) == "PullThroughCacheRuleNotFoundException"
    assert [rule["ecrRepositoryPrefix"] for rule in emulator.ecr.state(REGION)["rules"]] == ["ecr-public"]


def test_rules_are_per_region(ecr, emulator):
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public", upstreamRegistryUrl="public.ecr.aws")
    other = SESSION.client("ecr", endpoint_url=emulator.url, region_name="eu-west-1", config=NO_RETRIES)
    assert other.describe_pull_through_cache_rules()["pullThroughCacheRules"] == []
    other.create_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public", upstreamRegistryUrl="public.ecr.aws")


def test_upstreams_needing_credentials(ecr):
    with pytest.raises(ClientError) as raised:
        ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="docker-hub", upstreamRegistryUrl="registry-1.docker.io")
    assert error_code(raised) == "UnsupportedUpstreamRegistryException"
    created = ecr.create_pull_through_cache_rule(
        ecrRepositoryPrefix="docker-hub", upstreamRegistryUrl="registry-1.docker.io", credentialArn=SECRET_ARN
    )
    assert (created["upstreamRegistry"], created["credentialArn"]) == ("docker-hub", SECRET_ARN)

    with pytest.raises(ClientError) as raised:
        ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="elsewhere", upstreamRegistryUrl="registry.example.com")
    assert error_code(raised) == "UnsupportedUpstreamRegistryException"
    with pytest.raises(ClientError) as raised:  # the declared registry must be the URL's
        ecr.create_pull_through_cache_rule(
            ecrRepositoryPrefix="quay", upstreamRegistryUrl="public.ecr.aws", upstreamRegistry="quay"
        )
    assert error_code(raised) == "InvalidParameterException"

    with pytest.raises(ClientError) as raised:
        ecr.update_pull_through_cache_rule(ecrRepositoryPrefix="docker-hub")
    assert error_code(raised) == "InvalidParameterException"
    other_secret = SECRET_ARN.replace("abc123", "def456")
    updated = ecr.update_pull_through_cache_rule(ecrRepositoryPrefix="docker-hub", credentialArn=other_secret)
    assert updated["credentialArn"] == other_secret
    assert ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"][0]["credentialArn"] == other_secret


# -- repository creation templates -------------------------------------------------------------------


def test_repository_creation_template_lifecycle(ecr):
    created = ecr.create_repository_creation_template(
        prefix="ecr-public",
        description="python cache",
        appliedFor=["PULL_THROUGH_CACHE"],
        repositoryPolicy=OMICS_REPOSITORY_POLICY,
        resourceTags=[{"Key": "team", "Value": "genomics"}],
        imageTagMutability="IMMUTABLE",
    )
    assert created["registryId"] == ACCOUNT
    template = created["repositoryCreationTemplate"]
    assert template["prefix"] == "ecr-public"
    assert template["appliedFor"] == ["PULL_THROUGH_CACHE"]
    assert template["repositoryPolicy"] == OMICS_REPOSITORY_POLICY
    assert template["encryptionConfiguration"] == {"encryptionType": "AES256"}  # ECR's default
    ecr.create_repository_creation_template(prefix="ROOT", appliedFor=["REPLICATION", "CREATE_ON_PUSH"])

    described = ecr.describe_repository_creation_templates(prefixes=["ecr-public"])
    assert described["registryId"] == ACCOUNT
    assert described["repositoryCreationTemplates"] == [template]
    assert [item["prefix"] for item in ecr.describe_repository_creation_templates()["repositoryCreationTemplates"]] == [
        "ecr-public",
        "ROOT",
    ]

    with pytest.raises(ClientError) as raised:
        ecr.create_repository_creation_template(prefix="ecr-public", appliedFor=["PULL_THROUGH_CACHE"])
    assert error_code(raised) == "TemplateAlreadyExistsException"
    with pytest.raises(ClientError) as raised:
        ecr.describe_repository_creation_templates(prefixes=["quay"])
    assert error_code(raised) == "TemplateNotFoundException"
    with pytest.raises(ClientError) as raised:
        ecr.create_repository_creation_template(
            prefix="bad-policy", appliedFor=["PULL_THROUGH_CACHE"], repositoryPolicy="{not json"
        )
    assert error_code(raised) == "InvalidParameterException"

    updated = ecr.update_repository_creation_template(prefix="ecr-public", description="python and more")
    changed = updated["repositoryCreationTemplate"]
    assert changed["description"] == "python and more"
    assert changed["imageTagMutability"] == "IMMUTABLE"  # left out of the update, so unchanged
    assert changed["repositoryPolicy"] == OMICS_REPOSITORY_POLICY
    assert changed["updatedAt"] >= changed["createdAt"]
    with pytest.raises(ClientError) as raised:
        ecr.update_repository_creation_template(prefix="quay", description="x")
    assert error_code(raised) == "TemplateNotFoundException"

    deleted = ecr.delete_repository_creation_template(prefix="ecr-public")
    assert deleted["repositoryCreationTemplate"]["description"] == "python and more"
    with pytest.raises(ClientError) as raised:
        ecr.delete_repository_creation_template(prefix="ecr-public")
    assert error_code(raised) == "TemplateNotFoundException"


# -- registry policy ---------------------------------------------------------------------------------


def test_registry_policy_round_trip(ecr, emulator):
    with pytest.raises(ClientError) as raised:
        ecr.get_registry_policy()
    assert error_code(raised) == "RegistryPolicyNotFoundException"

    put = ecr.put_registry_policy(policyText=PULL_THROUGH_REGISTRY_POLICY)
    assert put == {
        "registryId": ACCOUNT,
        "policyText": PULL_THROUGH_REGISTRY_POLICY,
        "ResponseMetadata": put["ResponseMetadata"],
    }
    assert ecr.get_registry_policy()["policyText"] == PULL_THROUGH_REGISTRY_POLICY
    assert emulator.ecr.state(REGION)["policy"] == PULL_THROUGH_REGISTRY_POLICY

    not_for_registries = json.loads(PULL_THROUGH_REGISTRY_POLICY)
    not_for_registries["Statement"][0]["Action"] = ["ecr:DeleteRepository"]
    for text in (json.dumps(not_for_registries), "{not json", json.dumps({"Version": "2012-10-17"})):
        with pytest.raises(ClientError) as raised:
            ecr.put_registry_policy(policyText=text)
        assert error_code(raised) == "InvalidParameterException"
    assert ecr.get_registry_policy()["policyText"] == PULL_THROUGH_REGISTRY_POLICY

    assert ecr.delete_registry_policy()["policyText"] == PULL_THROUGH_REGISTRY_POLICY
    with pytest.raises(ClientError) as raised:
        ecr.delete_registry_policy()
    assert error_code(raised) == "RegistryPolicyNotFoundException"


# -- pulling through the cache -----------------------------------------------------------------------


def test_first_pull_creates_the_repository_from_the_template(ecr, moto_url):
    create_python_cache(ecr, imageTagMutability="IMMUTABLE")
    ecr.put_registry_policy(policyText=PULL_THROUGH_REGISTRY_POLICY)
    with pytest.raises(ClientError) as raised:  # nothing is cached before the first pull
        ecr.describe_images(repositoryName=PYTHON_REPOSITORY)
    assert error_code(raised) == "RepositoryNotFoundException"

    first = ecr.batch_get_image(
        repositoryName=PYTHON_REPOSITORY,
        imageIds=[{"imageTag": "3.12-slim"}],
        acceptedMediaTypes=["application/vnd.oci.image.manifest.v1+json"],
    )
    assert first["failures"] == []
    [image] = first["images"]
    assert image["repositoryName"] == PYTHON_REPOSITORY and image["registryId"] == ACCOUNT
    assert image["imageId"]["imageTag"] == "3.12-slim"
    assert image["imageManifestMediaType"] == "application/vnd.oci.image.manifest.v1+json"
    manifest = json.loads(image["imageManifest"])
    assert manifest["schemaVersion"] == 2 and manifest["mediaType"] == image["imageManifestMediaType"]
    assert (
        manifest["annotations"]["org.opencontainers.image.base.name"]
        == "public.ecr.aws/docker/library/python:3.12-slim"
    )
    digest = image["imageId"]["imageDigest"]
    assert digest == "sha256:" + hashlib.sha256(image["imageManifest"].encode()).hexdigest()

    # The repository is moto's, made as the template says, and read back through the emulator.
    [repository] = ecr.describe_repositories()["repositories"]
    assert repository["repositoryName"] == PYTHON_REPOSITORY
    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert json.loads(ecr.get_repository_policy(repositoryName=PYTHON_REPOSITORY)["policyText"]) == json.loads(
        OMICS_REPOSITORY_POLICY
    )
    assert ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"] == [
        {"Key": "cache", "Value": "ecr-public"}
    ]
    direct = SESSION.client("ecr", endpoint_url=moto_url, config=NO_RETRIES)
    assert [item["repositoryName"] for item in direct.describe_repositories()["repositories"]] == [PYTHON_REPOSITORY]

    again = ecr.batch_get_image(repositoryName=PYTHON_REPOSITORY, imageIds=[{"imageTag": "3.12-slim"}])
    assert [item["imageId"] for item in again["images"]] == [{"imageTag": "3.12-slim", "imageDigest": digest}]
    by_digest = ecr.batch_get_image(repositoryName=PYTHON_REPOSITORY, imageIds=[{"imageDigest": digest}])
    assert by_digest["images"][0]["imageManifest"] == image["imageManifest"]
    assert len(ecr.describe_repositories()["repositories"]) == 1

    [detail] = ecr.describe_images(repositoryName=PYTHON_REPOSITORY)["imageDetails"]
    assert (detail["imageDigest"], detail["imageTags"]) == (digest, ["3.12-slim"])
    assert detail["imageManifestMediaType"] == "application/vnd.oci.image.manifest.v1+json"


def test_new_tags_are_imported_and_missing_ones_fail(ecr):
    create_python_cache(ecr)
    first = ecr.batch_get_image(repositoryName=PYTHON_REPOSITORY, imageIds=[{"imageTag": "3.12-slim"}])
    answer = ecr.batch_get_image(
        repositoryName=PYTHON_REPOSITORY,
        imageIds=[{"imageTag": "3.12-slim"}, {"imageTag": "3.13"}, {"imageTag": "missing-tag"}],
    )
    assert {item["imageId"]["imageTag"] for item in answer["images"]} == {"3.12-slim", "3.13"}
    assert [(item["imageId"].get("imageTag"), item["failureCode"]) for item in answer["failures"]] == [
        ("missing-tag", "ImageNotFound")
    ]
    digests = {item["imageId"]["imageTag"]: item["imageId"]["imageDigest"] for item in answer["images"]}
    assert digests["3.12-slim"] == first["images"][0]["imageId"]["imageDigest"]
    assert digests["3.13"] != digests["3.12-slim"]
    assert sorted(
        tag
        for detail in ecr.describe_images(repositoryName=PYTHON_REPOSITORY)["imageDetails"]
        for tag in detail["imageTags"]
    ) == ["3.12-slim", "3.13"]


def test_pulling_by_digest_imports_that_digest(ecr):
    create_python_cache(ecr)
    digest = "sha256:" + hashlib.sha256(b"python 3.12-slim, some day").hexdigest()
    for _attempt in range(2):
        answer = ecr.batch_get_image(repositoryName=PYTHON_REPOSITORY, imageIds=[{"imageDigest": digest}])
        assert [item["imageId"]["imageDigest"] for item in answer["images"]] == [digest]
    [detail] = ecr.describe_images(repositoryName=PYTHON_REPOSITORY, imageIds=[{"imageDigest": digest}])["imageDetails"]
    assert "imageTags" not in detail  # pulled by digest: untagged, as in ECR
    with pytest.raises(ClientError) as raised:
        ecr.describe_images(repositoryName=PYTHON_REPOSITORY, imageIds=[{"imageTag": "3.12-slim"}])
    assert error_code(raised) == "ImageNotFoundException"  # DescribeImages never pulls


def test_digests_depend_only_on_the_upstream_reference(ecr, emulator):
    create_python_cache(ecr)
    digest = ecr.batch_get_image(repositoryName=PYTHON_REPOSITORY, imageIds=[{"imageTag": "3.12-slim"}])["images"][0][
        "imageId"
    ]["imageDigest"]
    ecr.delete_repository(repositoryName=PYTHON_REPOSITORY, force=True)  # moto's, forwarded
    again = ecr.batch_get_image(repositoryName=PYTHON_REPOSITORY, imageIds=[{"imageTag": "3.12-slim"}])
    assert again["images"][0]["imageId"]["imageDigest"] == digest


def test_the_most_specific_pull_through_template_applies(ecr):
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public", upstreamRegistryUrl="public.ecr.aws")
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="k8s", upstreamRegistryUrl="registry.k8s.io")
    ecr.create_repository_creation_template(
        prefix="ROOT", appliedFor=["PULL_THROUGH_CACHE"], resourceTags=[{"Key": "from", "Value": "root"}]
    )
    ecr.create_repository_creation_template(
        prefix="ecr-public/docker", appliedFor=["PULL_THROUGH_CACHE"], resourceTags=[{"Key": "from", "Value": "docker"}]
    )
    ecr.create_repository_creation_template(
        prefix="k8s",
        appliedFor=["REPLICATION"],  # not for pulls
        resourceTags=[{"Key": "from", "Value": "replication"}],
    )
    ecr.batch_get_image(repositoryName=PYTHON_REPOSITORY, imageIds=[{"imageTag": "3.12-slim"}])
    ecr.batch_get_image(repositoryName="k8s/pause", imageIds=[{"imageTag": "3.9"}])
    tags = {
        repository["repositoryName"]: ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"]
        for repository in ecr.describe_repositories()["repositories"]
    }
    assert tags == {
        PYTHON_REPOSITORY: [{"Key": "from", "Value": "docker"}],
        "k8s/pause": [{"Key": "from", "Value": "root"}],
    }


def test_other_repositories_stay_with_moto(ecr):
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public", upstreamRegistryUrl="public.ecr.aws")
    ecr.create_repository(repositoryName="workflows/python")
    assert [item["repositoryName"] for item in ecr.describe_repositories()["repositories"]] == ["workflows/python"]
    answer = ecr.batch_get_image(repositoryName="workflows/python", imageIds=[{"imageTag": "3.12-slim"}])
    assert answer["images"] == [] and answer["failures"][0]["failureCode"] == "ImageNotFound"  # moto's, no import
    with pytest.raises(ClientError) as raised:  # "ecr-publicity" is not under "ecr-public/"
        ecr.batch_get_image(repositoryName="ecr-publicity/python", imageIds=[{"imageTag": "3.12-slim"}])
    assert error_code(raised) == "RepositoryNotFoundException"
    assert [item["repositoryName"] for item in ecr.describe_repositories()["repositories"]] == ["workflows/python"]


# -- validation and the wire format ------------------------------------------------------------------


def test_constraint_violations_are_invalid_parameter(ecr, emulator):
    for prefix in ("Bad_Prefix!", "x" * 31):
        with pytest.raises(ClientError) as raised:
            ecr.create_pull_through_cache_rule(ecrRepositoryPrefix=prefix, upstreamRegistryUrl="public.ecr.aws")
        assert error_code(raised) == "InvalidParameterException"
        assert "Invalid parameter at 'ecrRepositoryPrefix' failed to satisfy constraint" in str(raised.value)
    with pytest.raises(ClientError) as raised:  # botocore does not check enums; ECR does
        ecr.create_repository_creation_template(prefix="ecr-public", appliedFor=["SOMETIMES"])
    assert error_code(raised) == "InvalidParameterException"
    assert "appliedFor.1.member" in str(raised.value)

    unchecked = SESSION.client(
        "ecr", endpoint_url=emulator.url, config=Config(parameter_validation=False, retries={"total_max_attempts": 1})
    )
    with pytest.raises(ClientError) as raised:
        unchecked.create_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public")
    assert error_code(raised) == "InvalidParameterException"
    assert "'upstreamRegistryUrl' failed to satisfy constraint: 'Member must not be null'" in str(raised.value)
    with pytest.raises(ClientError) as raised:
        unchecked.put_registry_policy()
    assert error_code(raised) == "InvalidParameterException"
    assert emulator.ecr.state(REGION) == {"rules": [], "templates": [], "policy": None}

    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="ecr-public", upstreamRegistryUrl="public.ecr.aws")
    with pytest.raises(ClientError) as raised:  # a pull through the cache is checked by the emulator
        unchecked.batch_get_image(repositoryName=PYTHON_REPOSITORY, imageIds=[])
    assert raised.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "Invalid parameter at 'imageIds' failed to satisfy constraint: "
        "'Member must have length greater than or equal to 1'",
    }


def test_unknown_members_and_wrong_types_are_serialization_errors(emulator):
    status, headers, body = raw_ecr(
        emulator.url,
        "CreatePullThroughCacheRule",
        {"ecrRepositoryPrefix": "ecr-public", "upstreamRegistryUrl": "public.ecr.aws", "upstreamRegistryUrlTypo": "x"},
    )
    assert status == 400
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert body["__type"] == "SerializationException" and "upstreamRegistryUrlTypo" in body["message"]
    status, _headers, body = raw_ecr(
        emulator.url, "CreateRepositoryCreationTemplate", {"prefix": "ecr-public", "appliedFor": "PULL_THROUGH_CACHE"}
    )
    assert (status, body["__type"]) == (400, "SerializationException")
    status, _headers, body = raw_ecr(emulator.url, "GetRegistryPolicy", ["not", "an", "object"])
    assert (status, body["__type"]) == (400, "SerializationException")


def test_errors_use_the_awsjson_wire_format(emulator):
    status, headers, body = raw_ecr(emulator.url, "DescribePullThroughCacheRules", {"ecrRepositoryPrefixes": ["quay"]})
    assert status == 400
    assert set(body) == {"__type", "message"}
    assert body["__type"] == "PullThroughCacheRuleNotFoundException"
    assert headers["x-amzn-RequestId"]
    status, _headers, body = raw_ecr(emulator.url, "DescribePullThroughCacheRules", {})
    assert (status, body) == (200, {"pullThroughCacheRules": []})
    status, _headers, body = raw_ecr(
        emulator.url,
        "CreatePullThroughCacheRule",
        {"ecrRepositoryPrefix": "ecr-public", "upstreamRegistryUrl": "public.ecr.aws"},
    )
    assert status == 200 and isinstance(body["createdAt"], float)  # awsJson timestamps: epoch seconds
