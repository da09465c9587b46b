# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which IAM action a denied call needed, and which of the collection's policy files grants it.

The policy files live in docs/iam/ (one per job); a module names its job's file, and an access-denied failure
says the missing action and that file.
"""

import re

# What each job's policy file covers, as the error message says it ("... has every permission <job> needs").
POLICY_JOBS = {
    "agc-activate.json": "activation",
    "agc-activate-customer-vpc.json": "activation in your own VPC",
    "agc-activate-public-only.json": "public-only activation",
    "agc-deactivate.json": "deactivation",
    "agc-vpc-endpoints-audit.json": "an endpoint audit",
    "agc-vpc-endpoints.json": "adding and removing VPC endpoints",
    "omics-vpc-networking.json": "the omics_vpc_networking role",
    "omics-connectivity-test.json": "the omics_connectivity_test role",
    "read-only.json": "every *_info module",
}

# Error codes of a call the caller's policies do not allow. S3 answers a HEAD request with a bare 403.
ACCESS_DENIED_CODES = frozenset(("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "403", "Forbidden"))

# Operations whose IAM action is not service:OperationName (AWS Service Authorization Reference).
_ACTIONS = {
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "PutBucketEncryption"): "s3:PutEncryptionConfiguration",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "DeleteBucketEncryption"): "s3:PutEncryptionConfiguration",
    ("s3", "PutPublicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "DeletePublicAccessBlock"): "s3:PutBucketPublicAccessBlock",
    ("s3", "DeleteBucketOwnershipControls"): "s3:PutBucketOwnershipControls",
    ("s3", "DeleteBucketTagging"): "s3:PutBucketTagging",
}

# AWS names the action in most denials: "... is not authorized to perform: ssm:PutParameter on resource: ...".
_NAMED_ACTION = re.compile(r"not authorized to perform:? ([a-z0-9-]+:[A-Za-z0-9]+)")


def iam_action(service, operation):
    """The IAM action of `operation` of `service` (a boto3 service name: ec2, s3, ssm, omics...)."""
    return _ACTIONS.get((service, operation)) or f"{service}:{operation}"


def denies_access(response):
    """Whether a parsed botocore answer (a ClientError's ``response``) says the caller lacks a permission."""
    return ((response or {}).get("Error") or {}).get("Code") in ACCESS_DENIED_CODES


def is_access_denied(error):
    """Whether botocore's ClientError `error` says the caller lacks a permission."""
    return denies_access(getattr(error, "response", None))


def denied_action(error, service=None):
    """The IAM action `error` (an access-denied ClientError) was missing: the one AWS names, else the action of the
    failed operation of `service`; None when neither is known."""
    message = ((getattr(error, "response", None) or {}).get("Error") or {}).get("Message") or ""
    named = _NAMED_ACTION.search(message)
    if named:
        return named.group(1)
    operation = getattr(error, "operation_name", None)
    if operation and service:
        return iam_action(service, operation)
    return None


def missing_permission_message(action, policy_file):
    """What an operator reads first when a call was denied."""
    job = POLICY_JOBS.get(policy_file, "this job")
    return f"AccessDenied for {action}: grant it with docs/iam/{policy_file} (every permission {job} needs)"
