# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tags of omics resources, which take plain dicts (TagResource / UntagResource by ARN)."""

from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from .._shared.tags import RESERVED_TAG_PREFIXES
from . import api


def ensure_omics_tags(client, arn, current, desired, purge_tags, check_mode, reserved=None):
    """Make the tags of `arn` match `desired` (None: leave them alone).

    `reserved` are this collection's own markers, always kept at their value. Keys under a
    reserved prefix (aws:, genomics.aws:) are never purged. Returns (changed, tags after).
    """
    current = dict(current or {})
    if desired is None and not reserved:
        return False, current
    wanted = dict(current if desired is None else desired)
    wanted.update(reserved or {})
    to_set, to_unset = compare_aws_tags(current, wanted, purge_tags=purge_tags and desired is not None)
    to_unset = [key for key in to_unset if not key.lower().startswith(RESERVED_TAG_PREFIXES)]
    if not to_set and not to_unset:
        return False, current
    if not check_mode:
        if to_unset:
            api.untag_resource(client, arn, to_unset)
        if to_set:
            api.tag_resource(client, arn, to_set)
    after = {key: value for key, value in current.items() if key not in to_unset}
    after.update(to_set)
    return True, after
