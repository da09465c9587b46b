"""The AGC core in process: activations and deactivations run through the collection's module_utils with every
API call recorded, and optionally an interruption before the Nth write.

Used by ``make bench`` and, extended with inventories and a customer's world, by the AGC tests
(``tests/unit/plugins/module_utils/agc/helpers.py``). Needs the collection on the import path
(``tools.local_aws.put_collection_on_path``) and, against moto in-process, ``moto.mock_aws``.
"""

import boto3

from ansible_collections.genomics.aws.plugins.module_utils._shared.clients import Clients
from ansible_collections.genomics.aws.plugins.module_utils.agc import ActivationRequest
from ansible_collections.genomics.aws.plugins.module_utils.agc import activate
from ansible_collections.genomics.aws.plugins.module_utils.agc import deactivate

REGION = "us-east-1"
READ_PREFIXES = ("Describe", "Get", "List", "Head")


class Interrupted(Exception):
    """Raised by the fault injector in place of a write call: the run stops there."""


class CallRecorder:
    """Every API call a run makes, and optionally an interruption before the Nth write."""

    def __init__(self):
        self.calls = []
        self.interrupt_at_write = None
        self.writes_seen = 0

    def before_call(self, model, **_kwargs):
        name = model.name
        if not name.startswith(READ_PREFIXES):
            if self.interrupt_at_write is not None and self.writes_seen == self.interrupt_at_write:
                self.interrupt_at_write = None
                raise Interrupted(f"interrupted before {name}")
            self.writes_seen += 1
        self.calls.append(name)

    @property
    def writes(self):
        return [c for c in self.calls if not c.startswith(READ_PREFIXES)]

    def reset(self):
        self.calls = []
        self.writes_seen = 0


class Account:
    """One emulated account/region: activate and deactivate it, recording the calls."""

    def __init__(self):
        self.recorder = CallRecorder()

    def clients(self):
        # A session per run: boto3's default session is not safe to create clients from in threads.
        session = boto3.session.Session()

        def factory(service):
            client = session.client(service, region_name=REGION)
            client.meta.events.register("before-call", self.recorder.before_call)
            return client

        return Clients(factory)

    def activate(self, check_mode=False, **params):
        request = ActivationRequest.from_params(dict(params, wait_timeout=params.get("wait_timeout", 60)))
        return activate(self.clients(), REGION, request, check_mode=check_mode)

    def deactivate(self, check_mode=False, **params):
        request = ActivationRequest.from_params(
            dict(params, state="absent", wait_timeout=params.get("wait_timeout", 60))
        )
        return deactivate(self.clients(), REGION, request, check_mode=check_mode)
