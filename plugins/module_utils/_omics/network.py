# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Network preflight for a HealthOmics configuration: what would make VPC runs fail, found before
anything is created.

HealthOmics puts the run's network interfaces in the configuration's subnets. A run gets no public
IP, so it reaches the internet only through a NAT gateway: each subnet must be private (no route
to an internet gateway) with its default route to a NAT gateway that sits in a public subnet (one
with a route to an internet gateway). Subnets and security groups must exist and share one VPC.
Fewer than 2 AZs, and AZ IDs not known to support VPC runs, are warnings. Read only: 4 describe
calls, filtered by id so that unknown ids give an empty answer rather than an error.
"""

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_nat_gateways
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_route_tables
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_security_groups
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_subnets

from .._shared.errors import AnsibleGenomicsError
from .._shared.routing import default_route
from .._shared.routing import effective_route_table
from .._shared.routing import routes_to_internet_gateway

# AZ IDs where HealthOmics Workflows runs VPC-connected runs, per region: the table of the
# HealthOmics Developer Guide, "Internet access for VPC-connected workflows", as published in
# March 2026. Best effort: AWS adds AZs and regions without notice, so an AZ ID missing here is
# only a warning, and regions not listed are not checked.
KNOWN_VPC_AZ_IDS = {
    "us-east-1": ("use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"),
    "us-west-2": ("usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"),
    "eu-west-1": ("euw1-az1", "euw1-az2", "euw1-az3"),
    "eu-west-2": ("euw2-az1", "euw2-az2", "euw2-az3"),
    "eu-central-1": ("euc1-az1", "euc1-az2", "euc1-az3"),
    "ap-southeast-1": ("apse1-az1", "apse1-az2", "apse1-az3"),
}
RECOMMENDED_AZ_COUNT = 2
_LIVE_NAT_STATES = ("available", "pending")


def _describe_egress(permission):
    protocol = permission.get("IpProtocol")
    if protocol in ("-1", -1, "all"):
        what = "all traffic"
    else:
        name = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}.get(str(protocol), str(protocol))
        low, high = permission.get("FromPort"), permission.get("ToPort")
        if name in ("icmp", "icmpv6") or low in (None, -1):
            what = name
        elif low == 0 and high == 65535:
            what = f"{name} all ports"
        elif low == high:
            what = f"{name} {low}"
        else:
            what = f"{name} {low}-{high}"
    destinations = [r["CidrIp"] for r in permission.get("IpRanges") or []]
    destinations += [r["CidrIpv6"] for r in permission.get("Ipv6Ranges") or []]
    destinations += [p["PrefixListId"] for p in permission.get("PrefixListIds") or []]
    destinations += [g["GroupId"] for g in permission.get("UserIdGroupPairs") or []]
    return [f"{what} to {destination}" for destination in destinations] or [what]


def summarize_egress(group):
    """The outbound rules of a security group in words: ["tcp 443 to 0.0.0.0/0", ...]."""
    summary = []
    for permission in group.get("IpPermissionsEgress") or []:
        summary += _describe_egress(permission)
    return summary


def _lookup(items, key):
    return {item[key]: item for item in items}


class NetworkReport:
    """What the preflight found; `as_dict()` is the module's `network` result."""

    def __init__(self):
        self.vpc_id = None
        self.subnets = []
        self.security_groups = []
        self.warnings = []

    @property
    def availability_zones(self):
        return sorted({s["availability_zone"] for s in self.subnets})

    def as_dict(self):
        return {
            "vpc_id": self.vpc_id,
            "availability_zones": self.availability_zones,
            "subnets": self.subnets,
            "security_groups": self.security_groups,
        }


def check_network(ec2, region, subnet_ids, security_group_ids, vpc_owner_account_id=None):
    """Check the network of a configuration; return a NetworkReport or raise naming every problem."""
    report = NetworkReport()
    problems = []

    subnets = _lookup(describe_subnets(ec2, Filters=[{"Name": "subnet-id", "Values": list(subnet_ids)}]), "SubnetId")
    groups = _lookup(
        describe_security_groups(ec2, Filters=[{"Name": "group-id", "Values": list(security_group_ids)}]), "GroupId"
    )
    missing_subnets = [s for s in subnet_ids if s not in subnets]
    if missing_subnets:
        problems.append(f"subnets {missing_subnets} do not exist in {region}")
    missing_groups = [g for g in security_group_ids if g not in groups]
    if missing_groups:
        problems.append(f"security groups {missing_groups} do not exist in {region}")

    vpcs = sorted({subnet["VpcId"] for subnet in subnets.values()})
    if len(vpcs) > 1:
        placement = ", ".join(f"{s} in {subnets[s]['VpcId']}" for s in subnet_ids if s in subnets)
        problems.append(f"the subnets are in {len(vpcs)} VPCs ({placement}); they must all be in one VPC")
    vpc_id = vpcs[0] if len(vpcs) == 1 else None
    report.vpc_id = vpc_id

    if vpc_id:
        for group_id in security_group_ids:
            group = groups.get(group_id)
            if group and group["VpcId"] != vpc_id:
                problems.append(
                    f"security group {group_id} belongs to {group['VpcId']}, not to the subnets' VPC {vpc_id}"
                )
    if vpc_owner_account_id:
        for subnet_id in subnet_ids:
            owner = (subnets.get(subnet_id) or {}).get("OwnerId")
            if owner and owner != vpc_owner_account_id:
                problems.append(
                    f"subnet {subnet_id} is owned by account {owner}, not by vpc_owner_account_id "
                    f"{vpc_owner_account_id}"
                )

    if vpc_id:
        by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
        route_tables = describe_route_tables(ec2, Filters=by_vpc)
        nat_gateways = _lookup(describe_nat_gateways(ec2, Filters=by_vpc), "NatGatewayId")
        for subnet_id in subnet_ids:
            if subnet_id in subnets:
                entry, problem, warning = _check_subnet(
                    subnets[subnet_id], route_tables, nat_gateways, shared=bool(vpc_owner_account_id)
                )
                report.subnets.append(entry)
                if problem:
                    problems.append(problem)
                if warning:
                    report.warnings.append(warning)

    for group_id in security_group_ids:
        group = groups.get(group_id)
        if group:
            egress = summarize_egress(group)
            report.security_groups.append(
                {
                    "group_id": group_id,
                    "group_name": group.get("GroupName"),
                    "vpc_id": group.get("VpcId"),
                    "egress": egress,
                }
            )
            if not egress:
                report.warnings.append(
                    f"security group {group_id} allows no outbound traffic: runs can reach nothing through it"
                )

    if problems:
        raise AnsibleGenomicsError(
            message="The network cannot carry HealthOmics VPC runs; nothing was created: " + "; ".join(problems) + "."
        )
    _check_zones(report, region)
    return report


def _check_subnet(subnet, route_tables, nat_gateways, shared=False):
    """(report entry, problem or None, warning or None) for one subnet.

    In a VPC shared through RAM (`shared`), the NAT gateways belong to the owner account and this
    account may not see them: one that cannot be seen is then a warning, not an error.
    """
    subnet_id = subnet["SubnetId"]
    table = effective_route_table(route_tables, subnet_id)
    route = default_route(table)
    entry = {
        "subnet_id": subnet_id,
        "cidr_block": subnet.get("CidrBlock"),
        "availability_zone": subnet.get("AvailabilityZone"),
        "availability_zone_id": subnet.get("AvailabilityZoneId"),
        "route_table_id": (table or {}).get("RouteTableId"),
        "nat_gateway_id": None,
    }
    if routes_to_internet_gateway(table):
        gateway = next(r["GatewayId"] for r in table["Routes"] if (r.get("GatewayId") or "").startswith("igw-"))
        return (
            entry,
            (
                f"subnet {subnet_id} is public (its route table {table['RouteTableId']} routes to {gateway}): a run in "
                "a "
                "public subnet gets no public IP and so no internet access; use private subnets routed through a NAT "
                "gateway"
            ),
            None,
        )
    if route is None or route.get("State") == "blackhole":
        why = "no default route (0.0.0.0/0)" if route is None else "a blackhole default route (its target is gone)"
        return (
            entry,
            (
                f"subnet {subnet_id} has {why} in route table {(table or {}).get('RouteTableId')}: add 0.0.0.0/0 via a "
                "NAT "
                "gateway in a public subnet"
            ),
            None,
        )
    nat_id = route.get("NatGatewayId")
    if not nat_id:
        target = next(
            (route[k] for k in sorted(route) if k.endswith("Id") and k != "DestinationPrefixListId" and route[k]), "?"
        )
        return (
            entry,
            None,
            (
                f"subnet {subnet_id} sends its default route to {target}, not to a NAT gateway of this VPC; the module "
                "cannot check that runs reach the internet that way"
            ),
        )
    entry["nat_gateway_id"] = nat_id
    nat = nat_gateways.get(nat_id)
    if nat is None and shared:
        return (
            entry,
            None,
            (
                f"subnet {subnet_id} routes 0.0.0.0/0 to NAT gateway {nat_id}, which this account cannot see (the VPC "
                "is "
                "shared by its owner); its placement is not checked"
            ),
        )
    if nat is None or nat.get("State") not in _LIVE_NAT_STATES:
        state = "missing" if nat is None else nat.get("State")
        return entry, f"subnet {subnet_id} routes 0.0.0.0/0 to NAT gateway {nat_id}, which is {state}", None
    if nat.get("ConnectivityType") == "private":
        return (
            entry,
            f"subnet {subnet_id} routes 0.0.0.0/0 to {nat_id}, a private NAT gateway, which cannot reach the internet",
            None,
        )
    nat_table = effective_route_table(route_tables, nat["SubnetId"])
    if not routes_to_internet_gateway(nat_table):
        return (
            entry,
            (
                f"subnet {subnet_id} routes 0.0.0.0/0 to NAT gateway {nat_id}, which sits in subnet {nat['SubnetId']}: "
                "a private subnet (no route to an internet gateway), so the NAT gateway cannot reach the internet; "
                "put the NAT gateway in a public subnet"
            ),
            None,
        )
    return entry, None, None


def _check_zones(report, region):
    zones = report.availability_zones
    if len(zones) < RECOMMENDED_AZ_COUNT:
        report.warnings.append(
            f"the subnets cover {len(zones)} Availability Zone ({', '.join(zones)}); use at least "
            f"{RECOMMENDED_AZ_COUNT} so that runs survive the loss of one"
        )
    known = KNOWN_VPC_AZ_IDS.get(region)
    if known is None:
        report.warnings.append(
            f"this module does not know which AZ IDs of {region} support HealthOmics VPC runs; check the HealthOmics "
            "documentation (Internet access for VPC-connected workflows)"
        )
        return
    for subnet in report.subnets:
        zone_id = subnet.get("availability_zone_id")
        if zone_id and zone_id not in known:
            report.warnings.append(
                f"subnet {subnet['subnet_id']} is in {subnet['availability_zone']} (AZ ID {zone_id}), which is not "
                "among "
                f"the AZ IDs known to support HealthOmics VPC runs in {region} ({', '.join(known)}; a best-effort list)"
            )
