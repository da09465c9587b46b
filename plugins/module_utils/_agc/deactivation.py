# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deactivation of the AGC core (agc_account, state=absent): plan, then apply, as activation.

Deletes the managed VPC (found by tags, whatever the record says) and the state store. Keeps every
bucket and its objects, a customer's VPC and CloudWatch log groups. Refuses while AGC contexts are
deployed, unless forced to delete them first.
"""

from .._shared.concurrency import read_together
from .._shared.errors import AnsibleGenomicsError
from .._shared.outcome import Deadline
from .._shared.outcome import Outcome
from . import contexts
from .activation import CallerIdentity
from .activation import CoreRun
from .activation import plan_then_apply
from .managed_network import ManagedNetwork
from .managed_network import find_managed_vpcs
from .teardown import destroy


def deactivate(clients, region, request, check_mode=False):
    identity = CallerIdentity(clients.sts)
    deadline = Deadline(request.wait_timeout)

    def converge(store, changes):
        return _Deactivation(clients, region, identity.of(store), request, changes, deadline).run(store)

    return plan_then_apply(converge, clients, deadline, check_mode)


class _Deactivation(CoreRun):
    def run(self, store):
        record = store.record
        found = read_together(
            {
                "vpcs": lambda: find_managed_vpcs(self.ec2),
                "contexts": lambda: contexts.deployed_contexts(self.clients.cfn),
            }
        )
        managed_vpcs = found["vpcs"]
        before = record.as_dict() if record else {}
        retained = _retained(record)
        if not store.exists and not managed_vpcs:
            return Outcome(changes=self.changes, before=before, after={}, retained=retained, waited=[])

        self._remove_contexts(found["contexts"])
        for vpc in managed_vpcs:
            network = ManagedNetwork.discover(self.ec2, vpc, network_interfaces=True)
            destroy(self.ec2, network, self.changes, self.deadline)
        if store.exists:
            self.changes.add(f"delete the state store ({len(store.values)} SSM parameters under /agc/_common/)")
            if not self.check_mode:
                store.delete()
        return Outcome(changes=self.changes, before=before, after={}, retained=retained, waited=self.deadline.waited)

    def _remove_contexts(self, deployed):
        if not deployed:
            return
        if not self.request.force:
            raise AnsibleGenomicsError(
                message=f"AGC contexts are deployed in this region: {', '.join(deployed)}. Destroy them first, or "
                "deactivate with force: true to delete them too (this interrupts their running workflows)."
            )
        self.changes.add(f"delete context stacks {', '.join(deployed)} (force)")
        if not self.check_mode:
            contexts.delete_contexts(self.clients.cfn, deployed, self.deadline)


def _retained(record):
    """What deactivation keeps, as the module reports it."""
    retained = {}
    if record:
        retained["bucket"] = {"name": record.bucket, "managed": record.bucket_managed}
        if not record.vpc_managed:
            retained["vpc_id"] = record.vpc_id
        retained["log_groups"] = "CloudWatch log groups are retained"
    return retained
