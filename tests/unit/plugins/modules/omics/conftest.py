"""Fixtures of the HealthOmics module tests: moto on loopback, the omics emulator in front of it.

The emulator is the modules' one endpoint_url: it answers omics itself and forwards requests
signed for any other service (EC2, S3) to the moto server, as one endpoint with module_defaults
would serve them all against AWS.
"""

import logging

import pytest

from ansible_collections.genomics.aws.plugins.module_utils._omics import waiters
from tools.healthomics_emulator import OmicsEmulator

from .helpers import SESSION
from .helpers import NetworkBuilder

try:
    from botocore.config import Config
except ImportError:  # pragma: no cover
    Config = None


# moto's server logs every request at INFO level.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


@pytest.fixture(scope="package", autouse=True)
def shared_botocore_models():
    """Parse each botocore JSON model once per test session.

    Every module run makes new boto3 sessions, and each re-parses the service models (0.1-0.2 s
    per client). A real module is one process per task, so it pays that once; here hundreds of
    module runs share one process, and the cache keeps the suite fast. The models are read-only.
    """
    from botocore import loaders

    originals = {
        name: getattr(loaders.Loader, name) for name in ("load_service_model", "load_data", "load_data_with_path")
    }
    cache = {}

    def cached(name):
        original = originals[name]

        def load(self, *args, **kwargs):
            key = (name, args, tuple(sorted(kwargs.items())))
            if key not in cache:
                cache[key] = original(self, *args, **kwargs)
            return cache[key]

        return load

    for name in originals:
        setattr(loaders.Loader, name, cached(name))
    yield
    for name, original in originals.items():
        setattr(loaders.Loader, name, original)


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    """Poll every 50 ms instead of 5 s: the emulator changes state in milliseconds."""
    monkeypatch.setattr(waiters, "POLL_PAUSE", 0.05)


@pytest.fixture(autouse=True)
def no_host_prefix_env(monkeypatch):
    """The modules must work against a local endpoint without AWS_DISABLE_HOST_PREFIX_INJECTION."""
    monkeypatch.delenv("AWS_DISABLE_HOST_PREFIX_INJECTION", raising=False)


@pytest.fixture
def start_emulator(moto_server):
    """A fresh emulator per test. moto is not reset: every test builds its own VPCs (or uses the
    shared one, which no test changes), and assertions are about those ids only."""
    started = []

    def start(delay=0.0, executor=None):
        emulator = OmicsEmulator(ec2_endpoint=moto_server, delay=delay, executor=executor)
        emulator.start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emulator(start_emulator):
    return start_emulator()


@pytest.fixture
def networks(moto_server):
    return NetworkBuilder(moto_server)


@pytest.fixture(scope="module")
def shared_network(moto_server):
    """A healthy network (2 AZs, NAT gateways, one security group) for tests that do not change it.

    Per test file: moto's resources live per process, and a later file may empty moto (moto_endpoint, mock_aws)."""
    return NetworkBuilder(moto_server, cidr_base=200).healthy()


@pytest.fixture
def omics(emulator):
    """A plain boto3 omics client on the emulator, for arranging and inspecting."""
    return SESSION.client("omics", endpoint_url=emulator.url, config=Config(inject_host_prefix=False))


@pytest.fixture
def s3(moto_server):
    return SESSION.client("s3", endpoint_url=moto_server)
