# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A customer's VPC, as read: never modified, never tagged."""

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_nat_gateways
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_route_tables
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_subnets
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_vpc_endpoints
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_vpcs

from .._shared.errors import AnsibleGenomicsError
from .._shared.routing import effective_route_table
from .._shared.routing import routes_to_internet_gateway
from . import endpoints
from .constants import REQUIRED_AZ_COUNT


class CustomerVpc:
    """A customer's VPC: the VPC, its subnets, route tables, endpoints and available NAT gateways."""

    def __init__(self, vpc, subnets, route_tables, endpoints_found, nat_gateways=()):
        self.vpc = vpc
        self.vpc_id = vpc["VpcId"]
        self.subnets = subnets
        self.route_tables = route_tables
        self.endpoints = endpoints_found
        self.nat_gateways = list(nat_gateways)

    @classmethod
    def discover(cls, ec2, vpc_id):
        """Read the VPC in 5 describe calls; raises naming the id when it does not exist."""
        found = describe_vpcs(ec2, Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
        if not found:
            raise AnsibleGenomicsError(
                message=f"vpc_id {vpc_id!r} does not exist in this region; check the id and the region."
            )
        by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
        return cls(
            found[0],
            describe_subnets(ec2, Filters=by_vpc),
            describe_route_tables(ec2, Filters=by_vpc),
            describe_vpc_endpoints(ec2, Filters=by_vpc),
            describe_nat_gateways(ec2, Filters=by_vpc + [{"Name": "state", "Values": ["available"]}]),
        )

    def is_private(self, subnet):
        """A private subnet has no route to an internet gateway."""
        return not routes_to_internet_gateway(effective_route_table(self.route_tables, subnet["SubnetId"]))

    def private_subnets(self):
        return sorted(
            (s for s in self.subnets if self.is_private(s)), key=lambda s: (s["AvailabilityZone"], s["SubnetId"])
        )

    def subnets_by_id(self, ec2, subnet_ids):
        """The VPC's subnets of these ids, in order; raises naming each id that is elsewhere or nowhere."""
        known = {s["SubnetId"]: s for s in self.subnets}
        foreign = [s for s in subnet_ids if s not in known]
        if foreign:
            elsewhere = {
                s["SubnetId"]: s["VpcId"]
                for s in describe_subnets(ec2, Filters=[{"Name": "subnet-id", "Values": foreign}])
            }
            problems = [f"{s} belongs to {elsewhere[s]}" if s in elsewhere else f"{s} does not exist" for s in foreign]
            raise AnsibleGenomicsError(
                message=f"subnets must belong to vpc_id {self.vpc_id}: {'; '.join(problems)}. Give subnets of that VPC."
            )
        return [known[s] for s in subnet_ids]

    def validate(self, ec2, requested_subnets, services, region):
        """Infra subnets (the given ones, else all private ones) and warnings; raises on what cannot work."""
        private = self.private_subnets()
        private_azs = sorted({s["AvailabilityZone"] for s in private})
        if not private:
            raise AnsibleGenomicsError(
                message=f"vpc_id {self.vpc_id!r} has no private subnet (every subnet routes to an internet gateway). "
                "AGC "
                "needs private subnets in at least 3 AZs with internet access through NAT; add them or use another VPC."
            )
        if len(private_azs) < REQUIRED_AZ_COUNT:
            raise AnsibleGenomicsError(
                message=f"vpc_id {self.vpc_id!r} has private subnets in {len(private_azs)} AZ(s) "
                f"({', '.join(private_azs)}); "
                f"AGC needs at least {REQUIRED_AZ_COUNT} AZs each with a private subnet."
            )
        warnings = []
        if requested_subnets:
            chosen = self.subnets_by_id(ec2, requested_subnets)
            public = [s["SubnetId"] for s in chosen if not self.is_private(s)]
            if public:
                warnings.append(
                    f"subnet(s) {', '.join(public)} route to an internet gateway (public); AGC expects private subnets."
                )
            azs = {s["AvailabilityZone"] for s in chosen}
            if len(chosen) < REQUIRED_AZ_COUNT or len(azs) < REQUIRED_AZ_COUNT:
                warnings.append(
                    f"{len(chosen)} subnet(s) in {len(azs)} AZ(s) given; at least {REQUIRED_AZ_COUNT} subnets across "
                    f"{REQUIRED_AZ_COUNT} AZs are recommended for EC2 capacity and availability."
                )
            infra = list(requested_subnets)
        else:
            infra = [s["SubnetId"] for s in private]
        _present, missing = endpoints.audit(self.endpoints, services, region)
        if missing:
            warnings.append(
                f"VPC {self.vpc_id} lacks the recommended VPC endpoint(s) {', '.join(missing)}; traffic to them goes "
                "through "
                "NAT (cost) or fails without internet. genomics.aws.agc_vpc_endpoints can add them."
            )
        return infra, warnings

    def summary(self):
        return {
            "public": sorted(s["SubnetId"] for s in self.subnets if not self.is_private(s)),
            "private": [s["SubnetId"] for s in self.private_subnets()],
        }
