"""The emulator forwards requests signed for other services to moto, so one endpoint_url serves all.

Modules under test take one endpoint_url, as with module_defaults against AWS; they call omics,
EC2 and S3 through it. The emulator answers what is signed for omics and relays the rest.
"""

from __future__ import annotations

import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tools.healthomics_emulator import OmicsEmulator
from tools.moto_server import empty_moto_server

SESSION = boto3.session.Session(region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def moto_url():
    with empty_moto_server() as url:
        yield url


@pytest.fixture
def emulator(moto_url):
    with OmicsEmulator(ec2_endpoint=moto_url, delay=0) as started:
        yield started


def test_ec2_and_s3_through_the_emulator_reach_moto(emulator, moto_url):
    ec2 = SESSION.client("ec2", endpoint_url=emulator.url)
    vpc_id = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    direct = SESSION.client("ec2", endpoint_url=moto_url)
    assert [v["VpcId"] for v in direct.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]] == [vpc_id]
    with pytest.raises(ClientError) as raised:  # moto's errors come back unchanged
        ec2.describe_vpcs(VpcIds=["vpc-00000000"])
    assert raised.value.response["Error"]["Code"] == "InvalidVpcID.NotFound"

    s3 = SESSION.client("s3", endpoint_url=emulator.url)
    s3.create_bucket(Bucket="forwarded-bucket")
    s3.put_object(Bucket="forwarded-bucket", Key="k", Body=b"payload")
    assert s3.get_object(Bucket="forwarded-bucket", Key="k")["Body"].read() == b"payload"
    assert s3.head_object(Bucket="forwarded-bucket", Key="k")["ContentLength"] == 7  # HEAD keeps the real length


def test_omics_is_still_answered_by_the_emulator(emulator, moto_url):
    ec2 = SESSION.client("ec2", endpoint_url=emulator.url)
    vpc_id = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.8.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(VpcId=vpc_id, GroupName="fwd", Description="fwd")["GroupId"]
    omics = SESSION.client("omics", endpoint_url=emulator.url, config=Config(inject_host_prefix=False))
    omics.create_configuration(
        name="through",
        requestId="r",
        runConfigurations={"vpcConfig": {"subnetIds": [subnet], "securityGroupIds": [group]}},
    )
    assert [c.name for c in emulator.backend.resources()["configurations"]] == ["through"]


def test_unsigned_requests_are_not_forwarded(emulator):
    with urllib.request.urlopen(f"{emulator.url}/_emulator/health", timeout=5) as answer:
        assert answer.read() == b'{"status": "ok"}'


def test_forwarding_only_to_loopback():
    with pytest.raises(ValueError):
        OmicsEmulator(ec2_endpoint="http://127.0.0.1:5000", forward_endpoint="http://example.com:80")
