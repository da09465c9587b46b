# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS calls of the migration: who the caller is. Retried on throttling; errors raise AnsibleGenomicsError."""

from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler

from .._shared.errors import AnsibleGenomicsError
from .._shared.retries import retry_throttling


class MigrationErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleGenomicsError


@MigrationErrorHandler.common_error_handler("identify the caller (sts:GetCallerIdentity)")
@retry_throttling()
def get_caller_identity(client):
    return client.get_caller_identity()
