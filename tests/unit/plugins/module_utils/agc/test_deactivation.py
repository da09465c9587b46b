"""Deactivation: dependency order, retention of data and customer resources, contexts, drift and blockers."""

import pytest

from ansible_collections.genomics.aws.plugins.module_utils.agc import AnsibleGenomicsError

from .helpers import ACCOUNT
from .helpers import REGION

DEFAULT_BUCKET = f"agc-{ACCOUNT}-{REGION}"


def _baseline(account):
    """What the account holds with nothing activated (moto's default VPC and its pieces)."""
    return account.inventory()


def test_deactivation_removes_the_core_and_keeps_the_bucket_and_its_objects(account):
    baseline = _baseline(account)
    account.activate()
    outcome = account.deactivate()
    assert outcome.changed
    after = account.inventory()
    assert after["buckets"] == [DEFAULT_BUCKET]
    assert after["parameters"] == []
    for key in (
        "vpcs",
        "subnets",
        "route_tables",
        "internet_gateways",
        "nat_gateways",
        "elastic_ips",
        "endpoints",
        "security_groups",
    ):
        assert after[key] == baseline[key], key
    assert outcome.extra["retained"]["bucket"] == {"name": DEFAULT_BUCKET, "managed": True}
    assert not account.deactivate().changed


def test_bucket_objects_survive_deactivation(account):
    # The managed bucket's TLS-only policy makes moto deny every object call (it ignores the
    # policy's condition), so data is written to an adopted bucket, which is retained the same way.
    account.s3.create_bucket(Bucket="lab-results")
    account.activate(bucket="lab-results")
    account.s3.put_object(Bucket="lab-results", Key="results/sample1.vcf", Body=b"##fileformat=VCFv4.2\n")
    outcome = account.deactivate()
    assert outcome.extra["retained"]["bucket"] == {"name": "lab-results", "managed": False}
    body = account.s3.get_object(Bucket="lab-results", Key="results/sample1.vcf")["Body"].read()
    assert body == b"##fileformat=VCFv4.2\n"
    assert DEFAULT_BUCKET not in account.inventory()["buckets"]  # never created: a bucket was given


def test_deletion_follows_dependency_order(account):
    account.activate()
    account.recorder.reset()
    account.deactivate()
    writes = account.recorder.writes
    # Deletions that do not depend on one another are made together, so only the dependencies order the calls:
    # every call of the first kind comes before every call of the second.
    must_precede = [
        ("DeleteVpcEndpoints", "DeleteSubnet"),
        ("DeleteVpcEndpoints", "DeleteSecurityGroup"),
        ("DeleteNatGateway", "ReleaseAddress"),
        ("DeleteNatGateway", "DeleteSubnet"),
        ("ReleaseAddress", "DetachInternetGateway"),
        ("DetachInternetGateway", "DeleteInternetGateway"),
        ("DisassociateRouteTable", "DeleteRouteTable"),
        ("DisassociateRouteTable", "DeleteSubnet"),
        *((kind, "DeleteVpc") for kind in ("DeleteInternetGateway", "DeleteRouteTable", "DeleteSubnet")),
        ("DeleteSecurityGroup", "DeleteVpc"),
        ("DeleteVpc", "DeleteParameters"),
    ]
    for first, then in must_precede:
        assert first in writes and then in writes, (first, then, writes)
        last_first = max(i for i, w in enumerate(writes) if w == first)
        first_then = writes.index(then)
        assert last_first < first_then, f"{then} before the last {first}: {writes}"
    assert writes.count("DeleteNatGateway") == 3 and writes.count("ReleaseAddress") == 3


def test_customer_vpc_is_retained_untouched(account):
    customer = account.customer_vpc()
    account.activate(vpc_id=customer["vpc_id"])
    before = account.snapshot_vpc(customer["vpc_id"])
    outcome = account.deactivate()
    assert outcome.extra["retained"]["vpc_id"] == customer["vpc_id"]
    assert account.snapshot_vpc(customer["vpc_id"]) == before
    assert account.inventory()["parameters"] == []


def test_deployed_contexts_block_deactivation(account):
    account.activate()
    account.context_stack("Agc-Context-proj-alice")
    account.context_stack("Agc-Context-proj-bob")
    before = account.inventory()
    account.recorder.reset()
    with pytest.raises(AnsibleGenomicsError) as error:
        account.deactivate()
    assert (
        "Agc-Context-proj-alice, Agc-Context-proj-bob" in error.value.message and "force: true" in error.value.message
    )
    assert account.recorder.writes == [] and account.inventory() == before


def test_force_deletes_contexts_first_then_the_core(account):
    account.activate()
    account.context_stack("Agc-Context-proj-alice")
    unrelated = "Agc-Context-not-ours"
    account.cfn.create_stack(
        StackName=unrelated, TemplateBody='{"Resources": {"W": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}'
    )
    account.recorder.reset()
    outcome = account.deactivate(force=True)
    assert outcome.changes.entries[0] == "delete context stacks Agc-Context-proj-alice (force)"
    assert account.inventory()["stacks"] == [unrelated]  # untagged: not an AGC context
    assert account.managed_vpcs() == []


def test_drift_resources_already_gone_are_skipped(account):
    outcome = account.activate()
    nat = outcome.resource["nat_gateways"][0]
    account.ec2.delete_nat_gateway(NatGatewayId=nat["id"])
    account.ec2.release_address(AllocationId=nat["allocation_id"])
    endpoint = outcome.resource["vpc_endpoints"][0]["id"]
    account.ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])
    assert account.deactivate().changed
    assert account.managed_vpcs() == [] and account.inventory()["elastic_ips"] == 0


def test_a_foreign_instance_blocks_deactivation_and_keeps_the_state_store(account):
    outcome = account.activate()
    subnet = outcome.resource["subnets"]["private"][0]
    image = account.ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = account.ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0][
        "InstanceId"
    ]
    before = account.inventory()
    account.recorder.reset()
    with pytest.raises(AnsibleGenomicsError) as error:
        account.deactivate()
    assert instance in error.value.message and "nothing was deleted" in error.value.message
    assert account.recorder.writes == [] and account.inventory() == before
    # once the blocker is gone, a later run resumes and completes
    account.ec2.terminate_instances(InstanceIds=[instance])
    eni = account.ec2.describe_network_interfaces(Filters=[{"Name": "attachment.instance-id", "Values": [instance]}])[
        "NetworkInterfaces"
    ]
    for interface in eni:
        account.ec2.delete_network_interface(NetworkInterfaceId=interface["NetworkInterfaceId"])
    assert account.deactivate().changed
    assert account.managed_vpcs() == [] and account.inventory()["parameters"] == []


def test_check_mode_deactivation_plans_and_touches_nothing(account):
    account.activate()
    before = account.inventory()
    account.recorder.reset()
    plan = account.deactivate(check_mode=True)
    assert plan.changed and any(e.startswith("delete NAT gateway") for e in plan.changes.entries)
    assert account.recorder.writes == [] and account.inventory() == before
    applied = account.deactivate()
    assert applied.changes.entries == plan.changes.entries


def test_nothing_active_is_unchanged(account):
    outcome = account.deactivate()
    assert not outcome.changed and outcome.changes.entries == []


def test_leftovers_of_an_interrupted_activation_are_cleaned_up(account):
    account.activate()
    account.ssm.delete_parameters(Names=["/agc/_common/" + name for name in account.parameters()])
    outcome = account.deactivate()
    assert outcome.changed
    assert account.managed_vpcs() == [] and account.inventory()["elastic_ips"] == 0
