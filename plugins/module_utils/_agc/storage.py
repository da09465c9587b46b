# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The core S3 bucket: naming, creation with AGC's hardening, and proof of write access.

An existing bucket, the customer's or one left from an earlier activation, is used as it is:
never re-configured, never emptied, never deleted.
"""

import json
import uuid

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from .._shared.errors import AnsibleGenomicsError
from .._shared.tags import MANAGED_BY_TAG
from .._shared.tags import MANAGED_BY_VALUE
from .._shared.validation import bucket_name_problem
from . import api
from .common import ROLE_BUCKET
from .common import core_tags


def default_bucket_name(account_id, region):
    return f"agc-{account_id}-{region}"


def normalize_bucket_name(value):
    """Accept 'name', 's3://name' and 's3://name/' (AGC issue #388); reject anything else."""
    name = value.strip()
    if name.startswith("s3://"):
        name = name[len("s3://") :].rstrip("/")
        if "/" in name:
            raise AnsibleGenomicsError(
                message=f"bucket {value!r} names a prefix inside a bucket; give the bucket only, e.g. "
                f"'s3://{name.split('/')[0]}'."
            )
    problem = bucket_name_problem(name)
    if problem:
        raise AnsibleGenomicsError(message=f"bucket {value!r} is not a valid S3 bucket name: {problem}.")
    return name


def tls_only_policy(name):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        },
        sort_keys=True,
    )


class BucketState:
    """What discovery learned about one bucket name."""

    def __init__(self, name, status, tags=None):
        self.name = name
        self.status = status  # owned | missing | forbidden
        self.tags = tags

    @property
    def created_by_collection(self):
        return (self.tags or {}).get(MANAGED_BY_TAG) == MANAGED_BY_VALUE


def inspect_bucket(s3, name, adopting):
    """Check a bucket; read its tags only when it is about to be adopted (not on a steady re-run)."""
    status = api.bucket_status(s3, name)
    if status == "forbidden":
        raise AnsibleGenomicsError(
            message=f"bucket {name!r} exists but this account cannot use it (S3 answered 403: it belongs to another "
            f"account, or your credentials lack s3:ListBucket). Give another name with 'bucket', or grant access."
        )
    tags = api.get_bucket_tags(s3, name) if status == "owned" and adopting else None
    return BucketState(name, status, tags)


def create_managed_bucket(s3, name, region, user_tags, exists=False):
    """Create (unless a resumed run already did) and harden the bucket. Every step is idempotent."""
    if not exists:
        api.create_bucket(s3, name, region)
    api.configure_bucket(
        s3,
        name,
        public_access_block={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
        encryption={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]
        },
        ownership={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        policy=tls_only_policy(name),
        tags=core_tags(ROLE_BUCKET, user_tags),
    )


def prove_write_access(s3, name):
    """Put and delete a small marker object, as AGC requires of a bucket it is given."""
    key = f"_agc/.write-check-{uuid.uuid4().hex}"
    try:
        api.put_object(s3, name, key, b"genomics.aws write check\n")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise AnsibleGenomicsError(
            message=f"cannot write to bucket {name!r} (s3:PutObject on s3://{name}/{key} failed: {e}). The identity "
            f"running activation needs s3:PutObject and s3:DeleteObject on it; fix its bucket policy or IAM "
            f"permissions, or choose another bucket."
        ) from e
    try:
        api.delete_object(s3, name, key)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise AnsibleGenomicsError(
            message=f"wrote a marker object to bucket {name!r} but could not delete it ({e}); remove "
            f"s3://{name}/{key} and grant s3:DeleteObject."
        ) from e
