# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""VPC endpoints: the one implementation behind agc_account's managed VPC and agc_vpc_endpoints.

An endpoint that already exists for a service, whoever made it, counts as present. Only endpoints
carrying the collection's ownership tag are ever deleted.
"""

import ipaddress

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import authorize_security_group_ingress
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_security_group
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import create_vpc_endpoint

from . import api
from .common import GATEWAY_ENDPOINT_SERVICES
from .common import ROLE_ENDPOINT
from .common import ROLE_ENDPOINT_SG
from .common import AnsibleAGCError
from .common import managed_tags
from .common import tag_specifications

ENDPOINT_SECURITY_GROUP_NAME = "agc-vpc-endpoints"
_INACTIVE_STATES = {"deleting", "deleted", "failed", "rejected", "expired"}


def short_service_name(service_name, region):
    prefix = f"com.amazonaws.{region}."
    return service_name[len(prefix):] if service_name.startswith(prefix) else service_name


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
        for detail in api.describe_endpoint_services(ec2):
            types = {t["ServiceType"] for t in detail.get("ServiceType", [])}
            entry = self.details.setdefault(detail["ServiceName"], {"types": set(), "azs": set()})
            entry["types"] |= types
            entry["azs"] |= set(detail.get("AvailabilityZones") or [])

    def validate(self, services):
        unknown = [s for s in services if full_service_name(s, self.region) not in self.details]
        if unknown:
            raise AnsibleAGCError(
                message=f"unknown VPC endpoint service(s) {', '.join(unknown)} in {self.region}. Use the short name "
                f"of a service the region offers (e.g. s3, ecr.api, secretsmanager, execute-api); "
                f"'aws ec2 describe-vpc-endpoint-services' lists them."
            )
        for service in services:
            wanted = endpoint_type(service)
            offered = self.details[full_service_name(service, self.region)]["types"]
            if offered and wanted not in offered:
                raise AnsibleAGCError(
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
        TagSpecifications=tag_specifications("security-group", managed_tags(ROLE_ENDPOINT_SG, user_tags, name=name, vpc_id=vpc_id)),
    )
    authorize_security_group_ingress(ec2, GroupId=group["GroupId"], IpPermissions=[endpoint_security_group_rule(vpc_cidr)])
    return group["GroupId"]


def create_endpoint(ec2, vpc_id, service, region, route_table_ids, subnet_ids, security_group_ids, private_dns, user_tags):
    """Create one endpoint (no wait). Gateway endpoints attach to route tables, interface ones to subnets."""
    name = f"agc-{service}"
    params = dict(
        VpcId=vpc_id,
        ServiceName=full_service_name(service, region),
        VpcEndpointType=endpoint_type(service),
        TagSpecifications=tag_specifications(
            "vpc-endpoint", managed_tags(ROLE_ENDPOINT, user_tags, name=name, vpc_id=vpc_id, service=service)
        ),
    )
    if endpoint_type(service) == "Gateway":
        params["RouteTableIds"] = list(route_table_ids)
    else:
        params.update(SubnetIds=list(subnet_ids), SecurityGroupIds=list(security_group_ids), PrivateDnsEnabled=private_dns)
    return create_vpc_endpoint(ec2, **params)


def interface_subnets(subnets_by_az, zones):
    """One subnet per AZ (an interface endpoint takes at most one per AZ), limited to the service's AZs."""
    chosen = [subnet_id for az, subnet_id in sorted(subnets_by_az.items()) if not zones or az in zones]
    return chosen


def missing_route_tables(endpoint, route_table_ids):
    return sorted(set(route_table_ids) - set(endpoint.get("RouteTableIds") or []))
