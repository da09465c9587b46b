# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""agc_vpc_endpoints: the recommended (or any) VPC endpoints in a VPC, audited or ensured.

Adds endpoints and, when it must, one security group of its own; never changes anything else in
the VPC. An endpoint that exists for a service, whoever made it, counts as present; only the
collection's own endpoints are ever removed.
"""

import re
from dataclasses import dataclass
from dataclasses import field

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_security_groups
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_subnets
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_vpc_endpoints

from . import endpoints as shared
from . import waiters
from .common import DEFAULT_ENDPOINT_SERVICES
from .common import RESERVED_TAG_KEYS
from .common import AnsibleAGCError
from .common import ChangeLog
from .common import Deadline
from .network import CustomerVpc
from .network import effective_route_table

_VPC_ID = re.compile(r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?$")
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?$")
_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8}([0-9a-f]{9})?$")
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")


@dataclass
class EndpointsRequest:
    vpc_id: str
    services: list = field(default_factory=lambda: list(DEFAULT_ENDPOINT_SERVICES))
    subnets: list = field(default_factory=list)
    security_groups: list = field(default_factory=list)
    private_dns: bool = True
    tags: dict = field(default_factory=dict)
    state: str = "present"
    wait: bool = True
    wait_timeout: int = 600

    @classmethod
    def from_params(cls, params):
        services = params.get("services")
        request = cls(
            vpc_id=params["vpc_id"],
            services=list(dict.fromkeys(services)) if services is not None else list(DEFAULT_ENDPOINT_SERVICES),
            subnets=list(dict.fromkeys(params.get("subnets") or [])),
            security_groups=list(dict.fromkeys(params.get("security_groups") or [])),
            private_dns=params.get("private_dns", True) is not False,
            tags={str(k): str(v) for k, v in (params.get("tags") or {}).items()},
            state=params.get("state") or "present",
            wait=params.get("wait", True) is not False,
            wait_timeout=int(params.get("wait_timeout") or 600),
        )
        request.validate()
        return request

    def validate(self):
        if not _VPC_ID.match(self.vpc_id or ""):
            raise AnsibleAGCError(message=f"vpc_id {self.vpc_id!r} is not a VPC id (vpc- followed by 8 or 17 hex digits).")
        if not self.services:
            raise AnsibleAGCError(message="services is empty; name at least one service, or omit it for the recommended list.")
        bad = [s for s in self.services if not _SERVICE.match(s)]
        if bad:
            raise AnsibleAGCError(message=f"services {', '.join(map(repr, bad))} are not endpoint service names (e.g. s3, ecr.api, secretsmanager).")
        bad = [s for s in self.subnets if not _SUBNET_ID.match(s)]
        if bad:
            raise AnsibleAGCError(message=f"subnets {', '.join(map(repr, bad))} are not subnet ids.")
        bad = [g for g in self.security_groups if not _GROUP_ID.match(g)]
        if bad:
            raise AnsibleAGCError(message=f"security_groups {', '.join(map(repr, bad))} are not security group ids (sg-...).")
        if len(self.security_groups) > 5:
            raise AnsibleAGCError(message=f"{len(self.security_groups)} security_groups given; an endpoint takes at most 5.")
        for key in self.tags:
            if key in RESERVED_TAG_KEYS or key.startswith(("aws:", "agc:")):
                raise AnsibleAGCError(message=f"tag key {key!r} is reserved (set by the collection or AWS); choose another key.")
        if self.wait_timeout <= 0:
            raise AnsibleAGCError(message=f"wait_timeout {self.wait_timeout} must be a positive number of seconds.")


@dataclass
class EndpointsOutcome:
    changes: ChangeLog
    present: list
    missing: list
    endpoints: list
    security_group_id: str = None
    warnings: list = field(default_factory=list)

    @property
    def changed(self):
        return bool(self.changes)


def _placement(ec2, vpc, request, security_groups):
    """Subnets (one per AZ) and route tables for new endpoints, validated against the VPC."""
    known = {s["SubnetId"]: s for s in vpc.subnets}
    if request.subnets:
        foreign = [s for s in request.subnets if s not in known]
        if foreign:
            elsewhere = {s["SubnetId"]: s["VpcId"] for s in describe_subnets(ec2, Filters=[{"Name": "subnet-id", "Values": foreign}])}
            problems = [f"{s} belongs to {elsewhere[s]}" if s in elsewhere else f"{s} does not exist" for s in foreign]
            raise AnsibleAGCError(message=f"subnets must belong to vpc_id {vpc.vpc_id}: {'; '.join(problems)}.")
        chosen = [known[s] for s in request.subnets]
        by_az = {}
        for subnet in chosen:
            if subnet["AvailabilityZone"] in by_az:
                raise AnsibleAGCError(
                    message=f"subnets {by_az[subnet['AvailabilityZone']]} and {subnet['SubnetId']} are both in "
                    f"{subnet['AvailabilityZone']}; an interface endpoint takes one subnet per AZ. Give one per AZ."
                )
            by_az[subnet["AvailabilityZone"]] = subnet["SubnetId"]
        table_subnets = chosen
    else:
        private = vpc.private_subnets()
        by_az = {}
        for subnet in private:  # sorted by AZ then id: the first private subnet of each AZ
            by_az.setdefault(subnet["AvailabilityZone"], subnet["SubnetId"])
        table_subnets = private
    tables = []
    for subnet in table_subnets:
        table = effective_route_table(vpc.route_tables, subnet["SubnetId"])
        if table and table["RouteTableId"] not in tables:
            tables.append(table["RouteTableId"])
    group_ids = None
    if request.security_groups:
        found = {g["GroupId"]: g for g in describe_security_groups(ec2, Filters=[{"Name": "group-id", "Values": request.security_groups}])}
        problems = [
            f"{g} does not exist" if g not in found else f"{g} belongs to {found[g]['VpcId']}"
            for g in request.security_groups
            if g not in found or found[g]["VpcId"] != vpc.vpc_id
        ]
        if problems:
            raise AnsibleAGCError(message=f"security_groups must belong to vpc_id {vpc.vpc_id}: {'; '.join(problems)}.")
        group_ids = list(request.security_groups)
    return shared.EndpointPlacement(
        vpc_id=vpc.vpc_id,
        vpc_cidr=vpc.vpc["CidrBlock"],
        subnets_by_az=by_az,
        route_table_ids=tables,
        security_group_ids=group_ids,
        private_dns=request.private_dns,
    )


def manage_endpoints(ec2, region, request, check_mode=False):
    vpc = CustomerVpc(ec2, request.vpc_id)
    services = list(dict.fromkeys(shared.short_service_name(s, region) for s in request.services))
    security_groups = describe_security_groups(ec2, Filters=[{"Name": "vpc-id", "Values": [vpc.vpc_id]}])
    placement = _placement(ec2, vpc, request, security_groups)
    changes = ChangeLog(check_mode)
    deadline = Deadline(request.wait_timeout)
    present, missing = shared.audit(vpc.endpoints, services, region)
    warnings = []

    if request.state == "absent":
        deleted = shared.remove_our_endpoints(ec2, region, services, vpc.endpoints, security_groups, vpc.vpc_id, changes)
        foreign = sorted(s for s, e in present.items() if not shared.is_ours(e))
        if foreign:
            warnings.append(f"endpoint(s) for {', '.join(foreign)} were not created by this collection and are kept.")
        if deleted and not check_mode and request.wait:
            waiters.wait_for(ec2, deadline, endpoint_ids=deleted, deleted=True)
        shared.remove_unused_security_group(ec2, vpc.endpoints, security_groups, vpc.vpc_id, changes)
    else:
        interface_missing = [s for s in missing if shared.endpoint_type(s) == "Interface"]
        if interface_missing and not placement.subnets_by_az:
            raise AnsibleAGCError(
                message=f"VPC {vpc.vpc_id} has no private subnet for the interface endpoint(s) {', '.join(interface_missing)}; "
                "give subnets explicitly (one per AZ)."
            )
        if interface_missing and request.private_dns and not shared.dns_hostnames_enabled(ec2, vpc.vpc_id):
            raise AnsibleAGCError(
                message=f"VPC {vpc.vpc_id} has DNS hostnames disabled, which private DNS on interface endpoints needs. This "
                "module does not change VPC settings: enable it ('aws ec2 modify-vpc-attribute --enable-dns-hostnames') "
                "or set private_dns: false."
            )
        created = shared.ensure_endpoints(ec2, region, services, placement, vpc.endpoints, security_groups, request.tags, changes)
        if created and not check_mode and request.wait:
            waiters.wait_for(ec2, deadline, endpoint_ids=created)
            refreshed = {e["VpcEndpointId"]: e for e in describe_vpc_endpoints(ec2, VpcEndpointIds=created)}
            vpc.endpoints = [refreshed.get(e.get("VpcEndpointId"), e) for e in vpc.endpoints]

    active = shared.active_endpoints_by_service(vpc.endpoints, region)
    group = shared.our_endpoint_security_group(security_groups, vpc.vpc_id)
    return EndpointsOutcome(
        changes=changes,
        present=[s for s in services if s in present],
        missing=list(missing),
        endpoints=[shared.describe_endpoint(active[s], region) for s in services if s in active],
        security_group_id=group.get("GroupId") if group else None,
        warnings=warnings,
    )
