# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's one error type."""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


class AnsibleGenomicsError(AnsibleAWSError):
    """A failure the operator can act on; the message names the bad value and what to do."""
