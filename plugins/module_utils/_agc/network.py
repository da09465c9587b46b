# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The managed VPC (create, find again by tags, tear down) and inspection of a customer's VPC.

A managed VPC spans 3 AZs: per AZ a public and a private subnet, one NAT gateway with an Elastic
IP in the public subnet and a private route table through it; one public route table to the
internet gateway. In public-only mode there are only the public subnets and the internet gateway.
A customer's VPC is only ever read.
"""

import ipaddress

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import allocate_address
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import associate_route_table
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import attach_internet_gateway
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_internet_gateway
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_nat_gateway
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_route
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_route_table
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_subnet
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_vpc
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_internet_gateway
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_nat_gateway
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_route_table
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_security_group
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_subnet
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_vpc
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_vpc_endpoints
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_addresses
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_availability_zones
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_internet_gateways
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_nat_gateways
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_network_interfaces
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_route_tables
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_security_groups
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_subnets
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_vpc_endpoints
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_vpcs
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import detach_internet_gateway
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import disassociate_route_table
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import modify_subnet_attribute
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import modify_vpc_attribute
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import release_address
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import replace_route
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from . import api
from . import endpoints as vpc_endpoints
from . import waiters
from .common import AZ_TAG
from .common import DEFAULT_ENDPOINT_SERVICES
from .common import MODE_TAG
from .common import PRIVATE
from .common import PUBLIC
from .common import REQUIRED_AZ_COUNT
from .common import ROLE_EIP
from .common import ROLE_ENDPOINT_SG
from .common import ROLE_IGW
from .common import ROLE_NAT
from .common import ROLE_PRIVATE_ROUTE_TABLE
from .common import ROLE_PRIVATE_SUBNET
from .common import ROLE_PUBLIC_ROUTE_TABLE
from .common import ROLE_PUBLIC_SUBNET
from .common import ROLE_TAG
from .common import ROLE_VPC
from .common import VPC_TAG
from .common import AnsibleAGCError
from .common import is_ours
from .common import managed_tags
from .common import ownership_filters
from .common import tag_dict
from .common import tag_specifications

ANYWHERE = "0.0.0.0/0"
_LIVE_NAT_STATES = {"pending", "available"}


# --- layout ------------------------------------------------------------------------------------


def validate_vpc_cidr(value):
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as e:
        raise AnsibleAGCError(message=f"vpc_cidr {value!r} is not an IPv4 network in CIDR notation ({e}); e.g. 10.0.0.0/16.") from e
    if not 16 <= network.prefixlen <= 24:
        raise AnsibleAGCError(
            message=f"vpc_cidr {value!r} has a /{network.prefixlen} prefix; use /16 to /24 so that 3 private and 3 public "
            "subnets fit (AWS allows VPCs from /16 to /28)."
        )
    return str(network)


def subnet_layout(vpc_cidr, azs, public_only):
    """[(az, kind, cidr)]: private subnets get a quarter of the VPC each (room for compute), public
    subnets share the last quarter. In public-only mode the public subnets take the quarters."""
    network = ipaddress.IPv4Network(vpc_cidr)
    quarters = list(network.subnets(prefixlen_diff=2))
    layout = []
    if public_only:
        for index, az in enumerate(azs):
            layout.append((az, PUBLIC, str(quarters[index])))
        return layout
    small = list(quarters[3].subnets(prefixlen_diff=2))
    for index, az in enumerate(azs):
        layout.append((az, PRIVATE, str(quarters[index])))
        layout.append((az, PUBLIC, str(small[index])))
    return layout


def available_zones(ec2):
    zones = describe_availability_zones(
        ec2, Filters=[{"Name": "state", "Values": ["available"]}, {"Name": "zone-type", "Values": ["availability-zone"]}]
    )
    return sorted(z["ZoneName"] for z in zones)


# --- the managed network ------------------------------------------------------------------------


def _role(resource):
    return tag_dict(resource).get(ROLE_TAG)


def _az(resource):
    return tag_dict(resource).get(AZ_TAG)


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

    @property
    def vpc_id(self):
        return self.vpc["VpcId"]

    @property
    def cidr(self):
        return self.vpc["CidrBlock"]

    @classmethod
    def discover(cls, ec2, vpc):
        network = cls(vpc)
        by_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
        network.subnets = describe_subnets(ec2, Filters=by_vpc)
        network.route_tables = describe_route_tables(ec2, Filters=by_vpc)
        # Our IGW and Elastic IPs are found by tag: an interrupted run may have left them unattached.
        network.internet_gateways = describe_internet_gateways(ec2, Filters=ownership_filters(ROLE_IGW, **{VPC_TAG: vpc["VpcId"]})) or []
        network.addresses = describe_addresses(ec2, Filters=ownership_filters(ROLE_EIP, **{VPC_TAG: vpc["VpcId"]}))
        # Deleted ones too: their network interfaces can outlive them for a while, and are ours.
        network.nat_gateways = describe_nat_gateways(ec2, Filters=by_vpc)
        network.endpoints = describe_vpc_endpoints(ec2, Filters=by_vpc)
        network.security_groups = describe_security_groups(ec2, Filters=by_vpc)
        return network

    def _ours(self, resources, role, az=None):
        return [r for r in resources if is_ours(r) and _role(r) == role and (az is None or _az(r) == az)]

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
        found = [n for n in self._ours(self.nat_gateways, ROLE_NAT, az) if n["State"] in _LIVE_NAT_STATES]
        return found[0] if found else None

    def live_nat_gateways(self):
        return sorted((n for n in self._ours(self.nat_gateways, ROLE_NAT) if n["State"] in _LIVE_NAT_STATES), key=_az)

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
        return sorted({_az(s) for s in self.subnets if is_ours(s) and _az(s)})

    def owned_resource_ids(self):
        """Ids of every EC2 resource of ours in this network, for tag updates."""
        ids = [self.vpc_id] if is_ours(self.vpc) else []
        for group in (self.subnets, self.route_tables, self.security_groups):
            ids += [r.get("SubnetId") or r.get("RouteTableId") or r.get("GroupId") for r in group if is_ours(r)]
        ids += [g["InternetGatewayId"] for g in self.internet_gateways if is_ours(g)]
        ids += [n["NatGatewayId"] for n in self.live_nat_gateways()]
        ids += [a["AllocationId"] for a in self.addresses if is_ours(a)]
        ids += [e["VpcEndpointId"] for e in self.our_endpoints()]
        return ids

    def tags_by_resource(self):
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


def network_mode(public_only):
    return "public-only" if public_only else "private"


def vpc_mode(vpc):
    return tag_dict(vpc).get(MODE_TAG)


def find_managed_vpcs(ec2):
    """Every VPC this collection created in the region (normally one)."""
    return sorted(describe_vpcs(ec2, Filters=ownership_filters(ROLE_VPC)), key=lambda v: v["VpcId"])


class NetworkBuilder:
    """Ordered ensure steps for the managed network. In check mode each step only records what it
    would do, so the plan and the apply are the same code."""

    def __init__(self, ec2, region, user_tags, changes, deadline, wait, previous_user_tags=None):
        self.ec2 = ec2
        self.region = region
        self.user_tags = user_tags
        # Tags this collection set last time: removing one from `tags` removes it from resources,
        # while tags added by other tools are left alone.
        self.previous_user_tags = previous_user_tags or {}
        self.deferred = []  # steps left for a later run (wait: false), reported as warnings
        self.changes = changes
        self.check_mode = changes.check_mode
        self.deadline = deadline
        self.wait = wait

    def _tags(self, role, name, az=None, vpc_id=None, service=None):
        return managed_tags(role, self.user_tags, name=name, az=az, vpc_id=vpc_id, service=service)

    def ensure(self, network, cidr, azs, public_only):
        """Create whatever of the managed network is missing; returns the (possibly new) network."""
        if network is None:
            network = self._create_vpc(cidr, public_only)
        self._ensure_internet_gateway(network)
        for az, kind, subnet_cidr in subnet_layout(network.cidr, azs, public_only):
            self._ensure_subnet(network, az, kind, subnet_cidr)
        self._ensure_public_routing(network, azs)
        if not public_only:
            new_nat_ids = [self._ensure_nat_gateway(network, az) for az in azs]
            for az in azs:
                self._ensure_private_route_table(network, az)
            new_endpoint_ids = self._ensure_endpoints(network, azs)
            if self.wait and not self.check_mode:
                pending_nats = [n["NatGatewayId"] for n in network.live_nat_gateways() if n["State"] != "available"]
                pending_endpoints = [e["VpcEndpointId"] for e in network.our_endpoints() if e["State"].lower() != "available"]
                waiters.wait_for(
                    self.ec2,
                    self.deadline,
                    nat_gateway_ids=set(pending_nats) | {i for i in new_nat_ids if i},
                    endpoint_ids=set(pending_endpoints) | set(new_endpoint_ids),
                )
            for az in azs:
                self._ensure_private_default_route(network, az)
        self._ensure_tags(network)
        return network

    # -- steps ------------------------------------------------------------------------------------

    def _create_vpc(self, cidr, public_only):
        mode = network_mode(public_only)
        self.changes.add(f"create VPC {cidr} ({mode} subnets, DNS hostnames on)")
        tags = self._tags(ROLE_VPC, "agc-core")
        tags[MODE_TAG] = mode
        if self.check_mode:
            return ManagedNetwork({"VpcId": None, "CidrBlock": cidr, "Tags": _tag_list(tags)})
        vpc = create_vpc(self.ec2, CidrBlock=cidr, TagSpecifications=tag_specifications("vpc", tags))
        # Private DNS on interface endpoints needs DNS hostnames; DNS support is on by default.
        modify_vpc_attribute(self.ec2, vpc["VpcId"], EnableDnsHostnames={"Value": True})
        return ManagedNetwork(vpc)

    def _ensure_internet_gateway(self, network):
        gateway = network.internet_gateway()
        if gateway is None:
            self.changes.add("create and attach internet gateway")
            if self.check_mode:
                network.internet_gateways.append({"InternetGatewayId": None, "Tags": _tag_list(self._tags(ROLE_IGW, "agc-core"))})
                return
            gateway = create_internet_gateway(self.ec2, self._tags(ROLE_IGW, "agc-core", vpc_id=network.vpc_id))
            network.internet_gateways.append(gateway)
            attach_internet_gateway(self.ec2, gateway["InternetGatewayId"], network.vpc_id)
            gateway["Attachments"] = [{"VpcId": network.vpc_id, "State": "available"}]
            return
        attached = {a.get("VpcId") for a in gateway.get("Attachments") or []}
        if gateway["InternetGatewayId"] and network.vpc_id not in attached:
            self.changes.add(f"attach internet gateway {gateway['InternetGatewayId']}")
            if not self.check_mode:
                attach_internet_gateway(self.ec2, gateway["InternetGatewayId"], network.vpc_id)
            gateway["Attachments"] = [{"VpcId": network.vpc_id, "State": "available"}]

    def _ensure_subnet(self, network, az, kind, cidr):
        if network.subnet(kind, az):
            return
        role = ROLE_PUBLIC_SUBNET if kind == PUBLIC else ROLE_PRIVATE_SUBNET
        tags = self._tags(role, f"agc-{kind}-{az}", az=az)
        self.changes.add(f"create {kind} subnet {cidr} in {az}")
        if self.check_mode:
            network.subnets.append({"SubnetId": None, "AvailabilityZone": az, "CidrBlock": cidr, "Tags": _tag_list(tags)})
            return
        subnet = create_subnet(
            self.ec2, VpcId=network.vpc_id, CidrBlock=cidr, AvailabilityZone=az, TagSpecifications=tag_specifications("subnet", tags)
        )
        if kind == PUBLIC:
            modify_subnet_attribute(self.ec2, subnet["SubnetId"], MapPublicIpOnLaunch={"Value": True})
        network.subnets.append(subnet)

    def _route_table(self, network, role, name, az=None):
        table = network.route_table(role, az)
        if table is not None:
            return table
        self.changes.add(f"create route table {name}")
        tags = self._tags(role, name, az=az)
        if self.check_mode or network.vpc_id is None:
            table = {"RouteTableId": None, "Routes": [], "Associations": [], "Tags": _tag_list(tags)}
        else:
            table = create_route_table(self.ec2, network.vpc_id, tags)
        network.route_tables.append(table)
        return table

    def _associate(self, table, subnet, description):
        if subnet.get("SubnetId") and subnet["SubnetId"] in {a.get("SubnetId") for a in table.get("Associations") or []}:
            return
        self.changes.add(f"associate {description} with route table {_label(table, 'RouteTableId')}")
        if not self.check_mode:
            associate_route_table(self.ec2, table["RouteTableId"], SubnetId=subnet["SubnetId"])
        table.setdefault("Associations", []).append({"SubnetId": subnet.get("SubnetId")})

    def _ensure_route(self, table, target_key, target_id, description):
        """Default route of a route table to its gateway; replaced if it points elsewhere (drift)."""
        current = next((r for r in table.get("Routes") or [] if r.get("DestinationCidrBlock") == ANYWHERE), None)
        if current and target_id and current.get(target_key) == target_id and current.get("State", "active") == "active":
            return
        verb = "point default route of" if current else "add default route to"
        self.changes.add(f"{verb} route table {_label(table, 'RouteTableId')} to {description}")
        if not self.check_mode:
            call = replace_route if current else create_route
            call(self.ec2, table["RouteTableId"], DestinationCidrBlock=ANYWHERE, **{target_key: target_id})
        if current:
            current.update({target_key: target_id, "State": "active"})
        else:
            table.setdefault("Routes", []).append({"DestinationCidrBlock": ANYWHERE, target_key: target_id, "State": "active"})

    def _ensure_public_routing(self, network, azs):
        table = self._route_table(network, ROLE_PUBLIC_ROUTE_TABLE, "agc-public")
        gateway = network.internet_gateway()
        self._ensure_route(table, "GatewayId", gateway["InternetGatewayId"], "the internet gateway")
        for az in azs:
            self._associate(table, network.subnet(PUBLIC, az), f"public subnet in {az}")

    def _ensure_nat_gateway(self, network, az):
        """Start a NAT gateway (no wait) unless the AZ has one; reuses a free Elastic IP of ours."""
        if network.nat_gateway(az):
            return None
        subnet = network.subnet(PUBLIC, az)
        address = network.free_address(az)
        self.changes.add(f"create NAT gateway in {az}" + ("" if address else " with a new Elastic IP"))
        if self.check_mode:
            network.nat_gateways.append({
                "NatGatewayId": None, "State": "pending", "SubnetId": subnet.get("SubnetId"),
                "Tags": _tag_list(self._tags(ROLE_NAT, f"agc-nat-{az}", az=az)),
            })
            return None
        if address is None:
            # Tagged at allocation, so an interruption before the NAT gateway exists leaves a
            # findable Elastic IP that the next run reuses and deactivation releases.
            address = allocate_address(
                self.ec2, Domain="vpc", TagSpecifications=tag_specifications("elastic-ip", self._tags(ROLE_EIP, f"agc-nat-{az}", az=az, vpc_id=network.vpc_id))
            )
            address.setdefault("Tags", _tag_list(self._tags(ROLE_EIP, f"agc-nat-{az}", az=az, vpc_id=network.vpc_id)))
            network.addresses.append(address)
        nat = create_nat_gateway(
            self.ec2,
            SubnetId=subnet["SubnetId"],
            AllocationId=address["AllocationId"],
            TagSpecifications=tag_specifications("natgateway", self._tags(ROLE_NAT, f"agc-nat-{az}", az=az)),
        )
        address["AssociationId"] = address.get("AssociationId") or f"pending:{nat['NatGatewayId']}"
        network.nat_gateways.append(nat)
        return nat["NatGatewayId"]

    def _ensure_private_route_table(self, network, az):
        table = self._route_table(network, ROLE_PRIVATE_ROUTE_TABLE, f"agc-private-{az}", az=az)
        self._associate(table, network.subnet(PRIVATE, az), f"private subnet in {az}")

    def _ensure_private_default_route(self, network, az):
        table = network.route_table(ROLE_PRIVATE_ROUTE_TABLE, az)
        nat = network.nat_gateway(az)
        if nat and nat.get("NatGatewayId") and nat.get("State") == "pending" and not self.wait:
            # AWS routes only to a NAT gateway that exists; without waiting, the next run adds it.
            self.deferred.append(f"the default route of the private subnet in {az} waits for NAT gateway {nat['NatGatewayId']} "
                                 "to become available: run again (or use wait: true) to add it")
            return
        self._ensure_route(table, "NatGatewayId", nat.get("NatGatewayId") if nat else None, f"NAT gateway in {az}")

    def _ensure_endpoints(self, network, azs):
        placement = vpc_endpoints.EndpointPlacement(
            vpc_id=network.vpc_id,
            vpc_cidr=network.cidr,
            subnets_by_az={az: network.subnet(PRIVATE, az).get("SubnetId") for az in azs},
            route_table_ids=[network.route_table(ROLE_PRIVATE_ROUTE_TABLE, az)["RouteTableId"] for az in azs],
        )
        _present, missing = vpc_endpoints.audit(network.endpoints, DEFAULT_ENDPOINT_SERVICES, self.region)
        if missing and network.vpc_id and not vpc_endpoints.dns_hostnames_enabled(self.ec2, network.vpc_id):
            # Private DNS on interface endpoints needs it; a run interrupted after create_vpc lacks it.
            self.changes.add(f"enable DNS hostnames on {network.vpc_id}")
            if not self.check_mode:
                modify_vpc_attribute(self.ec2, network.vpc_id, EnableDnsHostnames={"Value": True})
        return vpc_endpoints.ensure_endpoints(
            self.ec2, self.region, DEFAULT_ENDPOINT_SERVICES, placement, network.endpoints, network.security_groups, self.user_tags, self.changes
        )

    def _ensure_tags(self, network):
        """Bring user tags on existing resources in line with `tags`, one call per distinct change."""
        if network.vpc_id is None:
            return
        batches = {}
        for resource_id, current in network.tags_by_resource().items():
            if resource_id is None:
                continue
            wanted = {k: v for k, v in current.items() if k not in self.user_tags}
            wanted.update(self.user_tags)
            to_set, _to_unset = compare_aws_tags(current, wanted, purge_tags=False)
            to_unset = sorted(k for k in self.previous_user_tags if k not in self.user_tags and k in current)
            if to_set or to_unset:
                key = (tuple(sorted(to_set.items())), tuple(to_unset))
                batches.setdefault(key, []).append(resource_id)
        for (to_set, to_unset), resource_ids in sorted(batches.items()):
            self.changes.add(f"update tags on {len(resource_ids)} resource(s)")
            if self.check_mode:
                continue
            if to_set:
                api.create_tags(self.ec2, resource_ids, dict(to_set))
            if to_unset:
                api.delete_tags(self.ec2, resource_ids, to_unset)


def _label(resource, id_key):
    """Our resources by Name tag, so a check-mode plan reads the same as the apply; others by id."""
    return tag_dict(resource).get("Name") or resource.get(id_key) or "(new)"


def _tag_list(tags):
    return [{"Key": k, "Value": v} for k, v in tags.items()]


# --- teardown ------------------------------------------------------------------------------------


def find_blockers(ec2, network):
    """Things in the managed VPC that this collection did not create and that would block its
    deletion (an instance's network interface, a foreign endpoint, subnet or security group)."""
    ours = set()
    for nat in network.nat_gateways:
        if is_ours(nat):
            ours |= {a.get("NetworkInterfaceId") for a in nat.get("NatGatewayAddresses") or []}
    for endpoint in network.our_endpoints():
        ours |= set(endpoint.get("NetworkInterfaceIds") or [])
    blockers = []
    for eni in describe_network_interfaces(ec2, Filters=[{"Name": "vpc-id", "Values": [network.vpc_id]}]):
        if eni["NetworkInterfaceId"] in ours or eni.get("InterfaceType") in ("nat_gateway", "vpc_endpoint"):
            continue
        owner = (eni.get("Attachment") or {}).get("InstanceId") or eni.get("Description") or eni.get("InterfaceType")
        blockers.append(f"network interface {eni['NetworkInterfaceId']}" + (f" ({owner})" if owner else ""))
    blockers += [f"VPC endpoint {e['VpcEndpointId']} ({e['ServiceName']})" for e in network.endpoints
                 if not is_ours(e) and e["State"].lower() not in ("deleted", "deleting")]
    blockers += [f"subnet {s['SubnetId']}" for s in network.subnets if not is_ours(s)]
    blockers += [f"security group {g['GroupId']} ({g.get('GroupName')})" for g in network.security_groups if not is_ours(g) and g.get("GroupName") != "default"]
    blockers += [f"NAT gateway {n['NatGatewayId']}" for n in network.nat_gateways if not is_ours(n) and n["State"] in _LIVE_NAT_STATES]
    return blockers


def destroy(ec2, network, changes, deadline):
    """Delete a managed network in dependency order. Refuses, deleting nothing, while something
    someone else created stands in the VPC. Resources already gone are skipped."""
    blockers = find_blockers(ec2, network)
    if blockers:
        raise AnsibleAGCError(
            message=f"managed VPC {network.vpc_id} cannot be deleted: it holds resources this collection did not create: "
            f"{'; '.join(blockers)}. Remove them (or move them out of the VPC) and run again; nothing was deleted."
        )
    check_mode = changes.check_mode
    endpoint_ids = [e["VpcEndpointId"] for e in network.our_endpoints()]
    nat_ids = [n["NatGatewayId"] for n in network.live_nat_gateways()]
    if endpoint_ids:
        changes.add(f"delete VPC endpoints {', '.join(endpoint_ids)}")
    for nat_id in nat_ids:
        changes.add(f"delete NAT gateway {nat_id}")
    if not check_mode:
        if endpoint_ids:
            delete_vpc_endpoints(ec2, endpoint_ids)
        for nat_id in nat_ids:
            delete_nat_gateway(ec2, nat_id)
        # Elastic IPs can only be released once their NAT gateways are gone.
        waiters.wait_for(ec2, deadline, nat_gateway_ids=nat_ids, endpoint_ids=endpoint_ids, deleted=True)
    for address in network.addresses:
        if is_ours(address):
            changes.add(f"release Elastic IP {address.get('PublicIp')} ({address['AllocationId']})")
            if not check_mode:
                release_address(ec2, address["AllocationId"])
    for gateway in network.internet_gateways:
        if is_ours(gateway):
            changes.add(f"detach and delete internet gateway {gateway['InternetGatewayId']}")
            if not check_mode:
                for attachment in gateway.get("Attachments") or []:
                    waiters.retry_while_dependent(deadline, detach_internet_gateway, ec2, gateway["InternetGatewayId"], attachment["VpcId"])
                delete_internet_gateway(ec2, gateway["InternetGatewayId"])
    for table in network.route_tables:
        if is_ours(table):
            changes.add(f"delete route table {table['RouteTableId']}")
            if not check_mode:
                for association in table.get("Associations") or []:
                    if not association.get("Main") and association.get("RouteTableAssociationId"):
                        disassociate_route_table(ec2, association["RouteTableAssociationId"])
                delete_route_table(ec2, table["RouteTableId"])
    for subnet in network.subnets:
        if is_ours(subnet):
            changes.add(f"delete subnet {subnet['SubnetId']} ({subnet['CidrBlock']}, {subnet['AvailabilityZone']})")
            if not check_mode:
                waiters.retry_while_dependent(deadline, delete_subnet, ec2, subnet["SubnetId"])
    for group in network.security_groups:
        if is_ours(group):
            changes.add(f"delete security group {group['GroupId']}")
            if not check_mode:
                waiters.retry_while_dependent(deadline, delete_security_group, ec2, group["GroupId"])
    changes.add(f"delete VPC {network.vpc_id}")
    if not check_mode:
        waiters.retry_while_dependent(deadline, delete_vpc, ec2, network.vpc_id)


# --- routing, shared with the HealthOmics preflight -------------------------------------------


def effective_route_table(route_tables, subnet_id):
    """The route table a subnet uses: its explicit association, else the VPC's main table."""
    main = None
    for table in route_tables:
        for association in table.get("Associations") or []:
            if association.get("SubnetId") == subnet_id:
                return table
            if association.get("Main"):
                main = table
    return main


def routes_to_internet_gateway(table):
    """A subnet whose route table reaches an internet gateway is public."""
    return any((r.get("GatewayId") or "").startswith("igw-") for r in (table or {}).get("Routes") or [])


def default_route(table):
    return next((r for r in (table or {}).get("Routes") or [] if r.get("DestinationCidrBlock") == ANYWHERE), None)


# --- a customer's VPC ------------------------------------------------------------------------


class CustomerVpc:
    """A customer's VPC as read (4 describe calls). Never modified, never tagged."""

    def __init__(self, ec2, vpc_id):
        found = describe_vpcs(ec2, Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
        if not found:
            raise AnsibleAGCError(message=f"vpc_id {vpc_id!r} does not exist in this region; check the id and the region.")
        self.vpc = found[0]
        self.vpc_id = vpc_id
        by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
        self.subnets = describe_subnets(ec2, Filters=by_vpc)
        self.route_tables = describe_route_tables(ec2, Filters=by_vpc)
        self.endpoints = describe_vpc_endpoints(ec2, Filters=by_vpc)

    def is_private(self, subnet):
        """A private subnet has no route to an internet gateway."""
        return not routes_to_internet_gateway(effective_route_table(self.route_tables, subnet["SubnetId"]))

    def private_subnets(self):
        return sorted((s for s in self.subnets if self.is_private(s)), key=lambda s: (s["AvailabilityZone"], s["SubnetId"]))

    def validate(self, ec2, requested_subnets, services, region):
        """Infra subnets (the given ones, else all private ones) and warnings; raises on what cannot work."""
        private = self.private_subnets()
        private_azs = sorted({s["AvailabilityZone"] for s in private})
        if not private:
            raise AnsibleAGCError(
                message=f"vpc_id {self.vpc_id!r} has no private subnet (every subnet routes to an internet gateway). AGC "
                "needs private subnets in at least 3 AZs with internet access through NAT; add them or use another VPC."
            )
        if len(private_azs) < REQUIRED_AZ_COUNT:
            raise AnsibleAGCError(
                message=f"vpc_id {self.vpc_id!r} has private subnets in {len(private_azs)} AZ(s) ({', '.join(private_azs)}); "
                f"AGC needs at least {REQUIRED_AZ_COUNT} AZs each with a private subnet."
            )
        warnings = []
        if requested_subnets:
            known = {s["SubnetId"]: s for s in self.subnets}
            foreign = [s for s in requested_subnets if s not in known]
            if foreign:
                elsewhere = {s["SubnetId"]: s["VpcId"] for s in describe_subnets(ec2, Filters=[{"Name": "subnet-id", "Values": foreign}])}
                problems = [
                    f"{s} belongs to {elsewhere[s]}" if s in elsewhere else f"{s} does not exist" for s in foreign
                ]
                raise AnsibleAGCError(
                    message=f"subnets must belong to vpc_id {self.vpc_id}: {'; '.join(problems)}. Give subnets of that VPC."
                )
            chosen = [known[s] for s in requested_subnets]
            public = [s["SubnetId"] for s in chosen if not self.is_private(s)]
            if public:
                warnings.append(f"subnet(s) {', '.join(public)} route to an internet gateway (public); AGC expects private subnets.")
            azs = {s["AvailabilityZone"] for s in chosen}
            if len(chosen) < REQUIRED_AZ_COUNT or len(azs) < REQUIRED_AZ_COUNT:
                warnings.append(
                    f"{len(chosen)} subnet(s) in {len(azs)} AZ(s) given; at least {REQUIRED_AZ_COUNT} subnets across "
                    f"{REQUIRED_AZ_COUNT} AZs are recommended for EC2 capacity and availability."
                )
            infra = list(requested_subnets)
        else:
            infra = [s["SubnetId"] for s in private]
        _present, missing = vpc_endpoints.audit(self.endpoints, services, region)
        if missing:
            warnings.append(
                f"VPC {self.vpc_id} lacks the recommended VPC endpoint(s) {', '.join(missing)}; traffic to them goes through "
                "NAT (cost) or fails without internet. genomics.aws.agc_vpc_endpoints can add them."
            )
        return infra, warnings

    def summary(self):
        return {
            "public": sorted(s["SubnetId"] for s in self.subnets if not self.is_private(s)),
            "private": [s["SubnetId"] for s in self.private_subnets()],
        }
