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
from . import api
from .common import PRIVATE
from .common import PUBLIC
from .common import ROLE_PRIVATE_ROUTE_TABLE
from .constants import DEFAULT_ENDPOINT_SERVICES
from .constants import REQUIRED_AZ_COUNT
from .core_summary import describe_core
from .cost import core_cost_estimate
from .cost import merge_prices
from .customer_vpc import CustomerVpc
from .endpoints import active_endpoints_by_service
from .managed_network import ManagedNetwork
from .managed_network import find_managed_vpcs
from .state import ActivationRecord
from .state import StateStore

# Where the activation was read from: the collection's record, or only the AGC CLI's names under /agc/_common/.
SOURCE_COLLECTION = "genomics.aws"
SOURCE_AGC_CLI = "agc-cli"


@dataclass
class AccountInfo:
    activated: bool
    core: dict = field(default_factory=dict)
    drift: list = field(default_factory=list)
    cost: dict = field(default_factory=dict)
    source: str = None


def _cli_activation(clients, region, account_id, values, prices):
    """A region activated by the AGC CLI: only its names under /agc/_common/ (bucket, vpc, InfraSubnets), no record
    of this collection. Described read-only from those names and the VPC as it is; the VPC is the CLI's (its
    CloudFormation stack owns it), so it is reported as not managed by this collection."""
    infra = [s for s in (values.get("InfraSubnets") or "").split(",") if s]
    drift = []
    try:
        customer = CustomerVpc.discover(clients.ec2, values["vpc"])
    except AnsibleGenomicsError:
        return AccountInfo(
            activated=True,
            drift=[f"VPC {values['vpc']} named by /agc/_common/vpc no longer exists"],
            cost=core_cost_estimate({}, prices),
            source=SOURCE_AGC_CLI,
        )
    private = {s["SubnetId"] for s in customer.private_subnets()}
    existing = {s["SubnetId"] for s in customer.subnets}
    drift += [f"infra subnet {s} recorded in InfraSubnets no longer exists" for s in infra if s not in existing]
    record = ActivationRecord(
        bucket=values.get("bucket") or "",
        vpc_id=values["vpc"],
        infra_subnets=infra,
        compute_image=values.get("ComputeEnvImage") or "",
        artifacts_root_url=values.get("installed-artifacts/s3-root-url") or "",
        public_subnets_only=bool(infra) and not [s for s in infra if s in private],
    )
    core = describe_core(account_id, region, record, None, customer)
    # The CLI's names are all there is: no parameter of this collection's record is expected.
    core["parameters"] = dict(sorted(values.items()))
    return AccountInfo(
        activated=True, core=core, drift=drift, cost=core_cost_estimate(core, prices), source=SOURCE_AGC_CLI
    )


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
                drift.append(
                    f"default route of {table['RouteTableId']} ({az}) does not point at NAT gateway "
                    f"{nat['NatGatewayId']}"
                )
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
    if record is None and store.values.get("vpc"):
        return _cli_activation(clients, region, account_id, store.values, prices)
    if record is None:
        leftovers = find_managed_vpcs(clients.ec2)
        drift = [
            f"managed VPC {v['VpcId']} exists without an activation record (an interrupted run?)" for v in leftovers
        ]
        return AccountInfo(activated=False, drift=drift, cost=core_cost_estimate({}, prices))

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
            drift += [
                f"infra subnet {s} recorded in InfraSubnets no longer exists"
                for s in record.infra_subnets
                if s not in existing
            ]

    for name, (value, _kind, _type) in record.parameters().items():
        current = store.values.get(name)
        if current is None:
            drift.append(f"SSM parameter /agc/_common/{name} is missing")
        elif current != value:
            drift.append(
                f"SSM parameter /agc/_common/{name} was changed outside Ansible ({current!r}, recorded {value!r})"
            )
    if api.bucket_status(clients.s3, record.bucket) != "owned":
        drift.append(f"bucket {record.bucket} is missing or not accessible")

    core = describe_core(account_id, region, record, network, customer) if (network or customer) else {}
    return AccountInfo(
        activated=True, core=core, drift=drift, cost=core_cost_estimate(core, prices), source=SOURCE_COLLECTION
    )
