# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The core_infrastructure result of agc_account and agc_account_info: one description of what is active."""

from .._shared.tags import az_of
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
        nat_gateways = [_nat_gateway(n) for n in network.live_nat_gateways()]
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
    }


def _nat_gateway(nat):
    addresses = nat.get("NatGatewayAddresses") or []
    return {
        "id": nat.get("NatGatewayId"),
        "availability_zone": az_of(nat),
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
    }
