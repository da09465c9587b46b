"""Activation builds exactly the documented core (VPC over 3 AZs, NAT gateways, endpoints, bucket, state store),
and is idempotent."""

import json

from .helpers import ACCOUNT
from .helpers import REGION

BUCKET = f"agc-{ACCOUNT}-{REGION}"
INTERFACE_SERVICES = {"ecr.api", "ecr.dkr", "ecs", "ecs-agent", "ecs-telemetry", "logs", "ec2"}


def _tags(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags") or []}


def test_managed_core_matches_the_spec(account):
    outcome = account.activate(tags={"cost-center": "genomics"})
    assert outcome.changed
    ec2 = account.ec2
    (vpc,) = account.managed_vpcs()
    vpc_id = vpc["VpcId"]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"]
    by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]

    subnets = ec2.describe_subnets(Filters=by_vpc)["Subnets"]
    kinds = {s["SubnetId"]: _tags(s)["genomics.aws:role"] for s in subnets}
    azs = sorted({s["AvailabilityZone"] for s in subnets})
    assert azs == ["us-east-1a", "us-east-1b", "us-east-1c"]
    for az in azs:
        assert sorted(kinds[s["SubnetId"]] for s in subnets if s["AvailabilityZone"] == az) == [
            "private-subnet",
            "public-subnet",
        ]
    public_ids = {s["SubnetId"] for s in subnets if kinds[s["SubnetId"]] == "public-subnet"}
    private_by_az = {s["AvailabilityZone"]: s["SubnetId"] for s in subnets if kinds[s["SubnetId"]] == "private-subnet"}
    assert all(s["MapPublicIpOnLaunch"] for s in subnets if s["SubnetId"] in public_ids)

    (igw,) = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])[
        "InternetGateways"
    ]
    nats = [n for n in ec2.describe_nat_gateways(Filters=by_vpc)["NatGateways"] if n["State"] == "available"]
    assert len(nats) == 3
    nat_by_az = {}
    for nat in nats:
        assert nat["SubnetId"] in public_ids
        subnet_az = next(s["AvailabilityZone"] for s in subnets if s["SubnetId"] == nat["SubnetId"])
        nat_by_az[subnet_az] = nat["NatGatewayId"]
    assert sorted(nat_by_az) == azs
    addresses = ec2.describe_addresses()["Addresses"]
    assert len(addresses) == 3 and all(a.get("AssociationId") for a in addresses)

    tables = ec2.describe_route_tables(Filters=by_vpc)["RouteTables"]

    def default_route(subnet_id):
        table = next(t for t in tables if any(a.get("SubnetId") == subnet_id for a in t["Associations"]))
        return next(r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0")

    for subnet_id in public_ids:
        assert default_route(subnet_id)["GatewayId"] == igw["InternetGatewayId"]
    for az, subnet_id in private_by_az.items():
        assert default_route(subnet_id)["NatGatewayId"] == nat_by_az[az]  # each AZ through its own NAT

    endpoints = ec2.describe_vpc_endpoints(Filters=by_vpc)["VpcEndpoints"]
    services = {e["ServiceName"].split(f"{REGION}.")[1]: e for e in endpoints}
    assert set(services) == INTERFACE_SERVICES | {"s3", "dynamodb"}
    private_tables = {
        t["RouteTableId"] for t in tables if any(a.get("SubnetId") in private_by_az.values() for a in t["Associations"])
    }
    assert len(private_tables) == 3
    for name in ("s3", "dynamodb"):
        assert services[name]["VpcEndpointType"] == "Gateway"
        assert set(services[name]["RouteTableIds"]) == private_tables
    group_ids = set()
    for name in INTERFACE_SERVICES:
        endpoint = services[name]
        assert endpoint["VpcEndpointType"] == "Interface" and endpoint["PrivateDnsEnabled"]
        assert sorted(endpoint["SubnetIds"]) == sorted(private_by_az.values())
        group_ids |= {g["GroupId"] for g in endpoint["Groups"]}
    (group,) = ec2.describe_security_groups(GroupIds=list(group_ids))["SecurityGroups"]
    assert [
        (p["IpProtocol"], p["FromPort"], p["ToPort"], [r["CidrIp"] for r in p["IpRanges"]])
        for p in group["IpPermissions"]
    ] == [("tcp", 443, 443, ["10.0.0.0/16"])]

    # Every created EC2 resource carries application-name, the ownership tags and the user's tags.
    created = (
        [vpc, igw, group]
        + subnets
        + nats
        + addresses
        + endpoints
        + [t for t in tables if not any(a.get("Main") for a in t["Associations"])]
    )
    for resource in created:
        tags = _tags(resource)
        assert tags["application-name"] == "agc" and tags["genomics.aws:managed-by"] == "genomics.aws", resource
        assert tags["cost-center"] == "genomics", resource


def test_bucket_is_created_hardened_and_tagged(account):
    account.activate(tags={"team": "lab"})
    s3 = account.s3
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    rule = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}
    ]
    (statement,) = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]}
    assert tags["application-name"] == "agc" and tags["team"] == "lab"


def test_state_store_uses_the_agc_cli_names(account):
    outcome = account.activate(tags={"team": "lab"})
    parameters = account.parameters()
    core = outcome.resource
    assert parameters["bucket"]["Value"] == BUCKET
    assert parameters["vpc"]["Value"] == core["vpc"]["id"]
    assert parameters["InfraSubnets"]["Type"] == "StringList"
    assert parameters["InfraSubnets"]["Value"].split(",") == core["subnets"]["private"]
    assert parameters["NumInfraSubnets"]["Value"] == "3"
    assert parameters["ComputeEnvImage"]["DataType"] == "aws:ec2:image"
    latest = account.ssm.get_parameter(Name="/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id")[
        "Parameter"
    ]["Value"]
    assert parameters["ComputeEnvImage"]["Value"] == latest == core["compute_image"]
    assert json.loads(parameters["customTags"]["Value"]) == {"team": "lab"}
    assert parameters["installed-artifacts/s3-root-url"]["Value"].startswith(f"s3://{BUCKET}/")
    record = json.loads(parameters["genomics.aws/activation"]["Value"])
    assert record["vpc_id"] == core["vpc"]["id"] and record["bucket"] == BUCKET
    assert {k: record[k] for k in ("vpc_managed", "bucket_managed", "public_subnets_only", "vpc_cidr")} == {
        "vpc_managed": True,
        "bucket_managed": True,
        "public_subnets_only": False,
        "vpc_cidr": "10.0.0.0/16",
    }
    tags = account.ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/agc/_common/vpc")["TagList"]
    assert {"Key": "application-name", "Value": "agc"} in tags


# No GetCallerIdentity: the state store's parameter ARNs name the account. No HeadBucket: the bucket's tags are read
# first and tell whether it is there.
NO_CHANGE_READS = [
    "GetParametersByPath",  # the state store and the lock
    "GetParameter",  # the latest ECS-optimised AMI
    "DescribeVpcs",
    "DescribeSubnets",
    "DescribeRouteTables",
    "DescribeInternetGateways",
    "DescribeAddresses",
    "DescribeNatGateways",
    "DescribeVpcEndpoints",
    "DescribeSecurityGroups",
    "DescribeVpcAttribute",
    "GetPublicAccessBlock",
    "GetBucketEncryption",
    "GetBucketOwnershipControls",
    "GetBucketPolicy",
    "GetBucketTagging",
]


def test_idempotency_triple_and_a_read_only_rerun(account):
    before = account.inventory()
    plan = account.activate(check_mode=True)
    assert plan.changed and plan.changes.entries
    assert account.recorder.writes == []
    assert account.inventory() == before

    applied = account.activate()
    assert applied.changed
    assert applied.changes.entries == plan.changes.entries  # the plan is what was done
    after = account.inventory()

    account.recorder.reset()
    rerun = account.activate()
    assert not rerun.changed and rerun.changes.entries == []
    assert account.recorder.writes == []
    # One batched read per kind of resource, not one call per resource; every attribute the collection sets is
    # among what they return (the VPC's DNS hostnames, the bucket's hardening and tags: five reads).
    assert sorted(account.recorder.calls) == sorted(NO_CHANGE_READS), account.recorder.calls
    assert account.inventory() == after
    assert rerun.resource == applied.resource
    check_again = account.activate(check_mode=True)
    assert not check_again.changed


def test_public_only_core_has_no_nat_gateways_endpoints_or_elastic_ips(account):
    outcome = account.activate(use_public_subnets=True)
    (vpc,) = account.managed_vpcs()
    inventory = account.inventory()
    assert inventory["nat_gateways"] == 0 and inventory["endpoints"] == 0 and inventory["elastic_ips"] == 0
    subnets = account.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    assert len(subnets) == 3 and all(s["MapPublicIpOnLaunch"] for s in subnets)
    assert len({s["AvailabilityZone"] for s in subnets}) == 3
    assert sorted(outcome.resource["subnets"]["infra"]) == sorted(s["SubnetId"] for s in subnets)
    assert json.loads(account.parameters()["genomics.aws/activation"]["Value"])["public_subnets_only"] is True
    assert not account.activate(use_public_subnets=True).changed


def test_tag_changes_update_created_resources_in_batches(account):
    account.activate(tags={"team": "a", "old": "x"})
    account.recorder.reset()
    outcome = account.activate(tags={"team": "b"})
    assert outcome.changed
    # One CreateTags and one DeleteTags for all EC2 resources, not one call per resource.
    assert account.recorder.writes.count("CreateTags") == 1 and account.recorder.writes.count("DeleteTags") == 1
    for vpc in account.managed_vpcs():
        tags = _tags(vpc)
        assert tags["team"] == "b" and "old" not in tags
    # Tags set by someone else are left alone.
    (vpc,) = account.managed_vpcs()
    account.ec2.create_tags(Resources=[vpc["VpcId"]], Tags=[{"Key": "finops", "Value": "keep"}])
    assert not account.activate(tags={"team": "b"}).changed
    assert _tags(account.managed_vpcs()[0])["finops"] == "keep"


def test_a_fresh_activation_describes_its_core_as_a_re_run_reads_it(account):
    """The resources a run creates together (subnets, NAT gateways, Elastic IPs, endpoints) are described in one order
    whatever order they were made in: a re-run renders the same activation report, and leaves the file alone."""
    first = account.activate()

    again = account.activate()

    assert not again.changed
    assert first.resource == again.resource
