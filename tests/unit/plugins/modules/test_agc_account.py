"""agc_account's main(): argument handling, check/diff mode and the result's shape."""

import boto3
import pytest
from moto import mock_aws

from ansible_collections.genomics.aws.plugins.modules import agc_account
from tests.unit.plugins.modules.in_process import run_main


@pytest.fixture
def aws():
    with mock_aws():
        yield


def run_module(capsys, check_mode=False, diff=False, **args):
    args.setdefault("region", "us-east-1")
    args.setdefault("wait_timeout", 60)
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    return run_main(agc_account.main, capsys, args)


def test_idempotency_triple_through_main(aws, capsys):
    plan = run_module(capsys, check_mode=True)
    assert plan["changed"] and plan["changes"]
    assert boto3.client("ec2", region_name="us-east-1").describe_nat_gateways()["NatGateways"] == []
    applied = run_module(capsys, diff=True)
    assert applied["changed"] and applied["changes"] == plan["changes"]
    assert (
        applied["diff"]["before"] == {}
        and applied["diff"]["after"]["vpc_id"] == applied["core_infrastructure"]["vpc"]["id"]
    )
    rerun = run_module(capsys, diff=True)
    assert not rerun["changed"] and rerun["changes"] == []
    assert rerun["diff"]["before"] == rerun["diff"]["after"]


def test_result_is_one_snake_case_key_describing_the_core(aws, capsys):
    result = run_module(capsys, tags={"team": "lab"})
    core = result["core_infrastructure"]
    assert set(core) == {
        "account_id",
        "region",
        "vpc",
        "subnets",
        "internet_gateway_id",
        "nat_gateways",
        "vpc_endpoints",
        "endpoint_security_group_id",
        "bucket",
        "compute_image",
        "parameters",
        "tags",
        "network",
    }
    assert core["vpc"]["managed"] and core["bucket"]["managed"] and core["tags"] == {"team": "lab"}
    assert {n["availability_zone"] for n in core["nat_gateways"]} == {"us-east-1a", "us-east-1b", "us-east-1c"}
    assert all(k == k.lower() for k in core["nat_gateways"][0])


def test_customer_vpc_warnings_reach_the_operator(aws, capsys):
    from tests.unit.plugins.module_utils.agc.helpers import Account

    customer = Account().customer_vpc()
    result = run_module(capsys, vpc_id=customer["vpc_id"], subnets=[customer["private"][0]])
    assert any("lacks the recommended VPC endpoint" in w for w in result["warnings"])
    assert any("1 subnet(s) in 1 AZ(s)" in w for w in result["warnings"])


def test_deactivation_reports_what_is_retained(aws, capsys):
    run_module(capsys, use_public_subnets=True)
    result = run_module(capsys, state="absent")
    assert result["changed"] and result["core_infrastructure"] == {}
    assert result["retained"]["bucket"]["name"] == "agc-123456789012-us-east-1"


def test_bad_input_fails_with_the_value_named(aws, capsys):
    result = run_module(capsys, vpc_id="vpc-12345678", use_public_subnets=True)
    assert result["failed"] and "vpc-12345678" in result["msg"]


def test_missing_region_is_a_clear_error(aws, capsys, monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    result = run_module(capsys, region=None)
    assert result["failed"] and "region is required" in result["msg"]
