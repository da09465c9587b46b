"""Every re-activation transition (VPC kept, switched or remembered; bucket switched; mode switch refused),
asserted in the emulated account."""

import pytest

from ansible_collections.genomics.aws.plugins.module_utils.agc import AnsibleGenomicsError

from .helpers import ACCOUNT
from .helpers import REGION

DEFAULT_BUCKET = f"agc-{ACCOUNT}-{REGION}"


def test_nothing_and_no_vpc_id_creates_a_managed_vpc(account):
    outcome = account.activate()
    (vpc,) = account.managed_vpcs()
    assert outcome.resource["vpc"] == {
        "id": vpc["VpcId"],
        "cidr_block": "10.0.0.0/16",
        "managed": True,
        "public_subnets_only": False,
    }


def test_nothing_and_vpc_id_uses_the_customer_vpc_untouched(account):
    customer = account.customer_vpc()
    before = account.snapshot_vpc(customer["vpc_id"])
    outcome = account.activate(vpc_id=customer["vpc_id"])
    assert account.managed_vpcs() == []
    assert outcome.resource["vpc"]["id"] == customer["vpc_id"] and outcome.resource["vpc"]["managed"] is False
    assert outcome.resource["subnets"]["infra"] == sorted(customer["private"], key=customer["private"].index)
    assert account.parameters()["vpc"]["Value"] == customer["vpc_id"]
    assert account.snapshot_vpc(customer["vpc_id"]) == before
    assert any("lacks the recommended VPC endpoint" in w for w in outcome.warnings)


def test_managed_vpc_and_no_vpc_id_keeps_it(account):
    first = account.activate()
    second = account.activate()
    assert not second.changed
    assert second.resource["vpc"]["id"] == first.resource["vpc"]["id"]


def test_managed_vpc_and_vpc_id_switches_and_destroys_the_managed_vpc(account):
    account.activate()
    customer = account.customer_vpc()
    before = account.snapshot_vpc(customer["vpc_id"])
    outcome = account.activate(vpc_id=customer["vpc_id"])
    assert outcome.changed
    assert account.managed_vpcs() == []
    inventory = account.inventory()
    assert inventory["elastic_ips"] == 0 and inventory["nat_gateways"] == 0  # ours released, none orphaned
    assert account.parameters()["vpc"]["Value"] == customer["vpc_id"]
    assert account.snapshot_vpc(customer["vpc_id"]) == before
    assert DEFAULT_BUCKET in inventory["buckets"]  # the bucket is not part of the switch


def test_switching_away_from_a_managed_vpc_is_refused_while_contexts_are_deployed(account):
    account.activate()
    account.context_stack("Agc-Context-proj-alice")
    customer = account.customer_vpc()
    before = account.inventory()
    account.recorder.reset()
    with pytest.raises(AnsibleGenomicsError) as error:
        account.activate(vpc_id=customer["vpc_id"])
    assert "Agc-Context-proj-alice" in error.value.message and "destroys it" in error.value.message
    assert account.recorder.writes == []
    assert account.inventory() == before


def test_customer_vpc_is_remembered_when_vpc_id_is_omitted(account):
    customer = account.customer_vpc()
    account.activate(vpc_id=customer["vpc_id"])
    outcome = account.activate()
    assert not outcome.changed
    assert outcome.resource["vpc"]["id"] == customer["vpc_id"]
    assert account.managed_vpcs() == []  # the last VPC used is remembered: no new managed VPC appears


def test_customer_vpc_x_to_y_keeps_x_untouched(account):
    vpc_x = account.customer_vpc(cidr="172.16.0.0/16")
    vpc_y = account.customer_vpc(cidr="172.17.0.0/16")
    account.activate(vpc_id=vpc_x["vpc_id"])
    before_x = account.snapshot_vpc(vpc_x["vpc_id"])
    outcome = account.activate(vpc_id=vpc_y["vpc_id"])
    assert outcome.changed and outcome.resource["vpc"]["id"] == vpc_y["vpc_id"]
    assert account.parameters()["InfraSubnets"]["Value"].split(",") == vpc_y["private"]
    assert account.snapshot_vpc(vpc_x["vpc_id"]) == before_x


@pytest.mark.parametrize("first, second", [(False, True), (True, False)])
def test_flipping_public_only_mode_while_active_is_refused(account, first, second):
    account.activate(use_public_subnets=first)
    before = account.inventory()
    account.recorder.reset()
    with pytest.raises(AnsibleGenomicsError) as error:
        account.activate(use_public_subnets=second)
    assert "requires deactivation" in error.value.message
    assert account.recorder.writes == [] and account.inventory() == before


def test_flipping_to_public_only_from_a_customer_vpc_is_refused(account):
    customer = account.customer_vpc()
    account.activate(vpc_id=customer["vpc_id"])
    with pytest.raises(AnsibleGenomicsError, match="requires deactivation"):
        account.activate(use_public_subnets=True)


def test_a_different_bucket_switches_and_the_old_one_keeps_its_objects(account):
    account.activate()
    account.s3.create_bucket(Bucket="lab-results")
    outcome = account.activate(bucket="s3://lab-results/")
    assert outcome.changed and outcome.resource["bucket"] == {
        "name": "lab-results",
        "managed": False,
        "url": "s3://lab-results",
    }
    assert account.parameters()["bucket"]["Value"] == "lab-results"
    assert DEFAULT_BUCKET in account.inventory()["buckets"]
    # the adopted bucket was proven writable and left as it was: marker removed, no policy added
    assert account.s3.list_objects_v2(Bucket="lab-results").get("KeyCount", 0) == 0
    with pytest.raises(account.s3.exceptions.ClientError):
        account.s3.get_bucket_policy(Bucket="lab-results")


def test_ami_given_is_recorded_and_omitting_it_returns_to_the_latest(account):
    image = account.ec2.register_image(Name="approved-ecs", RootDeviceName="/dev/xvda", VirtualizationType="hvm")[
        "ImageId"
    ]
    outcome = account.activate(ami=image)
    assert account.parameters()["ComputeEnvImage"]["Value"] == image == outcome.resource["compute_image"]
    assert not account.activate(ami=image).changed
    back = account.activate()
    assert back.changed and back.changes.entries == [
        "record activation in SSM ComputeEnvImage, genomics.aws/activation"
    ]
    latest = account.ssm.get_parameter(Name="/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id")[
        "Parameter"
    ]["Value"]
    assert account.parameters()["ComputeEnvImage"]["Value"] == latest


def test_subnets_select_and_omitting_them_uses_all_private_subnets(account):
    customer = account.customer_vpc()
    subnet_a, subnet_b, subnet_c = customer["private"]
    outcome = account.activate(vpc_id=customer["vpc_id"], subnets=[f"{subnet_a},{subnet_b}", subnet_c])
    assert outcome.resource["subnets"]["infra"] == [subnet_a, subnet_b, subnet_c]
    fewer = account.activate(vpc_id=customer["vpc_id"], subnets=[subnet_a])
    assert account.parameters()["InfraSubnets"]["Value"] == subnet_a
    assert account.parameters()["NumInfraSubnets"]["Value"] == "1"
    assert any("1 subnet(s) in 1 AZ(s)" in w for w in fewer.warnings)
    account.activate(vpc_id=customer["vpc_id"])
    assert account.parameters()["InfraSubnets"]["Value"].split(",") == customer["private"]


def test_diff_shows_the_recorded_activation_before_and_after(account):
    first = account.activate()
    assert first.before == {} and first.after["vpc_managed"] is True
    customer = account.customer_vpc()
    second = account.activate(vpc_id=customer["vpc_id"])
    assert second.before["vpc_id"] == first.after["vpc_id"]
    assert second.after["vpc_id"] == customer["vpc_id"] and second.after["vpc_managed"] is False
