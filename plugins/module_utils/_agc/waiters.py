# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting on NAT gateways and VPC endpoints together.

botocore's per-type waiters (nat_gateway_available, vpc_endpoint_exists) would wait on one kind
after the other. NAT gateways and interface endpoints each take minutes, so this polls both kinds
in the same loop, one batched describe call per kind per round (the two at once), under one shared deadline.
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_nat_gateways
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_vpc_endpoints
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from .._shared.concurrency import read_together
from .._shared.errors import AnsibleGenomicsError
from .._shared.polling import poll_until


def _nat_states(ec2, ids):
    return {
        n["NatGatewayId"]: (n["State"], n.get("FailureMessage"))
        for n in describe_nat_gateways(ec2, NatGatewayIds=list(ids))
    }


def _endpoint_states(ec2, ids):
    found = describe_vpc_endpoints(ec2, VpcEndpointIds=list(ids)) if ids else []
    return {e["VpcEndpointId"]: (e["State"].lower(), (e.get("LastError") or {}).get("Message")) for e in found}


_KINDS = {
    "NAT gateway": (_nat_states, {"available"}, {"failed"}),
    "VPC endpoint": (_endpoint_states, {"available"}, {"failed", "rejected", "expired", "deleted"}),
}
_GONE = {"deleted"}


def wait_for(ec2, deadline, nat_gateway_ids=(), endpoint_ids=(), deleted=False, sleep=time.sleep, on_reached=None):
    """Wait until every listed NAT gateway and endpoint is available (or, with deleted=True, gone).

    Each poll describes both kinds at once. `on_reached([(kind, id, state)])` runs after each poll that saw
    resources reach their goal, with all of them, so what waits for only those (an Elastic IP for its NAT gateway)
    need not wait for the others, and is done for all of them at once.
    Returns {id: state} as the polls last saw each of them, for the caller's picture of the resources."""
    pending = {"NAT gateway": set(nat_gateway_ids), "VPC endpoint": set(endpoint_ids)}
    started = time.monotonic()
    seen = {}

    def done():
        settled = read_together(
            {
                kind: (lambda kind=kind, ids=ids: _settle(ec2, kind, ids, deleted))
                for kind, ids in pending.items()
                if ids
            }
        )
        reached_now = []
        for kind, reached in settled.items():
            for resource_id, state in reached:
                seen[resource_id] = state
                deadline.note_wait(
                    f"{kind} {resource_id}", "deleted" if deleted else "available", time.monotonic() - started
                )
                reached_now.append((kind, resource_id, state))
        if on_reached and reached_now:
            on_reached(reached_now)
        return not any(pending.values())

    def timed_out():
        waiting = ", ".join(f"{kind} {i}" for kind, ids in pending.items() for i in sorted(ids))
        goal = "be deleted" if deleted else "become available"
        return AnsibleGenomicsError(
            message=f"timed out after wait_timeout={deadline.seconds}s waiting for {waiting} to {goal}. "
            "Nothing is lost: run again with a larger wait_timeout to resume."
        )

    poll_until(done, deadline, timed_out, sleep=sleep)
    return seen


def _settle(ec2, kind, ids, deleted):
    """Drop from `ids` the resources that reached their goal, and return them with their state; raise on one that
    failed."""
    describe, ready, failed = _KINDS[kind]
    states = describe(ec2, ids)
    reached = []
    for resource_id in sorted(ids):
        # Missing from a describe: gone when deleting; not yet visible (eventual consistency) when creating.
        state, reason = states.get(resource_id, ("deleted" if deleted else "pending", None))
        if (deleted and state in _GONE) or (not deleted and state in ready):
            ids.discard(resource_id)
            reached.append((resource_id, state))
        elif not deleted and state in failed:
            raise AnsibleGenomicsError(
                message=f"{kind} {resource_id} is {state}"
                + (f": {reason}" if reason else "")
                + ". Run again to replace it; if it fails again check the service quotas of the region."
            )
    return reached


def retry_while_dependent(deadline, delete, *args, sleep=time.sleep):
    """Run a deletion, retrying while AWS still reports a dependency (DependencyViolation).

    Deleted endpoints and NAT gateways release their network interfaces and public addresses a
    little after they report deleted; the subnet, security group, gateway or VPC they sat in
    cannot be deleted until then.
    """
    last_error = []

    def deleted():
        try:
            return (delete(*args),)
        except AnsibleAWSError as e:
            response = getattr(e.exception, "response", None) or {}
            if response.get("Error", {}).get("Code") != "DependencyViolation":
                raise
            last_error[:] = [e]
            return None

    # The deletion's answer travels in a tuple, which is true even when the answer is not.
    return poll_until(deleted, deadline, lambda: last_error[0], sleep=sleep)[0]
