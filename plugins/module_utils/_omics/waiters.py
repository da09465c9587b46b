# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting for omics resources, sized by wait_timeout.

botocore's own omics waiters are used where they fit (``workflow_active``). The others are
defined here on amazon.aws's BaseWaiterFactory: botocore has none for configurations, none for
a deleted workflow, and its ``run_completed`` has no acceptor for CANCELLED or DELETED (it would
wait out the whole timeout on a cancelled run), so ``run_terminal`` stops at any final status and
the caller judges the outcome.

A waiter is asked for one look at a time, and the looks are spaced by the shared polling rule (a fortieth of the
time waited so far): a configuration that is ACTIVE after 60 s is seen by about 61.5 s, not at the next multiple of a
fixed delay.
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.waiter import BaseWaiterFactory

from .._shared.errors import AnsibleGenomicsError
from .._shared.outcome import Deadline
from .._shared.polling import MAX_PAUSE
from .._shared.polling import poll_until

# The shortest pause between two looks (the pause grows with the time waited, up to polling.MAX_PAUSE).
POLL_PAUSE = 0.5
# The waiter models' own delay; unused, as each wait() call makes a single attempt.
_MODEL_DELAY = 5


def _status_acceptors(success=(), retry=(), failure=(), missing=None):
    acceptors = [dict(state="success", matcher="path", argument="status", expected=s) for s in success]
    acceptors += [dict(state="retry", matcher="path", argument="status", expected=s) for s in retry]
    acceptors += [dict(state="failure", matcher="path", argument="status", expected=s) for s in failure]
    if missing:
        acceptors.append(dict(state=missing, matcher="error", expected="ResourceNotFoundException"))
    return acceptors


class OmicsWaiterFactory(BaseWaiterFactory):
    @property
    def _waiter_model_data(self):
        return dict(
            configuration_active=dict(
                operation="GetConfiguration",
                delay=_MODEL_DELAY,
                maxAttempts=120,
                acceptors=_status_acceptors(
                    success=["ACTIVE"], retry=["CREATING", "UPDATING"], failure=["FAILED", "DELETING", "DELETED"]
                ),
            ),
            configuration_deleted=dict(
                operation="GetConfiguration",
                delay=_MODEL_DELAY,
                maxAttempts=120,
                acceptors=_status_acceptors(success=["DELETED"], retry=["DELETING"], missing="success"),
            ),
            workflow_deleted=dict(
                operation="GetWorkflow",
                delay=_MODEL_DELAY,
                maxAttempts=120,
                acceptors=_status_acceptors(
                    success=["DELETED"],
                    retry=["ACTIVE", "INACTIVE", "CREATING", "UPDATING", "FAILED"],
                    missing="success",
                ),
            ),
            run_terminal=dict(
                operation="GetRun",
                delay=_MODEL_DELAY,
                maxAttempts=720,
                acceptors=_status_acceptors(
                    success=["COMPLETED", "FAILED", "CANCELLED", "DELETED"],
                    retry=["PENDING", "STARTING", "RUNNING", "STOPPING"],
                ),
            ),
        )


_BOTOCORE_WAITERS = ("workflow_active",)


def _waiter(client, waiter_name):
    if waiter_name in _BOTOCORE_WAITERS:
        return client.get_waiter(waiter_name)
    return OmicsWaiterFactory().get_waiter(client, waiter_name)


def wait(client, waiter_name, timeout, what, **params):
    """Wait with the waiter `waiter_name` for at most `timeout` seconds; on failure raise AnsibleGenomicsError
    naming `what`."""
    waiter = _waiter(client, waiter_name)
    last_look = {}

    def reached():
        try:
            waiter.wait(WaiterConfig={"Delay": 0, "MaxAttempts": 1}, **params)
            return True
        except botocore.exceptions.WaiterError as e:
            if "Max attempts exceeded" not in str(e):
                raise
            last_look["response"] = e.last_response or {}
            return False

    def timed_out():
        status = last_look.get("response", {}).get("status")
        return AnsibleGenomicsError(
            message=f"timed out after wait_timeout={timeout}s waiting for {what}"
            + (f" (still {status})" if status else "")
            + ". Nothing is lost: run the task again, with a larger wait_timeout, to resume waiting."
        )

    try:
        poll_until(reached, Deadline(max(1, int(timeout))), timed_out, first_pause=POLL_PAUSE, max_pause=MAX_PAUSE)
    except botocore.exceptions.WaiterError as e:
        last = e.last_response or {}
        status = last.get("status")
        detail = last.get("statusMessage") or last.get("failureReason")
        if status:
            raise AnsibleGenomicsError(
                message=f"{what} failed: it is {status}" + (f": {detail}" if detail else "") + "."
            ) from e
        raise AnsibleGenomicsError(message=f"Failed while waiting for {what}", exception=e) from e
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise AnsibleGenomicsError(message=f"Failed while waiting for {what}", exception=e) from e


def configuration_active(client, name, timeout):
    wait(client, "configuration_active", timeout, f"HealthOmics configuration {name!r} to become ACTIVE", name=name)


def configuration_deleted(client, name, timeout):
    wait(client, "configuration_deleted", timeout, f"HealthOmics configuration {name!r} to be deleted", name=name)


def workflow_active(client, workflow_id, timeout):
    wait(
        client,
        "workflow_active",
        timeout,
        f"HealthOmics workflow {workflow_id} to become ACTIVE",
        id=workflow_id,
        type="PRIVATE",
    )


def workflow_deleted(client, workflow_id, timeout):
    wait(
        client,
        "workflow_deleted",
        timeout,
        f"HealthOmics workflow {workflow_id} to be deleted",
        id=workflow_id,
        type="PRIVATE",
    )


def run_terminal(client, run_id, timeout):
    wait(client, "run_terminal", timeout, f"HealthOmics run {run_id} to finish", id=run_id)
