"""Which IAM action a denied call was missing: the one AWS names, else the action of the failed operation."""

import botocore.exceptions

from ansible_collections.genomics.aws.plugins.module_utils._shared.iam import denied_action
from ansible_collections.genomics.aws.plugins.module_utils._shared.iam import iam_action
from ansible_collections.genomics.aws.plugins.module_utils._shared.iam import is_access_denied
from ansible_collections.genomics.aws.plugins.module_utils._shared.iam import missing_permission_message


def client_error(code, message, operation):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


def test_the_action_aws_names_wins():
    error = client_error(
        "AccessDeniedException",
        "User: arn:aws:iam::123456789012:user/x is not authorized to perform: ssm:PutParameter on resource: ...",
        "PutParameter",
    )
    assert is_access_denied(error) and denied_action(error) == "ssm:PutParameter"


def test_else_the_operation_of_the_service_that_was_denied():
    assert denied_action(client_error("403", "Forbidden", "HeadBucket"), "s3") == "s3:ListBucket"
    assert denied_action(client_error("UnauthorizedOperation", "", "CreateNatGateway"), "ec2") == "ec2:CreateNatGateway"
    assert denied_action(client_error("AccessDenied", "", "TagResource")) is None
    assert iam_action("s3", "PutPublicAccessBlock") == "s3:PutBucketPublicAccessBlock"


def test_other_errors_are_not_denials():
    assert not is_access_denied(client_error("InvalidVpcID.NotFound", "no such VPC", "DescribeVpcs"))
    assert not is_access_denied(ValueError("not a botocore error"))


def test_the_message_names_the_action_and_the_policy_file():
    assert missing_permission_message("ec2:CreateNatGateway", "agc-activate.json").startswith(
        "AccessDenied for ec2:CreateNatGateway: grant it with docs/iam/agc-activate.json"
    )
