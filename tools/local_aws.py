"""What every local run against moto needs: the collection importable as ``ansible_collections.genomics.aws``,
fake AWS credentials that can never reach real AWS, and free ports on 127.0.0.1.

Shared by ``tests/conftest.py`` and the tools run outside pytest (``make bench``)::

    from tools import local_aws

    local_aws.put_collection_on_path()
    local_aws.use_fake_aws_environment()
"""

import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS = ROOT / ".build" / "collections"
LINK = COLLECTIONS / "ansible_collections" / "genomics" / "aws"

# Never reach real AWS: fake credentials, no user config, no instance metadata lookups.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
}
# Set in a user's shell, these would win over the fake credentials or send requests elsewhere.
UNSET_AWS_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL")


def put_collection_on_path():
    """Make this checkout importable as ansible_collections.genomics.aws, as Ansible will load it (the .build
    symlink of the Makefile, created here if missing)."""
    if not LINK.exists():
        LINK.parent.mkdir(parents=True, exist_ok=True)
        LINK.symlink_to(ROOT)
    if str(COLLECTIONS) not in sys.path:
        sys.path.insert(0, str(COLLECTIONS))


def use_fake_aws_environment():
    """Replace any AWS configuration of this process's environment by FAKE_AWS_ENV."""
    for name in UNSET_AWS_ENV:
        os.environ.pop(name, None)
    os.environ.update(FAKE_AWS_ENV)


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on (free when this returns)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
