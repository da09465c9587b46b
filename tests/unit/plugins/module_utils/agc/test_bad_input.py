"""Bad input found only by looking at the account: a clear error naming the value, and no write."""

import json

import pytest

from ansible_collections.genomics.aws.plugins.module_utils.agc import AnsibleGenomicsError


def _refused(account, fragment, **params):
    before = account.inventory()
    account.recorder.reset()
    with pytest.raises(AnsibleGenomicsError) as error:
        account.activate(**params)
    assert fragment in error.value.message, error.value.message
    assert account.recorder.writes == [], account.recorder.writes
    assert account.inventory() == before
    return error.value.message


def test_vpc_that_does_not_exist(account):
    _refused(account, "vpc_id 'vpc-0123456789abcdef0' does not exist", vpc_id="vpc-0123456789abcdef0")


def test_subnet_that_does_not_exist(account):
    customer = account.customer_vpc()
    _refused(
        account,
        "subnet-0123456789abcdef0 does not exist",
        vpc_id=customer["vpc_id"],
        subnets=["subnet-0123456789abcdef0"],
    )


def test_subnet_of_another_vpc(account):
    customer = account.customer_vpc(cidr="172.16.0.0/16")
    other = account.customer_vpc(cidr="172.17.0.0/16")
    message = _refused(
        account,
        f"belongs to {other['vpc_id']}",
        vpc_id=customer["vpc_id"],
        subnets=[customer["private"][0], other["private"][0]],
    )
    assert other["private"][0] in message


def test_vpc_over_fewer_than_three_azs(account):
    customer = account.customer_vpc(azs=("us-east-1a", "us-east-1b"))
    _refused(account, "private subnets in 2 AZ(s)", vpc_id=customer["vpc_id"])


def test_vpc_without_private_subnets(account):
    customer = account.customer_vpc(private=False)
    _refused(account, "has no private subnet", vpc_id=customer["vpc_id"])


def test_ami_that_does_not_exist(account):
    _refused(account, "ami 'ami-0123456789abcdef0' does not exist", ami="ami-0123456789abcdef0")


def test_public_ami(account):
    public = account.ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    _refused(account, f"ami {public!r} is public", ami=public)


def test_ami_of_another_account():
    # moto cannot make a private image owned by another account, so a stand-in EC2 client answers
    # describe_images as EC2 would for an AMI shared with this account.
    from ansible_collections.genomics.aws.plugins.module_utils._agc import compute

    class SharedImageEc2:
        def can_paginate(self, name):
            return False

        def describe_images(self, **params):
            assert params == {"Filters": [{"Name": "image-id", "Values": ["ami-0123456789abcdef0"]}]}
            return {
                "Images": [
                    {
                        "ImageId": "ami-0123456789abcdef0",
                        "Public": False,
                        "OwnerId": "999999999999",
                        "State": "available",
                    }
                ]
            }

    with pytest.raises(
        AnsibleGenomicsError, match="ami 'ami-0123456789abcdef0' is owned by account 999999999999, not 123456789012"
    ):
        compute.resolve_compute_image(SharedImageEc2(), None, "ami-0123456789abcdef0", "123456789012")


def test_ami_not_available(account):
    image = account.ec2.register_image(Name="pending", RootDeviceName="/dev/xvda")["ImageId"]
    account.ec2.deregister_image(ImageId=image)
    _refused(account, f"ami {image!r} does not exist", ami=image)


def test_bucket_that_does_not_exist_is_not_created_from_a_typo(account):
    _refused(account, "bucket 'lab-reslts' does not exist", bucket="lab-reslts")


def test_bucket_that_cannot_be_written_is_refused(account):
    account.s3.create_bucket(Bucket="locked-bucket")
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::locked-bucket/*"}
        ],
    }
    account.s3.put_bucket_policy(Bucket="locked-bucket", Policy=json.dumps(deny))
    before_params = account.parameters()
    with pytest.raises(AnsibleGenomicsError, match="cannot write to bucket 'locked-bucket'"):
        account.activate(bucket="locked-bucket", use_public_subnets=True)
    # Found before the state store was written: nothing records the unusable bucket.
    assert account.parameters() == before_params


def test_too_little_elastic_ip_quota_is_refused_before_anything_is_created(account):
    for _address in range(3):  # moto's quota is 5: 3 taken leaves 2 for 3 NAT gateways
        account.ec2.allocate_address(Domain="vpc")
    message = _refused(account, "needs 3 more Elastic IP(s)", tags={})
    assert "3 of the region's quota of 5" in message and "use_public_subnets" in message


def test_public_only_needs_no_elastic_ip_quota(account):
    for _address in range(5):
        account.ec2.allocate_address(Domain="vpc")
    assert account.activate(use_public_subnets=True).changed


def test_region_activated_by_the_agc_cli_is_refused(account):
    account.context_stack("Agc-Core")
    _refused(account, "already activated by the AGC CLI (CloudFormation stack Agc-Core")


def test_region_with_fewer_than_three_azs_is_refused(account, monkeypatch):
    from ansible_collections.genomics.aws.plugins.module_utils._agc import activation

    monkeypatch.setattr(activation, "available_zones", lambda ec2: ["us-east-1a", "us-east-1b"])
    _refused(account, "has 2 available AZ(s)")


def test_unknown_module_options_are_rejected_by_the_argument_spec(capsys):
    from ansible.module_utils.testing import patch_module_args

    from ansible_collections.genomics.aws.plugins.modules import agc_account

    with patch_module_args({"region": "us-east-1", "vpc": "vpc-12345678"}):
        with pytest.raises(SystemExit):
            agc_account.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and "Unsupported parameters" in result["msg"] and "vpc" in result["msg"]
