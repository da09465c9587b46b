# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""agc_account_info: what is activated, what drifted outside Ansible, and what it costs a month.

Read-only. Drift compares the recorded activation with what exists, resource by resource. The
cost is an estimate of the core's fixed monthly charges from list prices (overridable), not a bill:
data processed by NAT gateways and endpoints, data transfer, storage and compute are excluded.
"""

from dataclasses import dataclass
from dataclasses import field

from .._shared.errors import AnsibleGenomicsError
from .._shared.routing import default_route
from .._shared.tags import is_ours
from . import api
from .common import DEFAULT_ENDPOINT_SERVICES
from .common import GATEWAY_ENDPOINT_SERVICES
from .common import PRIVATE
from .common import PUBLIC
from .common import REQUIRED_AZ_COUNT
from .common import ROLE_PRIVATE_ROUTE_TABLE
from .core_summary import describe_core
from .customer_vpc import CustomerVpc
from .endpoints import active_endpoints_by_service
from .managed_network import ManagedNetwork
from .managed_network import find_managed_vpcs
from .state import StateStore

# US East (N. Virginia) on-demand list prices in USD per hour. Other regions differ: pass `prices`.
DEFAULT_PRICES = {
    "currency": "USD",
    "hours_per_month": 730,
    "nat_gateway_hour": 0.045,
    "interface_endpoint_az_hour": 0.01,
    "public_ipv4_address_hour": 0.005,
}
INTERFACE_SERVICES = [s for s in DEFAULT_ENDPOINT_SERVICES if s not in GATEWAY_ENDPOINT_SERVICES]


@dataclass
class AccountInfo:
    activated: bool
    core: dict = field(default_factory=dict)
    drift: list = field(default_factory=list)
    cost: dict = field(default_factory=dict)


def merge_prices(overrides):
    prices = dict(DEFAULT_PRICES)
    for key, value in (overrides or {}).items():
        if key not in DEFAULT_PRICES:
            raise AnsibleGenomicsError(message=f"prices has an unknown key {key!r}; known keys: {', '.join(sorted(DEFAULT_PRICES))}.")
        if key == "currency":
            prices[key] = str(value)
            continue
        try:
            prices[key] = float(value)
        except (TypeError, ValueError):
            raise AnsibleGenomicsError(message=f"prices.{key} {value!r} is not a number.") from None
        if prices[key] < 0:
            raise AnsibleGenomicsError(message=f"prices.{key} {value!r} must not be negative.")
    return prices


def monthly_cost(prices, nat_gateways, interface_endpoint_azs, public_ipv4_addresses):
    hours = prices["hours_per_month"]
    items = [
        {"item": "NAT gateways", "quantity": nat_gateways, "unit_price_hour": prices["nat_gateway_hour"]},
        {"item": "interface endpoint AZs", "quantity": interface_endpoint_azs, "unit_price_hour": prices["interface_endpoint_az_hour"]},
        {"item": "public IPv4 addresses (NAT gateways' Elastic IPs)", "quantity": public_ipv4_addresses, "unit_price_hour": prices["public_ipv4_address_hour"]},
    ]
    for item in items:
        item["monthly"] = round(item["quantity"] * item["unit_price_hour"] * hours, 2)
    return items, round(sum(i["monthly"] for i in items), 2)


def cost_estimate(prices, network):
    """The core's fixed monthly cost now, and what a private core and a public-only core cost."""
    if network is not None:
        nats = len(network.live_nat_gateways())
        interface_azs = sum(len(e.get("SubnetIds") or []) for e in network.our_endpoints() if e.get("VpcEndpointType") == "Interface")
        addresses = len([a for a in network.addresses if is_ours(a)])
    else:
        nats = interface_azs = addresses = 0  # a customer VPC: its costs are not the core's
    items, total = monthly_cost(prices, nats, interface_azs, addresses)
    _private_items, private_total = monthly_cost(prices, REQUIRED_AZ_COUNT, REQUIRED_AZ_COUNT * len(INTERFACE_SERVICES), REQUIRED_AZ_COUNT)
    return {
        "estimate": True,
        "note": "Estimate of fixed monthly charges from list prices; excludes data processed by NAT gateways and "
        "endpoints, data transfer, S3 storage and compute. Override prices for your region or contract.",
        "currency": prices["currency"],
        "hours_per_month": prices["hours_per_month"],
        "items": items,
        "monthly_total": total,
        "private_core_monthly_total": private_total,
        "public_only_core_monthly_total": 0.0,
        "public_only_saving": private_total,
    }


def _drift_of_managed(network, record, region):
    drift = []
    if network is None:
        return [f"managed VPC {record.vpc_id} no longer exists"]
    azs = network.azs()
    if len(azs) < REQUIRED_AZ_COUNT:
        drift.append(f"managed VPC {record.vpc_id} has subnets in {len(azs)} AZ(s), not {REQUIRED_AZ_COUNT}")
    kinds = [PUBLIC] if record.public_subnets_only else [PUBLIC, PRIVATE]
    for az in azs:
        for kind in kinds:
            if network.subnet(kind, az) is None:
                drift.append(f"{kind} subnet in {az} is missing")
    gateway = network.internet_gateway()
    if gateway is None or record.vpc_id not in {a.get("VpcId") for a in gateway.get("Attachments") or []}:
        drift.append("internet gateway is missing or detached")
    if not record.public_subnets_only:
        for az in azs:
            nat = network.nat_gateway(az)
            if nat is None:
                drift.append(f"NAT gateway in {az} is missing")
            elif nat["State"] != "available":
                drift.append(f"NAT gateway {nat['NatGatewayId']} in {az} is {nat['State']}")
            table = network.route_table(ROLE_PRIVATE_ROUTE_TABLE, az)
            route = default_route(table)
            if table is None:
                drift.append(f"private route table in {az} is missing")
            elif nat and (route or {}).get("NatGatewayId") != nat["NatGatewayId"]:
                drift.append(f"default route of {table['RouteTableId']} ({az}) does not point at NAT gateway {nat['NatGatewayId']}")
        endpoints = active_endpoints_by_service(network.endpoints, region)
        for service in DEFAULT_ENDPOINT_SERVICES:
            endpoint = endpoints.get(service)
            if endpoint is None:
                drift.append(f"VPC endpoint for {service} is missing")
            elif endpoint["State"].lower() != "available":
                drift.append(f"VPC endpoint {endpoint['VpcEndpointId']} ({service}) is {endpoint['State'].lower()}")
    recorded = set(record.infra_subnets)
    existing = {s["SubnetId"] for s in network.subnets}
    for subnet in sorted(recorded - existing):
        drift.append(f"infra subnet {subnet} recorded in InfraSubnets no longer exists")
    return drift


def describe_activation(clients, region, prices=None):
    prices = merge_prices(prices)
    account_id = api.get_caller_identity(clients.sts)["Account"]
    store = StateStore(clients.ssm)
    record = store.load()
    if record is None:
        leftovers = find_managed_vpcs(clients.ec2)
        drift = [f"managed VPC {v['VpcId']} exists without an activation record (an interrupted run?)" for v in leftovers]
        return AccountInfo(activated=False, drift=drift, cost=cost_estimate(prices, None))

    drift = []
    network = customer = None
    if record.vpc_managed:
        vpc = next((v for v in find_managed_vpcs(clients.ec2) if v["VpcId"] == record.vpc_id), None)
        network = ManagedNetwork.discover(clients.ec2, vpc) if vpc else None
        drift += _drift_of_managed(network, record, region)
    else:
        try:
            customer = CustomerVpc.discover(clients.ec2, record.vpc_id)
        except AnsibleGenomicsError:
            drift.append(f"customer VPC {record.vpc_id} no longer exists")
        if customer:
            existing = {s["SubnetId"] for s in customer.subnets}
            drift += [f"infra subnet {s} recorded in InfraSubnets no longer exists" for s in record.infra_subnets if s not in existing]

    for name, (value, _kind, _type) in record.parameters().items():
        current = store.values.get(name)
        if current is None:
            drift.append(f"SSM parameter /agc/_common/{name} is missing")
        elif current != value:
            drift.append(f"SSM parameter /agc/_common/{name} was changed outside Ansible ({current!r}, recorded {value!r})")
    if api.bucket_status(clients.s3, record.bucket) != "owned":
        drift.append(f"bucket {record.bucket} is missing or not accessible")

    core = describe_core(account_id, region, record, network, customer) if (network or customer) else {}
    return AccountInfo(activated=True, core=core, drift=drift, cost=cost_estimate(prices, network))
