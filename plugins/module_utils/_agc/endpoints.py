# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""VPC endpoints: the one implementation behind agc_account's managed VPC and agc_vpc_endpoints.

An endpoint that already exists for a service, whoever made it, counts as present. Only endpoints
carrying the collection's ownership tag are ever deleted.
"""

import ipaddress
from dataclasses import dataclass
from functools import partial

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import authorize_security_group_ingress
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_security_group
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_vpc_endpoint
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_security_group
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_vpc_endpoints
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_vpc_attribute
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_vpc_endpoint_services
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import revoke_security_group_ingress
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from .._shared.concurrency import run_together
from .._shared.errors import AnsibleGenomicsError
from .._shared.tags import is_ours
from .._shared.tags import role_of
from .._shared.tags import tag_specifications
from . import api
from .common import ROLE_ENDPOINT
from .common import ROLE_ENDPOINT_SG
from .common import core_tags
from .common import resource_name
from .constants import GATEWAY_ENDPOINT_SERVICES

ENDPOINT_SECURITY_GROUP_NAME = resource_name(ROLE_ENDPOINT_SG)
_INACTIVE_STATES = {"deleting", "deleted", "failed", "rejected", "expired"}


def short_service_name(service_name, region):
    prefix = f"com.amazonaws.{region}."
    return service_name[len(prefix) :] if service_name.startswith(prefix) else service_name


def full_service_name(service, region):
    """`s3` -> `com.amazonaws.<region>.s3`; full names (com.amazonaws..., aws.sagemaker...) pass through."""
    if service.startswith(("com.amazonaws.", "aws.")):
        return service
    return f"com.amazonaws.{region}.{service}"


def endpoint_type(service):
    return "Gateway" if service in GATEWAY_ENDPOINT_SERVICES else "Interface"


class EndpointCatalog:
    """The region's endpoint services, fetched once, used to validate names and pick AZs."""

    def __init__(self, ec2, region):
        self.region = region
        self.details = {}
        for detail in describe_vpc_endpoint_services(ec2).get("ServiceDetails", []):
            types = {t["ServiceType"] for t in detail.get("ServiceType", [])}
            entry = self.details.setdefault(detail["ServiceName"], {"types": set(), "azs": set()})
            entry["types"] |= types
            entry["azs"] |= set(detail.get("AvailabilityZones") or [])

    def validate(self, services):
        unknown = [s for s in services if full_service_name(s, self.region) not in self.details]
        if unknown:
            raise AnsibleGenomicsError(
                message=f"unknown VPC endpoint service(s) {', '.join(unknown)} in {self.region}. Use the short name "
                f"of a service the region offers (e.g. s3, ecr.api, secretsmanager, execute-api); "
                f"'aws ec2 describe-vpc-endpoint-services' lists them."
            )
        for service in services:
            wanted = endpoint_type(service)
            offered = self.details[full_service_name(service, self.region)]["types"]
            if offered and wanted not in offered:
                raise AnsibleGenomicsError(
                    message=f"service {service} offers {'/'.join(sorted(offered))} endpoints in {self.region}, "
                    f"not {wanted}."
                )

    def zones(self, service):
        return self.details.get(full_service_name(service, self.region), {}).get("azs", set())


def active_endpoints_by_service(endpoints, region):
    """short service name -> endpoint, for endpoints that are not being deleted or failed."""
    found = {}
    for endpoint in endpoints:
        if endpoint["State"].lower() in _INACTIVE_STATES:
            continue
        found.setdefault(short_service_name(endpoint["ServiceName"], region), endpoint)
    return found


def audit(endpoints, services, region):
    """(present: {service: endpoint}, missing: [service]) for the requested services."""
    existing = active_endpoints_by_service(endpoints, region)
    present = {s: existing[s] for s in services if s in existing}
    missing = [s for s in services if s not in existing]
    return present, missing


def endpoint_security_group_rule(vpc_cidr):
    return {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "IpRanges": [{"CidrIp": vpc_cidr, "Description": "HTTPS from the VPC to its interface endpoints"}],
    }


def create_endpoint_security_group(ec2, vpc_id, vpc_cidr, user_tags, name=ENDPOINT_SECURITY_GROUP_NAME):
    """A security group admitting only TCP 443 from the VPC CIDR, for interface endpoints."""
    ipaddress.ip_network(vpc_cidr)
    group = create_security_group(
        ec2,
        GroupName=name,
        Description="genomics.aws: HTTPS from the VPC to its interface endpoints",
        VpcId=vpc_id,
        TagSpecifications=tag_specifications(
            "security-group", core_tags(ROLE_ENDPOINT_SG, user_tags, name=name, vpc_id=vpc_id)
        ),
    )
    authorize_security_group_ingress(
        ec2, GroupId=group["GroupId"], IpPermissions=[endpoint_security_group_rule(vpc_cidr)]
    )
    return group["GroupId"]


def create_endpoint(
    ec2, vpc_id, service, region, route_table_ids, subnet_ids, security_group_ids, private_dns, user_tags
):
    """Create one endpoint (no wait). Gateway endpoints attach to route tables, interface ones to subnets."""
    name = resource_name(ROLE_ENDPOINT, service=service)
    params = dict(
        VpcId=vpc_id,
        ServiceName=full_service_name(service, region),
        VpcEndpointType=endpoint_type(service),
        TagSpecifications=tag_specifications(
            "vpc-endpoint", core_tags(ROLE_ENDPOINT, user_tags, name=name, vpc_id=vpc_id, service=service)
        ),
    )
    if endpoint_type(service) == "Gateway":
        params["RouteTableIds"] = list(route_table_ids)
    else:
        params.update(
            SubnetIds=list(subnet_ids), SecurityGroupIds=list(security_group_ids), PrivateDnsEnabled=private_dns
        )
    return create_vpc_endpoint(ec2, **params)


def interface_subnets(subnets_by_az, zones):
    """One subnet per AZ (an interface endpoint takes at most one per AZ), limited to the service's AZs."""
    chosen = [subnet_id for az, subnet_id in sorted(subnets_by_az.items()) if not zones or az in zones]
    return chosen


def missing_route_tables(endpoint, route_table_ids):
    return sorted(set(route_table_ids) - set(endpoint.get("RouteTableIds") or []))


def our_endpoint_security_group(security_groups, vpc_id):
    for group in security_groups:
        if is_ours(group) and role_of(group) == ROLE_ENDPOINT_SG and group.get("VpcId", vpc_id) == vpc_id:
            return group
    return None


def dns_hostnames_enabled(ec2, vpc_id):
    return bool(describe_vpc_attribute(ec2, vpc_id, "enableDnsHostnames").get("EnableDnsHostnames", {}).get("Value"))


@dataclass
class EndpointPlacement:
    """Where new endpoints go: interface endpoints in one subnet per AZ, gateway endpoints on route tables."""

    vpc_id: str
    vpc_cidr: str
    subnets_by_az: dict
    route_table_ids: list
    security_group_ids: list = None  # None: the collection's own group (found or created)
    private_dns: bool = True


def ensure_endpoints(ec2, region, services, placement, endpoints, security_groups, user_tags, changes, catalog=None):
    """Create (without waiting) an endpoint for every service that has none, and converge the collection's own
    endpoints and security group to the placement: route tables of gateway endpoints, subnets, security groups and
    private DNS of interface endpoints, the group's one rule. `endpoints` and `security_groups` are the VPC's as
    discovered and are updated in place. `catalog` (a LazyCatalog) may hold the region's endpoint services, read
    ahead. Returns the ids of the endpoints created."""
    present, missing = audit(endpoints, services, region)
    ours = [e for e in present.values() if is_ours(e)]
    _attach_route_tables(ec2, ours, placement.route_table_ids, changes)
    group = our_endpoint_security_group(security_groups, placement.vpc_id)
    if group is not None:
        ensure_endpoint_group_rules(ec2, group, placement.vpc_cidr, changes)
    catalog = catalog or LazyCatalog(ec2, region)
    group_ids = placement.security_group_ids
    if group_ids is None and group is not None:
        group_ids = [group["GroupId"]]
    for endpoint in ours:
        if endpoint.get("VpcEndpointType") == "Interface":
            _converge_interface_endpoint(ec2, endpoint, placement, group_ids, catalog, region, changes)
    if not missing:
        return []
    catalog.get().validate(missing)
    if group_ids is None and any(endpoint_type(s) == "Interface" for s in missing):
        group_ids = [_create_security_group(ec2, placement, security_groups, user_tags, changes)["GroupId"]]
    creations = {}
    for service in missing:
        kind = endpoint_type(service)
        changes.add(f"create {kind.lower()} endpoint for {service}")
        if changes.check_mode:
            endpoints.append(
                {
                    "VpcEndpointId": None,
                    "ServiceName": full_service_name(service, region),
                    "VpcEndpointType": kind,
                    "State": "pending",
                    "Tags": ansible_dict_to_boto3_tag_list(
                        core_tags(ROLE_ENDPOINT, user_tags, vpc_id=placement.vpc_id, service=service)
                    ),
                }
            )
            continue
        creations[service] = partial(
            create_endpoint,
            ec2,
            placement.vpc_id,
            service,
            region,
            route_table_ids=placement.route_table_ids,
            subnet_ids=interface_subnets(placement.subnets_by_az, catalog.get().zones(service)),
            security_group_ids=group_ids,
            private_dns=placement.private_dns,
            user_tags=user_tags,
        )
    # Each endpoint takes minutes to become available and none depends on another: they are created together.
    made = run_together(creations)
    endpoints.extend(made[service] for service in creations)
    return [made[service]["VpcEndpointId"] for service in creations]


def prepare_security_group(ec2, region, services, placement, endpoints, security_groups, user_tags, changes):
    """Create the endpoints' security group that ensure_endpoints would create, ahead of it: a new VPC's group needs
    only the VPC, and is then ready when its endpoints are created, with the subnets and route tables they need."""
    if placement.security_group_ids is not None or our_endpoint_security_group(security_groups, placement.vpc_id):
        return
    _present, missing = audit(endpoints, services, region)
    if any(endpoint_type(s) == "Interface" for s in missing):
        _create_security_group(ec2, placement, security_groups, user_tags, changes)


def _create_security_group(ec2, placement, security_groups, user_tags, changes):
    changes.add(f"create security group {ENDPOINT_SECURITY_GROUP_NAME} (TCP 443 from {placement.vpc_cidr})")
    group_tags = core_tags(ROLE_ENDPOINT_SG, user_tags, name=ENDPOINT_SECURITY_GROUP_NAME, vpc_id=placement.vpc_id)
    group = {
        "GroupId": None,
        "VpcId": placement.vpc_id,
        "Tags": ansible_dict_to_boto3_tag_list(group_tags),
        "IpPermissions": [endpoint_security_group_rule(placement.vpc_cidr)],
    }
    if not changes.check_mode:
        group["GroupId"] = create_endpoint_security_group(ec2, placement.vpc_id, placement.vpc_cidr, user_tags)
    security_groups.append(group)
    return group


class LazyCatalog:
    """The region's endpoint services, read (one batched call) only when a run needs them."""

    def __init__(self, ec2, region):
        self._ec2 = ec2
        self._region = region
        self._catalog = None

    def get(self):
        if self._catalog is None:
            self._catalog = EndpointCatalog(self._ec2, self._region)
        return self._catalog


def _rule_targets(permissions):
    """Security group permissions as single-target rules: (protocol, from port, to port, target key, target)."""
    rules = set()
    for permission in permissions or []:
        head = (str(permission.get("IpProtocol")), permission.get("FromPort"), permission.get("ToPort"))
        for key, field in (
            ("IpRanges", "CidrIp"),
            ("Ipv6Ranges", "CidrIpv6"),
            ("PrefixListIds", "PrefixListId"),
            ("UserIdGroupPairs", "GroupId"),
        ):
            for target in permission.get(key) or []:
                rules.add(head + (key, target.get(field)))
    return rules


def _permission(rule):
    protocol, from_port, to_port, key, target = rule
    field = {
        "IpRanges": "CidrIp",
        "Ipv6Ranges": "CidrIpv6",
        "PrefixListIds": "PrefixListId",
        "UserIdGroupPairs": "GroupId",
    }[key]
    permission = {"IpProtocol": protocol, key: [{field: target}]}
    if from_port is not None:
        permission.update(FromPort=from_port, ToPort=to_port)
    return permission


def ensure_endpoint_group_rules(ec2, group, vpc_cidr, changes):
    """The collection's endpoint security group admits exactly TCP 443 from the VPC: a missing rule is added back,
    any other inbound rule is revoked."""
    if not group.get("GroupId"):
        return
    wanted = _rule_targets([endpoint_security_group_rule(vpc_cidr)])
    current = _rule_targets(group.get("IpPermissions"))
    missing, extra = wanted - current, current - wanted
    if missing:
        changes.add(
            f"allow TCP 443 from {vpc_cidr} into security group {group['GroupId']} ({ENDPOINT_SECURITY_GROUP_NAME})"
        )
        if not changes.check_mode:
            authorize_security_group_ingress(
                ec2, GroupId=group["GroupId"], IpPermissions=[endpoint_security_group_rule(vpc_cidr)]
            )
    if extra:
        changes.add(
            f"revoke {len(extra)} other inbound rule(s) of security group {group['GroupId']} "
            f"({ENDPOINT_SECURITY_GROUP_NAME})"
        )
        if not changes.check_mode:
            revoke_security_group_ingress(
                ec2, GroupId=group["GroupId"], IpPermissions=[_permission(r) for r in sorted(extra, key=str)]
            )
    if missing or extra:
        group["IpPermissions"] = [endpoint_security_group_rule(vpc_cidr)]


def _converge_interface_endpoint(ec2, endpoint, placement, group_ids, catalog, region, changes):
    """One of the collection's interface endpoints: the placement's subnets (one per AZ the service offers), the
    placement's security groups and private DNS."""
    service = short_service_name(endpoint["ServiceName"], region)
    current_subnets = set(endpoint.get("SubnetIds") or [])
    wanted_subnets = set(placement.subnets_by_az.values())
    if current_subnets != wanted_subnets and placement.subnets_by_az:
        # Only when they differ: which AZs the service offers takes a read.
        wanted_subnets = set(interface_subnets(placement.subnets_by_az, catalog.get().zones(service)))
    else:
        wanted_subnets = current_subnets if not placement.subnets_by_az else wanted_subnets
    current_groups = {g["GroupId"] for g in endpoint.get("Groups") or []}
    wanted_groups = set(group_ids) if group_ids and all(group_ids) else current_groups
    changes_to_make = {}
    if wanted_subnets - current_subnets:
        changes_to_make["AddSubnetIds"] = sorted(wanted_subnets - current_subnets)
    if current_subnets - wanted_subnets:
        changes_to_make["RemoveSubnetIds"] = sorted(current_subnets - wanted_subnets)
    if wanted_groups - current_groups:
        changes_to_make["AddSecurityGroupIds"] = sorted(wanted_groups - current_groups)
    if current_groups - wanted_groups:
        changes_to_make["RemoveSecurityGroupIds"] = sorted(current_groups - wanted_groups)
    if bool(endpoint.get("PrivateDnsEnabled")) != placement.private_dns:
        changes_to_make["PrivateDnsEnabled"] = placement.private_dns
    if not changes_to_make:
        return
    said = ", ".join(f"{key} {value}" for key, value in changes_to_make.items())
    changes.add(f"converge interface endpoint {endpoint['VpcEndpointId']} ({service}): {said}")
    if not changes.check_mode:
        api.modify_endpoint(ec2, endpoint["VpcEndpointId"], **changes_to_make)
    endpoint["SubnetIds"] = sorted(wanted_subnets)
    endpoint["Groups"] = [{"GroupId": g} for g in sorted(wanted_groups)]
    endpoint["PrivateDnsEnabled"] = placement.private_dns


def _attach_route_tables(ec2, endpoints, route_table_ids, changes):
    tables = [t for t in route_table_ids if t]
    for endpoint in endpoints:
        if endpoint.get("VpcEndpointType") != "Gateway" or not endpoint.get("VpcEndpointId"):
            continue
        missing = missing_route_tables(endpoint, tables)
        if missing:
            changes.add(f"attach route table(s) {', '.join(missing)} to endpoint {endpoint['VpcEndpointId']}")
            if not changes.check_mode:
                api.add_endpoint_route_tables(ec2, endpoint["VpcEndpointId"], missing)
            endpoint["RouteTableIds"] = sorted(set(endpoint.get("RouteTableIds") or []) | set(missing))


def remove_our_endpoints(ec2, region, services, endpoints, changes):
    """Delete (without waiting) the endpoints of these services that this collection created.
    Returns the ids deleted; endpoints made by anyone else are never touched."""
    doomed = [
        e for s, e in active_endpoints_by_service([e for e in endpoints if is_ours(e)], region).items() if s in services
    ]
    ids = [e["VpcEndpointId"] for e in doomed]
    if ids:
        changes.add(
            f"delete VPC endpoints {', '.join(ids)} "
            f"({', '.join(short_service_name(e['ServiceName'], region) for e in doomed)})"
        )
        if not changes.check_mode:
            delete_vpc_endpoints(ec2, ids)
        for endpoint in doomed:
            endpoint["State"] = "deleting"
    return ids


def remove_unused_security_group(ec2, endpoints, security_groups, vpc_id, changes):
    """Delete the collection's endpoint security group once no live endpoint uses it."""
    group = our_endpoint_security_group(security_groups, vpc_id)
    if group is None:
        return False
    in_use = any(
        group["GroupId"] in {g["GroupId"] for g in e.get("Groups") or []}
        for e in endpoints
        if e["State"].lower() not in ("deleting", "deleted")
    )
    if in_use:
        return False
    changes.add(f"delete security group {group['GroupId']} ({ENDPOINT_SECURITY_GROUP_NAME})")
    if not changes.check_mode:
        delete_security_group(ec2, group["GroupId"])
    security_groups.remove(group)
    return True


def describe_endpoint(endpoint, region):
    return {
        "service": short_service_name(endpoint["ServiceName"], region),
        "service_name": endpoint["ServiceName"],
        "id": endpoint.get("VpcEndpointId"),
        "type": endpoint.get("VpcEndpointType"),
        "state": (endpoint.get("State") or "").lower(),
        "managed": is_ours(endpoint),
        "subnet_ids": list(endpoint.get("SubnetIds") or []),
        "route_table_ids": list(endpoint.get("RouteTableIds") or []),
        "security_group_ids": [g["GroupId"] for g in endpoint.get("Groups") or []],
        "private_dns_enabled": endpoint.get("PrivateDnsEnabled"),
    }
