# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ARNs and host names in the caller's partition (aws, aws-cn, aws-us-gov, ...), never hard-coded to aws."""

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn

# The DNS suffix of service endpoints per partition; every other partition uses amazonaws.com.
_DNS_SUFFIXES = {"aws-cn": "amazonaws.com.cn", "aws-iso": "c2s.ic.gov", "aws-iso-b": "sc2s.sgov.gov"}


def partition_of(arn):
    """The partition of an ARN, such as the caller's from sts:GetCallerIdentity; "aws" when it cannot tell."""
    details = parse_aws_arn(arn or "") or {}
    return details.get("partition") or "aws"


def dns_suffix(partition):
    return _DNS_SUFFIXES.get(partition or "aws", "amazonaws.com")


def s3_bucket_arns(partition, bucket):
    """The ARNs of a bucket and of every object in it."""
    return [f"arn:{partition}:s3:::{bucket}", f"arn:{partition}:s3:::{bucket}/*"]


def ecr_repository_arn_prefix(partition, region, account_id):
    return f"arn:{partition}:ecr:{region}:{account_id}:repository/"
