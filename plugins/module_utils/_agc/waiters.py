# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting on NAT gateways and VPC endpoints together.

botocore's per-type waiters (nat_gateway_available, vpc_endpoint_exists) would wait on one kind
after the other. NAT gateways and interface endpoints each take minutes, so this polls both kinds
in the same loop, one batched describe call per kind per round, under one shared deadline.
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_nat_gateways
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_vpc_endpoints

from .common import AnsibleAGCError

FIRST_PAUSE = 1.0
MAX_PAUSE = 15.0


def _nat_states(ec2, ids):
    return {n["NatGatewayId"]: (n["State"], n.get("FailureMessage")) for n in describe_nat_gateways(ec2, NatGatewayIds=list(ids))}


def _endpoint_states(ec2, ids):
    found = describe_vpc_endpoints(ec2, VpcEndpointIds=list(ids)) if ids else []
    return {e["VpcEndpointId"]: (e["State"].lower(), (e.get("LastError") or {}).get("Message")) for e in found}


_KINDS = {
    "NAT gateway": (_nat_states, {"available"}, {"failed"}),
    "VPC endpoint": (_endpoint_states, {"available"}, {"failed", "rejected", "expired", "deleted"}),
}
_GONE = {"deleted"}


def wait_for(ec2, deadline, nat_gateway_ids=(), endpoint_ids=(), deleted=False, sleep=time.sleep):
    """Wait until every listed NAT gateway and endpoint is available (or, with deleted=True, gone)."""
    pending = {"NAT gateway": set(nat_gateway_ids), "VPC endpoint": set(endpoint_ids)}
    pause = FIRST_PAUSE
    while any(pending.values()):
        for kind, ids in pending.items():
            if not ids:
                continue
            describe, ready, failed = _KINDS[kind]
            states = describe(ec2, ids)
            for resource_id in sorted(ids):
                # Missing from a describe: gone when deleting; not yet visible (eventual consistency) when creating.
                state, reason = states.get(resource_id, ("deleted" if deleted else "pending", None))
                if deleted:
                    if state in _GONE:
                        ids.discard(resource_id)
                elif state in ready:
                    ids.discard(resource_id)
                elif state in failed:
                    raise AnsibleAGCError(
                        message=f"{kind} {resource_id} is {state}" + (f": {reason}" if reason else "")
                        + ". Run again to replace it; if it fails again check the service quotas of the region."
                    )
        if not any(pending.values()):
            return
        if deadline.expired():
            waiting = ", ".join(f"{kind} {i}" for kind, ids in pending.items() for i in sorted(ids))
            goal = "be deleted" if deleted else "become available"
            raise AnsibleAGCError(
                message=f"timed out after wait_timeout={deadline.seconds}s waiting for {waiting} to {goal}. "
                "Nothing is lost: run again with a larger wait_timeout to resume."
            )
        sleep(min(pause, deadline.remaining()))
        pause = min(pause * 2, MAX_PAUSE)


def retry_while_dependent(deadline, delete, *args, sleep=time.sleep):
    """Run a deletion, retrying while AWS still reports a dependency (DependencyViolation).

    Deleted endpoints and NAT gateways release their network interfaces and public addresses a
    little after they report deleted; the subnet, security group, gateway or VPC they sat in
    cannot be deleted until then.
    """
    pause = FIRST_PAUSE
    while True:
        try:
            return delete(*args)
        except AnsibleAWSError as e:
            response = getattr(e.exception, "response", None) or {}
            if response.get("Error", {}).get("Code") != "DependencyViolation" or deadline.expired():
                raise
        sleep(min(pause, max(0.1, deadline.remaining())))
        pause = min(pause * 2, MAX_PAUSE)
