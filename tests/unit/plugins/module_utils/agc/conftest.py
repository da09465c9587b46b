"""Fixtures for the AGC core tests: moto in-process."""

import time
import types

import pytest
from moto import mock_aws

from ansible_collections.genomics.aws.plugins.module_utils._agc import state as agc_state

from .helpers import Account
from .sweep import LEASE_SECONDS


@pytest.fixture
def account():
    with mock_aws():
        yield Account()


@pytest.fixture
def short_leases(monkeypatch):
    """Leases that expire at once, and no renewal thread (its writes would shift the write indices)."""
    monkeypatch.setattr(agc_state.CoreLock, "LEASE_SECONDS", LEASE_SECONDS)
    monkeypatch.setattr(agc_state.CoreLock, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(agc_state.CoreLock, "_renew", lambda lock: None)


@pytest.fixture
def no_retry_pauses(monkeypatch):
    """Retries without their backoff pauses: botocore's (per request) and amazon.aws's AWSRetry (per call)."""
    import botocore.endpoint

    from ansible_collections.amazon.aws.plugins.module_utils import cloud

    pauses = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=pauses.append, time=time.time))
    monkeypatch.setattr(cloud, "time", types.SimpleNamespace(sleep=pauses.append, time=time.time))
    return pauses
