# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Limits, markers and the error handler of the HealthOmics modules.

Limits and patterns are the ones of botocore's omics service model.
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler

from .._shared.errors import AnsibleGenomicsError
from .._shared.tags import TAG_PREFIX

# On workflows: the digest of the definition (files, main, engine, parameter template).
DIGEST_TAG = TAG_PREFIX + "definition-digest"
# On runs: the StartRun requestId, so a run is found again by its inputs.
REQUEST_ID_TAG = TAG_PREFIX + "request-id"

# Limits and patterns of the omics service model (CreateConfiguration, CreateWorkflow, StartRun).
MAX_SUBNETS = 16
MAX_SECURITY_GROUPS = 5
MAX_NAME_LENGTH = 128
MAX_DESCRIPTION_LENGTH = 256
MAX_STORAGE_CAPACITY = 100000
# Configuration names and StartRun's configurationName: [A-Za-z0-9][A-Za-z0-9\-\._]*, 1-128.
CONFIGURATION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-._]*")

# The defaults of wait_timeout: configurations and workflows take about a minute, runs much longer.
DEFAULT_WAIT_TIMEOUT = 600
DEFAULT_RUN_WAIT_TIMEOUT = 3600


class OmicsErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleGenomicsError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


def check_configuration_name(option, value):
    if value is None:
        return
    if not 1 <= len(value) <= MAX_NAME_LENGTH or not CONFIGURATION_NAME.fullmatch(value):
        raise AnsibleGenomicsError(
            message=f"{option} {value!r} is not a valid HealthOmics configuration name: use 1 to {MAX_NAME_LENGTH} "
            "letters, digits, '-', '.' or '_', starting with a letter or digit."
        )
