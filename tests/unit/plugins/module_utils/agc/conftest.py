"""Fixtures for the AGC core tests: moto in-process."""

import pytest
from moto import mock_aws

from .helpers import Account


@pytest.fixture
def account():
    with mock_aws():
        yield Account()
