"""The ECR pull-through cache for HealthOmics: input checks, policy merging, and each branch of the plan
with Stubber."""

import copy
import json
from datetime import datetime

import boto3
import pytest
from botocore.stub import ANY
from botocore.stub import Stubber

from ansible_collections.genomics.aws.plugins.module_utils._ecr import api as ecr_api
from ansible_collections.genomics.aws.plugins.module_utils._shared import policy_documents
from ansible_collections.genomics.aws.plugins.module_utils.ecr import EcrRegistry
from ansible_collections.genomics.aws.plugins.module_utils.ecr import PullThroughCacheRequest
from ansible_collections.genomics.aws.plugins.module_utils.ecr import ensure_pull_through_cache_absent
from ansible_collections.genomics.aws.plugins.module_utils.ecr import ensure_pull_through_cache_present
from ansible_collections.genomics.aws.plugins.module_utils.ecr import pull_through_cache_statement_id
from ansible_collections.genomics.aws.plugins.module_utils.omics import AnsibleGenomicsError

ACCOUNT = "123456789012"
REGISTRY = EcrRegistry(ACCOUNT, "aws", "us-east-1")
PREFIX = "ecr-public"
SID = "HealthOmicsPullThroughCacheEcrPublic"
RESOURCE = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/ecr-public/*"
PYTHON = "public.ecr.aws/docker/library/python:3.12-slim"
REPOSITORY = "ecr-public/docker/library/python"
DIGEST = "sha256:" + "ab" * 32
CREATED = datetime(2026, 3, 1, 10, 0, 0)

PULL = {
    "Sid": "HealthOmicsPull",
    "Effect": "Allow",
    "Principal": {"Service": "omics.amazonaws.com"},
    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
}
IMPORT = {
    "Sid": SID,
    "Effect": "Allow",
    "Principal": {"Service": "omics.amazonaws.com"},
    "Action": ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
    "Resource": RESOURCE,
}
REPLICATION = {
    "Sid": "CrossAccountReplication",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
    "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
    "Resource": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/*",
}
READERS = {
    "Sid": "Readers",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
    "Action": "ecr:BatchGetImage",
}


def policy(*statements, version="2012-10-17"):
    return json.dumps({"Version": version, "Statement": list(statements)})


def request(**overrides):
    args = dict(ecr_repository_prefix=PREFIX)
    args.update(overrides)
    return PullThroughCacheRequest.from_params(args)


@pytest.fixture
def ecr():
    """A stubbed ECR client that also records the parameters of every call, in order."""
    client = boto3.client("ecr", region_name="us-east-1")
    client.calls = []

    def record(params, model, **kwargs):
        client.calls.append((model.name, copy.deepcopy(params)))

    client.meta.events.register("provide-client-params.ecr", record)
    with Stubber(client) as stubber:
        client.stubber = stubber
        yield client


def operations(ecr):
    return [name for name, _params in ecr.calls]


def params_of(ecr, operation):
    [params] = [p for name, p in ecr.calls if name == operation]
    return params


# --- stubbed answers -------------------------------------------------------------------------------


def rule(ecr, upstream=None):
    if upstream is None:
        ecr.stubber.add_client_error(
            "describe_pull_through_cache_rules",
            "PullThroughCacheRuleNotFoundException",
            expected_params={"ecrRepositoryPrefixes": [PREFIX]},
        )
    else:
        ecr.stubber.add_response(
            "describe_pull_through_cache_rules",
            {
                "pullThroughCacheRules": [
                    {
                        "ecrRepositoryPrefix": PREFIX,
                        "upstreamRegistryUrl": upstream,
                        "registryId": ACCOUNT,
                        "createdAt": CREATED,
                    }
                ]
            },
            {"ecrRepositoryPrefixes": [PREFIX]},
        )


def template(ecr, repository_policy=None, applied_for=("PULL_THROUGH_CACHE",), **extra):
    templates = []
    if repository_policy is not None:
        templates.append(
            dict(
                {
                    "prefix": PREFIX,
                    "appliedFor": list(applied_for),
                    "repositoryPolicy": repository_policy,
                    "createdAt": CREATED,
                    "updatedAt": CREATED,
                },
                **extra,
            )
        )
    ecr.stubber.add_response(
        "describe_repository_creation_templates",
        {"registryId": ACCOUNT, "repositoryCreationTemplates": templates},
        {"prefixes": [PREFIX]},
    )


def registry_policy(ecr, text=None):
    if text is None:
        ecr.stubber.add_client_error("get_registry_policy", "RegistryPolicyNotFoundException", expected_params={})
    else:
        ecr.stubber.add_response("get_registry_policy", {"registryId": ACCOUNT, "policyText": text}, {})


def described_image(ecr, repository=REPOSITORY, tag="3.12-slim", digest=None):
    expected = {"repositoryName": repository, "imageIds": [{"imageTag": tag}]}
    if digest is None:
        ecr.stubber.add_client_error("describe_images", "ImageNotFoundException", expected_params=expected)
    else:
        ecr.stubber.add_response(
            "describe_images",
            {
                "imageDetails": [
                    {"registryId": ACCOUNT, "repositoryName": repository, "imageDigest": digest, "imageTags": [tag]}
                ]
            },
            expected,
        )


def repository_policy(ecr, text, repository=REPOSITORY):
    if text is None:
        ecr.stubber.add_client_error(
            "get_repository_policy", "RepositoryPolicyNotFoundException", expected_params={"repositoryName": repository}
        )
    else:
        ecr.stubber.add_response(
            "get_repository_policy",
            {"registryId": ACCOUNT, "repositoryName": repository, "policyText": text},
            {"repositoryName": repository},
        )


def created_rule(ecr, upstream="public.ecr.aws"):
    ecr.stubber.add_response(
        "create_pull_through_cache_rule",
        {"ecrRepositoryPrefix": PREFIX, "upstreamRegistryUrl": upstream, "registryId": ACCOUNT, "createdAt": CREATED},
        {"ecrRepositoryPrefix": PREFIX, "upstreamRegistryUrl": upstream},
    )


def written_template(ecr, operation="create_repository_creation_template"):
    # Answers with what was sent, as ECR does.
    ecr.stubber.add_response(operation, {"registryId": ACCOUNT, "repositoryCreationTemplate": {"prefix": PREFIX}})


def put_policy(ecr):
    ecr.stubber.add_response("put_registry_policy", {"registryId": ACCOUNT, "policyText": "{}"}, {"policyText": ANY})


# --- input checks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix, message",
    [
        ("e", "'e' is not a valid ECR pull-through cache prefix: use 2 to 30 characters"),
        ("ECR-public", "'ECR-public' is not a valid"),
        ("ecr-public/", "'ecr-public/' is not a valid"),
        ("-ecr", "'-ecr' is not a valid"),
        ("a" * 31, "is not a valid"),
        ("ROOT", "'ROOT' would put the whole private registry behind the cache"),
    ],
)
def test_prefix_is_checked_against_the_ecr_model(prefix, message):
    with pytest.raises(AnsibleGenomicsError) as raised:
        request(ecr_repository_prefix=prefix).validate()
    assert message in raised.value.message
    # The same for absent: nothing is looked up with a prefix ECR would refuse.
    with pytest.raises(AnsibleGenomicsError):
        request(ecr_repository_prefix=prefix, state="absent").validate()


@pytest.mark.parametrize("prefix", ["ecr-public", "ab", "team/ecr.public", "a__b", "x--y/z_1"])
def test_valid_prefixes(prefix):
    request(ecr_repository_prefix=prefix).validate()


@pytest.mark.parametrize(
    "image, message",
    [
        ("docker/library/python:3.12", "is not an image on the upstream registry public.ecr.aws"),
        ("quay.io/biocontainers/samtools:1.19", "is not an image on the upstream registry public.ecr.aws"),
        ("public.ecr.aws/docker/library/python", "names no tag or digest: add :<tag> or @sha256:<digest>"),
        ("public.ecr.aws/docker/library/python@sha256:xyz", "the digest 'sha256:xyz' is not sha256:"),
        ("public.ecr.aws/docker/library/python:-bad", "the tag '-bad' is not a valid image tag"),
        (
            "public.ecr.aws/Docker/Library/python:3",
            "the image path 'Docker/Library/python' cannot be an ECR repository name",
        ),
        ("public.ecr.aws/:3", "the image path '' cannot be"),
    ],
)
def test_images_are_checked_before_any_call(image, message):
    with pytest.raises(AnsibleGenomicsError) as raised:
        request(images=[PYTHON, image]).validate()
    assert raised.value.message.startswith(f"images[1] {image!r}")
    assert message in raised.value.message


def test_other_checks():
    with pytest.raises(AnsibleGenomicsError, match="upstream_registry_url 'docker.io' is not supported"):
        request(upstream_registry_url="docker.io").validate()
    with pytest.raises(AnsibleGenomicsError, match="custom_role_arn 'my-role' is not an IAM role ARN"):
        request(custom_role_arn="my-role").validate()
    with pytest.raises(AnsibleGenomicsError, match="is reserved"):
        request(tags={"genomics.aws:x": "1"}).validate()
    # absent ignores what only present uses
    request(state="absent", images=["nonsense"], custom_role_arn="my-role").validate()


def test_image_references_map_to_cache_repositories():
    req = request(
        images=[
            PYTHON,
            PYTHON,
            f"public.ecr.aws/docker/library/python@{DIGEST}",
            f"public.ecr.aws/docker/library/python:3.12@{DIGEST}",
        ]
    )
    req.validate()
    assert len(req.references) == 3  # the repeated reference once
    tag, digest, both = req.references
    assert tag.repository_name(PREFIX) == REPOSITORY and tag.image_id == {"imageTag": "3.12-slim"}
    assert tag.uri(REGISTRY, PREFIX) == f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{REPOSITORY}:3.12-slim"
    assert digest.image_id == {"imageDigest": DIGEST} and digest.uri(REGISTRY, PREFIX).endswith(f"python@{DIGEST}")
    assert both.image_id == {"imageTag": "3.12", "imageDigest": DIGEST}
    assert EcrRegistry(ACCOUNT, "aws-cn", "cn-north-1").host == f"{ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn"


def test_statement_ids_are_alphanumeric():
    assert pull_through_cache_statement_id("ecr-public") == SID
    assert pull_through_cache_statement_id("team/quay.io_x") == "HealthOmicsPullThroughCacheTeamQuayIoX"


# --- policy merging --------------------------------------------------------------------------------


def test_with_statement_keeps_others_and_compares_semantically():
    document = json.loads(policy(READERS, PULL))
    # Same statement written differently (action order, key order): no change.
    reordered = dict(reversed(list(PULL.items())), Action=list(reversed(PULL["Action"])))
    assert policy_documents.with_statement(json.loads(policy(READERS, reordered)), PULL) == (
        False,
        json.loads(policy(READERS, reordered)),
    )
    # A changed statement of the same Sid is replaced in place; the others stay in order.
    narrowed = dict(PULL, Action="ecr:BatchGetImage")
    changed, merged = policy_documents.with_statement(json.loads(policy(narrowed, READERS)), PULL)
    assert changed and merged["Statement"] == [PULL, READERS]
    # Missing: appended.
    changed, merged = policy_documents.with_statement({"Version": "2008-10-17", "Statement": READERS}, PULL)
    assert changed and merged == {"Version": "2008-10-17", "Statement": [READERS, PULL]}
    # No policy at all.
    assert policy_documents.with_statement(None, PULL) == (True, {"Version": "2012-10-17", "Statement": [PULL]})
    # A duplicate of the Sid is folded into one.
    changed, merged = policy_documents.with_statement(json.loads(policy(PULL, READERS, PULL)), PULL)
    assert changed and merged["Statement"] == [PULL, READERS]
    assert document == json.loads(policy(READERS, PULL))  # inputs untouched


def test_without_statement():
    assert policy_documents.without_statement(json.loads(policy(READERS)), SID) == (False, json.loads(policy(READERS)))
    assert policy_documents.without_statement(json.loads(policy(IMPORT)), SID) == (True, None)
    assert policy_documents.without_statement(json.loads(policy(READERS, IMPORT)), SID) == (
        True,
        json.loads(policy(READERS)),
    )


# --- present ---------------------------------------------------------------------------------------


def test_nothing_there_creates_template_registry_statement_and_rule_in_that_order(ecr):
    rule(ecr)
    template(ecr)
    registry_policy(ecr)
    written_template(ecr)
    put_policy(ecr)
    created_rule(ecr)
    outcome = ensure_pull_through_cache_present(ecr, request(tags={"team": "lab"}), REGISTRY, check_mode=False)
    ecr.stubber.assert_no_pending_responses()
    assert outcome.changed
    assert operations(ecr) == [
        "DescribePullThroughCacheRules",
        "DescribeRepositoryCreationTemplates",
        "GetRegistryPolicy",
        "CreateRepositoryCreationTemplate",
        "PutRegistryPolicy",
        "CreatePullThroughCacheRule",
    ]
    created = params_of(ecr, "CreateRepositoryCreationTemplate")
    assert created["prefix"] == PREFIX and created["appliedFor"] == ["PULL_THROUGH_CACHE"]
    assert json.loads(created["repositoryPolicy"]) == {"Version": "2012-10-17", "Statement": [PULL]}
    assert created["resourceTags"] == [{"Key": "team", "Value": "lab"}]
    assert "HealthOmics" in created["description"]
    assert json.loads(params_of(ecr, "PutRegistryPolicy")["policyText"]) == {
        "Version": "2012-10-17",
        "Statement": [IMPORT],
    }
    cache = outcome.resource
    assert cache["rule"]["upstream_registry_url"] == "public.ecr.aws" and cache["registry_id"] == ACCOUNT
    assert cache["registry_policy_statement_id"] == SID and cache["registry_policy_statement"] == IMPORT
    assert cache["repository_creation_template"]["repository_policy"] == {"Version": "2012-10-17", "Statement": [PULL]}
    assert cache["repository_creation_template"]["resource_tags"] == {"team": "lab"}
    assert cache["rule"]["created_at"].startswith("2026-03-01")
    assert outcome.before["rule"] == {} and outcome.before["repository_creation_template"] == {}
    # Resource tags need a custom role: said, not refused.
    assert any("custom_role_arn" in w for w in outcome.warnings)


def test_check_mode_plans_the_same_and_writes_nothing(ecr):
    rule(ecr)
    template(ecr)
    registry_policy(ecr)
    described_image(ecr)
    # The repository does not exist yet: the cache will create it from the template.
    ecr.stubber.add_client_error(
        "get_repository_policy", "RepositoryNotFoundException", expected_params={"repositoryName": REPOSITORY}
    )
    outcome = ensure_pull_through_cache_present(ecr, request(images=[PYTHON]), REGISTRY, check_mode=True)
    ecr.stubber.assert_no_pending_responses()
    assert outcome.changed
    assert operations(ecr) == [
        "DescribePullThroughCacheRules",
        "DescribeRepositoryCreationTemplates",
        "GetRegistryPolicy",
        "DescribeImages",
        "GetRepositoryPolicy",
    ]
    cache = outcome.resource
    assert cache["rule"] == {
        "ecr_repository_prefix": PREFIX,
        "upstream_registry_url": "public.ecr.aws",
        "registry_id": ACCOUNT,
    }
    assert cache["repository_creation_template"]["repository_policy"] == {"Version": "2012-10-17", "Statement": [PULL]}
    assert cache["repository_creation_template"]["applied_for"] == ["PULL_THROUGH_CACHE"]
    assert cache["images"] == [
        {
            "source": PYTHON,
            "repository_name": REPOSITORY,
            "image_digest": None,
            "imported": True,
            "repository_policy_updated": False,
            "image_uri": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{REPOSITORY}:3.12-slim",
        }
    ]
    assert outcome.before["images"] == [] and outcome.warnings == []


def test_everything_in_place_changes_nothing(ecr):
    rule(ecr, "public.ecr.aws")
    # Other statements and appliedFor values around ours, our statement written differently: all fine.
    template(
        ecr,
        policy(READERS, dict(PULL, Action=list(reversed(PULL["Action"])))),
        applied_for=("REPLICATION", "PULL_THROUGH_CACHE"),
        resourceTags=[{"Key": "team", "Value": "lab"}],
    )
    registry_policy(ecr, policy(REPLICATION, dict(IMPORT, Action=list(reversed(IMPORT["Action"])))))
    described_image(ecr, digest=DIGEST)
    repository_policy(ecr, policy(PULL))
    outcome = ensure_pull_through_cache_present(
        ecr, request(images=[PYTHON], tags={"team": "lab"}), REGISTRY, check_mode=False
    )
    ecr.stubber.assert_no_pending_responses()
    assert not outcome.changed
    assert outcome.before == outcome.after
    [image] = outcome.resource["images"]
    assert image["image_digest"] == DIGEST and not image["imported"] and not image["repository_policy_updated"]
    assert outcome.resource["repository_creation_template"]["resource_tags"] == {"team": "lab"}


def test_rule_of_another_upstream_is_refused_before_anything_else(ecr):
    rule(ecr, "quay.io")
    with pytest.raises(AnsibleGenomicsError) as raised:
        ensure_pull_through_cache_present(ecr, request(images=[PYTHON]), REGISTRY, check_mode=False)
    message = raised.value.message
    assert (
        "already exists with upstream 'quay.io', not 'public.ecr.aws'" in message and "Nothing was changed" in message
    )
    assert operations(ecr) == ["DescribePullThroughCacheRules"]
    ecr.stubber.assert_no_pending_responses()


def test_template_is_completed_keeping_what_is_not_ours(ecr):
    rule(ecr, "public.ecr.aws")
    template(
        ecr,
        policy(READERS),
        applied_for=("REPLICATION",),
        description="team template",
        imageTagMutability="IMMUTABLE",
        resourceTags=[{"Key": "old", "Value": "1"}],
        customRoleArn="arn:aws:iam::123456789012:role/ecr-templates",
    )
    registry_policy(ecr, policy(IMPORT))
    written_template(ecr, "update_repository_creation_template")
    outcome = ensure_pull_through_cache_present(ecr, request(tags={"new": "2"}), REGISTRY, check_mode=False)
    ecr.stubber.assert_no_pending_responses()
    assert outcome.changed and outcome.warnings == []  # the template has a custom role
    update = params_of(ecr, "UpdateRepositoryCreationTemplate")
    assert update["appliedFor"] == ["REPLICATION", "PULL_THROUGH_CACHE"]
    assert json.loads(update["repositoryPolicy"])["Statement"] == [READERS, PULL]
    assert update["resourceTags"] == [{"Key": "new", "Value": "2"}]  # purge_tags
    assert (update["description"], update["imageTagMutability"], update["customRoleArn"]) == (
        "team template",
        "IMMUTABLE",
        "arn:aws:iam::123456789012:role/ecr-templates",
    )
    assert "PutRegistryPolicy" not in operations(ecr) and "CreatePullThroughCacheRule" not in operations(ecr)


def test_template_tags_are_merged_without_purge(ecr):
    rule(ecr, "public.ecr.aws")
    template(ecr, policy(PULL), resourceTags=[{"Key": "old", "Value": "1"}])
    registry_policy(ecr, policy(IMPORT))
    written_template(ecr, "update_repository_creation_template")
    ensure_pull_through_cache_present(ecr, request(tags={"new": "2"}, purge_tags=False), REGISTRY, check_mode=False)
    tags = params_of(ecr, "UpdateRepositoryCreationTemplate")["resourceTags"]
    assert sorted(t["Key"] for t in tags) == ["new", "old"]


def test_registry_policy_statement_is_added_to_the_others(ecr):
    rule(ecr, "public.ecr.aws")
    template(ecr, policy(PULL))
    registry_policy(ecr, policy(REPLICATION))
    put_policy(ecr)
    outcome = ensure_pull_through_cache_present(ecr, request(), REGISTRY, check_mode=False)
    assert outcome.changed
    assert json.loads(params_of(ecr, "PutRegistryPolicy")["policyText"])["Statement"] == [REPLICATION, IMPORT]
    assert outcome.before["registry_policy_statement"] == {} and outcome.after["registry_policy_statement"] == IMPORT


def test_a_statement_of_another_prefix_with_the_same_sid_is_refused(ecr):
    rule(ecr, "public.ecr.aws")
    template(ecr, policy(PULL))
    # "ecr.public" gives the same Sid as "ecr-public".
    registry_policy(ecr, policy(dict(IMPORT, Resource=f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/ecr.public/*")))
    with pytest.raises(
        AnsibleGenomicsError, match="another pull-through cache whose prefix gives the same statement id"
    ):
        ensure_pull_through_cache_present(ecr, request(), REGISTRY, check_mode=False)
    assert "PutRegistryPolicy" not in operations(ecr)


def test_a_policy_that_is_not_json_is_refused_before_writing(ecr):
    rule(ecr)
    template(ecr, "{not json")
    with pytest.raises(AnsibleGenomicsError, match="repository creation template 'ecr-public' is not valid JSON"):
        ensure_pull_through_cache_present(ecr, request(), REGISTRY, check_mode=False)
    assert operations(ecr) == ["DescribePullThroughCacheRules", "DescribeRepositoryCreationTemplates"]


def settled(ecr):
    rule(ecr, "public.ecr.aws")
    template(ecr, policy(PULL))
    registry_policy(ecr, policy(IMPORT))


def test_image_not_cached_is_imported_and_its_old_repository_gets_the_statement(ecr):
    settled(ecr)
    described_image(ecr)
    ecr.stubber.add_response(
        "batch_get_image",
        {
            "images": [
                {
                    "registryId": ACCOUNT,
                    "repositoryName": REPOSITORY,
                    "imageId": {"imageTag": "3.12-slim", "imageDigest": DIGEST},
                    "imageManifest": "{}",
                }
            ],
            "failures": [],
        },
        {
            "repositoryName": REPOSITORY,
            "imageIds": [{"imageTag": "3.12-slim"}],
            "acceptedMediaTypes": ecr_api.ACCEPTED_MEDIA_TYPES,
        },
    )
    # Created before the template: a policy of its own, without HealthOmics.
    repository_policy(ecr, policy(READERS))
    ecr.stubber.add_response(
        "set_repository_policy", {"repositoryName": REPOSITORY}, {"repositoryName": REPOSITORY, "policyText": ANY}
    )
    outcome = ensure_pull_through_cache_present(ecr, request(images=[PYTHON]), REGISTRY, check_mode=False)
    ecr.stubber.assert_no_pending_responses()
    assert outcome.changed
    assert json.loads(params_of(ecr, "SetRepositoryPolicy")["policyText"])["Statement"] == [READERS, PULL]
    [image] = outcome.resource["images"]
    assert image == {
        "source": PYTHON,
        "repository_name": REPOSITORY,
        "image_digest": DIGEST,
        "imported": True,
        "repository_policy_updated": True,
        "image_uri": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{REPOSITORY}:3.12-slim",
    }


def test_cached_image_in_a_repository_without_the_statement(ecr):
    settled(ecr)
    described_image(ecr, digest=DIGEST)
    repository_policy(ecr, None)
    ecr.stubber.add_response(
        "set_repository_policy", {"repositoryName": REPOSITORY}, {"repositoryName": REPOSITORY, "policyText": ANY}
    )
    outcome = ensure_pull_through_cache_present(ecr, request(images=[PYTHON]), REGISTRY, check_mode=False)
    assert outcome.changed and "BatchGetImage" not in operations(ecr)
    assert json.loads(params_of(ecr, "SetRepositoryPolicy")["policyText"]) == {
        "Version": "2012-10-17",
        "Statement": [PULL],
    }


def test_image_missing_upstream_fails_naming_it(ecr):
    settled(ecr)
    described_image(ecr, tag="missing-tag")
    ecr.stubber.add_response(
        "batch_get_image",
        {
            "images": [],
            "failures": [
                {
                    "imageId": {"imageTag": "missing-tag"},
                    "failureCode": "ImageNotFound",
                    "failureReason": "Requested image not found",
                }
            ],
        },
    )
    source = "public.ecr.aws/docker/library/python:missing-tag"
    with pytest.raises(AnsibleGenomicsError) as raised:
        ensure_pull_through_cache_present(ecr, request(images=[source]), REGISTRY, check_mode=False)
    assert (
        f"image {source!r} was not found on public.ecr.aws (ImageNotFound: Requested image not found)"
        in raised.value.message
    )


def test_upstream_refusing_the_image_fails_naming_it(ecr):
    settled(ecr)
    described_image(ecr)
    ecr.stubber.add_client_error("batch_get_image", "UnableToGetUpstreamImageException", "upstream said 404")
    with pytest.raises(AnsibleGenomicsError) as raised:
        ensure_pull_through_cache_present(ecr, request(images=[PYTHON]), REGISTRY, check_mode=False)
    assert f"image {PYTHON!r} could not be imported: public.ecr.aws has no such image" in raised.value.message


# --- absent ----------------------------------------------------------------------------------------


def test_absent_removes_what_is_ours(ecr):
    settled(ecr)
    ecr.stubber.add_response(
        "delete_pull_through_cache_rule", {"ecrRepositoryPrefix": PREFIX}, {"ecrRepositoryPrefix": PREFIX}
    )
    ecr.stubber.add_response("delete_repository_creation_template", {"registryId": ACCOUNT}, {"prefix": PREFIX})
    ecr.stubber.add_response("delete_registry_policy", {"registryId": ACCOUNT}, {})
    outcome = ensure_pull_through_cache_absent(ecr, request(state="absent"), REGISTRY, check_mode=False)
    ecr.stubber.assert_no_pending_responses()
    assert outcome.changed and outcome.warnings == []
    assert outcome.after["rule"] == {} and outcome.after["repository_creation_template"] == {}
    assert outcome.after["registry_policy_statement"] == {} and outcome.before["registry_policy_statement"] == IMPORT
    # Never a repository or an image.
    assert not {"DeleteRepository", "BatchDeleteImage"} & set(operations(ecr))


def test_absent_keeps_what_is_shared_or_someone_elses(ecr):
    rule(ecr, "quay.io")
    template(ecr, policy(READERS, PULL))
    registry_policy(ecr, policy(REPLICATION, IMPORT))
    written_template(ecr, "update_repository_creation_template")
    put_policy(ecr)
    outcome = ensure_pull_through_cache_absent(ecr, request(state="absent"), REGISTRY, check_mode=False)
    ecr.stubber.assert_no_pending_responses()
    assert outcome.changed
    assert any("mirrors 'quay.io'" in w and "left alone" in w for w in outcome.warnings)
    assert json.loads(params_of(ecr, "UpdateRepositoryCreationTemplate")["repositoryPolicy"])["Statement"] == [READERS]
    assert json.loads(params_of(ecr, "PutRegistryPolicy")["policyText"])["Statement"] == [REPLICATION]
    assert outcome.after["rule"]["upstream_registry_url"] == "quay.io"


def test_absent_leaves_a_template_without_our_statement_and_a_shared_one(ecr):
    rule(ecr)
    template(ecr, policy(READERS))
    registry_policy(ecr)
    outcome = ensure_pull_through_cache_absent(ecr, request(state="absent"), REGISTRY, check_mode=False)
    assert not outcome.changed and any("no HealthOmicsPull statement" in w for w in outcome.warnings)

    ecr.calls.clear()
    rule(ecr)
    template(ecr, policy(PULL), applied_for=("REPLICATION", "PULL_THROUGH_CACHE"))
    registry_policy(ecr)
    outcome = ensure_pull_through_cache_absent(ecr, request(state="absent"), REGISTRY, check_mode=False)
    assert not outcome.changed and any("also applies to ['REPLICATION']" in w for w in outcome.warnings)
    ecr.stubber.assert_no_pending_responses()


def test_absent_in_check_mode_and_when_already_gone(ecr):
    settled(ecr)
    outcome = ensure_pull_through_cache_absent(ecr, request(state="absent"), REGISTRY, check_mode=True)
    assert outcome.changed and outcome.after["rule"] == {}
    assert operations(ecr) == [
        "DescribePullThroughCacheRules",
        "DescribeRepositoryCreationTemplates",
        "GetRegistryPolicy",
    ]
    rule(ecr)
    template(ecr)
    registry_policy(ecr)
    assert not ensure_pull_through_cache_absent(ecr, request(state="absent"), REGISTRY, check_mode=False).changed
    ecr.stubber.assert_no_pending_responses()
