# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One small wrapper per boto3 call that amazon.aws's module_utils does not already provide.

Each retries its service's throttling and transient errors (_shared/retries.py) and raises
AnsibleGenomicsError; none touches the module.
EC2 calls that amazon.aws wraps (VPCs, subnets, NAT gateways, endpoints, ...) are used from
amazon.aws.plugins.module_utils.ec2 directly.
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.s3 import AnsibleS3PermissionsError
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_tagging
from ansible_collections.amazon.aws.plugins.module_utils.s3 import head_s3_bucket
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from .._shared.errors import AnsibleGenomicsError
from .._shared.retries import retry_throttling
from .common import AGCErrorHandler


def error_code(exception):
    """The AWS error code of a botocore ClientError, or None."""
    response = getattr(exception, "response", None) or {}
    return response.get("Error", {}).get("Code")


class _MissingParameterHandler(AGCErrorHandler):
    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ParameterNotFound")


class _MissingStackHandler(AGCErrorHandler):
    @classmethod
    def _is_missing(cls):
        # CloudFormation reports an unknown stack as a generic ValidationError.
        return is_boto3_error_code("ValidationError")


# --- STS -------------------------------------------------------------------------------------


@AGCErrorHandler.common_error_handler("identify the AWS account (sts:GetCallerIdentity)")
@retry_throttling()
def get_caller_identity(client):
    return client.get_caller_identity()


# --- EC2 (calls amazon.aws does not wrap) ------------------------------------------------------


@AGCErrorHandler.common_error_handler("read the Elastic IP quota (ec2:DescribeAccountAttributes)")
@retry_throttling()
def describe_elastic_ip_quota(client):
    attributes = client.describe_account_attributes(AttributeNames=["vpc-max-elastic-ips"])["AccountAttributes"]
    for attribute in attributes:
        if attribute["AttributeName"] == "vpc-max-elastic-ips":
            return int(attribute["AttributeValues"][0]["AttributeValue"])
    return None


@AGCErrorHandler.common_error_handler("tag resources (ec2:CreateTags)")
@retry_throttling()
def create_tags(client, resource_ids, tags):
    client.create_tags(Resources=list(resource_ids), Tags=ansible_dict_to_boto3_tag_list(tags))


@AGCErrorHandler.common_error_handler("untag resources (ec2:DeleteTags)")
@retry_throttling()
def delete_tags(client, resource_ids, keys):
    client.delete_tags(Resources=list(resource_ids), Tags=[{"Key": k} for k in keys])


@AGCErrorHandler.common_error_handler("change a VPC endpoint (ec2:ModifyVpcEndpoint)")
@retry_throttling()
def modify_endpoint(client, endpoint_id, **changes):
    client.modify_vpc_endpoint(VpcEndpointId=endpoint_id, **changes)


@AGCErrorHandler.common_error_handler("add route tables to a gateway endpoint (ec2:ModifyVpcEndpoint)")
@retry_throttling()
def add_endpoint_route_tables(client, endpoint_id, route_table_ids):
    client.modify_vpc_endpoint(VpcEndpointId=endpoint_id, AddRouteTableIds=list(route_table_ids))


# --- SSM -------------------------------------------------------------------------------------


@AGCErrorHandler.common_error_handler("read the activation state from SSM")
@retry_throttling()
def get_parameters_by_path(client, path):
    paginator = client.get_paginator("get_parameters_by_path")
    return paginator.paginate(Path=path, Recursive=True).build_full_result().get("Parameters", [])


@_MissingParameterHandler.list_error_handler("read an SSM parameter")
@retry_throttling()
def get_parameter(client, name):
    return client.get_parameter(Name=name)["Parameter"]


@AGCErrorHandler.common_error_handler("write an SSM parameter")
@retry_throttling()
def put_parameter(client, **params):
    return client.put_parameter(**params)


def put_parameter_if_absent(client, **params):
    """Create a parameter only if it does not exist yet. Returns False when it already exists."""
    try:
        _put_parameter_no_overwrite(client, **params)
        return True
    except botocore.exceptions.ClientError as e:
        if error_code(e) == "ParameterAlreadyExists":
            return False
        raise AnsibleGenomicsError(message="Failed to write an SSM parameter", exception=e) from e


@retry_throttling()
def _put_parameter_no_overwrite(client, **params):
    return client.put_parameter(Overwrite=False, **params)


@AGCErrorHandler.common_error_handler("delete SSM parameters")
@retry_throttling()
def delete_parameters(client, names):
    deleted = []
    for start in range(0, len(names), 10):  # DeleteParameters takes at most 10 names
        deleted += client.delete_parameters(Names=names[start : start + 10]).get("DeletedParameters", [])
    return deleted


@_MissingParameterHandler.deletion_error_handler("delete an SSM parameter")
@retry_throttling()
def delete_parameter(client, name):
    client.delete_parameter(Name=name)
    return True


@AGCErrorHandler.common_error_handler("tag an SSM parameter")
@retry_throttling()
def tag_parameter(client, name, tags):
    client.add_tags_to_resource(ResourceType="Parameter", ResourceId=name, Tags=ansible_dict_to_boto3_tag_list(tags))


@AGCErrorHandler.common_error_handler("untag an SSM parameter")
@retry_throttling()
def untag_parameter(client, name, keys):
    client.remove_tags_from_resource(ResourceType="Parameter", ResourceId=name, TagKeys=list(keys))


# --- S3 --------------------------------------------------------------------------------------


def bucket_status(client, name):
    """'owned' (we can reach it), 'missing', or 'forbidden' (it exists but is not ours to use)."""
    try:
        return "owned" if head_s3_bucket(client, name) else "missing"
    except AnsibleS3PermissionsError:
        return "forbidden"


@AGCErrorHandler.common_error_handler("create the S3 bucket")
@retry_throttling()
def create_bucket(client, name, region):
    params = {"Bucket": name, "ObjectOwnership": "BucketOwnerEnforced"}
    if region != "us-east-1":  # us-east-1 rejects an explicit LocationConstraint
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    client.create_bucket(**params)


# The bucket's hardening, one call each. NoSuchBucket and OperationAborted are retried too: right after CreateBucket
# S3 may not know the bucket everywhere yet.
@AGCErrorHandler.common_error_handler("tag the S3 bucket (s3:PutBucketTagging)")
@retry_throttling("NoSuchBucket", "OperationAborted")
def put_bucket_tagging(client, name, tags):
    client.put_bucket_tagging(Bucket=name, Tagging={"TagSet": ansible_dict_to_boto3_tag_list(tags)})


@AGCErrorHandler.common_error_handler("block public access to the S3 bucket (s3:PutBucketPublicAccessBlock)")
@retry_throttling("NoSuchBucket", "OperationAborted")
def put_public_access_block(client, name, configuration):
    client.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=configuration)


@AGCErrorHandler.common_error_handler("set the S3 bucket's default encryption (s3:PutEncryptionConfiguration)")
@retry_throttling("NoSuchBucket", "OperationAborted")
def put_bucket_encryption(client, name, configuration):
    client.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration=configuration)


@AGCErrorHandler.common_error_handler("set the S3 bucket's object ownership (s3:PutBucketOwnershipControls)")
@retry_throttling("NoSuchBucket", "OperationAborted")
def put_bucket_ownership_controls(client, name, controls):
    client.put_bucket_ownership_controls(Bucket=name, OwnershipControls=controls)


@AGCErrorHandler.common_error_handler("set the S3 bucket's policy (s3:PutBucketPolicy)")
@retry_throttling("NoSuchBucket", "OperationAborted")
def put_bucket_policy(client, name, policy):
    client.put_bucket_policy(Bucket=name, Policy=policy)


def get_bucket_tags(client, name):
    return get_s3_bucket_tagging(client, name) or {}


@AGCErrorHandler.list_error_handler("read the tags of the S3 bucket (s3:GetBucketTagging)", None)
@retry_throttling()
def get_bucket_tags_if_present(client, name):
    """The bucket's tags, or None when the bucket is gone (NoSuchBucket, answered at once: amazon.aws's getter retries
    it for minutes, as a bucket just created may not be known everywhere yet)."""
    try:
        tag_set = client.get_bucket_tagging(Bucket=name).get("TagSet", [])
    except is_boto3_error_code("NoSuchTagSet"):
        tag_set = []
    return boto3_tag_list_to_ansible_dict(tag_set)


@retry_throttling()
def put_object(client, bucket, key, body):
    client.put_object(Bucket=bucket, Key=key, Body=body)


@retry_throttling()
def delete_object(client, bucket, key):
    client.delete_object(Bucket=bucket, Key=key)


# --- CloudFormation --------------------------------------------------------------------------


@_MissingStackHandler.list_error_handler("describe CloudFormation stacks", default_value=[])
@retry_throttling()
def describe_stacks(client, name=None):
    paginator = client.get_paginator("describe_stacks")
    params = {"StackName": name} if name else {}
    return paginator.paginate(**params).build_full_result().get("Stacks", [])


@AGCErrorHandler.common_error_handler("delete a CloudFormation stack")
@retry_throttling()
def delete_stack(client, name):
    client.delete_stack(StackName=name)
