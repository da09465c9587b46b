# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's one tag convention.

Every marker the collection sets is under the prefix ``genomics.aws:``; user tags may not use it.
Resources this collection created carry ``genomics.aws:managed-by`` (discovery only ever changes or
deletes those, so a customer's VPC, bucket or endpoints are never touched) and ``genomics.aws:role``
(what the resource is for); further markers say where it belongs (AZ, VPC, service, mode).
"""

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications

TAG_PREFIX = "genomics.aws:"
MANAGED_BY_TAG = TAG_PREFIX + "managed-by"
MANAGED_BY_VALUE = "genomics.aws"
ROLE_TAG = TAG_PREFIX + "role"
AZ_TAG = TAG_PREFIX + "az"
VPC_TAG = TAG_PREFIX + "vpc"
SERVICE_TAG = TAG_PREFIX + "service"
RESERVED_TAG_PREFIXES = ("aws:", TAG_PREFIX)


def managed_tags(role, user_tags=None, name=None, az=None, vpc_id=None, service=None):
    """The full tag set of a resource this collection creates: user tags plus the collection's markers."""
    tags = dict(user_tags or {})
    tags[MANAGED_BY_TAG] = MANAGED_BY_VALUE
    tags[ROLE_TAG] = role
    if name:
        tags["Name"] = name
    if az:
        tags[AZ_TAG] = az
    if vpc_id:
        tags[VPC_TAG] = vpc_id
    if service:
        tags[SERVICE_TAG] = service
    return tags


def tag_specifications(resource_type, tags):
    """TagSpecifications for an EC2 create call: resources are never untagged, even for a moment."""
    return boto3_tag_specifications(tags, types=resource_type)


def ownership_filters(role=None, **extra_tags):
    """EC2 describe filters that select only resources this collection created."""
    filters = [{"Name": f"tag:{MANAGED_BY_TAG}", "Values": [MANAGED_BY_VALUE]}]
    if role:
        filters.append({"Name": f"tag:{ROLE_TAG}", "Values": [role]})
    for key, value in extra_tags.items():
        filters.append({"Name": f"tag:{key}", "Values": [value]})
    return filters


def tag_dict(resource):
    """Tags of a boto3 EC2 description as a plain dict."""
    return boto3_tag_list_to_ansible_dict(resource.get("Tags") or [])


def is_ours(resource):
    """Whether this collection created the resource (only those are ever changed or deleted)."""
    return tag_dict(resource).get(MANAGED_BY_TAG) == MANAGED_BY_VALUE


def role_of(resource):
    return tag_dict(resource).get(ROLE_TAG)


def az_of(resource):
    return tag_dict(resource).get(AZ_TAG)


# The keys of the user tags the collection applied to a resource that has no state store (agc_vpc_endpoints' own
# endpoints and security group), comma-separated: tag keys cannot contain a comma.
USER_TAG_KEYS_TAG = TAG_PREFIX + "user-tag-keys"


def user_tags_after(applied, requested, purge_tags):
    """The user tags the collection keeps on its resources, amazon.aws style: `requested` None leaves `applied` as it
    is; with `purge_tags` the requested tags replace the applied ones (an applied key left out goes), without it they
    are added to them. Only keys the collection applied are ever removed: tags other tools set are not in `applied`,
    so they stay unless the user takes a key over by putting it in `tags` (and then leaves it out)."""
    if requested is None:
        return dict(applied)
    return dict(requested) if purge_tags else {**applied, **requested}


def user_tag_keys_of(tags):
    """The user tag keys recorded in USER_TAG_KEYS_TAG (none when the tag is absent)."""
    return [k for k in (tags.get(USER_TAG_KEYS_TAG) or "").split(",") if k]
