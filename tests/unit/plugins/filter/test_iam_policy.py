"""The iam_policy filter renders a shipped policy for an account, Region and partition, and names bad input."""

import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.genomics.aws.plugins.filter.iam_policy import FilterModule
from ansible_collections.genomics.aws.plugins.filter.iam_policy import iam_policy
from ansible_collections.genomics.aws.plugins.filter.iam_policy import policy_names


def test_renders_account_region_and_partition_of_the_region():
    text = json.dumps(iam_policy("agc-activate", "123456789012", "eu-west-1"))
    assert "arn:aws:ssm:eu-west-1:123456789012:parameter/agc/*" in text
    assert "arn:aws:s3:::agc-123456789012-eu-west-1" in text and "${" not in text
    china = json.dumps(iam_policy("agc-deactivate.json", 210987654321, "cn-north-1"))
    assert "arn:aws-cn:ec2:cn-north-1:210987654321:*" in china
    gov = json.dumps(iam_policy("read-only", "123456789012", "us-gov-west-1", partition="aws-us-gov"))
    assert "arn:aws-us-gov:" in gov and "arn:aws:" not in gov


def test_renders_a_document_given_and_every_shipped_policy():
    document = {"Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:${Partition}:s3:::x"}]}
    assert iam_policy(document, "123456789012", "us-east-1")["Statement"][0]["Resource"] == "arn:aws:s3:::x"
    assert "agc-activate" in policy_names() and "omics-connectivity-test" in policy_names()
    assert FilterModule().filters()["iam_policy"] is iam_policy


@pytest.mark.parametrize(
    ("policy", "account", "region", "named"),
    [
        ("agc-activate", "12345", "eu-west-1", "'12345'"),
        ("agc-activate", "123456789012", "europe", "'europe'"),
        ("agc-activat", "123456789012", "eu-west-1", "'agc-activat'"),
        ({"Statement": [{"Resource": "${Bucket}"}]}, "123456789012", "eu-west-1", "Bucket"),
        (["not", "a", "document"], "123456789012", "eu-west-1", "policy document"),
    ],
)
def test_bad_input_is_named(policy, account, region, named):
    with pytest.raises(AnsibleFilterError, match=named):
        iam_policy(policy, account, region)
