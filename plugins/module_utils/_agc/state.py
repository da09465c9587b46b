# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The state store: SSM parameters under /agc/_common/, readable by the original AGC CLI.

The record says what is active (bucket, VPC, subnets, AMI, tags) and what the collection owns.
It is a cache that discovery by tags can rebuild: teardown never relies on it alone.
"""

import json
import os
import socket
import threading
import time
import uuid
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timezone
from functools import partial

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from .._shared.concurrency import run_together
from .._shared.errors import AnsibleGenomicsError
from .._shared.polling import poll_until
from . import api
from .common import ROLE_STATE
from .common import core_tags

PARAMETER_ROOT = "/agc/_common/"
# The collection's own record (JSON), beside the AGC-compatible names.
RECORD_PARAMETER = "genomics.aws/activation"
# Written before CreateBucket and dropped when the activation is recorded: a run interrupted
# while creating the bucket is resumed by finishing its hardening, not by adopting it as found.
CREATING_BUCKET_PARAMETER = "genomics.aws/creating-bucket"
# Outside PARAMETER_ROOT so that deleting the state store never drops a held lock; under STATE_ROOT so that one
# read finds both.
LOCK_PARAMETER = "/agc/_locks/core"
STATE_ROOT = "/agc/"


@dataclass
class ActivationRecord:
    bucket: str
    vpc_id: str
    infra_subnets: list
    compute_image: str
    custom_tags: dict = field(default_factory=dict)
    artifacts_root_url: str = ""
    vpc_managed: bool = False
    bucket_managed: bool = False
    public_subnets_only: bool = False
    vpc_cidr: str = None

    def parameters(self):
        """name -> (value, type, data type), in write order. The collection's record comes first and
        holds everything in one parameter, so a save interrupted part-way never leaves a record
        that mixes old and new values; the AGC CLI's names follow as a projection of it."""
        return {
            RECORD_PARAMETER: (json.dumps(self.as_dict(), sort_keys=True), "String", "text"),
            "bucket": (self.bucket, "String", "text"),
            "vpc": (self.vpc_id, "String", "text"),
            "InfraSubnets": (",".join(self.infra_subnets), "StringList", "text"),
            "NumInfraSubnets": (str(len(self.infra_subnets)), "String", "text"),
            "ComputeEnvImage": (self.compute_image, "String", "aws:ec2:image"),
            "customTags": (json.dumps(self.custom_tags, sort_keys=True), "String", "text"),
            "installed-artifacts/s3-root-url": (self.artifacts_root_url, "String", "text"),
        }

    def as_dict(self):
        return asdict(self)


def _record_from_values(values):
    """The record, or None when none was ever completely written."""
    try:
        data = json.loads(values.get(RECORD_PARAMETER) or "null")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    known = set(ActivationRecord.__dataclass_fields__)
    try:
        return ActivationRecord(**{k: v for k, v in data.items() if k in known})
    except TypeError:
        return None


class StateStore:
    def __init__(self, ssm):
        self.ssm = ssm
        self.values = {}
        self.record = None
        self.lock_value = None
        self.parameter_arn = None

    def load(self):
        """One batched read of every parameter under /agc/: the state store and the region's lock."""
        self.values = {}
        self.lock_value = None
        self.parameter_arn = None
        for parameter in api.get_parameters_by_path(self.ssm, STATE_ROOT):
            # Any one ARN names the account and partition: the store is the caller's own.
            self.parameter_arn = self.parameter_arn or parameter.get("ARN")
            if parameter["Name"].startswith(PARAMETER_ROOT):
                self.values[parameter["Name"][len(PARAMETER_ROOT) :]] = parameter["Value"]
            elif parameter["Name"] == LOCK_PARAMETER:
                self.lock_value = parameter["Value"]
        self.record = _record_from_values(self.values)
        return self.record

    def expired_lock(self):
        """The lock's holder when the lock is there and its lease has expired, else None."""
        holder = _lock_holder(self.lock_value)
        if holder is None or holder.get("expires_at", 0) >= time.time():
            return None
        return holder

    @property
    def exists(self):
        return bool(self.values)

    def save(self, record, user_tags):
        """Write only the parameters whose value differs; tag the ones created."""
        wanted = record.parameters()
        writes = {}
        for name, (value, kind, data_type) in wanted.items():
            if self.values.get(name) == value:
                continue
            params = dict(Name=PARAMETER_ROOT + name, Value=value, Type=kind, DataType=data_type)
            if name in self.values:
                params["Overwrite"] = True
            else:
                params["Tags"] = ansible_dict_to_boto3_tag_list(core_tags(ROLE_STATE, user_tags))
            writes[name] = partial(api.put_parameter, self.ssm, **params)
        # The record first, alone: a save interrupted part-way leaves the record whole, old or new. The AGC CLI's
        # names are a projection of it, written together.
        written = list(writes)
        record_write = writes.pop(RECORD_PARAMETER, None)
        if record_write:
            record_write()
        run_together(writes)
        self.values.update({name: wanted[name][0] for name in written})
        stale = sorted(set(self.values) - set(wanted))
        if stale:
            api.delete_parameters(self.ssm, [PARAMETER_ROOT + name for name in stale])
            for name in stale:
                self.values.pop(name)

    @property
    def bucket_being_created(self):
        return self.values.get(CREATING_BUCKET_PARAMETER)

    def journal_bucket_creation(self, name):
        if self.values.get(CREATING_BUCKET_PARAMETER) != name:
            api.put_parameter(
                self.ssm, Name=PARAMETER_ROOT + CREATING_BUCKET_PARAMETER, Value=name, Type="String", Overwrite=True
            )
            self.values[CREATING_BUCKET_PARAMETER] = name

    def changed_parameters(self, record):
        wanted = record.parameters()
        changed = [name for name, (value, _k, _d) in wanted.items() if self.values.get(name) != value]
        return sorted(changed + [name for name in self.values if name not in wanted])

    def retag(self, previous_user_tags, user_tags):
        """Bring the parameters' user tags in line with `tags`; leaves other people's tags alone."""
        removed = sorted(set(previous_user_tags) - set(user_tags))
        for name in self.values:
            if user_tags:
                api.tag_parameter(self.ssm, PARAMETER_ROOT + name, user_tags)
            if removed:
                api.untag_parameter(self.ssm, PARAMETER_ROOT + name, removed)

    def delete(self):
        names = [PARAMETER_ROOT + name for name in sorted(self.values)]
        if names:
            api.delete_parameters(self.ssm, names)
        self.values = {}
        return names


class CoreLock:
    """Serialises writers of one region's core: a lease in an SSM parameter created only if absent.

    Readers (check mode, a no-change run) never take it, so an idempotent re-run stays read-only.
    The holder renews the lease in the background; a killed run stops renewing, and its lease is
    taken over once expired, so a cancelled job blocks the region for one lease at most.
    """

    LEASE_SECONDS = 120
    POLL_SECONDS = 2.0

    def __init__(self, ssm, lease_seconds=None, sleep=time.sleep):
        self.ssm = ssm
        self.lease_seconds = lease_seconds or self.LEASE_SECONDS
        self.sleep = sleep
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held = False
        self._stop = threading.Event()
        self._renewer = None

    def _value(self):
        now = time.time()
        return json.dumps({"owner": self.token, "acquired_at": _iso(now), "expires_at": now + self.lease_seconds})

    def acquire(self, deadline):
        """Take the lock; returns who held it before, and for how long we waited, if we waited."""
        started = time.monotonic()
        seen = {"holder": {}, "waited_for": None}

        def taken():
            if self._try_acquire():
                return True
            seen["holder"] = self._holder() or {}
            seen["waited_for"] = seen["holder"].get("owner") or seen["waited_for"]
            return False

        def busy():
            holder = seen["holder"]
            return AnsibleGenomicsError(
                message=(
                    f"another activation or deactivation of this region's AGC core is in progress (lock "
                    f"{LOCK_PARAMETER} held by {holder.get('owner')}, renewed until "
                    f"{_iso(holder.get('expires_at', 0))}). "
                    f"Waited wait_timeout={deadline.seconds}s; run again when it has finished. A lock whose holder "
                    f"was killed expires within {self.lease_seconds}s."
                )
            )

        # A steady poll, not a backoff: a lease is renewed every lease/3 seconds, and the next holder should
        # notice a release quickly.
        poll_until(taken, deadline, busy, sleep=self.sleep, first_pause=self.POLL_SECONDS, max_pause=self.POLL_SECONDS)
        waited_for = seen["waited_for"]
        self.held = True
        self._renewer = threading.Thread(target=self._renew, name="agc-core-lock", daemon=True)
        self._renewer.start()
        if waited_for:
            return f"waited {time.monotonic() - started:.0f}s for another run ({waited_for}) holding {LOCK_PARAMETER}"
        return None

    def _try_acquire(self):
        if api.put_parameter_if_absent(self.ssm, Name=LOCK_PARAMETER, Value=self._value(), Type="String"):
            return True
        holder = self._holder()
        if holder is None or holder.get("expires_at", 0) >= time.time():
            return False
        # Expired lease: take it over, then read back to lose gracefully to a simultaneous taker.
        api.put_parameter(self.ssm, Name=LOCK_PARAMETER, Value=self._value(), Type="String", Overwrite=True)
        return (self._holder() or {}).get("owner") == self.token

    def _renew(self):
        while not self._stop.wait(self.lease_seconds / 3):
            try:
                if (self._holder() or {}).get("owner") == self.token:
                    api.put_parameter(self.ssm, Name=LOCK_PARAMETER, Value=self._value(), Type="String", Overwrite=True)
            except Exception:  # pylint: disable=broad-except
                pass  # the next renewal tries again; the run itself reports real API failures

    def _holder(self):
        parameter = api.get_parameter(self.ssm, LOCK_PARAMETER)
        return _lock_holder(parameter["Value"]) if parameter else None

    def remove_if_expired(self):
        """Delete a lock whose lease has expired (its holder was killed); a live lease is left alone."""
        holder = self._holder()
        if holder is not None and holder.get("expires_at", 0) < time.time():
            api.delete_parameter(self.ssm, LOCK_PARAMETER)

    def release(self):
        self._stop.set()
        if self._renewer:
            self._renewer.join()
        if self.held and (self._holder() or {}).get("owner") == self.token:
            api.delete_parameter(self.ssm, LOCK_PARAMETER)
        self.held = False


def _lock_holder(value):
    """The lock's {owner, acquired_at, expires_at}, or None when there is no lock."""
    if value is None:
        return None
    try:
        holder = json.loads(value)
    except ValueError:
        return {"owner": value, "expires_at": 0}
    return holder if isinstance(holder, dict) else {"owner": value, "expires_at": 0}


def _iso(epoch_seconds):
    return datetime.fromtimestamp(epoch_seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
