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

from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_encryption
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_ownership_controls
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_policy
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_public_access_block

from .._shared.arns import s3_bucket_arns
from .._shared.concurrency import read_together
from .._shared.errors import AnsibleGenomicsError
from .._shared.policy_documents import POLICY_VERSION
from .._shared.policy_documents import with_statement
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


# What a managed bucket is created with, and converged back to.
PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
DEFAULT_ENCRYPTION = {
    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]
}
OWNERSHIP_CONTROLS = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
TLS_ONLY_STATEMENT_ID = "DenyInsecureTransport"


def tls_only_statement(name, partition="aws"):
    """The statement denying every request that does not use TLS, in the account's partition."""
    return {
        "Sid": TLS_ONLY_STATEMENT_ID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": s3_bucket_arns(partition, name),
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def tls_only_policy(name, partition="aws"):
    return json.dumps({"Version": POLICY_VERSION, "Statement": [tls_only_statement(name, partition)]}, sort_keys=True)


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


def create_managed_bucket(s3, name, region, partition, user_tags, exists=False):
    """Create (unless a resumed run already did) and harden the bucket. Every step is idempotent."""
    if not exists:
        # Object ownership is set by the create call itself.
        api.create_bucket(s3, name, region)
    api.put_bucket_tagging(s3, name, core_tags(ROLE_BUCKET, user_tags))
    api.put_public_access_block(s3, name, PUBLIC_ACCESS_BLOCK)
    api.put_bucket_encryption(s3, name, DEFAULT_ENCRYPTION)
    if exists:
        api.put_bucket_ownership_controls(s3, name, OWNERSHIP_CONTROLS)
    api.put_bucket_policy(s3, name, tls_only_policy(name, partition))


def read_managed_bucket(s3, name):
    """The hardening of the collection's bucket as it reads now: its tags and 4 settings, or None when the bucket is
    gone (deleted by hand). The tags are read first: that read also tells whether the bucket is there, so that no
    HeadBucket is needed; the other 4 reads are made at once."""
    tags = api.get_bucket_tags_if_present(s3, name)
    if tags is None:
        return None
    found = read_together(
        {
            "public_access_block": lambda: get_s3_bucket_public_access_block(s3, name),
            "encryption": lambda: get_s3_bucket_encryption(s3, name),
            "ownership": lambda: get_s3_bucket_ownership_controls(s3, name),
            "policy": lambda: get_s3_bucket_policy(s3, name),
        }
    )
    return dict(found, tags=tags)


def converge_managed_bucket(s3, name, partition, user_tags, previous_user_tags, changes, found):
    """Restore what differs in `found` (read_managed_bucket's reading: changed by hand, or by a run that was
    interrupted): all public access blocked, default encryption on (a stronger one, SSE-KMS, is kept),
    owner-enforced object ownership, the TLS-only statement in its policy (other statements are kept), the
    collection's tags and the user's (tags set by other tools are kept). A write only for what differs.

    False when the bucket is gone (found is None), for the caller to create it again."""
    if found is None:
        return False
    check_mode = changes.check_mode
    current_tags = found["tags"]
    if found["public_access_block"] != PUBLIC_ACCESS_BLOCK:
        changes.add(f"block all public access to S3 bucket {name} again")
        if not check_mode:
            api.put_public_access_block(s3, name, PUBLIC_ACCESS_BLOCK)
    encryption = found["encryption"] or {}
    if not any(r.get("ApplyServerSideEncryptionByDefault") for r in encryption.get("Rules") or []):
        changes.add(f"turn default encryption of S3 bucket {name} back on")
        if not check_mode:
            api.put_bucket_encryption(s3, name, DEFAULT_ENCRYPTION)
    ownership = found["ownership"] or {}
    if [r.get("ObjectOwnership") for r in ownership.get("Rules") or []] != ["BucketOwnerEnforced"]:
        changes.add(f"enforce bucket-owner object ownership of S3 bucket {name} again")
        if not check_mode:
            api.put_bucket_ownership_controls(s3, name, OWNERSHIP_CONTROLS)
    policy_changed, policy = with_statement(found["policy"] or None, tls_only_statement(name, partition))
    if policy_changed:
        changes.add(f"restore the TLS-only statement of S3 bucket {name}'s policy")
        if not check_mode:
            api.put_bucket_policy(s3, name, json.dumps(policy, sort_keys=True))
    wanted = {k: v for k, v in current_tags.items() if k not in previous_user_tags}
    wanted.update(core_tags(ROLE_BUCKET, user_tags))
    if wanted != current_tags:
        changes.add(f"update the tags of S3 bucket {name}")
        if not check_mode:
            api.put_bucket_tagging(s3, name, wanted)
    return True


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
