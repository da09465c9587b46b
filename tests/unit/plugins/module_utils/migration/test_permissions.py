"""The service role of a migrated project grants the project's data access and the output prefix, nothing broader."""

import json

import boto3
import pytest
from moto import mock_aws

from ansible_collections.genomics.aws.plugins.module_utils.migration import AnsibleGenomicsError
from ansible_collections.genomics.aws.plugins.module_utils.migration import describe_project
from ansible_collections.genomics.aws.plugins.module_utils.migration import read_project
from ansible_collections.genomics.aws.plugins.module_utils.migration import service_role_policy

from .conftest import write_tree

BUCKET = "agc-123456789012-us-east-1"


def policy_of(project_dir, partition="aws"):
    project = read_project(str(project_dir))
    return service_role_policy(project.name, project.data, BUCKET, partition, "us-east-1", "123456789012")


def grants(policy):
    """(action, resource, condition prefixes) for every allowed action."""
    found = []
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        prefixes = tuple(statement.get("Condition", {}).get("StringLike", {}).get("s3:prefix", []))
        found += [(action, statement["Resource"], prefixes) for action in actions]
    return found


def test_reads_every_location_writes_only_where_read_only_is_false_and_on_the_output_prefix(demo_project):
    found = grants(policy_of(demo_project))
    s3 = [(a, r, p) for a, r, p in found if a.startswith("s3:")]
    writes = {r for a, r, _p in s3 if a == "s3:PutObject"}
    assert writes == {"arn:aws:s3:::my-results/scratch/*", f"arn:aws:s3:::{BUCKET}/healthomics/Demo/*"}
    reads = {r for a, r, _p in s3 if a == "s3:GetObject"}
    assert reads == {
        "arn:aws:s3:::gatk-test-data/*",
        "arn:aws:s3:::my-results/scratch/*",
        "arn:aws:s3:::broad-references/hg38/v0/*",
        f"arn:aws:s3:::{BUCKET}/healthomics/Demo/*",
    }
    listings = {(r, p) for a, r, p in s3 if a == "s3:ListBucket"}
    assert listings == {
        ("arn:aws:s3:::gatk-test-data", ()),
        ("arn:aws:s3:::my-results", ("scratch", "scratch/*")),
        ("arn:aws:s3:::broad-references", ("hg38/v0", "hg38/v0/*")),
        (f"arn:aws:s3:::{BUCKET}", ("healthomics/Demo", "healthomics/Demo/*")),
    }
    # Least privilege: S3 actions are the four above; no wildcard action or resource anywhere.
    assert {a for a, _r, _p in s3} == {"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListBucket"}
    assert not [g for g in found if "*" in g[0] or g[1] in ("*", "arn:aws:s3:::*")]
    # The AGC bucket itself is never readable or writable outside the output prefix.
    assert not [g for g in s3 if g[1] in (f"arn:aws:s3:::{BUCKET}/*",)]


def test_the_rest_is_the_workflow_log_group_and_this_accounts_images(demo_project):
    others = {(a, r) for a, r, _p in grants(policy_of(demo_project)) if not a.startswith("s3:")}
    assert {r for _a, r in others} == {
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/omics/WorkflowLog:*",
        "arn:aws:ecr:us-east-1:123456789012:repository/*",
    }


def test_a_location_listed_twice_is_writable_when_one_entry_says_so(tmp_path):
    project = write_tree(
        tmp_path,
        {
            "agc-project.yaml": "name: P\ncontexts: {c: {engines: [{type: wdl, engine: cromwell}]}}\n"
            "data: [{location: s3://shared-data/in, readOnly: true},\n"
            "       {location: 's3://shared-data/in/', readOnly: false}]\n"
        },
    )
    writes = [r for a, r, _p in grants(policy_of(project)) if a == "s3:PutObject"]
    assert writes == ["arn:aws:s3:::shared-data/in/*", f"arn:aws:s3:::{BUCKET}/healthomics/P/*"]


def test_arns_are_in_the_callers_partition(demo_project):
    text = json.dumps(policy_of(demo_project, partition="aws-cn"))
    assert "arn:aws:" not in text and "arn:aws-cn:s3:::gatk-test-data/*" in text


@pytest.fixture
def sts(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield boto3.client("sts", region_name="us-east-1")


def test_describe_project_renders_plan_policy_and_output_uri(demo_project, sts):
    plan = describe_project(sts, "us-east-1", str(demo_project), f"s3://{BUCKET}/")
    assert plan["output_uri"] == f"s3://{BUCKET}/healthomics/Demo/"
    assert plan["not_migratable"] == [{"agc_name": "assembly", "reason": plan["workflows"][3]["reason"]}]
    assert plan["service_role"]["trust_policy"]["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": plan["account_id"]}
    }
    assert f"read and write s3://{BUCKET}/healthomics/Demo/ (run outputs)" in plan["service_role"]["permissions"]
    assert "read and write s3://my-results/scratch/" in plan["service_role"]["permissions"]
    assert [(d["name"], d["bucket"]) for d in plan["destinations"]] == [
        ("agc-bucket", BUCKET),
        ("data-broad-references", "broad-references"),
        ("data-gatk-test-data", "gatk-test-data"),
        ("data-my-results", "my-results"),
    ]


def test_a_bad_bucket_is_refused_before_the_project_is_read(demo_project, sts):
    with pytest.raises(AnsibleGenomicsError, match="bucket 'Not_A_Bucket'"):
        describe_project(sts, "us-east-1", str(demo_project), "Not_A_Bucket")
