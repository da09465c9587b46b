"""Helpers for the AGC core tests: recorded API calls, fault injection (tools/agc_harness.py), account inventories."""

import json

import boto3

from tools.agc_harness import READ_PREFIXES
from tools.agc_harness import REGION
from tools.agc_harness import Account as HarnessAccount
from tools.agc_harness import CallRecorder
from tools.agc_harness import Interrupted

ACCOUNT = "123456789012"

__all__ = ["ACCOUNT", "READ_PREFIXES", "REGION", "Account", "CallRecorder", "Interrupted"]


class Account(HarnessAccount):
    """One emulated account/region: clients for the code under test (the harness's) and for the test itself."""

    def __init__(self):
        super().__init__()
        self.ec2 = boto3.client("ec2", region_name=REGION)
        self.s3 = boto3.client("s3", region_name=REGION)
        self.ssm = boto3.client("ssm", region_name=REGION)
        self.cfn = boto3.client("cloudformation", region_name=REGION)

    # -- what exists ------------------------------------------------------------------------------

    def managed_vpcs(self):
        return self.ec2.describe_vpcs(Filters=[{"Name": "tag:genomics.aws:managed-by", "Values": ["genomics.aws"]}])[
            "Vpcs"
        ]

    def parameters(self):
        found = self.ssm.get_parameters_by_path(Path="/agc/_common/", Recursive=True)["Parameters"]
        return {p["Name"][len("/agc/_common/") :]: p for p in found}

    def inventory(self):
        """Counts of everything the collection could have created, for before/after comparisons."""
        live_nats = [n for n in self.ec2.describe_nat_gateways()["NatGateways"] if n["State"] != "deleted"]
        endpoints = [e for e in self.ec2.describe_vpc_endpoints()["VpcEndpoints"] if e["State"].lower() != "deleted"]
        return {
            "vpcs": sorted(v["VpcId"] for v in self.ec2.describe_vpcs()["Vpcs"]),
            "subnets": len(self.ec2.describe_subnets()["Subnets"]),
            "route_tables": len(self.ec2.describe_route_tables()["RouteTables"]),
            "internet_gateways": len(self.ec2.describe_internet_gateways()["InternetGateways"]),
            "nat_gateways": len(live_nats),
            "elastic_ips": len(self.ec2.describe_addresses()["Addresses"]),
            "endpoints": len(endpoints),
            "security_groups": len(self.ec2.describe_security_groups()["SecurityGroups"]),
            "buckets": sorted(b["Name"] for b in self.s3.list_buckets()["Buckets"]),
            "parameters": sorted(self.parameters()),
            "stacks": sorted(s["StackName"] for s in self.cfn.describe_stacks()["Stacks"]),
        }

    def snapshot_vpc(self, vpc_id):
        """Everything about a VPC, serialised: equal snapshots mean nothing in it was modified."""
        by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
        state = {
            "vpc": self.ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"],
            "subnets": self.ec2.describe_subnets(Filters=by_vpc)["Subnets"],
            "route_tables": self.ec2.describe_route_tables(Filters=by_vpc)["RouteTables"],
            "security_groups": self.ec2.describe_security_groups(Filters=by_vpc)["SecurityGroups"],
            "endpoints": self.ec2.describe_vpc_endpoints(Filters=by_vpc)["VpcEndpoints"],
            "nat_gateways": self.ec2.describe_nat_gateways(Filters=by_vpc)["NatGateways"],
            "igws": self.ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])[
                "InternetGateways"
            ],
            "dns_hostnames": self.ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")[
                "EnableDnsHostnames"
            ],
        }
        return json.dumps(state, sort_keys=True, default=str)

    # -- building a customer's world --------------------------------------------------------------

    def customer_vpc(self, cidr="172.16.0.0/16", azs=("us-east-1a", "us-east-1b", "us-east-1c"), private=True):
        """A customer VPC like a landing zone's: per AZ a public subnet (IGW) and a private one
        (through a NAT gateway). With private=False every subnet is public."""
        vpc_tags = [{"ResourceType": "vpc", "Tags": [{"Key": "owner", "Value": "network-team"}]}]
        vpc_id = self.ec2.create_vpc(CidrBlock=cidr, TagSpecifications=vpc_tags)["Vpc"]["VpcId"]
        igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
        public_rt = self.ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
        self.ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        base = cidr.split(".")
        result = {"vpc_id": vpc_id, "public": [], "private": [], "azs": list(azs)}
        for index, az in enumerate(azs):
            public = self.ec2.create_subnet(
                VpcId=vpc_id, CidrBlock=f"{base[0]}.{base[1]}.{index * 2}.0/24", AvailabilityZone=az
            )["Subnet"]["SubnetId"]
            self.ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public)
            result["public"].append(public)
            subnet = self.ec2.create_subnet(
                VpcId=vpc_id, CidrBlock=f"{base[0]}.{base[1]}.{index * 2 + 1}.0/24", AvailabilityZone=az
            )["Subnet"]["SubnetId"]
            if private:
                table = self.ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
                self.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
                result["private"].append(subnet)
            else:
                self.ec2.associate_route_table(RouteTableId=public_rt, SubnetId=subnet)
                result["public"].append(subnet)
        return result

    def context_stack(self, name="Agc-Context-demo-alice"):
        template = {
            "Resources": {
                "Marker": {
                    "Type": "AWS::SSM::Parameter",
                    "Properties": {"Type": "String", "Value": "x", "Name": f"/ctx/{name}"},
                }
            }
        }
        self.cfn.create_stack(
            StackName=name, TemplateBody=json.dumps(template), Tags=[{"Key": "application-name", "Value": "agc"}]
        )
