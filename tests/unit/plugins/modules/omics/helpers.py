"""Building blocks of the HealthOmics module tests: networks in moto, module runs, emulator state."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

import boto3

from tests.unit.plugins.modules.in_process import run_main

REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/omics-run"
# One session for every test client: it caches loaded service models.
SESSION = boto3.session.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")


def run_module(module, capsys, endpoint_url, check_mode=False, diff=False, **args):
    """main() of `module` in process; returns the result with warnings as plain strings."""
    args.setdefault("region", REGION)
    args["endpoint_url"] = endpoint_url
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    return run_main(module.main, capsys, args)


@dataclass
class Network:
    """A VPC as HealthOmics wants it, or deliberately broken: ids of what was built."""

    vpc_id: str
    private_subnets: list[str] = field(default_factory=list)
    public_subnets: list[str] = field(default_factory=list)
    security_groups: list[str] = field(default_factory=list)
    nat_gateways: list[str] = field(default_factory=list)
    route_tables: dict[str, str] = field(default_factory=dict)  # subnet -> explicit route table


class NetworkBuilder:
    """Builds VPCs in moto with the boto3 API, subnet by subnet."""

    def __init__(self, moto_url, cidr_base=0):
        self.ec2 = SESSION.client("ec2", endpoint_url=moto_url)
        self._next_cidr = cidr_base

    def vpc(self, cidr_prefix="10.0"):
        vpc_id = self.ec2.create_vpc(CidrBlock=f"{cidr_prefix}.0.0/16")["Vpc"]["VpcId"]
        self._prefix = cidr_prefix
        return Network(vpc_id)

    def _subnet(self, network, az, routes):
        self._next_cidr += 1
        subnet_id = self.ec2.create_subnet(
            VpcId=network.vpc_id, CidrBlock=f"{self._prefix}.{self._next_cidr}.0/24", AvailabilityZone=az
        )["Subnet"]["SubnetId"]
        table = self.ec2.create_route_table(VpcId=network.vpc_id)["RouteTable"]["RouteTableId"]
        self.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet_id)
        for route in routes:
            self.ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", **route)
        network.route_tables[subnet_id] = table
        return subnet_id

    def internet_gateway(self, network):
        igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=network.vpc_id)
        return igw

    def public_subnet(self, network, igw, az="us-east-1a"):
        subnet = self._subnet(network, az, [{"GatewayId": igw}])
        network.public_subnets.append(subnet)
        return subnet

    def nat_gateway(self, network, subnet):
        allocation = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = self.ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        network.nat_gateways.append(nat)
        return nat

    def private_subnet(self, network, nat=None, az="us-east-1a"):
        subnet = self._subnet(network, az, [{"NatGatewayId": nat}] if nat else [])
        network.private_subnets.append(subnet)
        return subnet

    def security_group(self, network, name="omics-runs", egress_443_only=True):
        group = self.ec2.create_security_group(VpcId=network.vpc_id, GroupName=name, Description="omics runs")[
            "GroupId"
        ]
        if egress_443_only:
            self.ec2.revoke_security_group_egress(
                GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
            )
            self.ec2.authorize_security_group_egress(
                GroupId=group,
                IpPermissions=[
                    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
                ],
            )
        network.security_groups.append(group)
        return group

    def healthy(self, cidr_prefix="10.0", azs=("us-east-1a", "us-east-1b")):
        """Private subnets in `azs`, each through a NAT gateway in a public subnet; one security group."""
        network = self.vpc(cidr_prefix)
        igw = self.internet_gateway(network)
        for az in azs:
            public = self.public_subnet(network, igw, az)
            self.private_subnet(network, self.nat_gateway(network, public), az)
        self.security_group(network)
        return network


def stored(emulator, kind):
    """The emulator's live records of one kind ("configurations", "workflows", "runs") in us-east-1."""
    return emulator.backend.resources(REGION)[kind]


class BlockingExecutor:
    """Keeps every run RUNNING until `release` is set; then it completes."""

    def __init__(self):
        import threading

        self.release = threading.Event()

    def execute(self, run, workflow):
        from tools.healthomics_emulator import ExecutionResult

        while not self.release.wait(0.01):
            if run.cancel_requested.is_set():
                return ExecutionResult.failed("CANCELLED")
        return ExecutionResult.completed()


def workflow_zip(files=None):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (files or {"main.wdl": "version 1.0\nworkflow hello {}\n"}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def active_workflow(omics, name="hello"):
    """A workflow created directly with boto3 (ACTIVE at once with delay=0)."""
    return omics.create_workflow(name=name, definitionZip=workflow_zip(), requestId=f"wf-{name}")["id"]
