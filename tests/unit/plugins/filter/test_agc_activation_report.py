"""The activation report's data, computed from agc_account's own result (moto in-process, no second describe)."""

import pytest
from moto import mock_aws

from ansible.errors import AnsibleFilterError

from ansible_collections.genomics.aws.plugins.filter.agc_activation_report import FilterModule
from ansible_collections.genomics.aws.plugins.filter.agc_activation_report import activation_report
from tests.unit.plugins.module_utils.agc.helpers import Account


@pytest.fixture
def account():
    with mock_aws():
        yield Account()


def result_of(outcome):
    """What agc_account returns for an outcome, as the role registers it."""
    return {"changed": outcome.changed, "changes": outcome.changes.entries, "core_infrastructure": outcome.resource}


def test_managed_core_every_subnet_follows_its_own_default_route(account):
    outcome = account.activate()
    report = activation_report(result_of(outcome))
    core = outcome.resource
    subnets = {s["id"]: s for s in report["subnets"]}
    nat_by_zone = {n["availability_zone"]: n["id"] for n in report["nat_gateways"]}
    assert len(subnets) == 6 and len(nat_by_zone) == 3 and all(n["managed"] for n in report["nat_gateways"])
    for subnet_id in core["subnets"]["private"]:
        subnet = subnets[subnet_id]
        assert subnet["kind"] == "private" and subnet["default_route"] == nat_by_zone[subnet["availability_zone"]]
        assert subnet["infra"]
    for subnet_id in core["subnets"]["public"]:
        assert subnets[subnet_id]["default_route"] == core["internet_gateway_id"] and not subnets[subnet_id]["infra"]
    assert report["internet_gateways"] == [core["internet_gateway_id"]] and report["other_route_targets"] == []
    diagram = report["mermaid"]
    for subnet_id in core["subnets"]["private"]:
        assert (
            f"{subnet_id.replace('-', '_')} --> "
            f"{nat_by_zone[subnets[subnet_id]['availability_zone']].replace('-', '_')}" in diagram
        )
        assert f"{subnet_id.replace('-', '_')} -.-> vpc_endpoints" in diagram
    s3 = next(e for e in core["vpc_endpoints"] if e["service"] == "s3")
    assert f"{s3['id'].replace('-', '_')} -.-> bucket" in diagram
    # 3 NAT gateways, 7 interface endpoints in 3 AZs, 3 Elastic IPs at US East list prices
    assert [i["quantity"] for i in report["cost"]["items"]] == [3, 21, 3] and report["cost"]["monthly_total"] == 262.8
    assert report["changed"] and report["changes"] == outcome.changes.entries
    assert report["tags"] == {"application-name": "agc"}
    assert {p["name"] for p in report["parameters"]} >= {"bucket", "vpc", "InfraSubnets", "genomics.aws/activation"}


def test_an_unchanged_core_gives_the_same_report_but_no_changes(account):
    first = activation_report(result_of(account.activate(tags={"team": "lab"})))
    again = activation_report(result_of(account.activate(tags={"team": "lab"})))
    assert not again["changed"] and again["changes"] == []
    assert (
        again["mermaid"] == first["mermaid"] and again["subnets"] == first["subnets"] and again["cost"] == first["cost"]
    )
    assert again["tags"] == {"application-name": "agc", "team": "lab"}


def test_public_only_core_costs_nothing_fixed_and_says_what_it_saves(account):
    report = activation_report(result_of(account.activate(use_public_subnets=True)))
    assert report["nat_gateways"] == [] and report["vpc_endpoints"] == []
    assert {s["kind"] for s in report["subnets"]} == {"public"} and all(s["infra"] for s in report["subnets"])
    assert report["cost"]["monthly_total"] == 0 and report["cost"]["public_only_saving"] == 262.8
    assert (
        "nat_" not in report["mermaid"]
        and "vpce_" not in report["mermaid"]
        and "internet -.-> bucket" in report["mermaid"]
    )


def test_customer_vpc_draws_the_customers_nat_gateway_and_counts_none_of_its_costs(account):
    customer = account.customer_vpc()
    subnet = customer["public"][0]
    allocation = account.ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = account.ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = account.ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [customer["private"][0]]}]
    )
    account.ec2.create_route(
        RouteTableId=table["RouteTables"][0]["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat
    )
    audit = {"present": [], "missing": ["s3", "logs"], "vpc_endpoints": []}
    ensured = {
        "missing": ["s3", "logs"],
        "vpc_endpoints": [
            {
                "service": "logs",
                "id": "vpce-1",
                "type": "Interface",
                "managed": True,
                "subnet_ids": customer["private"],
            },
            {"service": "s3", "id": "vpce-2", "type": "Gateway", "managed": True, "subnet_ids": []},
        ],
    }
    report = activation_report(
        result_of(account.activate(vpc_id=customer["vpc_id"])), endpoints_audit=audit, endpoints_ensured=ensured
    )
    assert [e["service"] for e in report["vpc_endpoints"]] == ["logs", "s3"]  # created after agc_account, drawn too
    assert "vpce_1" in report["mermaid"] and "vpce_2 -.-> bucket" in report["mermaid"]
    (drawn,) = report["nat_gateways"]
    assert drawn["id"] == nat and not drawn["managed"] and drawn["availability_zone"] == "us-east-1a"
    assert f"{customer['private'][0].replace('-', '_')} --> {nat.replace('-', '_')}" in report["mermaid"]
    assert "NAT gateway (customer's)" in report["mermaid"]
    assert report["cost"]["monthly_total"] == 0
    assert report["endpoint_audit"]["ensured"] and report["endpoint_audit"]["outcome"] == ["s3", "logs"]
    # 3 AZ subnets of one interface endpoint at 0.01 USD an hour, 730 hours
    assert (
        report["endpoint_audit"]["interface_endpoint_azs"] == 3
        and report["endpoint_audit"]["interface_endpoints_monthly"] == 21.9
    )


def test_prices_are_checked_and_anything_but_an_activation_is_refused(account):
    result = result_of(account.activate(use_public_subnets=True))
    with pytest.raises(AnsibleFilterError, match="prices has an unknown key 'nat'"):
        activation_report(result, prices={"nat": 1})
    with pytest.raises(AnsibleFilterError, match="needs the result of genomics.aws.agc_account"):
        activation_report({"changed": False, "core_infrastructure": {}})
    assert activation_report(result, prices={"currency": "EUR"})["cost"]["currency"] == "EUR"
    assert FilterModule().filters()["agc_activation_report"] is activation_report


def test_the_filter_loads_without_boto3():
    """The filter runs on the controller in every activation playbook: importing boto3 there cost about 0.5 s."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import ansible_collections.genomics.aws.plugins.filter.agc_activation_report\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert loaded == "[]"
