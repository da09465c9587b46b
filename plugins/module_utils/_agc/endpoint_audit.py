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
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_vpc_endpoints

from .._shared.errors import AnsibleGenomicsError
from .._shared.outcome import ChangeLog
from .._shared.outcome import Deadline
from .._shared.outcome import Outcome
from .._shared.routing import effective_route_table
from .._shared.tags import USER_TAG_KEYS_TAG
from .._shared.tags import is_ours
from .._shared.tags import tag_dict
from .._shared.tags import user_tag_keys_of
from .._shared.tags import user_tags_after
from .._shared.validation import check_ec2_id
from .._shared.validation import check_ec2_ids
from .._shared.validation import check_user_tags
from .._shared.validation import check_wait_timeout
from .._shared.validation import string_tags
from . import api
from . import endpoints
from . import waiters
from .common import DEFAULT_WAIT_TIMEOUT
from .common import RESERVED_TAG_KEYS
from .constants import DEFAULT_ENDPOINT_SERVICES
from .customer_vpc import CustomerVpc

_SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
# An interface endpoint takes at most 5 security groups.
MAX_ENDPOINT_SECURITY_GROUPS = 5


@dataclass
class EndpointsRequest:
    vpc_id: str
    services: list = field(default_factory=lambda: list(DEFAULT_ENDPOINT_SERVICES))
    subnets: list = field(default_factory=list)
    security_groups: list = field(default_factory=list)
    private_dns: bool = True
    tags: dict = None  # None: leave the user tags applied before as they are (amazon.aws semantics)
    purge_tags: bool = True
    state: str = "present"
    wait: bool = True
    wait_timeout: int = DEFAULT_WAIT_TIMEOUT

    @classmethod
    def from_params(cls, params):
        services = params.get("services")
        request = cls(
            vpc_id=params["vpc_id"],
            services=list(dict.fromkeys(services)) if services is not None else list(DEFAULT_ENDPOINT_SERVICES),
            subnets=list(dict.fromkeys(params.get("subnets") or [])),
            security_groups=list(dict.fromkeys(params.get("security_groups") or [])),
            private_dns=params.get("private_dns", True) is not False,
            tags=string_tags(params.get("tags")),
            purge_tags=params.get("purge_tags", True) is not False,
            state=params.get("state") or "present",
            wait=params.get("wait", True) is not False,
            wait_timeout=params.get("wait_timeout", DEFAULT_WAIT_TIMEOUT),
        )
        request.validate()
        return request

    def validate(self):
        if not self.vpc_id:
            raise AnsibleGenomicsError(message="vpc_id is required: the VPC whose endpoints to audit or ensure.")
        check_ec2_id("vpc_id", self.vpc_id, "vpc")
        if not self.services:
            raise AnsibleGenomicsError(
                message="services is empty; name at least one service, or omit it for the recommended list."
            )
        bad = [s for s in self.services if not _SERVICE.match(s)]
        if bad:
            raise AnsibleGenomicsError(
                message=f"services {', '.join(map(repr, bad))} are not endpoint service names (e.g. s3, ecr.api, "
                "secretsmanager)."
            )
        check_ec2_ids("subnets", self.subnets, "subnet")
        check_ec2_ids(
            "security_groups",
            self.security_groups,
            "sg",
            maximum=MAX_ENDPOINT_SECURITY_GROUPS,
            limit_owner="an endpoint",
        )
        check_user_tags(self.tags or {}, RESERVED_TAG_KEYS)
        check_wait_timeout(self.wait_timeout)


def _placement(ec2, vpc, request, security_groups):
    """Subnets (one per AZ) and route tables for new endpoints, validated against the VPC."""
    if request.subnets:
        chosen = vpc.subnets_by_id(ec2, request.subnets)
        by_az = {}
        for subnet in chosen:
            if subnet["AvailabilityZone"] in by_az:
                raise AnsibleGenomicsError(
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
        found = {
            g["GroupId"]: g
            for g in describe_security_groups(ec2, Filters=[{"Name": "group-id", "Values": request.security_groups}])
        }
        problems = [
            f"{g} does not exist" if g not in found else f"{g} belongs to {found[g]['VpcId']}"
            for g in request.security_groups
            if g not in found or found[g]["VpcId"] != vpc.vpc_id
        ]
        if problems:
            raise AnsibleGenomicsError(
                message=f"security_groups must belong to vpc_id {vpc.vpc_id}: {'; '.join(problems)}."
            )
        group_ids = list(request.security_groups)
    return endpoints.EndpointPlacement(
        vpc_id=vpc.vpc_id,
        vpc_cidr=vpc.vpc["CidrBlock"],
        subnets_by_az=by_az,
        route_table_ids=tables,
        security_group_ids=group_ids,
        private_dns=request.private_dns,
    )


def manage_endpoints(ec2, region, request, check_mode=False):
    """Audit (check mode), ensure or remove the endpoints of `request.services` in `request.vpc_id`.

    The outcome's resource is the endpoints of those services now; `present` and `missing` are what the
    VPC had before the run; the diff is the services with an endpoint before and after."""
    vpc = CustomerVpc.discover(ec2, request.vpc_id)
    services = list(dict.fromkeys(endpoints.short_service_name(s, region) for s in request.services))
    security_groups = describe_security_groups(ec2, Filters=[{"Name": "vpc-id", "Values": [vpc.vpc_id]}])
    placement = _placement(ec2, vpc, request, security_groups)
    changes = ChangeLog(check_mode)
    deadline = Deadline(request.wait_timeout)
    present, missing = endpoints.audit(vpc.endpoints, services, region)
    warnings = []

    if request.state == "absent":
        deleted = endpoints.remove_our_endpoints(ec2, region, services, vpc.endpoints, changes)
        foreign = sorted(s for s, e in present.items() if not is_ours(e))
        if foreign:
            warnings.append(f"endpoint(s) for {', '.join(foreign)} were not created by this collection and are kept.")
        if deleted and not check_mode and request.wait:
            waiters.wait_for(ec2, deadline, endpoint_ids=deleted, deleted=True)
        endpoints.remove_unused_security_group(ec2, vpc.endpoints, security_groups, vpc.vpc_id, changes)
    else:
        _refuse_what_cannot_be_placed(ec2, vpc, request, placement, missing)
        ours_before = [e for e in present.values() if is_ours(e)]
        group_before = endpoints.our_endpoint_security_group(security_groups, vpc.vpc_id)
        _converge_user_tags(ec2, ours_before + ([group_before] if group_before else []), request, changes)
        created = endpoints.ensure_endpoints(
            ec2, region, services, placement, vpc.endpoints, security_groups, _tags_to_create(request), changes
        )
        if created and not check_mode and request.wait:
            waiters.wait_for(ec2, deadline, endpoint_ids=created)
            refreshed = {e["VpcEndpointId"]: e for e in describe_vpc_endpoints(ec2, VpcEndpointIds=created)}
            vpc.endpoints = [refreshed.get(e.get("VpcEndpointId"), e) for e in vpc.endpoints]

    active = endpoints.active_endpoints_by_service(vpc.endpoints, region)
    group = endpoints.our_endpoint_security_group(security_groups, vpc.vpc_id)
    found = [endpoints.describe_endpoint(active[s], region) for s in services if s in active]
    present_services = [s for s in services if s in present]
    return Outcome(
        changes=changes,
        resource=found,
        before={"services": present_services},
        after={"services": sorted(e["service"] for e in found)},
        warnings=warnings,
        present=present_services,
        missing=list(missing),
        security_group_id=group.get("GroupId") if group else None,
        waited=deadline.waited,
    )


def _tags_to_create(request):
    """The user tags of a new endpoint or group, with the record of their keys (what a later run may purge)."""
    tags = dict(request.tags or {})
    if tags:
        tags[USER_TAG_KEYS_TAG] = ",".join(sorted(tags))
    return tags


def _converge_user_tags(ec2, resources, request, changes):
    """The user tags of the collection's own endpoints and security group, as amazon.aws's purge_tags does it, over
    the keys the collection applied (recorded on each resource in USER_TAG_KEYS_TAG); tags other tools set stay."""
    batches = {}
    for resource in resources:
        current = tag_dict(resource)
        applied = {k: current[k] for k in user_tag_keys_of(current) if k in current}
        wanted = user_tags_after(applied, request.tags, request.purge_tags)
        to_set = {k: v for k, v in wanted.items() if current.get(k) != v}
        keys = ",".join(sorted(wanted))
        if keys and current.get(USER_TAG_KEYS_TAG) != keys:
            to_set[USER_TAG_KEYS_TAG] = keys
        to_unset = sorted(k for k in applied if k not in wanted)
        if not keys and USER_TAG_KEYS_TAG in current:
            to_unset.append(USER_TAG_KEYS_TAG)
        if to_set or to_unset:
            resource_id = resource.get("VpcEndpointId") or resource.get("GroupId")
            batches.setdefault((tuple(sorted(to_set.items())), tuple(to_unset)), []).append(resource_id)
    for (to_set, to_unset), resource_ids in sorted(batches.items()):
        changes.add(f"update tags on {', '.join(sorted(resource_ids))}")
        if changes.check_mode:
            continue
        if to_set:
            api.create_tags(ec2, resource_ids, dict(to_set))
        if to_unset:
            api.delete_tags(ec2, resource_ids, list(to_unset))


def _refuse_what_cannot_be_placed(ec2, vpc, request, placement, missing):
    interface_missing = [s for s in missing if endpoints.endpoint_type(s) == "Interface"]
    if interface_missing and not placement.subnets_by_az:
        raise AnsibleGenomicsError(
            message=f"VPC {vpc.vpc_id} has no private subnet for the interface endpoint(s) "
            f"{', '.join(interface_missing)}; "
            "give subnets explicitly (one per AZ)."
        )
    if interface_missing and request.private_dns and not endpoints.dns_hostnames_enabled(ec2, vpc.vpc_id):
        raise AnsibleGenomicsError(
            message=f"VPC {vpc.vpc_id} has DNS hostnames disabled, which private DNS on interface endpoints needs. "
            "This "
            "module does not change VPC settings: enable it ('aws ec2 modify-vpc-attribute --enable-dns-hostnames') "
            "or set private_dns: false."
        )
