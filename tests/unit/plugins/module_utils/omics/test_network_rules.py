"""The routing rules of the preflight on hand-made EC2 answers (the moto matrix is in the module tests)."""

from ansible_collections.genomics.aws.plugins.module_utils._omics.network import _check_subnet

SUBNET = {
    "SubnetId": "subnet-1",
    "CidrBlock": "10.0.1.0/24",
    "AvailabilityZone": "us-east-1a",
    "AvailabilityZoneId": "use1-az6",
}
PUBLIC_TABLE = {
    "RouteTableId": "rtb-pub",
    "Associations": [{"SubnetId": "subnet-pub"}],
    "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active"}],
}


def table(route):
    return {
        "RouteTableId": "rtb-1",
        "Associations": [{"SubnetId": "subnet-1"}],
        "Routes": [dict(route, DestinationCidrBlock="0.0.0.0/0")],
    }


def nat(**extra):
    return {
        "nat-1": dict(
            {"NatGatewayId": "nat-1", "SubnetId": "subnet-pub", "State": "available", "ConnectivityType": "public"},
            **extra,
        )
    }


def test_a_private_subnet_behind_a_public_nat_gateway_is_fine():
    entry, problem, warning = _check_subnet(
        SUBNET, [table({"NatGatewayId": "nat-1", "State": "active"}), PUBLIC_TABLE], nat()
    )
    assert (problem, warning) == (None, None)
    assert (
        entry["nat_gateway_id"] == "nat-1"
        and entry["route_table_id"] == "rtb-1"
        and entry["availability_zone_id"] == "use1-az6"
    )


def test_blackhole_route_is_refused():
    _entry, problem, _warning = _check_subnet(
        SUBNET, [table({"NatGatewayId": "nat-1", "State": "blackhole"}), PUBLIC_TABLE], nat()
    )
    assert "blackhole default route" in problem


def test_failed_and_private_nat_gateways_are_refused():
    tables = [table({"NatGatewayId": "nat-1", "State": "active"}), PUBLIC_TABLE]
    assert "which is failed" in _check_subnet(SUBNET, tables, nat(State="failed"))[1]
    assert "a private NAT gateway" in _check_subnet(SUBNET, tables, nat(ConnectivityType="private"))[1]
    assert "which is missing" in _check_subnet(SUBNET, tables, {})[1]


def test_an_invisible_nat_gateway_of_a_shared_vpc_is_only_a_warning():
    _entry, problem, warning = _check_subnet(
        SUBNET, [table({"NatGatewayId": "nat-1", "State": "active"})], {}, shared=True
    )
    assert problem is None and "cannot see" in warning


def test_centralised_egress_through_a_transit_gateway_is_a_warning():
    _entry, problem, warning = _check_subnet(SUBNET, [table({"TransitGatewayId": "tgw-1", "State": "active"})], {})
    assert problem is None and "sends its default route to tgw-1" in warning
