"""AWS's latency for local runs: resources that take minutes to become available or to go, and calls that take
tens of milliseconds, on moto (which makes everything available at once and answers in microseconds).

Durations are AWS's observed ones, all scaled by one factor so that a run can go at 1/30 of real time:

- a NAT gateway is ``pending`` for 90 s, then ``available``; deleted, it is ``deleting`` for 60 s;
- an interface endpoint is ``pending`` for 120 s; deleted, ``deleting`` for 60 s (a gateway endpoint: 5 s, 5 s);
- an Elastic IP cannot be released while a NAT gateway still uses it (InvalidIPAddress.InUse), as on AWS;
- every call takes 30 to 80 ms (scaled too, so that ratios between runs stay those of real time);
- a HealthOmics configuration is CREATING for 60 s and DELETING for 30 s (the emulator's own delays, see
  ``emulator_delays``).

In process only: ``patched_moto`` changes moto's models, so the moto server must run in this process
(``LatencyMotoServer``, which also counts the API calls it serves, by name, for the bench).
"""

from __future__ import annotations

import contextlib
import io
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import parse_qs

READ_PREFIXES = ("Describe", "Get", "List", "Head")


@dataclass
class Latency:
    """Observed AWS durations in seconds, and the factor every one of them is multiplied by."""

    scale: float = 1 / 30
    nat_gateway_available: float = 90
    nat_gateway_deleted: float = 60
    endpoint_available: float = 120
    endpoint_deleted: float = 60
    gateway_endpoint_available: float = 5
    gateway_endpoint_deleted: float = 5
    configuration_active: float = 60
    configuration_deleted: float = 30
    call_min: float = 0.03
    call_max: float = 0.08
    # When set, each call's latency is scaled by this instead of `scale`: 1 for a phase that waits for nothing but its
    # calls (a no-change re-run), which can then run at AWS's own latency without taking minutes.
    call_scale: float = None

    def seconds(self, observed):
        return observed * self.scale

    def call_seconds(self, rng):
        """How long one call takes."""
        factor = self.scale if self.call_scale is None else self.call_scale
        return rng.uniform(self.call_min, self.call_max) * factor

    @property
    def slowest_creation(self):
        """The floor of a fresh activation: the slowest single resource to become available."""
        return self.seconds(max(self.nat_gateway_available, self.endpoint_available))

    @property
    def slowest_deletion(self):
        """The floor of a deactivation: the slowest single resource to go (an Elastic IP goes once its NAT has)."""
        return self.seconds(max(self.nat_gateway_deleted, self.endpoint_deleted))

    def emulator_delays(self):
        """The HealthOmics emulator's options for its configurations."""
        return {
            "configuration_active": self.seconds(self.configuration_active),
            "configuration_deleted": self.seconds(self.configuration_deleted),
        }


class _Timed:
    """A moto resource's state as AWS would report it: pending for a while after creation, deleting for a while
    after deletion. moto sets the final state at once; this property reports the one of the moment.

    ``available`` and ``deleted`` are seconds, or functions of the resource giving them."""

    def __init__(self, available, deleted, pending_name="pending"):
        self._available, self._deleted, self.pending_name = available, deleted, pending_name

    @staticmethod
    def _seconds(value, resource):
        return value(resource) if callable(value) else value

    def __get__(self, resource, owner=None):
        if resource is None:
            return self
        state = resource.__dict__.get("_latency_state", "available")
        now = time.monotonic()
        created = resource.__dict__.setdefault("_latency_created", now)
        if state == "available" and not resource.__dict__.get("_latency_seen_available"):
            if now < created + self._seconds(self._available, resource):
                return self.pending_name
            # Seen available, it stays so (as on AWS) whatever the scale later: a bench builds a phase's preconditions
            # without latency.
            resource.__dict__["_latency_seen_available"] = True
        if state == "deleted" and now < resource.__dict__.get("_latency_deleted", 0) + self._seconds(
            self._deleted, resource
        ):
            return "deleting"
        return state

    def __set__(self, resource, value):
        now = time.monotonic()
        resource.__dict__.setdefault("_latency_created", now)
        if value == "deleted" and resource.__dict__.get("_latency_state") != "deleted":
            resource.__dict__["_latency_deleted"] = now
        resource.__dict__["_latency_state"] = value


@contextlib.contextmanager
def patched_moto(latency):
    """moto's NAT gateways and endpoints with AWS's delays, and Elastic IPs held by their NAT gateways."""
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.elastic_ip_addresses import ElasticAddressBackend
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.ec2.models.vpcs import VPCEndPoint

    saved = {
        (NatGateway, "state"): NatGateway.__dict__.get("state"),
        (VPCEndPoint, "state"): VPCEndPoint.__dict__.get("state"),
        (ElasticAddressBackend, "release_address"): ElasticAddressBackend.release_address,
    }
    release_address = ElasticAddressBackend.release_address

    def release_once_free(backend, address=None, allocation_id=None):
        for nat in getattr(backend, "nat_gateways", {}).values():
            held = {a.get("allocationId") for a in getattr(nat, "address_set", [])}
            if allocation_id in held and nat.state != "deleted":
                raise EC2ClientError(
                    "InvalidIPAddress.InUse", f"Address {allocation_id} is in use by NAT gateway {nat.id} ({nat.state})"
                )
        return release_address(backend, address=address, allocation_id=allocation_id)

    # Durations are read at each look, so a bench can change latency.scale between phases.
    NatGateway.state = _Timed(
        lambda _nat: latency.seconds(latency.nat_gateway_available),
        lambda _nat: latency.seconds(latency.nat_gateway_deleted),
    )

    def endpoint_seconds(interface, gateway):
        return lambda endpoint: latency.seconds(
            gateway if (endpoint.vpc_endpoint_type or "").lower() == "gateway" else interface
        )

    VPCEndPoint.state = _Timed(
        endpoint_seconds(latency.endpoint_available, latency.gateway_endpoint_available),
        endpoint_seconds(latency.endpoint_deleted, latency.gateway_endpoint_deleted),
    )
    ElasticAddressBackend.release_address = release_once_free
    try:
        yield latency
    finally:
        for (cls, name), value in saved.items():
            if value is None:
                delattr(cls, name)
            else:
                setattr(cls, name, value)


def api_call(environ, body):
    """(name, is a write) of the AWS call a request to moto makes."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        name = target.rsplit(".", 1)[-1]
        return name, not name.startswith(READ_PREFIXES)
    fields = parse_qs(environ.get("QUERY_STRING", ""))
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        fields.update(parse_qs(body.decode("utf-8", "replace")))
    if "Action" in fields:
        name = fields["Action"][0]
        return name, not name.startswith(READ_PREFIXES)
    # S3's REST API: the method and the sub-resource (?policy, ?tagging...) name the call.
    method = environ.get("REQUEST_METHOD", "GET")
    sub_resource = next(iter(sorted(parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True))), "")
    return f"S3 {method}{' ?' + sub_resource if sub_resource else ''}", method not in ("GET", "HEAD")


class CallCounter:
    """The API calls a moto server served: by name, reads and writes."""

    def __init__(self):
        self._lock = threading.Lock()
        self.calls = Counter()
        self.writes = Counter()
        # time.monotonic() when the first write and the last call arrived, None before any.
        self.first_write_at = None
        self.last_call_at = None

    def add(self, name, write):
        with self._lock:
            now = time.monotonic()
            self.calls[name] += 1
            if write:
                self.writes[name] += 1
                if self.first_write_at is None:
                    self.first_write_at = now
            self.last_call_at = now

    def reset(self):
        with self._lock:
            self.calls.clear()
            self.writes.clear()
            self.first_write_at = None
            self.last_call_at = None

    @property
    def total(self):
        return sum(self.calls.values())

    @property
    def total_writes(self):
        return sum(self.writes.values())


class _Middleware:
    """Counts every call and, with a Latency, makes it take what AWS takes (scaled)."""

    def __init__(self, app, counter, latency=None, seed=0):
        self.app, self.counter, self.latency = app, counter, latency
        self._random = random.Random(seed)

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        if not environ.get("PATH_INFO", "").startswith("/moto-api"):
            self.counter.add(*api_call(environ, body))
            if self.latency:
                time.sleep(self.latency.call_seconds(self._random))
        return self.app(environ, start_response)


class LatencyMotoServer:
    """A moto server on 127.0.0.1 in this process whose calls are counted and, with a Latency, slowed."""

    def __init__(self, latency=None):
        self.latency = latency
        self.counter = CallCounter()
        self.url = None
        self._server = None
        self._thread = None

    def __enter__(self):
        import logging

        from moto.moto_server.werkzeug_app import DomainDispatcherApplication
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from moto.moto_server.werkzeug_app import create_backend_app
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
        app = _Middleware(DomainDispatcherApplication(create_backend_app), self.counter, self.latency)
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="latency-moto", daemon=True)
        self._thread.start()
        return self

    def reset(self):
        """An empty account (moto's reset), and no call counted."""
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"), timeout=30).read()
        self.counter.reset()

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._thread.join()
