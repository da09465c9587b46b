"""The AGC core in process: activations and deactivations run through the collection's module_utils with every
API call recorded, and faults injected where a test asks for them.

The faults are those an independent fault-injection run found activation had to survive:

- a crash before the Nth write (the write never happens; the process is gone, so every later call fails too);
- a crash after the Nth write (the write is applied but its answer is lost: the client sees a 500, the process
  dies, every later call fails);
- throttling of a share of all calls, answered at the HTTP level in each service's own protocol (EC2's
  RequestLimitExceeded, SSM's ThrottlingException, S3's SlowDown, STS's and CloudFormation's Throttling), so that
  botocore's and the collection's retries handle it as they would AWS's.

Used by ``make bench``, ``make sweep`` and, extended with inventories and a customer's world, by the AGC tests
(``tests/unit/plugins/module_utils/agc/helpers.py``). Needs the collection on the import path
(``tools.local_aws.put_collection_on_path``) and, against moto in-process, ``moto.mock_aws``.
"""

import functools
import random
import threading

import boto3
from botocore.awsrequest import AWSResponse

from ansible_collections.genomics.aws.plugins.module_utils._shared.clients import Clients
from ansible_collections.genomics.aws.plugins.module_utils._shared.clients import client_config
from ansible_collections.genomics.aws.plugins.module_utils.agc import ActivationRequest
from ansible_collections.genomics.aws.plugins.module_utils.agc import activate
from ansible_collections.genomics.aws.plugins.module_utils.agc import deactivate

REGION = "us-east-1"
READ_PREFIXES = ("Describe", "Get", "List", "Head")

# What each protocol answers when AWS throttles: (HTTP status, error code, body template).
_THROTTLING = {
    "ec2": (
        503,
        "RequestLimitExceeded",
        "<Response><Errors><Error><Code>{code}</Code><Message>Request limit exceeded."
        "</Message></Error></Errors><RequestID>throttled</RequestID></Response>",
    ),
    "query": (
        400,
        "Throttling",
        "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>Rate exceeded"
        "</Message></Error><RequestId>throttled</RequestId></ErrorResponse>",
    ),
    "json": (400, "ThrottlingException", '{{"__type": "{code}", "message": "Rate exceeded"}}'),
    "rest-json": (429, "ThrottlingException", '{{"message": "Rate exceeded"}}'),
    "rest-xml": (
        503,
        "SlowDown",
        "<Error><Code>{code}</Code><Message>Please reduce your request rate.</Message>"
        "<RequestId>throttled</RequestId></Error>",
    ),
}


def is_write(operation):
    return not operation.startswith(READ_PREFIXES)


class Interrupted(Exception):
    """The fault injector's crash: raised in place of a call (or of a write's answer); the run stops there."""


class _RawBody:
    """The raw body of an injected HTTP answer, as botocore reads it."""

    def __init__(self, body):
        self._body = body

    def stream(self, **_kwargs):
        yield self._body


class CallRecorder:
    """Every API call a run makes, and the faults a test asks for.

    ``interrupt_at_write = N``: a crash before the Nth write (counting from 0). ``interrupt_before = "Operation"``: a
    crash before the first call of that operation (an index names different calls from one run to the next once calls
    are made together). ``lose_answer_at_write = N``: the Nth write is applied, then the crash. After a crash every
    call fails, as in a dead process. ``throttle(rate, seed)``: that share of all HTTP requests is answered with the
    service's throttling error.

    Runs make independent calls from several threads at once: a write's number is taken under a lock when it is sent
    and travels with the call (botocore's request context) to its answer.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.calls = []
        self.interrupt_at_write = None
        self.interrupt_before = None
        self.lose_answer_at_write = None
        self.writes_seen = 0
        self.crashed = False
        self.throttle_rate = 0.0
        self.throttled = 0
        self._random = random.Random(0)

    def throttle(self, rate, seed=0):
        self.throttle_rate = rate
        self._random = random.Random(seed)

    def before_call(self, model, context=None, **_kwargs):
        name = model.name
        with self._lock:
            if self.crashed:
                raise Interrupted(f"the process is gone: {name} is never sent")
            if is_write(name):
                if (
                    self.interrupt_at_write is not None and self.writes_seen == self.interrupt_at_write
                ) or name == self.interrupt_before:
                    self.interrupt_at_write = self.interrupt_before = None
                    self.crashed = True
                    raise Interrupted(f"interrupted before {name}")
                if context is not None:
                    context["write_number"] = self.writes_seen
                self.writes_seen += 1
            self.calls.append(name)

    def after_call(self, model, context=None, **_kwargs):
        with self._lock:
            if (
                is_write(model.name)
                and self.lose_answer_at_write is not None
                and (context or {}).get("write_number") == self.lose_answer_at_write
            ):
                self.lose_answer_at_write = None
                self.crashed = True
                raise Interrupted(f"{model.name} was applied, but its answer was lost")

    def before_send(self, request, protocol, **_kwargs):
        """Answer a share of the requests with a throttling error; the request itself is never applied."""
        if not self.throttle_rate or self._random.random() >= self.throttle_rate:
            return None
        self.throttled += 1
        # botocore runs every before-send handler and takes the first answer: moto's handler still sees the request,
        # so it is sent where moto serves nothing, and never applied.
        request.url = "https://throttled.invalid/"
        status, code, body = _THROTTLING[protocol]
        content = b"" if request.method == "HEAD" else body.format(code=code).encode()
        headers = {"x-amzn-ErrorType": code} if protocol.endswith("json") else {}
        return AWSResponse(request.url, status, headers, _RawBody(content))

    @property
    def writes(self):
        return [c for c in self.calls if is_write(c)]

    def reset(self):
        self.calls = []
        self.writes_seen = 0
        self.crashed = False
        self.interrupt_at_write = None
        self.interrupt_before = None
        self.lose_answer_at_write = None


class Account:
    """One emulated account/region: activate and deactivate it, recording the calls.

    ``credentials``: the (access key id, secret access key) the runs sign with, such as an IAM user's with moto's IAM
    enforcement on (tests/iam/); by default the environment's.
    """

    def __init__(self, credentials=None):
        self.recorder = CallRecorder()
        self.credentials = credentials

    def clients(self):
        # A run is a new process: whatever crashed before is gone.
        self.recorder.crashed = False
        # A session per run: boto3's default session is not safe to create clients from in threads.
        keys = dict(zip(("aws_access_key_id", "aws_secret_access_key"), self.credentials or ()))
        # A user's keys are long-term: no session token (the environment's fake one would be sent with them).
        session = boto3.session.Session(**keys, aws_session_token=None) if keys else boto3.session.Session()

        def factory(service):
            client = session.client(service, region_name=REGION, config=client_config())
            events = client.meta.events
            events.register("before-call", self.recorder.before_call)
            events.register("after-call", self.recorder.after_call)
            # First, so that a throttled request never reaches moto's own before-send handler.
            protocol = client.meta.service_model.protocol
            events.register_first("before-send", functools.partial(self.recorder.before_send, protocol=protocol))
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
