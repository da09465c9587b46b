"""omics_ecr_pull_through_cache: the idempotency triple, merging into what exists, absent, refusals and bad input.

The emulator answers the pull-through cache operations moto lacks (rules, creation templates, the registry
policy) and imports an image into moto on the first BatchGetImage under a rule's prefix; repositories and
images live in moto, which is shared by the whole session, so every test uses a prefix of its own.
"""

import json
import uuid

import botocore.client
import pytest

from ansible_collections.genomics.aws.plugins.modules import omics_ecr_pull_through_cache

from .helpers import REGION
from .helpers import SESSION
from .helpers import run_module

ACCOUNT = "123456789012"
HOST = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
PULL_ACTIONS = {"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"}
REPLICATION = {
    "Sid": "ReplicateFromOtherAccount",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
    "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
    "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*",
}


@pytest.fixture
def prefix():
    return f"ptc-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def ecr(emulator):
    """A plain boto3 ECR client on the emulator (the cache operations) and so on moto (the rest)."""
    return SESSION.client("ecr", endpoint_url=emulator.url)


def cache(capsys, emulator, prefix, **args):
    return run_module(omics_ecr_pull_through_cache, capsys, emulator.url, ecr_repository_prefix=prefix, **args)


def python_image(tag="3.12-slim"):
    return f"public.ecr.aws/docker/library/python:{tag}"


def statements(policy_text):
    return json.loads(policy_text)["Statement"] if policy_text else []


def sids(policy_text):
    return [s.get("Sid") for s in statements(policy_text)]


def repository_policy(ecr, name):
    try:
        return ecr.get_repository_policy(repositoryName=name)["policyText"]
    except ecr.exceptions.RepositoryPolicyNotFoundException:
        return None


def repositories(ecr, prefix):
    return sorted(
        r["repositoryName"]
        for r in ecr.describe_repositories()["repositories"]
        if r["repositoryName"].startswith(prefix + "/")
    )


def test_idempotency_triple(capsys, emulator, ecr, prefix):
    sid = "HealthOmicsPullThroughCache" + "".join(p.capitalize() for p in prefix.split("-"))
    repository = f"{prefix}/docker/library/python"

    plan = cache(capsys, emulator, prefix, images=[python_image()], check_mode=True, diff=True)
    assert plan["changed"] and not plan.get("failed"), plan
    assert emulator.ecr.state() == {"rules": [], "templates": [], "policy": None}
    assert repositories(ecr, prefix) == []
    predicted = plan["pull_through_cache"]
    assert predicted["rule"]["upstream_registry_url"] == "public.ecr.aws" and predicted["registry_id"] == ACCOUNT
    assert predicted["images"][0]["imported"] and predicted["images"][0]["image_digest"] is None
    assert plan["diff"]["before"]["rule"] == {} and plan["diff"]["before"]["images"] == []

    applied = cache(capsys, emulator, prefix, images=[python_image()], diff=True)
    assert applied["changed"] and not applied.get("failed"), applied
    state = emulator.ecr.state()
    [rule] = state["rules"]
    assert (rule["ecrRepositoryPrefix"], rule["upstreamRegistryUrl"]) == (prefix, "public.ecr.aws")
    [template] = state["templates"]
    assert template["prefix"] == prefix and template["appliedFor"] == ["PULL_THROUGH_CACHE"]
    [pull] = statements(template["repositoryPolicy"])
    assert pull["Principal"] == {"Service": "omics.amazonaws.com"} and set(pull["Action"]) == PULL_ACTIONS
    [grant] = statements(state["policy"])
    assert grant["Sid"] == sid and grant["Principal"] == {"Service": "omics.amazonaws.com"}
    assert set(grant["Action"]) == {"ecr:CreateRepository", "ecr:BatchImportUpstreamImage"}
    assert grant["Resource"] == f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{prefix}/*"

    # The image is in the cache, in a repository HealthOmics may pull from.
    assert repositories(ecr, prefix) == [repository]
    [detail] = ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": "3.12-slim"}])["imageDetails"]
    assert "HealthOmicsPull" in sids(repository_policy(ecr, repository))
    result = applied["pull_through_cache"]
    [image] = result["images"]
    assert image == {
        "source": python_image(),
        "repository_name": repository,
        "image_uri": f"{HOST}/{repository}:3.12-slim",
        "image_digest": detail["imageDigest"],
        "imported": True,
        "repository_policy_updated": False,
    }
    assert result["registry_policy_statement_id"] == sid and result["registry_policy_statement"] == grant
    assert result["repository_creation_template"]["repository_policy"]["Statement"] == [pull]
    assert result["rule"]["created_at"]
    assert applied["diff"]["after"] == result

    rerun = cache(capsys, emulator, prefix, images=[python_image()], diff=True)
    assert not rerun["changed"] and not rerun.get("failed"), rerun
    assert rerun["pull_through_cache"]["images"][0]["imported"] is False
    assert rerun["pull_through_cache"]["images"][0]["image_digest"] == detail["imageDigest"]
    assert rerun["diff"]["before"] == rerun["diff"]["after"]
    assert emulator.ecr.state() == state


def test_other_statements_and_template_uses_are_kept(capsys, emulator, ecr, prefix):
    ecr.put_registry_policy(policyText=json.dumps({"Version": "2012-10-17", "Statement": [REPLICATION]}))
    readers = {
        "Sid": "Readers",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
        "Action": "ecr:BatchGetImage",
    }
    ecr.create_repository_creation_template(
        prefix=prefix,
        appliedFor=["REPLICATION"],
        description="team template",
        repositoryPolicy=json.dumps({"Version": "2012-10-17", "Statement": [readers]}),
    )
    applied = cache(
        capsys,
        emulator,
        prefix,
        tags={"team": "lab"},
        custom_role_arn=f"arn:aws:iam::{ACCOUNT}:role/ecr-repository-creation",
    )
    assert applied["changed"] and not applied.get("failed") and applied["warnings"] == [], applied
    state = emulator.ecr.state()
    assert sids(state["policy"])[0] == "ReplicateFromOtherAccount" and len(sids(state["policy"])) == 2
    [template] = state["templates"]
    assert (
        template["appliedFor"] == ["REPLICATION", "PULL_THROUGH_CACHE"] and template["description"] == "team template"
    )
    assert sids(template["repositoryPolicy"]) == ["Readers", "HealthOmicsPull"]
    assert template["resourceTags"] == [{"Key": "team", "Value": "lab"}]
    assert template["customRoleArn"].endswith(":role/ecr-repository-creation")
    assert not cache(capsys, emulator, prefix, tags={"team": "lab"})["changed"]

    # Absent takes back only its own statements; the team's template stays, and so does their registry statement.
    removed = cache(capsys, emulator, prefix, state="absent")
    assert removed["changed"] and not removed.get("failed"), removed
    state = emulator.ecr.state()
    assert state["rules"] == [] and sids(state["policy"]) == ["ReplicateFromOtherAccount"]
    [template] = state["templates"]
    assert sids(template["repositoryPolicy"]) == ["Readers"] and template["appliedFor"] == [
        "REPLICATION",
        "PULL_THROUGH_CACHE",
    ]
    assert removed["warnings"] == []


def test_repository_cached_before_the_template_gets_the_statement(capsys, emulator, ecr, prefix):
    repository = f"{prefix}/docker/library/python"
    # A cache set up by hand without a template: the repository the first pull creates has no policy.
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix=prefix, upstreamRegistryUrl="public.ecr.aws")
    ecr.batch_get_image(repositoryName=repository, imageIds=[{"imageTag": "3.12-slim"}])
    assert repository_policy(ecr, repository) is None

    plan = cache(capsys, emulator, prefix, images=[python_image()], check_mode=True)
    assert plan["changed"] and plan["pull_through_cache"]["images"][0]["repository_policy_updated"]
    assert repository_policy(ecr, repository) is None

    applied = cache(capsys, emulator, prefix, images=[python_image()])
    assert applied["changed"] and not applied.get("failed"), applied
    [image] = applied["pull_through_cache"]["images"]
    assert not image["imported"] and image["repository_policy_updated"]
    [statement] = statements(repository_policy(ecr, repository))
    assert statement["Sid"] == "HealthOmicsPull" and set(statement["Action"]) == PULL_ACTIONS
    assert not cache(capsys, emulator, prefix, images=[python_image()])["changed"]


def test_absent_removes_the_settings_and_keeps_repositories_and_images(capsys, emulator, ecr, prefix):
    repository = f"{prefix}/docker/library/python"
    assert cache(capsys, emulator, prefix, images=[python_image()])["changed"]
    before = emulator.ecr.state()

    plan = cache(capsys, emulator, prefix, state="absent", check_mode=True, diff=True)
    assert (
        plan["changed"]
        and plan["diff"]["after"]["rule"] == {}
        and plan["diff"]["before"]["rule"]["ecr_repository_prefix"] == prefix
    )
    assert emulator.ecr.state() == before

    removed = cache(capsys, emulator, prefix, state="absent")
    assert removed["changed"] and not removed.get("failed") and removed["warnings"] == [], removed
    assert emulator.ecr.state() == {"rules": [], "templates": [], "policy": None}
    result = removed["pull_through_cache"]
    assert (
        result["rule"] == {}
        and result["repository_creation_template"] == {}
        and result["registry_policy_statement"] == {}
    )
    # The repository and the image stay.
    assert repositories(ecr, prefix) == [repository]
    assert ecr.describe_images(repositoryName=repository)["imageDetails"]

    assert not cache(capsys, emulator, prefix, state="absent")["changed"]


def test_rule_of_another_upstream_is_refused_and_nothing_is_written(capsys, emulator, ecr, prefix):
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix=prefix, upstreamRegistryUrl="quay.io")
    result = cache(capsys, emulator, prefix, images=[python_image()])
    assert result["failed"] and not result.get("changed")
    assert (
        f"rule for ecr_repository_prefix {prefix!r} already exists with upstream 'quay.io', not 'public.ecr.aws'"
        in result["msg"]
    )
    state = emulator.ecr.state()
    assert state["templates"] == [] and state["policy"] is None and len(state["rules"]) == 1
    assert repositories(ecr, prefix) == []

    # Absent leaves it alone too.
    left = cache(capsys, emulator, prefix, state="absent")
    assert not left["changed"] and any("not this module's" in w for w in left["warnings"])
    assert emulator.ecr.state()["rules"][0]["upstreamRegistryUrl"] == "quay.io"


def test_image_missing_upstream_fails_naming_it(capsys, emulator, ecr, prefix):
    source = python_image("missing-3.99")
    result = cache(capsys, emulator, prefix, images=[python_image(), source])
    assert result["failed"]
    assert f"image {source!r} was not found on public.ecr.aws" in result["msg"]
    # The settings and the image before it are in place: running again with the right tag finishes the job.
    fixed = cache(capsys, emulator, prefix, images=[python_image(), python_image("3.13-slim")])
    assert fixed["changed"] and [i["imported"] for i in fixed["pull_through_cache"]["images"]] == [False, True]


@pytest.mark.parametrize(
    "args, named",
    [
        (
            {"ecr_repository_prefix": "Ecr-Public"},
            "ecr_repository_prefix 'Ecr-Public' is not a valid ECR pull-through cache prefix",
        ),
        ({"ecr_repository_prefix": "x"}, "use 2 to 30 characters"),
        ({"ecr_repository_prefix": "ROOT"}, "'ROOT' would put the whole private registry behind the cache"),
        (
            {"images": ["docker.io/library/python:3.12"]},
            "images[0] 'docker.io/library/python:3.12' is not an image on the upstream",
        ),
        ({"images": ["public.ecr.aws/docker/library/python"]}, "names no tag or digest"),
        (
            {"images": ["quay.io/biocontainers/samtools:1.19"], "upstream_registry_url": "registry.k8s.io"},
            "registry.k8s.io",
        ),
        ({"custom_role_arn": "ecr-role"}, "custom_role_arn 'ecr-role' is not an IAM role ARN"),
    ],
)
def test_bad_input_fails_before_any_call(capsys, emulator, monkeypatch, prefix, args, named):
    calls = []

    def no_call(self, operation_name, api_params):
        calls.append(operation_name)
        raise AssertionError(f"{operation_name} was called")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", no_call)
    args.setdefault("ecr_repository_prefix", prefix)
    result = run_module(omics_ecr_pull_through_cache, capsys, emulator.url, **args)
    assert result["failed"] and named in result["msg"], result
    assert calls == []


def test_upstream_choices_are_those_without_credentials(capsys, emulator, prefix):
    result = cache(capsys, emulator, prefix, upstream_registry_url="registry-1.docker.io")
    assert result["failed"] and "upstream_registry_url" in result["msg"] and "public.ecr.aws" in result["msg"]
