"""Pure logic: option normalisation and validation, the subnet layout, bucket names."""

import ipaddress

import pytest

from ansible_collections.genomics.aws.plugins.module_utils._agc.layout import subnet_layout
from ansible_collections.genomics.aws.plugins.module_utils._agc.storage import normalize_bucket_name
from ansible_collections.genomics.aws.plugins.module_utils.agc import ActivationRequest
from ansible_collections.genomics.aws.plugins.module_utils.agc import AnsibleGenomicsError
from ansible_collections.genomics.aws.plugins.module_utils.agc import flatten_subnets

AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]


def test_subnets_accept_comma_separated_elements_like_the_cli():
    assert flatten_subnets(["subnet-1,subnet-2", " subnet-3 ", "subnet-2"]) == ["subnet-1", "subnet-2", "subnet-3"]


@pytest.mark.parametrize("value", ["my-bucket", "s3://my-bucket", "s3://my-bucket/", " my-bucket "])
def test_bucket_accepts_s3_url_forms(value):
    assert normalize_bucket_name(value) == "my-bucket"


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("My_Bucket", "lowercase"),
        ("ab", "3-63"),
        ("x" * 64, "3-63"),
        ("-bucket", "starting and ending"),
        ("my..bucket", "'..'"),
        ("192.168.1.1", "IP address"),
        ("xn--bucket", "S3 reserves"),
        ("s3://my-bucket/some/prefix", "prefix"),
    ],
)
def test_invalid_bucket_names_are_refused_with_the_reason(value, fragment):
    with pytest.raises(AnsibleGenomicsError) as error:
        normalize_bucket_name(value)
    assert repr(value) in error.value.message or value in error.value.message
    assert fragment in error.value.message


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "10.20.0.0/20", "192.168.4.0/24"])
@pytest.mark.parametrize("public_only", [False, True])
def test_layout_fits_the_vpc_without_overlap(cidr, public_only):
    layout = subnet_layout(cidr, AZS, public_only)
    vpc = ipaddress.IPv4Network(cidr)
    networks = [ipaddress.IPv4Network(c) for _az, _kind, c in layout]
    assert all(n.subnet_of(vpc) for n in networks)
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])
    assert all(n.prefixlen <= 28 for n in networks)  # AWS's smallest subnet
    kinds = sorted({kind for _az, kind, _c in layout})
    assert kinds == (["public"] if public_only else ["private", "public"])
    for az in AZS:
        assert sum(1 for a, _k, _c in layout if a == az) == (1 if public_only else 2)


def test_private_subnets_get_the_room_for_compute():
    layout = subnet_layout("10.0.0.0/16", AZS, False)
    sizes = {
        kind: {ipaddress.IPv4Network(c).num_addresses for _a, k, c in layout if k == kind}
        for kind in ("private", "public")
    }
    assert sizes == {"private": {16384}, "public": {4096}}


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"vpc_id": "vpc-12345678", "use_public_subnets": True}, "cannot be combined with vpc_id (vpc-12345678)"),
        ({"subnets": ["subnet-12345678"]}, "subnets (subnet-12345678) need their VPC"),
        ({"vpc_id": "my-vpc"}, "vpc_id 'my-vpc' is not a VPC id"),
        ({"vpc_id": "vpc-12345678", "subnets": ["subnet-12345678,sn-1"]}, "'sn-1' is not a subnet id"),
        ({"ami": "ami-xyz"}, "ami 'ami-xyz' is not an AMI id"),
        ({"bucket": "Bad_Bucket"}, "bucket 'Bad_Bucket' is not a valid S3 bucket name"),
        ({"vpc_cidr": "10.0.0.0/8"}, "vpc_cidr '10.0.0.0/8' has a /8 prefix"),
        ({"vpc_cidr": "10.0.0.1/16"}, "vpc_cidr '10.0.0.1/16' is not an IPv4 network"),
        ({"vpc_cidr": "not-a-cidr"}, "vpc_cidr 'not-a-cidr'"),
        ({"tags": {"application-name": "x"}}, "tag key 'application-name' is reserved"),
        ({"tags": {"genomics.aws:role": "x"}}, "tag key 'genomics.aws:role' is reserved"),
        ({"tags": {"k": "v" * 257}}, "the value of tag 'k' is longer than 256"),
        ({"wait_timeout": -5}, "wait_timeout -5"),
    ],
)
def test_bad_options_fail_before_any_aws_call(params, fragment):
    with pytest.raises(AnsibleGenomicsError) as error:
        ActivationRequest.from_params(params)
    assert fragment in error.value.message
