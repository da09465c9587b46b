# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Retrying what AWS asks to be retried, in every service this collection calls.

Two layers. botocore retries each HTTP request (``CLIENT_RETRIES``, standard mode: every service's throttling
codes, 5xx answers and dropped connections, with backoff and a retry quota). Around each wrapper call,
``retry_throttling`` retries again with amazon.aws's jittered backoff when botocore's attempts ran out: AWSRetry
knows EC2's codes (RequestLimitExceeded, Throttling, InternalError, ServiceUnavailable...), not those SSM, STS,
CloudFormation, ECR and HealthOmics (ThrottlingException) or S3 (SlowDown, a bare 503) send.
"""

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# botocore's per-request retries, given to every client (a user's aws_config still wins).
CLIENT_RETRIES = {"mode": "standard", "total_max_attempts": 10}

THROTTLING_ERROR_CODES = (
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "RequestThrottled",
    "SlowDown",
    "503",
    "EC2ThrottledException",
    "PriorRequestNotComplete",
    "ProvisionedThroughputExceededException",
    "InternalServerException",
    "ServiceUnavailableException",
    "RequestTimeout",
    "RequestTimeoutException",
)


def retry_throttling(*extra_codes):
    """A decorator retrying the service's throttling and transient errors, and `extra_codes` (for example S3's
    OperationAborted, or NoSuchBucket right after CreateBucket)."""
    return AWSRetry.jittered_backoff(catch_extra_error_codes=list(THROTTLING_ERROR_CODES + extra_codes))
