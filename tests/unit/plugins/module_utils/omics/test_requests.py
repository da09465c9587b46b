"""Request objects: the derived StartRun token and the checks made before any AWS call."""

import pytest

from ansible_collections.genomics.aws.plugins.module_utils.omics import AnsibleGenomicsError
from ansible_collections.genomics.aws.plugins.module_utils.omics import ConfigurationRequest
from ansible_collections.genomics.aws.plugins.module_utils.omics import RunRequest
from ansible_collections.genomics.aws.plugins.module_utils.omics import request_id_for

ROLE = "arn:aws:iam::123456789012:role/omics-run"


def run_request(**overrides):
    args = dict(workflow_id="1234567", role_arn=ROLE, output_uri="s3://bucket/out", parameters={"a": 1, "b": [1, 2]})
    args.update(overrides)
    return RunRequest(**args)


def test_request_id_is_stable_and_ignores_key_order_tags_and_wait():
    one = request_id_for(run_request(tags={"x": "1"}, wait=True).inputs("1234567"))
    two = request_id_for(run_request(parameters={"b": [1, 2], "a": 1}, tags={"y": "2"}, wait=False).inputs("1234567"))
    assert one == two
    assert one.startswith("genomics.aws-") and len(one) <= 128


@pytest.mark.parametrize(
    "change",
    [
        {"parameters": {"a": 2, "b": [1, 2]}},
        {"output_uri": "s3://bucket/other"},
        {"role_arn": ROLE + "2"},
        {"name": "named"},
        {"networking_mode": "VPC", "configuration_name": "vpc"},
        {"cache_id": "42"},
    ],
)
def test_request_id_changes_with_every_input(change):
    base = request_id_for(run_request().inputs("1234567"))
    assert request_id_for(run_request(**change).inputs("1234567")) != base


def test_request_id_changes_with_the_resolved_workflow():
    assert request_id_for(run_request().inputs("1234567")) != request_id_for(run_request().inputs("7654321"))


def test_configuration_differences_ignore_order_and_unset_description():
    request = ConfigurationRequest("vpc", subnets=["subnet-b", "subnet-a"], security_groups=["sg-1"])
    existing = {
        "description": "kept",
        "status": "ACTIVE",
        "runConfigurations": {"vpcConfig": {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": ["sg-1"]}},
    }
    assert request.differences(existing) == []
    request.description = "changed"
    assert request.differences(existing) == ["description 'kept' -> 'changed'"]
    existing["status"] = "FAILED"
    assert "status FAILED" in request.differences(existing)[-1]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"subnets": []}, "subnets must name at least one id"),
        ({"subnets": ["subnet-0a0a0a0a", "subnet-0a0a0a0a"]}, "subnets names ['subnet-0a0a0a0a'] more than once"),
        (
            {"subnets": ["subnet-0a"]},
            "subnets: 'subnet-0a' is not a subnet id (subnet- followed by 8 or 17 hex digits)",
        ),
        ({"description": "tab\there"}, "control character"),
    ],
)
def test_configuration_input_checks(overrides, message):
    args = dict(subnets=["subnet-0a0a0a0a"], security_groups=["sg-0a0a0a0a"])
    args.update(overrides)
    with pytest.raises(AnsibleGenomicsError) as raised:
        ConfigurationRequest("vpc", **args).validate()
    assert message in raised.value.message


def test_absent_needs_only_a_valid_name():
    ConfigurationRequest("vpc", state="absent").validate()
    with pytest.raises(AnsibleGenomicsError):
        ConfigurationRequest("_vpc", state="absent").validate()
