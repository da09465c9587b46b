# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A managed VPC and everything in it, found again by the collection's tags.

A managed VPC spans 3 AZs: per AZ a public and a private subnet, one NAT gateway with an Elastic
IP in the public subnet and a private route table through it; one public route table to the
internet gateway. In public-only mode there are only the public subnets and the internet gateway.
"""

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_addresses
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_internet_gateways
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_nat_gateways
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_network_interfaces
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_route_tables
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_security_groups
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_subnets
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_vpc_attribute
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_vpc_endpoints
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_vpcs

from .._shared.concurrency import read_together
from .._shared.tags import VPC_TAG
from .._shared.tags import az_of
from .._shared.tags import is_ours
from .._shared.tags import ownership_filters
from .._shared.tags import role_of
from .._shared.tags import tag_dict
from .common import MODE_TAG
from .common import PUBLIC
from .common import ROLE_EIP
from .common import ROLE_ENDPOINT_SG
from .common import ROLE_IGW
from .common import ROLE_NAT
from .common import ROLE_PRIVATE_SUBNET
from .common import ROLE_PUBLIC_SUBNET
from .common import ROLE_VPC

LIVE_NAT_STATES = frozenset(["pending", "available"])


class ManagedNetwork:
    """Everything of one managed VPC, found in one batched describe call per resource type."""

    def __init__(self, vpc):
        self.vpc = vpc
        self.subnets = []
        self.internet_gateways = []
        self.route_tables = []
        self.nat_gateways = []
        self.addresses = []
        self.endpoints = []
        self.security_groups = []
        # Read with the rest when asked (activation converges it); None when not read.
        self.dns_hostnames = None
        # Every network interface in the VPC, read with the rest when asked (a teardown looks for foreign ones).
        self.network_interfaces = None

    @property
    def vpc_id(self):
        return self.vpc["VpcId"]

    @property
    def cidr(self):
        return self.vpc["CidrBlock"]

    @classmethod
    def discover(cls, ec2, vpc, dns_hostnames=False, network_interfaces=False):
        """The network of `vpc`: one describe per kind of resource, all made at once; with dns_hostnames, the VPC's
        DNS hostnames attribute too (which no describe of the VPC returns); with network_interfaces, every network
        interface in the VPC."""
        network = cls(vpc)
        by_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
        # Our IGW and Elastic IPs are found by tag: an interrupted run may have left them unattached.
        in_vpc = {VPC_TAG: vpc["VpcId"]}
        asked = {}
        if dns_hostnames:
            asked["dns_hostnames"] = lambda: bool(
                describe_vpc_attribute(ec2, vpc["VpcId"], "enableDnsHostnames")
                .get("EnableDnsHostnames", {})
                .get("Value")
            )
        if network_interfaces:
            asked["network_interfaces"] = lambda: describe_network_interfaces(ec2, Filters=by_vpc)
        found = read_together(
            {
                **asked,
                "subnets": lambda: describe_subnets(ec2, Filters=by_vpc),
                "route_tables": lambda: describe_route_tables(ec2, Filters=by_vpc),
                "internet_gateways": lambda: (
                    describe_internet_gateways(ec2, Filters=ownership_filters(ROLE_IGW, **in_vpc)) or []
                ),
                "addresses": lambda: describe_addresses(ec2, Filters=ownership_filters(ROLE_EIP, **in_vpc)),
                # Deleted ones too: their network interfaces can outlive them for a while, and are ours.
                "nat_gateways": lambda: describe_nat_gateways(ec2, Filters=by_vpc),
                "endpoints": lambda: describe_vpc_endpoints(ec2, Filters=by_vpc),
                "security_groups": lambda: describe_security_groups(ec2, Filters=by_vpc),
            }
        )
        for name, resources in found.items():
            setattr(network, name, resources)
        return network

    def _ours(self, resources, role, az=None):
        return [r for r in resources if is_ours(r) and role_of(r) == role and (az is None or az_of(r) == az)]

    def subnet(self, kind, az):
        found = self._ours(self.subnets, ROLE_PUBLIC_SUBNET if kind == PUBLIC else ROLE_PRIVATE_SUBNET, az)
        return found[0] if found else None

    def subnets_of(self, kind):
        role = ROLE_PUBLIC_SUBNET if kind == PUBLIC else ROLE_PRIVATE_SUBNET
        return sorted(self._ours(self.subnets, role), key=lambda s: s["AvailabilityZone"])

    def route_table(self, role, az=None):
        found = self._ours(self.route_tables, role, az)
        return found[0] if found else None

    def internet_gateway(self):
        found = self._ours(self.internet_gateways, ROLE_IGW)
        return found[0] if found else None

    def nat_gateway(self, az):
        found = [n for n in self._ours(self.nat_gateways, ROLE_NAT, az) if n["State"] in LIVE_NAT_STATES]
        return found[0] if found else None

    def live_nat_gateways(self):
        return sorted((n for n in self._ours(self.nat_gateways, ROLE_NAT) if n["State"] in LIVE_NAT_STATES), key=az_of)

    def free_address(self, az):
        """An Elastic IP of ours for this AZ that no NAT gateway uses (left by an interrupted run)."""
        for address in self._ours(self.addresses, ROLE_EIP, az):
            if not address.get("AssociationId"):
                return address
        return None

    def endpoint_security_group(self):
        found = self._ours(self.security_groups, ROLE_ENDPOINT_SG)
        return found[0] if found else None

    def our_endpoints(self):
        return [e for e in self.endpoints if is_ours(e) and e["State"].lower() not in ("deleted", "deleting")]

    def azs(self):
        return sorted({az_of(s) for s in self.subnets if is_ours(s) and az_of(s)})

    def tags_by_resource(self):
        """resource id -> tags, for every resource of ours in this network."""
        tags = {}
        for group, key in (
            ([self.vpc], "VpcId"),
            (self.subnets, "SubnetId"),
            (self.route_tables, "RouteTableId"),
            (self.security_groups, "GroupId"),
            (self.internet_gateways, "InternetGatewayId"),
            (self.live_nat_gateways(), "NatGatewayId"),
            (self.addresses, "AllocationId"),
            (self.our_endpoints(), "VpcEndpointId"),
        ):
            for resource in group:
                if is_ours(resource):
                    tags[resource[key]] = tag_dict(resource)
        return tags


def vpc_mode(vpc):
    return tag_dict(vpc).get(MODE_TAG)


def find_managed_vpcs(ec2):
    """Every VPC this collection created in the region (normally one)."""
    return sorted(describe_vpcs(ec2, Filters=ownership_filters(ROLE_VPC)), key=lambda v: v["VpcId"])
