"""What a run's tasks may reach: the network policy the local executor hands to each task.

Built once at run start from the run's networking mode and, in VPC mode, from EC2 (a local moto
server) as it is at that moment; enforced inside the task by ``task_sitecustomize.py``, which also
holds the decision logic (``decide``) so that both sides agree.

RESTRICTED mode: no outbound network access, except the AWS service endpoints RESTRICTED runs can
reach (``restricted_allowed``; the executor puts its S3 endpoint there, standing for regional S3).

VPC mode: a TCP destination is reachable when

1. an egress rule of one of the configuration's security groups allows it: protocol ``tcp`` (or ``6``)
   with the port in ``FromPort..ToPort``, or ``-1`` (all traffic), and an ``IpRanges`` (IPv4) or
   ``Ipv6Ranges`` CIDR holding the address. Rules that name a prefix list (``PrefixListIds``, e.g. an
   S3 gateway endpoint's) or another security group (``UserIdGroupPairs``) never match: they describe
   AWS-side addresses and instances, which no address of this machine stands for; and
2. the route table of every subnet the run may be placed in (see ``placement``) routes it: the longest
   matching prefix wins, as in the VPC router; a ``local`` route (the VPC's CIDRs) always delivers;
   a route to a NAT gateway delivers when the gateway is ``available``, is a public one, and sits in a
   subnet whose own route table sends ``0.0.0.0/0`` to an internet gateway attached to the VPC. Any
   other target (an internet gateway directly, since a run's network interface has no public IP;
   peering, transit or virtual private gateways, instances, endpoints) or a ``blackhole`` route
   drops the traffic; IPv6 destinations also get through an egress-only internet gateway.

Placement: a HealthOmics run's network interfaces land in any of the configuration's subnets, so by
default (``placement="all"``) a destination counts as routable only if every configured subnet routes
it: a pre-flight check then catches a subnet that would fail some runs. ``placement="first"`` places
the run in the first configured subnet only.

Loopback addresses (127.0.0.0/8, ::1) stand for the outside world in tests (public internet or
on-premises servers) and get no special treatment: they are outside every VPC CIDR. Network ACLs are
not evaluated (all traffic passes them), and neither are the destination's own inbound rules.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from dataclasses import field

from botocore.exceptions import BotoCoreError
from botocore.exceptions import ClientError

from .network import ResolvedVpc
from .task_sitecustomize import DEFAULT_DROP_TIMEOUT
from .task_sitecustomize import decide

__all__ = ["NetworkSettings", "NetworkReadError", "decide", "restricted_policy", "vpc_policy"]

PLACEMENTS = ("all", "first")
_ATTACHED = ("available", "attached")
_OTHER_TARGETS = (
    ("TransitGatewayId", "a transit gateway"),
    ("VpcPeeringConnectionId", "a VPC peering connection"),
    ("NetworkInterfaceId", "a network interface"),
    ("InstanceId", "an instance"),
    ("LocalGatewayId", "a local gateway"),
    ("CarrierGatewayId", "a carrier gateway"),
    ("CoreNetworkArn", "a Cloud WAN core network"),
    ("VpcEndpointId", "a VPC endpoint"),
)


class NetworkReadError(Exception):
    """EC2 could not be read at run start."""


@dataclass(frozen=True)
class NetworkSettings:
    """How the executor builds policies: drop timeout, placement, what RESTRICTED runs reach."""

    drop_timeout: float = DEFAULT_DROP_TIMEOUT
    placement: str = "all"
    restricted_allowed: tuple[tuple[str, int], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.placement not in PLACEMENTS:
            raise ValueError(f"placement must be one of {PLACEMENTS}, not {self.placement!r}")
        if self.drop_timeout <= 0:
            raise ValueError("drop_timeout must be > 0")


def restricted_policy(settings: NetworkSettings) -> dict:
    return {
        "version": 1,
        "mode": "RESTRICTED",
        "drop_timeout": settings.drop_timeout,
        "restricted_allowed": [list(endpoint) for endpoint in settings.restricted_allowed],
    }


def vpc_policy(ec2, vpc: ResolvedVpc, settings: NetworkSettings) -> dict:
    """The policy of a VPC run, from EC2 as it is now (``ec2`` is a boto3 client)."""
    try:
        groups = ec2.describe_security_groups(GroupIds=list(vpc.security_group_ids))["SecurityGroups"]
        vpcs = ec2.describe_vpcs(VpcIds=[vpc.vpc_id])["Vpcs"]
        vpc_filter = [{"Name": "vpc-id", "Values": [vpc.vpc_id]}]
        tables = ec2.describe_route_tables(Filters=vpc_filter)["RouteTables"]
        nat_gateways = ec2.describe_nat_gateways(Filters=vpc_filter)["NatGateways"]
        internet_gateways = ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc.vpc_id]}]
        )["InternetGateways"]
    except (BotoCoreError, ClientError) as error:
        raise NetworkReadError(f"could not read the network of {vpc.vpc_id} from EC2: {error}") from None

    cidrs = _vpc_cidrs(vpcs[0] if vpcs else {})
    attached_igws = {
        gateway["InternetGatewayId"]
        for gateway in internet_gateways
        if any(
            attachment.get("VpcId") == vpc.vpc_id and attachment.get("State") in _ATTACHED
            for attachment in gateway.get("Attachments", [])
        )
    }
    router = _Router(tables, cidrs, {nat["NatGatewayId"]: nat for nat in nat_gateways}, attached_igws)
    placed = list(vpc.subnet_ids) if settings.placement == "all" else list(vpc.subnet_ids[:1])
    return {
        "version": 1,
        "mode": "VPC",
        "drop_timeout": settings.drop_timeout,
        "vpc": vpc.vpc_id,
        "vpc_cidrs": cidrs,
        "placement": settings.placement,
        "security_groups": list(vpc.security_group_ids),
        "egress_rules": [rule for group in groups for rule in _egress_rules(group)],
        "subnets": [router.subnet(subnet_id) for subnet_id in placed],
    }


def _vpc_cidrs(vpc: dict) -> list[str]:
    cidrs = [
        association["CidrBlock"]
        for association in vpc.get("CidrBlockAssociationSet", [])
        if association.get("CidrBlockState", {}).get("State", "associated") == "associated"
    ]
    if not cidrs and vpc.get("CidrBlock"):
        cidrs = [vpc["CidrBlock"]]
    cidrs += [
        association["Ipv6CidrBlock"]
        for association in vpc.get("Ipv6CidrBlockAssociationSet", [])
        if association.get("Ipv6CidrBlockState", {}).get("State", "associated") == "associated"
    ]
    return cidrs


def _egress_rules(group: dict) -> list[dict]:
    rules = []
    for permission in group.get("IpPermissionsEgress", []):
        protocol = str(permission.get("IpProtocol", "-1")).lower()
        protocol = {"6": "tcp", "17": "udp", "all": "-1"}.get(protocol, protocol)
        ipv4 = [entry["CidrIp"] for entry in permission.get("IpRanges", []) if "CidrIp" in entry]
        ipv6 = [entry["CidrIpv6"] for entry in permission.get("Ipv6Ranges", []) if "CidrIpv6" in entry]
        descriptions = [
            entry.get("Description") for entry in permission.get("IpRanges", []) + permission.get("Ipv6Ranges", [])
        ]
        rules.append(
            {
                "group": group["GroupId"],
                "protocol": protocol,
                "from_port": _port(permission.get("FromPort"), 0),
                "to_port": _port(permission.get("ToPort"), 65535),
                "ipv4": ipv4,
                "ipv6": ipv6,
                "description": next((text for text in descriptions if text), None),
                # Kept for the record; they never match a test address (see the module docstring).
                "prefix_lists": [entry.get("PrefixListId") for entry in permission.get("PrefixListIds", [])],
                "groups": [entry.get("GroupId") for entry in permission.get("UserIdGroupPairs", [])],
            }
        )
    return rules


def _port(value, default: int) -> int:
    """EC2 leaves the ports out (or says -1) for all-traffic and ICMP rules."""
    return default if value is None or int(value) == -1 else int(value)


class _Router:
    """Route tables of one VPC, judged the way traffic from a run's network interface would fare."""

    def __init__(
        self, tables: list[dict], vpc_cidrs: list[str], nat_gateways: dict[str, dict], attached_igws: set[str]
    ):
        self.tables = tables
        self.vpc_cidrs = vpc_cidrs
        self.nat_gateways = nat_gateways
        self.attached_igws = attached_igws

    def table_of(self, subnet_id: str) -> dict | None:
        """The subnet's route table: its explicit association, else the VPC's main table."""
        main = None
        for table in self.tables:
            for association in table.get("Associations", []):
                if association.get("SubnetId") == subnet_id:
                    return table
                if association.get("Main"):
                    main = table
        return main

    def subnet(self, subnet_id: str) -> dict:
        table = self.table_of(subnet_id)
        routes = [self._judge(route) for route in (table or {}).get("Routes", [])]
        routes = [route for route in routes if route is not None]
        present = {route["destination"] for route in routes}
        for cidr in self.vpc_cidrs:  # every route table has the VPC's local routes
            if cidr not in present:
                routes.append({"destination": cidr, "target": "local", "usable": True, "note": "inside the VPC"})
        return {"subnet": subnet_id, "route_table": table["RouteTableId"] if table else None, "routes": routes}

    def _judge(self, route: dict) -> dict | None:
        destination = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
        if not destination:
            return None  # a prefix-list route (gateway endpoint): no address here is in an AWS prefix list
        target, usable, note = self._target(route, destination)
        if route.get("State") == "blackhole":
            usable, note = False, "the route is a blackhole (its target no longer exists)"
        return {"destination": destination, "target": target, "usable": usable, "note": note}

    def _target(self, route: dict, destination: str) -> tuple[str, bool, str]:
        gateway = route.get("GatewayId")
        if gateway == "local":
            return "local", True, "inside the VPC"
        if route.get("NatGatewayId"):
            return (route["NatGatewayId"],) + self._nat(route["NatGatewayId"])
        if route.get("EgressOnlyInternetGatewayId"):
            ipv6 = ipaddress.ip_network(destination, strict=False).version == 6
            return (
                route["EgressOnlyInternetGatewayId"],
                ipv6,
                "egress-only internet gateway" if ipv6 else "an egress-only internet gateway carries IPv6 only",
            )
        if gateway and gateway.startswith("igw-"):
            return (
                gateway,
                False,
                (
                    "an internet gateway: a run's network interface has no public IP, so a public "
                    "subnet gives it no internet access (use a private subnet routed to a NAT gateway)"
                ),
            )
        if gateway and gateway.startswith("vgw-"):
            return (
                gateway,
                False,
                "a virtual private gateway (VPN): not emulated, only NAT gateways reach beyond the VPC",
            )
        if gateway and gateway.startswith("vpce-"):
            return gateway, False, "a VPC endpoint route: not emulated"
        for key, kind in _OTHER_TARGETS:
            if route.get(key):
                return route[key], False, f"{kind}: not emulated, only NAT gateways reach beyond the VPC"
        return gateway or "unknown", False, "an unknown route target"

    def _nat(self, nat_id: str) -> tuple[bool, str]:
        nat = self.nat_gateways.get(nat_id)
        if nat is None:
            return False, f"NAT gateway {nat_id} does not exist in this VPC"
        state = nat.get("State")
        if state != "available":
            return False, f"NAT gateway {nat_id} is {state}, not available"
        if nat.get("ConnectivityType", "public") == "private":
            return False, f"NAT gateway {nat_id} is a private NAT gateway: no internet access"
        nat_subnet = nat.get("SubnetId")
        table = self.table_of(nat_subnet)
        for route in (table or {}).get("Routes", []):
            gateway = route.get("GatewayId") or ""
            if (
                route.get("DestinationCidrBlock") == "0.0.0.0/0"
                and gateway in self.attached_igws
                and route.get("State", "active") == "active"
            ):
                return True, f"NAT gateway {nat_id} in public subnet {nat_subnet} (via {gateway})"
        return False, (
            f"NAT gateway {nat_id} sits in subnet {nat_subnet}, whose route table has no default route "
            "to an internet gateway attached to the VPC"
        )
