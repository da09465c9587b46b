"""Shared test set-up: the collection on the import path, AWS isolated, a moto server on loopback."""

import pytest

from tools.local_aws import free_port
from tools.local_aws import put_collection_on_path
from tools.local_aws import use_fake_aws_environment

# Importable as ansible_collections.genomics.aws, as Ansible will load it (see the Makefile); and never reach real
# AWS: fake credentials, no user config, no instance metadata lookups (tools/local_aws.py).
put_collection_on_path()
use_fake_aws_environment()

# The longest files first. `make test` hands whole files to its workers (--dist loadfile) in collection order
# (--no-loadscope-reorder), so a long file collected late would set the end of the run alone: ansible-test's pylint
# (two to three minutes) started after fourteen of sixteen minutes in one run.
LONGEST_FIRST = (
    "tests/sanity/test_ansible_test_sanity.py",
    "tests/playbooks/test_omics_networking.py",
    "tests/playbooks/test_ansible_runner.py",
    "tests/playbooks/test_connectivity_test.py",
    "tests/playbooks/test_roles.py",
    "tests/playbooks/test_playbooks.py",
    "tests/iam/test_policies.py",
)


def pytest_collection_modifyitems(items):
    rank = {path: place for place, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


@pytest.fixture(scope="session")
def moto_server():
    """A moto server on 127.0.0.1 for tests whose modules run out of process."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def moto_endpoint(moto_server):
    """The moto server, emptied before the test."""
    from tools.moto_server import reset_moto

    reset_moto(moto_server)
    return moto_server
