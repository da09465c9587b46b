"""A customer's VPC, built with boto3 the way a network team would: per AZ a public subnet routed to an
internet gateway and a private subnet, DNS hostnames on, no VPC endpoints.

The private subnets have no internet route (``nat_gateways=0``, the AGC bring-your-own-VPC case), or go out
through one NAT gateway in the first public subnet (``nat_gateways=1``) or one per AZ (``"per_az"``): what
HealthOmics VPC-connected runs need.
"""

import boto3


def create_customer_vpc(endpoint_url, region="us-east-1", cidr_prefix="10.20", azs=3, nat_gateways=0, **credentials):
    ec2 = boto3.client("ec2", region_name=region, endpoint_url=endpoint_url, **credentials)
    return build_customer_vpc(ec2, cidr_prefix, azs, nat_gateways)


def build_customer_vpc(ec2, cidr_prefix="10.20", azs=3, nat_gateways=0):
    zones = sorted(
        z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"] if z["State"] == "available"
    )[:azs]
    vpc_id = ec2.create_vpc(CidrBlock=f"{cidr_prefix}.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Name", "Value": "customer-network"}])
    igw_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    public_table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    public, private, nats, private_tables = [], [], [], []
    for index, zone in enumerate(zones):
        subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{cidr_prefix}.{index}.0/24", AvailabilityZone=zone)[
            "Subnet"
        ]["SubnetId"]
        ec2.associate_route_table(RouteTableId=public_table, SubnetId=subnet)
        public.append(subnet)
        private.append(
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{cidr_prefix}.{100 + index}.0/24", AvailabilityZone=zone)[
                "Subnet"
            ]["SubnetId"]
        )
        if nat_gateways == "per_az" or (nat_gateways == 1 and index == 0):
            allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
            nats.append(ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"])
            table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
            ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nats[-1])
            private_tables.append(table)
        if private_tables:
            ec2.associate_route_table(RouteTableId=private_tables[-1], SubnetId=private[-1])
        # Without NAT gateways the private subnets stay on the main route table, which has only the local route.
    if nats:
        ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=nats, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return {
        "vpc_id": vpc_id,
        "internet_gateway_id": igw_id,
        "azs": zones,
        "public_subnets": public,
        "private_subnets": private,
        "nat_gateways": nats,
        "private_route_tables": private_tables,
    }
