"""agc_vpc_endpoints: audit, ensure, keep foreign endpoints, remove only ours."""

import pytest

from ansible_collections.genomics.aws.plugins.module_utils.agc import AnsibleGenomicsError
from ansible_collections.genomics.aws.plugins.module_utils.agc import EndpointsRequest
from ansible_collections.genomics.aws.plugins.module_utils.agc import manage_endpoints

from .helpers import REGION

RECOMMENDED = ["s3", "dynamodb", "ecr.api", "ecr.dkr", "ecs", "ecs-agent", "ecs-telemetry", "logs", "ec2"]


def endpoints(account, check_mode=False, **params):
    request = EndpointsRequest.from_params(dict(params, wait_timeout=60))
    return manage_endpoints(account.clients().ec2, REGION, request, check_mode=check_mode)


@pytest.fixture
def customer(account):
    world = account.customer_vpc()
    account.ec2.modify_vpc_attribute(VpcId=world["vpc_id"], EnableDnsHostnames={"Value": True})
    return world


def vpc_endpoints(account, vpc_id):
    found = account.ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    return {e["ServiceName"].split(f"{REGION}.")[1]: e for e in found if e["State"].lower() != "deleted"}


def test_audit_of_a_bare_vpc_lists_all_nine_missing_and_changes_nothing(account, customer):
    before = account.snapshot_vpc(customer["vpc_id"])
    account.recorder.reset()
    audit = endpoints(account, check_mode=True, vpc_id=customer["vpc_id"])
    assert audit.extra["present"] == [] and audit.extra["missing"] == RECOMMENDED
    assert (
        audit.changed and len([c for c in audit.changes.entries if c.startswith("create ")]) == 10
    )  # 9 endpoints + 1 group
    assert account.recorder.writes == []
    assert account.snapshot_vpc(customer["vpc_id"]) == before


def test_ensure_creates_exactly_the_missing_ones_and_keeps_a_foreign_endpoint(account, customer):
    vpc_id = customer["vpc_id"]
    tables = account.ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": customer["private"]}]
    )["RouteTables"]
    foreign = account.ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[tables[0]["RouteTableId"]],
    )["VpcEndpoint"]
    outcome = endpoints(account, vpc_id=vpc_id)
    assert outcome.extra["present"] == ["s3"] and outcome.extra["missing"] == [s for s in RECOMMENDED if s != "s3"]
    found = vpc_endpoints(account, vpc_id)
    assert sorted(found) == sorted(RECOMMENDED)
    assert found["s3"]["VpcEndpointId"] == foreign["VpcEndpointId"]  # not duplicated
    assert found["s3"]["RouteTableIds"] == [tables[0]["RouteTableId"]]  # and not changed
    assert (
        len(account.ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]) == 9
    )
    private_tables = sorted(t["RouteTableId"] for t in tables)
    assert sorted(found["dynamodb"]["RouteTableIds"]) == private_tables
    for service in ("ecr.api", "logs", "ec2"):
        assert sorted(found[service]["SubnetIds"]) == sorted(customer["private"])  # one private subnet per AZ
        assert found[service]["PrivateDnsEnabled"]
    (group,) = account.ec2.describe_security_groups(GroupIds=[outcome.extra["security_group_id"]])["SecurityGroups"]
    assert [(p["FromPort"], [r["CidrIp"] for r in p["IpRanges"]]) for p in group["IpPermissions"]] == [
        (443, ["172.16.0.0/16"])
    ]
    by_service = {e["service"]: e for e in outcome.resource}
    assert by_service["s3"]["managed"] is False and by_service["logs"]["managed"] is True


def test_idempotency_triple(account, customer):
    vpc_id = customer["vpc_id"]
    assert endpoints(account, check_mode=True, vpc_id=vpc_id).changed
    assert endpoints(account, vpc_id=vpc_id).changed
    account.recorder.reset()
    again = endpoints(account, vpc_id=vpc_id)
    assert not again.changed and again.extra["missing"] == [] and again.extra["present"] == RECOMMENDED
    assert account.recorder.writes == []
    assert len(account.recorder.calls) <= 6, account.recorder.calls


def test_absent_removes_only_ours_and_our_security_group(account, customer):
    vpc_id = customer["vpc_id"]
    foreign = account.ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.logs",
        VpcEndpointType="Interface",
        SubnetIds=[customer["private"][0]],
    )["VpcEndpoint"]
    created = endpoints(account, vpc_id=vpc_id)
    assert "logs" in created.extra["present"]
    removed = endpoints(account, vpc_id=vpc_id, state="absent")
    assert removed.changed and any("logs" in w for w in removed.warnings)
    left = vpc_endpoints(account, vpc_id)
    assert list(left) == ["logs"] and left["logs"]["VpcEndpointId"] == foreign["VpcEndpointId"]
    assert (
        account.ec2.describe_security_groups(
            Filters=[{"Name": "group-id", "Values": [created.extra["security_group_id"]]}]
        )["SecurityGroups"]
        == []
    )
    assert not endpoints(account, vpc_id=vpc_id, state="absent").changed


def test_services_beyond_the_recommended_list(account, customer):
    services = ["execute-api", "secretsmanager", "license-manager", "transfer", f"com.amazonaws.{REGION}.dynamodb"]
    outcome = endpoints(account, vpc_id=customer["vpc_id"], services=services)
    assert sorted(vpc_endpoints(account, customer["vpc_id"])) == sorted(
        ["execute-api", "secretsmanager", "license-manager", "transfer", "dynamodb"]
    )
    assert {e["service"]: e["type"] for e in outcome.resource}["dynamodb"] == "Gateway"


def test_given_subnets_and_security_groups_are_used(account, customer):
    vpc_id = customer["vpc_id"]
    group = account.ec2.create_security_group(GroupName="platform-endpoints", Description="x", VpcId=vpc_id)["GroupId"]
    outcome = endpoints(
        account, vpc_id=vpc_id, services=["secretsmanager"], subnets=customer["private"][:2], security_groups=[group]
    )
    endpoint = vpc_endpoints(account, vpc_id)["secretsmanager"]
    assert sorted(endpoint["SubnetIds"]) == sorted(customer["private"][:2])
    assert [g["GroupId"] for g in endpoint["Groups"]] == [group]
    assert outcome.extra["security_group_id"] is None  # none of ours was needed


def _refused(account, fragment, **params):
    account.recorder.reset()
    with pytest.raises(AnsibleGenomicsError) as error:
        endpoints(account, **params)
    assert fragment in error.value.message, error.value.message
    assert account.recorder.writes == []


def test_unknown_service_is_refused(account, customer):
    _refused(
        account,
        "unknown VPC endpoint service(s) bogus-service",
        vpc_id=customer["vpc_id"],
        services=["s3", "bogus-service"],
    )


def test_vpc_that_does_not_exist_is_refused(account):
    _refused(account, "vpc_id 'vpc-0123456789abcdef0' does not exist", vpc_id="vpc-0123456789abcdef0")


def test_subnets_of_another_vpc_are_refused(account, customer):
    other = account.customer_vpc(cidr="172.18.0.0/16")
    _refused(account, f"belongs to {other['vpc_id']}", vpc_id=customer["vpc_id"], subnets=[other["private"][0]])


def test_security_groups_of_another_vpc_are_refused(account, customer):
    other = account.customer_vpc(cidr="172.18.0.0/16")
    group = account.ec2.create_security_group(GroupName="x", Description="x", VpcId=other["vpc_id"])["GroupId"]
    _refused(account, f"{group} belongs to {other['vpc_id']}", vpc_id=customer["vpc_id"], security_groups=[group])


def test_two_subnets_in_one_az_are_refused(account, customer):
    extra = account.ec2.create_subnet(
        VpcId=customer["vpc_id"], CidrBlock="172.16.100.0/24", AvailabilityZone="us-east-1a"
    )["Subnet"]["SubnetId"]
    _refused(account, "are both in us-east-1a", vpc_id=customer["vpc_id"], subnets=[customer["private"][0], extra])


def test_vpc_without_dns_hostnames_is_refused_not_modified(account):
    world = account.customer_vpc()
    _refused(account, "DNS hostnames disabled", vpc_id=world["vpc_id"], services=["logs"])
    assert endpoints(account, vpc_id=world["vpc_id"], services=["logs"], private_dns=False).changed


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"vpc_id": "vpc-x"}, "vpc_id 'vpc-x' is not a VPC id"),
        ({"vpc_id": "vpc-12345678", "services": []}, "services is empty"),
        ({"vpc_id": "vpc-12345678", "services": ["S3 Bucket"]}, "'S3 Bucket' are not endpoint service names"),
        (
            {"vpc_id": "vpc-12345678", "security_groups": ["default"]},
            "security_groups: 'default' is not a security group id",
        ),
    ],
)
def test_malformed_options_fail_before_any_call(params, fragment):
    with pytest.raises(AnsibleGenomicsError, match=fragment.replace("(", r"\(")):
        EndpointsRequest.from_params(params)


def test_agc_account_warns_about_what_agc_vpc_endpoints_then_adds(account, customer):
    first = account.activate(vpc_id=customer["vpc_id"])
    assert any("lacks the recommended VPC endpoint(s) s3, dynamodb" in w for w in first.warnings)
    endpoints(account, vpc_id=customer["vpc_id"])
    second = account.activate(vpc_id=customer["vpc_id"])
    assert not any("lacks the recommended" in w for w in second.warnings)


def test_drift_of_our_endpoints_and_group_in_a_customer_vpc_is_repaired(account, customer):
    vpc_id = customer["vpc_id"]
    created = endpoints(account, vpc_id=vpc_id)
    group_id = created.extra["security_group_id"]
    (group,) = account.ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    account.ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=group["IpPermissions"])
    logs = vpc_endpoints(account, vpc_id)["logs"]
    account.ec2.modify_vpc_endpoint(VpcEndpointId=logs["VpcEndpointId"], RemoveSubnetIds=logs["SubnetIds"][:1])

    audit = endpoints(account, check_mode=True, vpc_id=vpc_id)
    assert audit.changed and audit.extra["missing"] == [] and len(audit.changes.entries) == 2, audit.changes.entries
    repaired = endpoints(account, vpc_id=vpc_id)
    assert repaired.changed
    (group,) = account.ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert [(p["FromPort"], [r["CidrIp"] for r in p["IpRanges"]]) for p in group["IpPermissions"]] == [
        (443, ["172.16.0.0/16"])
    ]
    assert sorted(vpc_endpoints(account, vpc_id)["logs"]["SubnetIds"]) == sorted(customer["private"])
    assert not endpoints(account, vpc_id=vpc_id).changed
