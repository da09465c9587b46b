"""The interruption sweep: a fault at every write of an activation or a deactivation, in each mode, then a resume.

Two kinds of crash (tools/agc_harness.py): before the write (it never happens) and after it (it is applied, its
answer lost). After either the process is gone: every later call fails and the region's lock stays behind until its
lease expires. The resumed run must leave a core equal, attribute for attribute (helpers.snapshot_core), to the one an
uninterrupted run leaves, and a further run must write nothing.

`make sweep` runs every write index (AGC_FULL_SWEEP=1); `make test` one index per phase, mode and kind, spread over
the run so that different steps are hit.
"""

import os
import time

import pytest
from moto import mock_aws

from .helpers import Account
from .helpers import Interrupted
from .helpers import first_difference
from .helpers import snapshot_core

MODES = ("default", "public-only", "customer-vpc")
KINDS = ("crash-before-write", "answer-lost")
PHASES = ("activation", "deactivation")
FULL = bool(os.environ.get("AGC_FULL_SWEEP"))
# A crashed run's lock expires after this lease; the resume waits it out, as an operator's next run would.
LEASE_SECONDS = 0.2


def prepare(account, mode):
    """The account before activation; the activation's options for the mode."""
    if mode == "public-only":
        return {"use_public_subnets": True}
    if mode == "customer-vpc":
        return {"vpc_id": account.customer_vpc()["vpc_id"]}
    return {}


def set_fault(recorder, kind, index):
    if kind == "crash-before-write":
        recorder.interrupt_at_write = index
    else:
        recorder.lose_answer_at_write = index


def baseline(phase, mode):
    """(snapshot, number of writes) of an uninterrupted phase in a fresh account."""
    with mock_aws():
        account = Account()
        params = prepare(account, mode)
        if phase == "deactivation":
            account.activate(**params)
        account.recorder.reset()
        run(account, phase, params)
        return snapshot_core(account), len(account.recorder.writes)


def run(account, phase, params):
    return account.deactivate() if phase == "deactivation" else account.activate(**params)


def indices(phase, mode, kind, total):
    """Every write index in `make sweep`; one in `make test`, a different step for each phase, mode and kind."""
    if FULL:
        return list(range(total))
    combination = PHASES.index(phase) * 6 + MODES.index(mode) * 2 + KINDS.index(kind)
    return [(combination * 7 + 3) % total]


def interrupt_and_resume(phase, mode, kind, index, expected):
    """One case of the sweep; raises AssertionError saying where it failed and what differs."""
    with mock_aws():
        account = Account()
        params = prepare(account, mode)
        if phase == "deactivation":
            account.activate(**params)
        account.recorder.reset()
        set_fault(account.recorder, kind, index)
        with pytest.raises(Interrupted):
            run(account, phase, params)
        time.sleep(LEASE_SECONDS)
        resumed = run(account, phase, params)
        where = f"{phase} in {mode} mode, {kind} at write #{index}"
        found = snapshot_core(account)
        assert found == expected, (
            f"{where}: the core differs from an uninterrupted one: {first_difference(expected, found)}"
        )
        account.recorder.reset()
        again = run(account, phase, params)
        assert account.recorder.writes == [], (
            f"{where}: a further run wrote {account.recorder.writes} ({again.changes.entries}); the resume did "
            f"{resumed.changes.entries}"
        )
