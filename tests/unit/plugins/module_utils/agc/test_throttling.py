"""A first activation and a deactivation succeed while AWS throttles 30% of all calls, in each mode.

The throttling is answered at the HTTP level in each service's protocol (tools/agc_harness.py), so botocore's
per-request retries and the collection's per-call retries (_shared/retries.py) both have to handle it; the pauses
between retries are skipped. The core built is the one an unthrottled activation builds.
"""

import pytest
from moto import mock_aws

from . import sweep
from .helpers import Account
from .helpers import first_difference
from .helpers import snapshot_core

RATE = 0.3
# Several seeds in make sweep; one per mode in make test.
SEEDS = range(1, 6) if sweep.FULL else [7]


@pytest.mark.parametrize("mode", sweep.MODES)
def test_activation_and_deactivation_succeed_under_30_percent_throttling(mode, no_retry_pauses):
    built, _writes = sweep.baseline("activation", mode)
    gone, _writes = sweep.baseline("deactivation", mode)
    for seed in SEEDS:
        with mock_aws():
            account = Account()
            params = sweep.prepare(account, mode)
            account.recorder.throttle(RATE, seed)
            account.activate(**params)
            throttled = account.recorder.throttled
            assert throttled > 5, f"seed {seed}: only {throttled} requests were throttled"
            found = snapshot_core(account)
            assert found == built, f"seed {seed}: {first_difference(built, found)}"
            account.deactivate()
            found = snapshot_core(account)
            assert found == gone, f"seed {seed}: {first_difference(gone, found)}"
    assert no_retry_pauses, "throttled calls were retried without a backoff pause"


def test_throttling_codes_of_every_service_are_retried():
    from ansible_collections.genomics.aws.plugins.module_utils._shared.retries import THROTTLING_ERROR_CODES

    # What SSM, STS, CloudFormation, ECR and HealthOmics answer, and S3 (a bare 503 on HEAD).
    assert {"ThrottlingException", "SlowDown", "503"} <= set(THROTTLING_ERROR_CODES)
