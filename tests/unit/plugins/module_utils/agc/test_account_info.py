"""agc_account_info: drift detection and the monthly cost estimate."""

import pytest

from ansible_collections.genomics.aws.plugins.module_utils.agc import AnsibleGenomicsError
from ansible_collections.genomics.aws.plugins.module_utils.agc import describe_activation

from .helpers import REGION


def insight(account, prices=None):
    return describe_activation(account.clients(), REGION, prices)


def test_a_fresh_core_is_in_sync_and_reading_writes_nothing(account):
    account.activate()
    account.recorder.reset()
    found = insight(account)
    assert found.activated and found.drift == [] and found.source == "genomics.aws"
    assert account.recorder.writes == []
    assert found.core["vpc"]["managed"] and len(found.core["nat_gateways"]) == 3


def test_a_nat_gateway_deleted_behind_ansibles_back_is_drift(account):
    core = account.activate().resource
    nat = core["nat_gateways"][1]
    account.ec2.delete_nat_gateway(NatGatewayId=nat["id"])
    found = insight(account)
    assert f"NAT gateway in {nat['availability_zone']} is missing" in found.drift
    # and activation repairs it
    repaired = account.activate()
    assert any(c.startswith(f"create NAT gateway in {nat['availability_zone']}") for c in repaired.changes.entries)
    assert insight(account).drift == []


def test_other_drift_is_named(account):
    core = account.activate().resource
    endpoint = next(e for e in core["vpc_endpoints"] if e["service"] == "logs")
    account.ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["id"]])
    account.ssm.put_parameter(Name="/agc/_common/NumInfraSubnets", Value="7", Type="String", Overwrite=True)
    private_table = account.ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [core["subnets"]["private"][0]]}]
    )["RouteTables"][0]
    account.ec2.delete_route(RouteTableId=private_table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0")
    drift = insight(account).drift
    assert "VPC endpoint for logs is missing" in drift
    assert any("NumInfraSubnets was changed outside Ansible ('7', recorded '3')" in d for d in drift)
    assert any(d.startswith(f"default route of {private_table['RouteTableId']}") for d in drift)


def test_cost_of_a_managed_core_versus_a_public_only_core(account):
    account.activate()
    cost = insight(account).cost
    assert cost["estimate"] is True and cost["currency"] == "USD"
    by_item = {i["item"].split(" (")[0]: i for i in cost["items"]}
    assert by_item["NAT gateways"]["quantity"] == 3
    assert by_item["interface endpoint AZs"]["quantity"] == 21  # 7 interface endpoints x 3 AZs
    assert by_item["public IPv4 addresses"]["quantity"] == 3
    # 730 h x (3 x 0.045 + 21 x 0.01 + 3 x 0.005) = 98.55 + 153.30 + 10.95
    assert cost["monthly_total"] == pytest.approx(262.80)
    assert cost["private_core_monthly_total"] == pytest.approx(262.80)
    assert cost["public_only_saving"] == pytest.approx(262.80)


def test_public_only_core_has_no_fixed_cost(account):
    account.activate(use_public_subnets=True)
    found = insight(account)
    assert found.cost["monthly_total"] == 0.0 and found.drift == []
    assert found.cost["public_only_saving"] == pytest.approx(262.80)


def test_prices_can_be_overridden(account):
    account.activate()
    cost = insight(account, {"nat_gateway_hour": 0.1, "hours_per_month": 100, "currency": "EUR"}).cost
    assert cost["currency"] == "EUR"
    assert next(i for i in cost["items"] if i["item"] == "NAT gateways")["monthly"] == pytest.approx(30.0)
    with pytest.raises(AnsibleGenomicsError, match="prices has an unknown key 'nat'"):
        insight(account, {"nat": 1})
    with pytest.raises(AnsibleGenomicsError, match="prices.nat_gateway_hour 'cheap' is not a number"):
        insight(account, {"nat_gateway_hour": "cheap"})


def test_nothing_activated(account):
    found = insight(account)
    assert not found.activated and found.core == {} and found.drift == []
    assert found.cost["monthly_total"] == 0.0


def _cli_activation(account, nat_gateways, infra="private"):
    """What `agc account activate` leaves: its VPC and only its names under /agc/_common/, no collection record."""
    from tools.customer_vpc import build_customer_vpc

    vpc = build_customer_vpc(account.ec2, nat_gateways=nat_gateways)
    subnets = vpc[f"{infra}_subnets"]
    for name, value, kind in (
        ("bucket", "agc-123456789012-us-east-1", "String"),
        ("vpc", vpc["vpc_id"], "String"),
        ("InfraSubnets", ",".join(subnets), "StringList"),
        ("NumInfraSubnets", str(len(subnets)), "String"),
    ):
        account.ssm.put_parameter(Name=f"/agc/_common/{name}", Value=value, Type=kind)
    return vpc


def test_an_activation_made_by_the_agc_cli_is_described_read_only_from_its_names(account):
    vpc = _cli_activation(account, nat_gateways="per_az")
    account.recorder.reset()
    found = insight(account)
    assert account.recorder.writes == []
    assert found.activated and found.source == "agc-cli" and found.drift == []
    core = found.core
    assert core["vpc"] == {
        "id": vpc["vpc_id"],
        "cidr_block": "10.20.0.0/16",
        "managed": False,
        "public_subnets_only": False,
    }
    assert core["bucket"]["name"] == "agc-123456789012-us-east-1" and not core["bucket"]["managed"]
    assert core["subnets"]["infra"] == vpc["private_subnets"]
    assert sorted(core["subnets"]["private"]) == sorted(vpc["private_subnets"])
    routes = {s["id"]: s["default_route"] for s in core["network"]["subnets"]}
    assert [routes[s] for s in vpc["private_subnets"]] == vpc["nat_gateways"]
    assert core["parameters"]["vpc"] == vpc["vpc_id"] and "genomics.aws/activation" not in core["parameters"]


def test_an_agc_cli_activation_on_public_subnets_is_reported_public_only(account):
    _cli_activation(account, nat_gateways=0, infra="public")
    found = insight(account)
    assert found.source == "agc-cli" and found.core["vpc"]["public_subnets_only"]
