"""Drift made by hand is repaired: every attribute the collection sets on the core is read back on each run.

Each case changes one attribute outside Ansible. Then check mode reports the repair and changes nothing; the next
run repairs it and reports it; the run after changes nothing.
"""

import json

import botocore
import pytest

from .helpers import ACCOUNT
from .sweep import FULL

ROLE = "genomics.aws:role"


def ours(account, kind, role, **extra):
    filters = [{"Name": f"tag:{ROLE}", "Values": [role]}] + [{"Name": k, "Values": [v]} for k, v in extra.items()]
    describe = {
        "subnet": ("describe_subnets", "Subnets"),
        "route_table": ("describe_route_tables", "RouteTables"),
        "security_group": ("describe_security_groups", "SecurityGroups"),
        "endpoint": ("describe_vpc_endpoints", "VpcEndpoints"),
        "vpc": ("describe_vpcs", "Vpcs"),
    }[kind]
    return getattr(account.ec2, describe[0])(Filters=filters)[describe[1]]


def endpoint_of(account, service):
    (endpoint,) = ours(account, "endpoint", "vpc-endpoint", **{"tag:genomics.aws:service": service})
    return endpoint


def missing_means_false(check):
    """A check of a bucket setting that S3 answers as missing once deleted: missing is not repaired."""

    def checked(account):
        try:
            return check(account)
        except botocore.exceptions.ClientError:
            return False

    return checked


def bucket(_account):
    return f"agc-{ACCOUNT}-us-east-1"


# Each case: (what is changed by hand, the change, what shows it repaired).


def revoke_endpoint_rule(account):
    (group,) = ours(account, "security_group", "endpoint-security-group")
    account.ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])


def endpoint_rule_is_back(account):
    (group,) = ours(account, "security_group", "endpoint-security-group")
    rules = [
        (p["IpProtocol"], p["FromPort"], p["ToPort"], r["CidrIp"])
        for p in group["IpPermissions"]
        for r in p["IpRanges"]
    ]
    return rules == [("tcp", 443, 443, "10.0.0.0/16")]


def open_endpoint_group_to_the_world(account):
    (group,) = ours(account, "security_group", "endpoint-security-group")
    account.ec2.authorize_security_group_ingress(
        GroupId=group["GroupId"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )


def auto_assign_off(account):
    for subnet in ours(account, "subnet", "public-subnet"):
        account.ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": False})


def public_subnets_assign_public_ips(account):
    return all(s["MapPublicIpOnLaunch"] for s in ours(account, "subnet", "public-subnet"))


def auto_assign_on_in_a_private_subnet(account):
    subnet = ours(account, "subnet", "private-subnet")[0]
    account.ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": True})


def private_subnets_assign_none(account):
    return not any(s["MapPublicIpOnLaunch"] for s in ours(account, "subnet", "private-subnet"))


def delete_a_private_default_route(account):
    table = ours(account, "route_table", "private-route-table")[0]
    account.ec2.delete_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0")


def private_tables_route_through_nat(account):
    return all(
        any(r.get("DestinationCidrBlock") == "0.0.0.0/0" and r.get("NatGatewayId") for r in t["Routes"])
        for t in ours(account, "route_table", "private-route-table")
    )


def point_a_private_route_at_the_internet_gateway(account):
    table = ours(account, "route_table", "private-route-table")[1]
    igw = account.ec2.describe_internet_gateways(Filters=[{"Name": f"tag:{ROLE}", "Values": ["internet-gateway"]}])
    account.ec2.replace_route(
        RouteTableId=table["RouteTableId"],
        DestinationCidrBlock="0.0.0.0/0",
        GatewayId=igw["InternetGateways"][0]["InternetGatewayId"],
    )


def disassociate_a_private_subnet(account):
    table = ours(account, "route_table", "private-route-table")[2]
    association = next(a for a in table["Associations"] if a.get("SubnetId"))
    account.ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])


def private_subnets_use_their_tables(account):
    return all(
        len([a for a in t["Associations"] if a.get("SubnetId")]) == 1
        for t in ours(account, "route_table", "private-route-table")
    )


def detach_the_s3_endpoint_from_a_table(account):
    endpoint = endpoint_of(account, "s3")
    account.ec2.modify_vpc_endpoint(
        VpcEndpointId=endpoint["VpcEndpointId"], RemoveRouteTableIds=endpoint["RouteTableIds"][:1]
    )


def s3_endpoint_on_every_private_table(account):
    return len(endpoint_of(account, "s3")["RouteTableIds"]) == 3


def remove_a_subnet_of_an_interface_endpoint(account):
    endpoint = endpoint_of(account, "logs")
    account.ec2.modify_vpc_endpoint(VpcEndpointId=endpoint["VpcEndpointId"], RemoveSubnetIds=endpoint["SubnetIds"][:1])


def logs_endpoint_in_every_private_subnet(account):
    private = {s["SubnetId"] for s in ours(account, "subnet", "private-subnet")}
    return set(endpoint_of(account, "logs")["SubnetIds"]) == private


def swap_the_group_of_an_interface_endpoint(account):
    endpoint = endpoint_of(account, "ecr.api")
    default = account.ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [endpoint["VpcId"]]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    current = [g["GroupId"] for g in endpoint["Groups"]]
    account.ec2.modify_vpc_endpoint(
        VpcEndpointId=endpoint["VpcEndpointId"], AddSecurityGroupIds=[default], RemoveSecurityGroupIds=current
    )


def ecr_endpoint_behind_our_group(account):
    (group,) = ours(account, "security_group", "endpoint-security-group")
    return [g["GroupId"] for g in endpoint_of(account, "ecr.api")["Groups"]] == [group["GroupId"]]


def turn_private_dns_off(account):
    # moto keeps PrivateDnsEnabled as created, whatever ModifyVpcEndpoint says; set it as a console user would.
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[ACCOUNT]["us-east-1"]
    backend.vpc_end_points[endpoint_of(account, "ecs")["VpcEndpointId"]].private_dns_enabled = False


def ecs_endpoint_has_private_dns(account):
    return endpoint_of(account, "ecs")["PrivateDnsEnabled"] is True


def turn_dns_hostnames_off(account):
    (vpc,) = ours(account, "vpc", "vpc")
    account.ec2.modify_vpc_attribute(VpcId=vpc["VpcId"], EnableDnsHostnames={"Value": False})


def dns_hostnames_on(account):
    (vpc,) = ours(account, "vpc", "vpc")
    return account.ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute="enableDnsHostnames")["EnableDnsHostnames"][
        "Value"
    ]


def strip_tags_of_a_subnet(account):
    subnet = ours(account, "subnet", "private-subnet")[1]
    account.ec2.delete_tags(
        Resources=[subnet["SubnetId"]], Tags=[{"Key": "team"}, {"Key": "application-name"}, {"Key": "Name"}]
    )


def subnets_tagged(account):
    return all(
        {"team", "application-name", "Name"} <= {t["Key"] for t in s["Tags"]}
        for s in ours(account, "subnet", "private-subnet")
    )


def delete_the_bucket_policy(account):
    account.s3.delete_bucket_policy(Bucket=bucket(account))


@missing_means_false
def bucket_is_tls_only(account):
    policy = json.loads(account.s3.get_bucket_policy(Bucket=bucket(account))["Policy"])
    return [s["Sid"] for s in policy["Statement"]] == ["DenyInsecureTransport"]


def open_public_access(account):
    account.s3.delete_public_access_block(Bucket=bucket(account))


@missing_means_false
def public_access_blocked(account):
    block = account.s3.get_public_access_block(Bucket=bucket(account))["PublicAccessBlockConfiguration"]
    return all(block.values()) and len(block) == 4


def relax_object_ownership(account):
    account.s3.put_bucket_ownership_controls(
        Bucket=bucket(account), OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )


def owner_enforced(account):
    rules = account.s3.get_bucket_ownership_controls(Bucket=bucket(account))["OwnershipControls"]["Rules"]
    return rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def delete_default_encryption(account):
    account.s3.delete_bucket_encryption(Bucket=bucket(account))


@missing_means_false
def bucket_encrypted(account):
    rules = account.s3.get_bucket_encryption(Bucket=bucket(account))["ServerSideEncryptionConfiguration"]["Rules"]
    return rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def untag_the_bucket(account):
    account.s3.delete_bucket_tagging(Bucket=bucket(account))


@missing_means_false
def bucket_tagged(account):
    tags = {t["Key"]: t["Value"] for t in account.s3.get_bucket_tagging(Bucket=bucket(account))["TagSet"]}
    return (
        tags.get("team") == "lab"
        and tags.get("application-name") == "agc"
        and tags.get("genomics.aws:role") == "bucket"
    )


def edit_a_state_parameter(account):
    account.ssm.put_parameter(Name="/agc/_common/vpc", Value="vpc-0123456789abcdef0", Type="String", Overwrite=True)


def state_parameter_restored(account):
    (vpc,) = ours(account, "vpc", "vpc")
    return account.ssm.get_parameter(Name="/agc/_common/vpc")["Parameter"]["Value"] == vpc["VpcId"]


CASES = {
    "the endpoints' security group loses its rule": (revoke_endpoint_rule, "allow TCP 443", endpoint_rule_is_back),
    "the endpoints' security group gains a rule": (
        open_endpoint_group_to_the_world,
        "revoke 1 other",
        endpoint_rule_is_back,
    ),
    "a public subnet stops assigning public IPs": (
        auto_assign_off,
        "turn on auto-assign",
        public_subnets_assign_public_ips,
    ),
    "a private subnet starts assigning public IPs": (
        auto_assign_on_in_a_private_subnet,
        "turn off auto-assign",
        private_subnets_assign_none,
    ),
    "a private default route is deleted": (
        delete_a_private_default_route,
        "add default route",
        private_tables_route_through_nat,
    ),
    "a private default route goes to the internet gateway": (
        point_a_private_route_at_the_internet_gateway,
        "point default route",
        private_tables_route_through_nat,
    ),
    "a private subnet leaves its route table": (
        disassociate_a_private_subnet,
        "associate private subnet",
        private_subnets_use_their_tables,
    ),
    "the s3 endpoint leaves a route table": (
        detach_the_s3_endpoint_from_a_table,
        "attach route table",
        s3_endpoint_on_every_private_table,
    ),
    "an interface endpoint leaves a subnet": (
        remove_a_subnet_of_an_interface_endpoint,
        "AddSubnetIds",
        logs_endpoint_in_every_private_subnet,
    ),
    "an interface endpoint changes its group": (
        swap_the_group_of_an_interface_endpoint,
        "AddSecurityGroupIds",
        ecr_endpoint_behind_our_group,
    ),
    "an interface endpoint's private DNS is turned off": (
        turn_private_dns_off,
        "PrivateDnsEnabled True",
        ecs_endpoint_has_private_dns,
    ),
    "the VPC's DNS hostnames are turned off": (turn_dns_hostnames_off, "enable DNS hostnames", dns_hostnames_on),
    "a subnet loses its tags": (strip_tags_of_a_subnet, "update tags on 1 resource", subnets_tagged),
    "the bucket policy is deleted": (delete_the_bucket_policy, "restore the TLS-only statement", bucket_is_tls_only),
    "the bucket's public access block is removed": (
        open_public_access,
        "block all public access",
        public_access_blocked,
    ),
    "the bucket's object ownership is relaxed": (
        relax_object_ownership,
        "enforce bucket-owner object ownership",
        owner_enforced,
    ),
    "the bucket's default encryption is deleted": (delete_default_encryption, "default encryption", bucket_encrypted),
    "the bucket loses its tags": (untag_the_bucket, "update the tags of S3 bucket", bucket_tagged),
    "a state store value is edited": (edit_a_state_parameter, "record activation in SSM vpc", state_parameter_restored),
}


@pytest.fixture
def private_dns_as_aws(monkeypatch):
    """moto ignores PrivateDnsEnabled on ModifyVpcEndpoint; AWS applies it."""
    from moto.ec2.responses.vpcs import VPCs

    respond = VPCs.modify_vpc_endpoint

    def respond_with_private_dns(self):
        answer = respond(self)
        private_dns = self._get_param("PrivateDnsEnabled")
        if private_dns is not None:
            endpoint = self.ec2_backend.vpc_end_points[self._get_param("VpcEndpointId")]
            endpoint.private_dns_enabled = str(private_dns).lower() == "true"
        return answer

    monkeypatch.setattr(VPCs, "modify_vpc_endpoint", respond_with_private_dns)


@pytest.mark.skipif(not FULL, reason="one case at a time in make sweep; make test changes them all at once (below)")
@pytest.mark.parametrize("case", sorted(CASES))
def test_drift_is_reported_in_check_mode_and_repaired(account, case, private_dns_as_aws):
    drift, said, repaired = CASES[case]
    assert account.activate(tags={"team": "lab"}).changed
    assert repaired(account)
    drift(account)
    assert not repaired(account), "the drift did not take"

    plan = account.activate(check_mode=True, tags={"team": "lab"})
    assert plan.changed and any(said in entry for entry in plan.changes.entries), plan.changes.entries
    assert not repaired(account), "check mode changed something"

    repair = account.activate(tags={"team": "lab"})
    assert repair.changed and any(said in entry for entry in repair.changes.entries), repair.changes.entries
    assert repaired(account)
    account.recorder.reset()
    assert not account.activate(tags={"team": "lab"}).changed and account.recorder.writes == []


def test_all_drift_at_once_is_reported_and_repaired_in_one_run(account, private_dns_as_aws):
    assert account.activate(tags={"team": "lab"}).changed
    for drift, _said, _repaired in CASES.values():
        drift(account)
    broken = sorted(case for case, (_drift, _said, repaired) in CASES.items() if not repaired(account))
    assert broken == sorted(CASES)

    plan = account.activate(check_mode=True, tags={"team": "lab"})
    unreported = [
        case for case, (_drift, said, _repaired) in CASES.items() if not any(said in e for e in plan.changes.entries)
    ]
    assert unreported == [], plan.changes.entries
    assert sorted(case for case, (_drift, _said, repaired) in CASES.items() if not repaired(account)) == broken

    assert account.activate(tags={"team": "lab"}).changed
    assert [case for case, (_drift, _said, repaired) in CASES.items() if not repaired(account)] == []
    account.recorder.reset()
    assert not account.activate(tags={"team": "lab"}).changed and account.recorder.writes == []


def test_a_managed_bucket_deleted_by_hand_is_created_again(account):
    """A steady run makes no HeadBucket: the bucket's tags are read first, and NoSuchBucket there is the cue to create
    it again (at once: amazon.aws's getters retry NoSuchBucket for minutes)."""
    assert account.activate(tags={"team": "lab"}).changed
    account.s3.delete_bucket(Bucket=bucket(account))

    plan = account.activate(check_mode=True, tags={"team": "lab"})
    assert any(entry.startswith("create S3 bucket") for entry in plan.changes.entries), plan.changes.entries
    assert bucket(account) not in [b["Name"] for b in account.s3.list_buckets()["Buckets"]]

    account.recorder.reset()
    repair = account.activate(tags={"team": "lab"})
    assert any(entry.startswith("create S3 bucket") for entry in repair.changes.entries), repair.changes.entries
    assert "CreateBucket" in account.recorder.writes
    assert bucket_is_tls_only(account) and public_access_blocked(account) and owner_enforced(account)
    assert bucket_encrypted(account) and bucket_tagged(account)
    account.recorder.reset()
    assert not account.activate(tags={"team": "lab"}).changed and account.recorder.writes == []
    assert "HeadBucket" not in account.recorder.calls
