# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.genomics.aws.plugins.module_utils._shared.clients import Clients
from ansible_collections.genomics.aws.plugins.module_utils._shared.iam import denied_action
from ansible_collections.genomics.aws.plugins.module_utils._shared.iam import is_access_denied
from ansible_collections.genomics.aws.plugins.module_utils._shared.iam import missing_permission_message
from ansible_collections.genomics.aws.plugins.module_utils.common import COLLECTION_NAME
from ansible_collections.genomics.aws.plugins.module_utils.common import COLLECTION_VERSION


class AnsibleGenomicsModule(AnsibleAWSModule):
    """AnsibleAWSModule that identifies this collection in the botocore user agent, makes the run's clients
    on first use, turns an Outcome into the module's result, and names the missing permission of a denied call.

    `iam_policy`: the file under docs/iam/ that grants every permission of the module's job, or a function of the
    module returning it (agc_account's depends on state and mode).
    """

    def __init__(self, iam_policy=None, **kwargs):
        self._iam_policy = iam_policy
        super().__init__(**kwargs)
        set_collection_info(collection_name=COLLECTION_NAME, collection_version=COLLECTION_VERSION)
        self.clients = Clients.for_module(self)

    def _should_inject_warnings(self):
        # AnsibleModule.warn() records each warning and exit_json()/fail_json() return them by themselves, in
        # every ansible-core this collection supports (>= 2.17). amazon.aws 10 also passes them as
        # exit_json(warnings=...) on ansible-core >= 2.19, which 2.19 answers with the deprecation notice
        # "Passing `warnings` to `exit_json` or `fail_json` is deprecated" on every task that warns.
        # (amazon.aws does it for in-process unit tests, where a controller import makes warn() go to the
        # controller's Display instead of the result; tests/unit/plugins/modules/in_process.py handles that.)
        return False

    def fail_json_aws(self, exception, msg=None, **kwargs):
        hint = self.missing_permission_hint(exception)
        if hint:
            action, message = hint
            msg = f"{message}. {msg}" if msg else message
            kwargs.setdefault("missing_permission", action)
        super().fail_json_aws(exception, msg=msg, **kwargs)

    def fail_json_aws_error(self, exception):
        # amazon.aws fails without the botocore error when the handler kept none; a denial may still be its cause.
        hint = None if exception.exception else self.missing_permission_hint(exception)
        if hint:
            action, message = hint
            self.fail_json(msg=f"{message}. {exception.message}", missing_permission=action)
        super().fail_json_aws_error(exception)

    def missing_permission_hint(self, exception):
        """(action, message) when `exception` or what caused it is an access denial, else None."""
        error = exception
        seen = set()
        while error is not None and id(error) not in seen and not is_access_denied(error):
            seen.add(id(error))
            error = getattr(error, "exception", None) or error.__cause__ or error.__context__
        if error is None or id(error) in seen:
            return None
        service = self.clients.service_of(getattr(error, "operation_name", None))
        action = denied_action(error, service)
        policy = self._iam_policy(self) if callable(self._iam_policy) else self._iam_policy
        if not action or not policy:
            return None
        return action, missing_permission_message(action, policy)

    def require_region(self):
        if not self.region:
            self.fail_json(msg="region is required: set the region option, AWS_REGION, or a profile with a region.")
        return self.region

    def exit_outcome(self, outcome, resource_key, failure=None):
        """Exit with `outcome`: changed, its resource under `resource_key`, the list of changes when the module
        keeps one, its extra keys, and the diff in diff mode. With `failure`, fail with that message instead."""
        for warning in outcome.warnings:
            self.warn(warning)
        result = {"changed": outcome.changed}
        if outcome.changes is not None:
            result["changes"] = outcome.changes.entries
        result[resource_key] = outcome.resource
        result.update(outcome.extra)
        if self._diff:
            result["diff"] = {"before": outcome.before, "after": outcome.after}
        if failure:
            self.fail_json(msg=failure, **result)
        self.exit_json(**result)
