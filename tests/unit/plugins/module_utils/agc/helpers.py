"""Helpers for the AGC core tests: recorded API calls, fault injection (tools/agc_harness.py), account inventories."""

import json
import re

import boto3
import botocore

from tools.agc_harness import READ_PREFIXES
from tools.agc_harness import REGION
from tools.agc_harness import Account as HarnessAccount
from tools.agc_harness import CallRecorder
from tools.agc_harness import Interrupted

ACCOUNT = "123456789012"

__all__ = ["ACCOUNT", "READ_PREFIXES", "REGION", "Account", "CallRecorder", "Interrupted"]


class Account(HarnessAccount):
    """One emulated account/region: clients for the code under test (the harness's) and for the test itself."""

    def __init__(self, credentials=None):
        super().__init__(credentials)
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


# -- the core, attribute by attribute, with ids replaced by what the resources are -----------------------------

_ID = re.compile(r"\b(?:vpc|subnet|rtb|rtbassoc|igw|nat|eipalloc|eipassoc|sg|sgr|vpce|eni|pl)-[0-9a-f]{8,17}\b")
# What AWS assigns and a rebuilt core cannot reproduce: addresses, timestamps, network interfaces, association and
# rule ids, owners, and what AWS derives (ARNs, AZ ids, free address counts, DNS names).
_VOLATILE = {
    "PublicIp",
    "PrivateIp",
    "PrivateIpAddress",
    "CreateTime",
    "CreationTimestamp",
    "DeleteTime",
    "LastModifiedDate",
    "NetworkInterfaceId",
    "NetworkInterfaceIds",
    "NetworkInterfaceOwnerId",
    "OwnerId",
    "RequesterId",
    "AssociationId",
    "RouteTableAssociationId",
    "AssociationState",
    "SecurityGroupRuleId",
    "PublicIpv4Pool",
    "NetworkBorderGroup",
    "Domain",
    "Ipv6CidrBlockAssociationSet",
    "CidrBlockAssociationSet",
    "DhcpOptionsId",
    "SubnetArn",
    "AvailabilityZoneId",
    "AvailableIpAddressCount",
    "DnsEntries",
    "Version",
}


def _drop_volatile(value):
    if isinstance(value, dict):
        return {k: _drop_volatile(v) for k, v in sorted(value.items()) if k not in _VOLATILE}
    if isinstance(value, list):
        return sorted((_drop_volatile(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return value


def _tags(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags") or []}


def snapshot_core(account):
    """Every attribute of what the collection manages in the account, as JSON text, with resource ids replaced by
    labels that say what each resource is (its CIDR, role, AZ, service). Two accounts built by different runs give
    equal snapshots when their cores are equal attribute for attribute: subnets and their auto-assign setting,
    routes and associations, security group rules, endpoints' subnets, groups and private DNS, DNS hostnames, the
    bucket's hardening, the state store's values, and every tag."""
    ec2, s3, ssm = account.ec2, account.s3, account.ssm
    vpcs = ec2.describe_vpcs()["Vpcs"]
    subnets = ec2.describe_subnets()["Subnets"]
    tables = ec2.describe_route_tables()["RouteTables"]
    gateways = ec2.describe_internet_gateways()["InternetGateways"]
    nats = [n for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] not in ("deleted", "deleting")]
    addresses = ec2.describe_addresses()["Addresses"]
    endpoints = [
        e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"] if e["State"].lower() not in ("deleted", "deleting")
    ]
    groups = ec2.describe_security_groups()["SecurityGroups"]

    labels = {}
    cidr_of_vpc = {v["VpcId"]: v["CidrBlock"] for v in vpcs}
    for vpc in vpcs:
        labels[vpc["VpcId"]] = f"vpc[{vpc['CidrBlock']}]"
    for subnet in subnets:
        labels[subnet["SubnetId"]] = f"subnet[{subnet['CidrBlock']}]"
    for table in tables:
        tags = _tags(table)
        associated = sorted(labels.get(a.get("SubnetId"), "main") for a in table.get("Associations") or [])
        what = tags.get("Name") or ",".join(associated) or "unassociated"
        labels[table["RouteTableId"]] = f"rtb[{cidr_of_vpc.get(table['VpcId'])}:{what}]"
    for gateway in gateways:
        attached = [cidr_of_vpc.get(a["VpcId"]) for a in gateway.get("Attachments") or []]
        labels[gateway["InternetGatewayId"]] = (
            f"igw[{','.join(map(str, attached)) or _tags(gateway).get('Name', 'detached')}]"
        )
    for nat in nats:
        labels[nat["NatGatewayId"]] = f"nat[{labels.get(nat['SubnetId'])}]"
        for address in nat.get("NatGatewayAddresses") or []:
            labels[address["AllocationId"]] = f"eip[{labels[nat['NatGatewayId']]}]"
    for address in addresses:
        labels.setdefault(address["AllocationId"], f"eip[free:{_tags(address).get('Name')}]")
    for endpoint in endpoints:
        labels[endpoint["VpcEndpointId"]] = f"vpce[{endpoint['ServiceName']}]"
    for group in groups:
        labels[group["GroupId"]] = f"sg[{cidr_of_vpc.get(group['VpcId'])}:{group['GroupName']}]"

    state = {
        "vpcs": [
            dict(
                v,
                DnsHostnames=ec2.describe_vpc_attribute(VpcId=v["VpcId"], Attribute="enableDnsHostnames")[
                    "EnableDnsHostnames"
                ],
            )
            for v in vpcs
            if not v.get("IsDefault")
        ],
        "subnets": [s for s in subnets if not s.get("DefaultForAz")],
        "route_tables": tables,
        "internet_gateways": gateways,
        "nat_gateways": nats,
        "elastic_ips": addresses,
        "endpoints": endpoints,
        "security_groups": groups,
        "buckets": {},
        "parameters": {},
    }
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        settings = {}
        for what, call, key in (
            ("public_access_block", s3.get_public_access_block, "PublicAccessBlockConfiguration"),
            ("encryption", s3.get_bucket_encryption, "ServerSideEncryptionConfiguration"),
            ("ownership", s3.get_bucket_ownership_controls, "OwnershipControls"),
            ("policy", s3.get_bucket_policy, "Policy"),
            ("tags", s3.get_bucket_tagging, "TagSet"),
        ):
            try:
                settings[what] = call(Bucket=name).get(key)
            except botocore.exceptions.ClientError as e:
                settings[what] = e.response["Error"]["Code"]
        if isinstance(settings.get("policy"), str):
            settings["policy"] = json.loads(settings["policy"])
        state["buckets"][name] = settings
    for parameter in ssm.get_parameters_by_path(Path="/agc/", Recursive=True)["Parameters"]:
        tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=parameter["Name"])["TagList"]
        value = parameter["Value"]
        if parameter["Name"].endswith("genomics.aws/activation"):
            value = json.loads(value)
        state["parameters"][parameter["Name"]] = {
            "value": value,
            "type": parameter["Type"],
            "data_type": parameter.get("DataType"),
            "tags": tags,
        }
    # Labels first, then order: lists are compared as sets of what the resources are, not of their ids.
    labelled = json.loads(_ID.sub(lambda m: labels.get(m.group(0), "<unknown>"), json.dumps(state, default=str)))
    return json.dumps(_drop_volatile(labelled), sort_keys=True)


def first_difference(expected, found):
    """Where two snapshots part: the path of the first difference and both values, for an assertion message."""
    return _difference(json.loads(expected), json.loads(found), "") or "no difference"


def _difference(one, other, path):
    if isinstance(one, dict) and isinstance(other, dict):
        for key in sorted(set(one) | set(other)):
            if key not in one or key not in other:
                return f"{path}.{key}: {one.get(key, '(missing)')!r} != {other.get(key, '(missing)')!r}"
            found = _difference(one[key], other[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(one, list) and isinstance(other, list):
        if len(one) != len(other):
            extra = [json.dumps(v)[:300] for v in other if v not in one]
            missing = [json.dumps(v)[:300] for v in one if v not in other]
            return f"{path}: {len(one)} items != {len(other)}; missing {missing}; extra {extra}"
        for index, (a, b) in enumerate(zip(one, other)):
            found = _difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if one == other else f"{path}: {json.dumps(one)[:300]} != {json.dumps(other)[:300]}"
