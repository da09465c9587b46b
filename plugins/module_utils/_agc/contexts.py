# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AGC's CloudFormation stacks: deployed contexts, and a core deployed by the AGC CLI itself."""

import time

from .._shared.errors import AnsibleGenomicsError
from .._shared.polling import poll_until
from .._shared.tags import tag_dict
from . import api
from .common import AGC_CONTEXT_STACK_PREFIX
from .common import AGC_CORE_STACK
from .common import APP_TAG_KEY
from .common import APP_TAG_VALUE


def _is_agc(stack):
    return tag_dict(stack).get(APP_TAG_KEY) == APP_TAG_VALUE


def _is_live(stack):
    return stack["StackStatus"] != "DELETE_COMPLETE"


def cli_core_stack(cfn):
    """The AGC CLI's own core stack in this region, if there is one."""
    for stack in api.describe_stacks(cfn, AGC_CORE_STACK):
        if _is_agc(stack) and _is_live(stack):
            return stack
    return None


def deployed_contexts(cfn):
    """Names of live AGC context stacks (Agc-Context-*) in this region."""
    return sorted(
        stack["StackName"]
        for stack in api.describe_stacks(cfn)
        if stack["StackName"].startswith(AGC_CONTEXT_STACK_PREFIX) and _is_agc(stack) and _is_live(stack)
    )


def delete_contexts(cfn, names, deadline, sleep=time.sleep):
    """Delete context stacks together and wait for all of them, bounded by the deadline."""
    for name in names:
        api.delete_stack(cfn, name)
    pending = set(names)

    def all_gone():
        live = {s["StackName"]: s for s in api.describe_stacks(cfn) if s["StackName"] in pending}
        failed = sorted(n for n, s in live.items() if s["StackStatus"] == "DELETE_FAILED")
        if failed:
            raise AnsibleGenomicsError(
                message=f"CloudFormation could not delete context stack(s) {', '.join(failed)}; see their events in "
                "the CloudFormation console, fix the cause and run deactivation again."
            )
        pending.intersection_update(n for n, s in live.items() if _is_live(s))
        return not pending

    def timed_out():
        return AnsibleGenomicsError(
            message=f"context stack(s) {', '.join(sorted(pending))} still deleting after wait_timeout="
            f"{deadline.seconds}s; run deactivation again later (it resumes)."
        )

    poll_until(all_gone, deadline, timed_out, sleep=sleep)
