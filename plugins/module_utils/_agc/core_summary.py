# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The core_infrastructure result of agc_account and agc_account_info: one description of what is active."""

from .._shared.routing import default_route
from .._shared.routing import effective_route_table
from .._shared.tags import az_of
from .._shared.tags import is_ours
from .common import PRIVATE
from .common import PUBLIC
from .endpoints import short_service_name


def describe_core(account_id, region, record, network, customer):
    """What is active, from the record and the managed network (or the customer's VPC) as discovered."""
    if network is not None:
        subnets = {
            "public": [s.get("SubnetId") for s in network.subnets_of(PUBLIC)],
            "private": [s.get("SubnetId") for s in network.subnets_of(PRIVATE)],
        }
        nat_gateways = [_nat_gateway(n, az_of(n)) for n in network.live_nat_gateways()]
        endpoints = network.our_endpoints()
        gateway = network.internet_gateway()
        group = network.endpoint_security_group()
        cidr = network.cidr
    else:
        subnets = customer.summary()
        nat_gateways = []
        endpoints = customer.endpoints
        gateway = None
        group = None
        cidr = customer.vpc.get("CidrBlock")
    return {
        "account_id": account_id,
        "region": region,
        "vpc": {
            "id": record.vpc_id,
            "cidr_block": cidr,
            "managed": record.vpc_managed,
            "public_subnets_only": record.public_subnets_only,
        },
        "subnets": dict(subnets, infra=list(record.infra_subnets)),
        "internet_gateway_id": gateway.get("InternetGatewayId") if gateway else None,
        "nat_gateways": nat_gateways,
        "vpc_endpoints": sorted((_endpoint(e, region) for e in endpoints), key=lambda e: e["service"]),
        "endpoint_security_group_id": group.get("GroupId") if group else None,
        "bucket": {"name": record.bucket, "managed": record.bucket_managed, "url": f"s3://{record.bucket}"},
        "compute_image": record.compute_image,
        "parameters": {name: value for name, (value, _kind, _data_type) in record.parameters().items()},
        "tags": dict(record.custom_tags),
        "network": describe_network(network, customer, subnets),
    }


def describe_network(network, customer, kinds):
    """The VPC as a diagram needs it: every subnet with its AZ, CIDR, kind and default route target, the NAT
    gateways (the customer's too, marked), and the Elastic IPs of the core."""
    found = network if network is not None else customer
    public, private = set(kinds["public"]), set(kinds["private"])
    subnets = []
    for subnet in found.subnets:
        subnet_id = subnet.get("SubnetId")
        route = default_route(effective_route_table(found.route_tables, subnet_id)) if subnet_id else None
        subnets.append(
            {
                "id": subnet_id,
                "availability_zone": subnet.get("AvailabilityZone"),
                "cidr_block": subnet.get("CidrBlock"),
                "kind": PUBLIC if subnet_id in public else PRIVATE if subnet_id in private else "other",
                "default_route": _target(route),
            }
        )
    if network is not None:
        nat_gateways = [dict(_nat_gateway(n, az_of(n)), managed=True) for n in network.live_nat_gateways()]
        # By AZ: a run allocates them together, in no set order.
        addresses = sorted(
            (a for a in network.addresses if is_ours(a)), key=lambda a: (az_of(a) or "", a["AllocationId"])
        )
    else:
        zones = {s.get("SubnetId"): s.get("AvailabilityZone") for s in customer.subnets}
        nat_gateways = [
            dict(_nat_gateway(n, zones.get(n.get("SubnetId"))), managed=False) for n in customer.nat_gateways
        ]
        addresses = []
    return {
        "subnets": sorted(
            subnets, key=lambda s: (s["availability_zone"] or "", s["kind"] != PUBLIC, s["cidr_block"] or "")
        ),
        "nat_gateways": nat_gateways,
        "elastic_ips": [{"allocation_id": a.get("AllocationId"), "public_ip": a.get("PublicIp")} for a in addresses],
    }


def _target(route):
    """Where a default route goes: a NAT gateway, internet gateway, transit gateway... id, or None."""
    if not route:
        return None
    for key in (
        "NatGatewayId",
        "GatewayId",
        "TransitGatewayId",
        "NetworkInterfaceId",
        "VpcPeeringConnectionId",
        "InstanceId",
    ):
        if route.get(key):
            return route[key]
    return None


def _nat_gateway(nat, availability_zone):
    addresses = nat.get("NatGatewayAddresses") or []
    return {
        "id": nat.get("NatGatewayId"),
        "availability_zone": availability_zone,
        "subnet_id": nat.get("SubnetId"),
        "state": nat.get("State"),
        "public_ip": next((a.get("PublicIp") for a in addresses), None),
        "allocation_id": next((a.get("AllocationId") for a in addresses), None),
    }


def _endpoint(endpoint, region):
    return {
        "service": short_service_name(endpoint["ServiceName"], region),
        "id": endpoint.get("VpcEndpointId"),
        "type": endpoint.get("VpcEndpointType"),
        "state": (endpoint.get("State") or "").lower(),
        "subnet_ids": list(endpoint.get("SubnetIds") or []),
    }
