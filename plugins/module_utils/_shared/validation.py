# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks of user input that need no AWS call: ids, bucket names, text, tags, timeouts.

Each raises AnsibleGenomicsError naming the option and the bad value, before anything is read or written.
"""

import ipaddress
import re
import unicodedata

from ansible_collections.amazon.aws.plugins.module_utils.s3 import validate_bucket_name

from .errors import AnsibleGenomicsError
from .tags import RESERVED_TAG_PREFIXES

# EC2 ids: a prefix, then 8 (older resources) or 17 lowercase hex digits.
_EC2_ID_DIGITS = r"[0-9a-f]{8}(?:[0-9a-f]{9})?"
EC2_ID_KINDS = {
    "vpc": ("a", "VPC id"),
    "subnet": ("a", "subnet id"),
    "sg": ("a", "security group id"),
    "ami": ("an", "AMI id"),
}
ACCOUNT_ID = re.compile(r"[0-9]{12}")
# HealthOmics workflow, run and cache ids.
NUMERIC_ID = re.compile(r"[0-9]{1,18}")
# Buckets: what S3 reserves beyond amazon.aws's validate_bucket_name (length, characters, ends).
_RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", "--x-s3", "--table-s3", ".mrap")
# Printable text in the omics model ([\p{L}||\p{M}||\p{Z}||\p{S}||\p{N}||\p{P}]+): no control characters.
_TEXT_CATEGORIES = frozenset("LMZSNP")


def is_ec2_id(prefix, value):
    return isinstance(value, str) and re.fullmatch(rf"{prefix}-{_EC2_ID_DIGITS}", value) is not None


def _id_shape(prefix):
    return f"{prefix}- followed by 8 or 17 hex digits"


def check_ec2_id(option, value, prefix):
    """One EC2 id, e.g. check_ec2_id("vpc_id", value, "vpc"); None passes."""
    if value is not None and not is_ec2_id(prefix, value):
        article, noun = EC2_ID_KINDS[prefix]
        raise AnsibleGenomicsError(message=f"{option} {value!r} is not {article} {noun} ({_id_shape(prefix)}).")


def check_ec2_ids(option, values, prefix, minimum=0, maximum=None, limit_owner="AWS"):
    """A list of EC2 ids: well formed, none repeated, between minimum and maximum of them."""
    values = list(values or [])
    if len(values) < minimum:
        wanted = "one id" if minimum == 1 else f"{minimum} ids"
        raise AnsibleGenomicsError(message=f"{option} must name at least {wanted}.")
    if maximum is not None and len(values) > maximum:
        raise AnsibleGenomicsError(
            message=f"{option} names {len(values)} ids; {limit_owner} accepts at most {maximum}."
        )
    bad = [v for v in values if not is_ec2_id(prefix, v)]
    if bad:
        article, noun = EC2_ID_KINDS[prefix]
        listed = ", ".join(map(repr, bad))
        what = f"is not {article} {noun}" if len(bad) == 1 else f"are not {noun}s"
        raise AnsibleGenomicsError(message=f"{option}: {listed} {what} ({_id_shape(prefix)}).")
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise AnsibleGenomicsError(message=f"{option} names {repeated} more than once.")


def check_account_id(option, value):
    if value is not None and not ACCOUNT_ID.fullmatch(value):
        raise AnsibleGenomicsError(message=f"{option} {value!r} is not a 12-digit AWS account id.")


def bucket_name_problem(name):
    """Why `name` is not a valid S3 bucket name, or None: amazon.aws's rules plus those it does not check."""
    problem = validate_bucket_name(name)
    if problem or name[0] not in "abcdefghijklmnopqrstuvwxyz0123456789":
        return (problem or "bucket names must begin and end with a letter or number") + (
            "; it must be 3-63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a "
            "letter or digit"
        )
    if ".." in name or ".-" in name or "-." in name:
        return "it must not contain '..', '.-' or '-.'"
    try:
        ipaddress.IPv4Address(name)
        return "it must not be formatted as an IP address"
    except ValueError:
        pass
    if name.startswith(_RESERVED_BUCKET_PREFIXES) or name.endswith(_RESERVED_BUCKET_SUFFIXES):
        return "it uses a prefix or suffix that S3 reserves"
    return None


def check_bucket_name(option, value):
    problem = bucket_name_problem(value)
    if problem:
        raise AnsibleGenomicsError(message=f"{option} {value!r} is not a valid S3 bucket name: {problem}.")


def is_text(value):
    """True when the omics model's printable-text pattern accepts the value."""
    return bool(value) and all(unicodedata.category(ch)[0] in _TEXT_CATEGORIES for ch in value)


def check_text(option, value, max_length, min_length=1):
    if value is None:
        return
    if not min_length <= len(value) <= max_length:
        raise AnsibleGenomicsError(
            message=f"{option} {value!r} must be {min_length} to {max_length} characters long (it has {len(value)})."
        )
    if not is_text(value):
        raise AnsibleGenomicsError(
            message=f"{option} {value!r} contains a control character, which AWS does not accept."
        )


def check_user_tags(tags, reserved_keys=()):
    """User tags: no key under a reserved prefix (aws: is AWS's, genomics.aws: this collection's) or in
    `reserved_keys`; keys of 1 to 128 characters, values of at most 256."""
    if not tags:
        return
    for key in sorted(tags):
        if key.lower().startswith(RESERVED_TAG_PREFIXES) or key in reserved_keys:
            listed = ", ".join(list(reserved_keys) + [p + "*" for p in RESERVED_TAG_PREFIXES])
            raise AnsibleGenomicsError(
                message=f"tag key {key!r} is reserved ({listed} are set by the collection or AWS); choose another key."
            )
    for key, value in tags.items():
        if not 1 <= len(key) <= 128:
            raise AnsibleGenomicsError(message=f"tag key {key!r} must be 1 to 128 characters long.")
        if value is not None and len(str(value)) > 256:
            raise AnsibleGenomicsError(message=f"the value of tag {key!r} is longer than 256 characters.")


def string_tags(tags):
    """A tags option as str -> str (None stays None: leave the tags alone)."""
    return None if tags is None else {str(k): str(v) for k, v in tags.items()}


def check_wait_timeout(value):
    """wait_timeout: a positive number of seconds (0 would leave no time for any wait)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise AnsibleGenomicsError(
            message=f"wait_timeout {value!r} must be a positive number of seconds; leave it out for the default."
        )
