"""agc_vpc_endpoints' main(): check mode is an audit, diff mode, idempotency."""

import pytest
from moto import mock_aws

from ansible_collections.genomics.aws.plugins.modules import agc_vpc_endpoints
from tests.unit.plugins.module_utils.agc.helpers import Account
from tests.unit.plugins.modules.in_process import run_main


@pytest.fixture
def vpc_id():
    with mock_aws():
        account = Account()
        world = account.customer_vpc()
        account.ec2.modify_vpc_attribute(VpcId=world["vpc_id"], EnableDnsHostnames={"Value": True})
        yield world["vpc_id"]


def run_module(capsys, **args):
    args.setdefault("region", "us-east-1")
    return run_main(agc_vpc_endpoints.main, capsys, args)


def test_audit_then_ensure_then_nothing(vpc_id, capsys):
    audit = run_module(capsys, vpc_id=vpc_id, services=["s3", "logs"], _ansible_check_mode=True, _ansible_diff=True)
    assert audit["changed"] and audit["missing"] == ["s3", "logs"] and audit["present"] == []
    assert audit["diff"] == {"before": {"services": []}, "after": {"services": ["logs", "s3"]}}
    assert [e["id"] for e in audit["vpc_endpoints"]] == [None, None]
    applied = run_module(capsys, vpc_id=vpc_id, services=["s3", "logs"])
    assert applied["changed"] and all(
        e["id"].startswith("vpce-") and e["state"] == "available" for e in applied["vpc_endpoints"]
    )
    again = run_module(capsys, vpc_id=vpc_id, services=["s3", "logs"], _ansible_diff=True)
    assert not again["changed"] and again["missing"] == [] and again["diff"]["before"] == {"services": ["s3", "logs"]}


def test_bad_service_fails_with_its_name(vpc_id, capsys):
    result = run_module(capsys, vpc_id=vpc_id, services=["nope"])
    assert result["failed"] and "nope" in result["msg"]
