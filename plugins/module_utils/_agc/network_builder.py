# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Building a managed VPC: ordered ensure steps from the VPC to its endpoints, tags last."""

from functools import partial

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import allocate_address
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import associate_route_table
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import attach_internet_gateway
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_internet_gateway
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_nat_gateway
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_route
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_route_table
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_subnet
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_vpc
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import modify_subnet_attribute
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import modify_vpc_attribute
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import replace_route
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from .._shared.concurrency import steps_together
from .._shared.routing import ANYWHERE
from .._shared.tags import AZ_TAG
from .._shared.tags import ROLE_TAG
from .._shared.tags import SERVICE_TAG
from .._shared.tags import tag_dict
from .._shared.tags import tag_specifications
from . import api
from . import endpoints
from . import waiters
from .common import APP_TAG_KEY
from .common import APP_TAG_VALUE
from .common import MODE_TAG
from .common import PRIVATE
from .common import PUBLIC
from .common import ROLE_EIP
from .common import ROLE_IGW
from .common import ROLE_NAT
from .common import ROLE_PRIVATE_ROUTE_TABLE
from .common import ROLE_PRIVATE_SUBNET
from .common import ROLE_PUBLIC_ROUTE_TABLE
from .common import ROLE_PUBLIC_SUBNET
from .common import ROLE_VPC
from .common import core_tags
from .common import resource_name
from .constants import DEFAULT_ENDPOINT_SERVICES
from .layout import network_mode
from .layout import subnet_layout
from .managed_network import ManagedNetwork


class NetworkBuilder:
    """Ordered ensure steps for the managed network. In check mode each step only records what it
    would do, so the plan and the apply are the same code."""

    def __init__(self, ec2, region, user_tags, changes, deadline, wait, previous_user_tags=None, catalog=None):
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
        # The region's endpoint services (endpoints.LazyCatalog), maybe read ahead by the caller.
        self.catalog = catalog or endpoints.LazyCatalog(ec2, region)

    def _tags(self, role, name, az=None, vpc_id=None, service=None):
        return core_tags(role, self.user_tags, name=name, az=az, vpc_id=vpc_id, service=service)

    def ensure(self, network, cidr, azs, public_only):
        """Create whatever of the managed network is missing; returns the (possibly new) network.

        Steps that do not depend on one another are made together, in three waves after the VPC: what needs only
        the VPC (subnets, route tables, the endpoints' security group, the internet gateway), then what needs those
        (endpoints, NAT gateways, routes and associations), then, once the NAT gateways are available, the private
        subnets' default routes. The endpoints, the slowest to become available (minutes), start first in their
        wave."""
        new_vpc = network is None
        if new_vpc:
            network = self._create_vpc(cidr, public_only)
        missing_endpoints = not public_only and bool(
            endpoints.audit(network.endpoints, DEFAULT_ENDPOINT_SERVICES, self.region)[1]
        )
        first = [partial(self._ensure_dns_hostnames, network, report=not new_vpc)]
        first += [
            partial(self._ensure_subnet, network, az, kind, subnet_cidr)
            for az, kind, subnet_cidr in subnet_layout(network.cidr, azs, public_only)
        ]
        if not public_only:
            first += [partial(self._private_route_table, network, az) for az in azs]
            first.append(partial(self._prepare_endpoint_security_group, network))
            if missing_endpoints and not self.check_mode:
                first.append(self.catalog.get)  # read while the rest is created: the endpoints' creation needs it
        first += [
            partial(self._ensure_internet_gateway, network),
            partial(self._route_table, network, ROLE_PUBLIC_ROUTE_TABLE, resource_name(ROLE_PUBLIC_ROUTE_TABLE)),
        ]
        steps_together(self.changes, first)

        second = []
        if not public_only:
            second.append(partial(self._ensure_endpoints, network, azs))
            second += [partial(self._associate_private_subnet, network, az) for az in azs]
        second.append(partial(self._ensure_public_routing, network, azs))
        if not public_only:
            second += [partial(self._ensure_nat_gateway, network, az) for az in azs]
        made = steps_together(self.changes, second)
        if public_only:
            self._ensure_tags(network, public_only)
            return network

        new_endpoint_ids, new_nat_ids = made[0], made[-len(azs) :]
        if self.wait and not self.check_mode:
            pending_nats = [n["NatGatewayId"] for n in network.live_nat_gateways() if n["State"] != "available"]
            pending_endpoints = [
                e["VpcEndpointId"] for e in network.our_endpoints() if e["State"].lower() != "available"
            ]
            reached = waiters.wait_for(
                self.ec2,
                self.deadline,
                nat_gateway_ids=set(pending_nats) | {i for i in new_nat_ids if i},
                endpoint_ids=set(pending_endpoints) | set(new_endpoint_ids),
            )
            # The result describes the resources as they are now, not as they were created.
            for resource in network.nat_gateways:
                resource["State"] = reached.get(resource.get("NatGatewayId"), resource.get("State"))
            for resource in network.endpoints:
                resource["State"] = reached.get(resource.get("VpcEndpointId"), resource.get("State"))
        deferred = steps_together(
            self.changes, [partial(self._ensure_private_default_route, network, az) for az in azs]
        )
        self.deferred += [message for message in deferred if message]
        self._ensure_tags(network, public_only)
        return network

    # -- steps ------------------------------------------------------------------------------------

    def _create_vpc(self, cidr, public_only):
        mode = network_mode(public_only)
        self.changes.add(f"create VPC {cidr} ({mode} subnets, DNS hostnames on)")
        tags = self._tags(ROLE_VPC, resource_name(ROLE_VPC))
        tags[MODE_TAG] = mode
        if self.check_mode:
            return ManagedNetwork({"VpcId": None, "CidrBlock": cidr, "Tags": ansible_dict_to_boto3_tag_list(tags)})
        vpc = create_vpc(self.ec2, CidrBlock=cidr, TagSpecifications=tag_specifications("vpc", tags))
        network = ManagedNetwork(vpc)
        # Private DNS on interface endpoints needs DNS hostnames (DNS support is on by default): turned on with the
        # first wave of steps, as part of "create VPC".
        network.dns_hostnames = False
        return network

    def _ensure_dns_hostnames(self, network, report=True):
        """DNS hostnames stay on (private DNS of interface endpoints needs them): a run interrupted right after
        create_vpc, or a hand, may have left them off. A new VPC's are turned on as part of "create VPC"."""
        if network.vpc_id is None:
            return
        enabled = network.dns_hostnames
        if enabled is None:
            enabled = endpoints.dns_hostnames_enabled(self.ec2, network.vpc_id)
        if not enabled:
            if report:
                self.changes.add(f"enable DNS hostnames on {network.vpc_id}")
            if not self.check_mode:
                modify_vpc_attribute(self.ec2, network.vpc_id, EnableDnsHostnames={"Value": True})
            network.dns_hostnames = True

    def _ensure_internet_gateway(self, network):
        gateway = network.internet_gateway()
        if gateway is None:
            self.changes.add("create and attach internet gateway")
            if self.check_mode:
                network.internet_gateways.append(
                    {
                        "InternetGatewayId": None,
                        "Tags": ansible_dict_to_boto3_tag_list(self._tags(ROLE_IGW, resource_name(ROLE_IGW))),
                    }
                )
                return
            gateway = create_internet_gateway(
                self.ec2, self._tags(ROLE_IGW, resource_name(ROLE_IGW), vpc_id=network.vpc_id)
            )
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
        existing = network.subnet(kind, az)
        if existing:
            self._ensure_public_ip_on_launch(existing, kind)
            return
        role = ROLE_PUBLIC_SUBNET if kind == PUBLIC else ROLE_PRIVATE_SUBNET
        tags = self._tags(role, resource_name(role, az=az), az=az)
        self.changes.add(
            f"create {kind} subnet {cidr} in {az}" + (" (auto-assign public IPv4 on)" if kind == PUBLIC else "")
        )
        if self.check_mode:
            network.subnets.append(
                {
                    "SubnetId": None,
                    "AvailabilityZone": az,
                    "CidrBlock": cidr,
                    "Tags": ansible_dict_to_boto3_tag_list(tags),
                }
            )
            return
        subnet = create_subnet(
            self.ec2,
            VpcId=network.vpc_id,
            CidrBlock=cidr,
            AvailabilityZone=az,
            TagSpecifications=tag_specifications("subnet", tags),
        )
        network.subnets.append(subnet)
        self._ensure_public_ip_on_launch(subnet, kind, report=False)  # part of "create public subnet"

    def _ensure_public_ip_on_launch(self, subnet, kind, report=True):
        """Public subnets give instances a public IPv4 address (their only way out: there is no NAT in front of
        them); private subnets never do."""
        wanted = kind == PUBLIC
        if bool(subnet.get("MapPublicIpOnLaunch")) == wanted or not subnet.get("SubnetId"):
            return
        if report:
            verb = "turn on" if wanted else "turn off"
            self.changes.add(f"{verb} auto-assign public IPv4 on {kind} subnet {_label(subnet, 'SubnetId')}")
        if not self.check_mode:
            modify_subnet_attribute(self.ec2, subnet["SubnetId"], MapPublicIpOnLaunch={"Value": wanted})
        subnet["MapPublicIpOnLaunch"] = wanted

    def _route_table(self, network, role, name, az=None):
        table = network.route_table(role, az)
        if table is not None:
            return table
        self.changes.add(f"create route table {name}")
        tags = self._tags(role, name, az=az)
        if self.check_mode or network.vpc_id is None:
            table = {
                "RouteTableId": None,
                "Routes": [],
                "Associations": [],
                "Tags": ansible_dict_to_boto3_tag_list(tags),
            }
        else:
            table = create_route_table(self.ec2, network.vpc_id, tags)
        network.route_tables.append(table)
        return table

    def _associate(self, table, subnet, description):
        if subnet.get("SubnetId") and subnet["SubnetId"] in {
            a.get("SubnetId") for a in table.get("Associations") or []
        }:
            return
        self.changes.add(f"associate {description} with route table {_label(table, 'RouteTableId')}")
        if not self.check_mode:
            associate_route_table(self.ec2, table["RouteTableId"], SubnetId=subnet["SubnetId"])
        table.setdefault("Associations", []).append({"SubnetId": subnet.get("SubnetId")})

    def _ensure_route(self, table, target_key, target_id, description):
        """Default route of a route table to its gateway; replaced if it points elsewhere (drift)."""
        current = next((r for r in table.get("Routes") or [] if r.get("DestinationCidrBlock") == ANYWHERE), None)
        if (
            current
            and target_id
            and current.get(target_key) == target_id
            and current.get("State", "active") == "active"
        ):
            return
        verb = "point default route of" if current else "add default route to"
        self.changes.add(f"{verb} route table {_label(table, 'RouteTableId')} to {description}")
        if not self.check_mode:
            call = replace_route if current else create_route
            call(self.ec2, table["RouteTableId"], DestinationCidrBlock=ANYWHERE, **{target_key: target_id})
        if current:
            current.update({target_key: target_id, "State": "active"})
        else:
            table.setdefault("Routes", []).append(
                {"DestinationCidrBlock": ANYWHERE, target_key: target_id, "State": "active"}
            )

    def _ensure_public_routing(self, network, azs):
        table = self._route_table(network, ROLE_PUBLIC_ROUTE_TABLE, resource_name(ROLE_PUBLIC_ROUTE_TABLE))
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
            network.nat_gateways.append(
                {
                    "NatGatewayId": None,
                    "State": "pending",
                    "SubnetId": subnet.get("SubnetId"),
                    "Tags": ansible_dict_to_boto3_tag_list(self._tags(ROLE_NAT, resource_name(ROLE_NAT, az=az), az=az)),
                }
            )
            return None
        if address is None:
            # Tagged at allocation, so an interruption before the NAT gateway exists leaves a
            # findable Elastic IP that the next run reuses and deactivation releases.
            address = allocate_address(
                self.ec2,
                Domain="vpc",
                TagSpecifications=tag_specifications(
                    "elastic-ip", self._tags(ROLE_EIP, resource_name(ROLE_EIP, az=az), az=az, vpc_id=network.vpc_id)
                ),
            )
            address.setdefault(
                "Tags",
                ansible_dict_to_boto3_tag_list(
                    self._tags(ROLE_EIP, resource_name(ROLE_EIP, az=az), az=az, vpc_id=network.vpc_id)
                ),
            )
            network.addresses.append(address)
        nat = create_nat_gateway(
            self.ec2,
            SubnetId=subnet["SubnetId"],
            AllocationId=address["AllocationId"],
            TagSpecifications=tag_specifications(
                "natgateway", self._tags(ROLE_NAT, resource_name(ROLE_NAT, az=az), az=az)
            ),
        )
        address["AssociationId"] = address.get("AssociationId") or f"pending:{nat['NatGatewayId']}"
        network.nat_gateways.append(nat)
        return nat["NatGatewayId"]

    def _private_route_table(self, network, az):
        return self._route_table(
            network, ROLE_PRIVATE_ROUTE_TABLE, resource_name(ROLE_PRIVATE_ROUTE_TABLE, az=az), az=az
        )

    def _associate_private_subnet(self, network, az):
        self._associate(
            network.route_table(ROLE_PRIVATE_ROUTE_TABLE, az), network.subnet(PRIVATE, az), f"private subnet in {az}"
        )

    def _ensure_private_default_route(self, network, az):
        """Returns why the route waits for a later run, if it does."""
        table = network.route_table(ROLE_PRIVATE_ROUTE_TABLE, az)
        nat = network.nat_gateway(az)
        if nat and nat.get("NatGatewayId") and nat.get("State") == "pending" and not self.wait:
            # AWS routes only to a NAT gateway that exists; without waiting, the next run adds it.
            return (
                f"the default route of the private subnet in {az} waits for NAT gateway {nat['NatGatewayId']} "
                "to become available: run again (or use wait: true) to add it"
            )
        self._ensure_route(table, "NatGatewayId", nat.get("NatGatewayId") if nat else None, f"NAT gateway in {az}")
        return None

    def _endpoint_placement(self, network, azs):
        return endpoints.EndpointPlacement(
            vpc_id=network.vpc_id,
            vpc_cidr=network.cidr,
            subnets_by_az={az: network.subnet(PRIVATE, az).get("SubnetId") for az in azs},
            route_table_ids=[network.route_table(ROLE_PRIVATE_ROUTE_TABLE, az)["RouteTableId"] for az in azs],
        )

    def _prepare_endpoint_security_group(self, network):
        """The endpoints' security group needs only the VPC: created with the subnets, not after them."""
        placement = endpoints.EndpointPlacement(
            vpc_id=network.vpc_id, vpc_cidr=network.cidr, subnets_by_az={}, route_table_ids=[]
        )
        endpoints.prepare_security_group(
            self.ec2,
            self.region,
            DEFAULT_ENDPOINT_SERVICES,
            placement,
            network.endpoints,
            network.security_groups,
            self.user_tags,
            self.changes,
        )

    def _ensure_endpoints(self, network, azs):
        return endpoints.ensure_endpoints(
            self.ec2,
            self.region,
            DEFAULT_ENDPOINT_SERVICES,
            self._endpoint_placement(network, azs),
            network.endpoints,
            network.security_groups,
            self.user_tags,
            self.changes,
            catalog=self.catalog,
        )

    def _ensure_tags(self, network, public_only):
        """Bring the tags of existing resources in line: the collection's markers (AGC's application tag, the Name,
        the VPC's mode) and the user's `tags`; one call per distinct change. Tags set by other tools stay."""
        if network.vpc_id is None:
            return
        batches = {}
        for resource_id, current in network.tags_by_resource().items():
            if resource_id is None:
                continue
            wanted = {k: v for k, v in current.items() if k not in self.user_tags}
            wanted.update(self.user_tags)
            wanted.update(_markers(current, public_only))
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


def _markers(tags, public_only):
    """The tags the collection set on a resource when it created it, as far as its role tells them."""
    markers = {APP_TAG_KEY: APP_TAG_VALUE}
    role = tags.get(ROLE_TAG)
    name = resource_name(role, az=tags.get(AZ_TAG), service=tags.get(SERVICE_TAG))
    if name:
        markers["Name"] = name
    if role == ROLE_VPC:
        markers[MODE_TAG] = network_mode(public_only)
    return markers


def _label(resource, id_key):
    """Our resources by Name tag, so a check-mode plan reads the same as the apply; others by id."""
    return tag_dict(resource).get("Name") or resource.get(id_key) or "(new)"
