# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Starting a HealthOmics run exactly once per set of inputs.

The StartRun requestId is derived from the inputs (request_id_for): the workflow id it resolves
to, role, output URI, parameters, networking mode and configuration, cache settings and run name;
tags are left out, they change in place. A task retried after a lost answer, an interrupted play
or a re-run therefore finds the same run instead of starting a second one: by the requestId on
StartRun (HealthOmics' idempotency), and by the tag ``genomics.aws:request-id`` on runs of the
same name (which also works in check mode and after HealthOmics forgets the token). A run that
has no name is given one derived from the same digest, so it can be listed by name.
"""

import copy
import hashlib
import json

from .._shared.errors import AnsibleGenomicsError
from .._shared.outcome import Outcome
from .._shared.validation import NUMERIC_ID
from .._shared.validation import bucket_name_problem
from .._shared.validation import check_text
from .._shared.validation import check_user_tags
from .._shared.validation import check_wait_timeout
from .._shared.validation import string_tags
from . import api
from . import waiters
from .common import DEFAULT_RUN_WAIT_TIMEOUT
from .common import MAX_NAME_LENGTH
from .common import REQUEST_ID_TAG
from .common import check_configuration_name
from .tagging import ensure_omics_tags
from .transformations import normalize_run
from .workflow import resolve_workflow

REQUEST_ID_PREFIX = "genomics.aws-"


class RunRequest:
    def __init__(
        self,
        workflow_id=None,
        workflow_name=None,
        role_arn=None,
        output_uri=None,
        parameters=None,
        networking_mode="RESTRICTED",
        configuration_name=None,
        cache_id=None,
        cache_behavior=None,
        name=None,
        tags=None,
        purge_tags=True,
        request_id=None,
        wait=True,
        wait_timeout=DEFAULT_RUN_WAIT_TIMEOUT,
    ):
        self.workflow_id = workflow_id
        self.workflow_name = workflow_name
        self.role_arn = role_arn
        self.output_uri = output_uri
        self.parameters = parameters
        self.networking_mode = networking_mode or "RESTRICTED"
        self.configuration_name = configuration_name
        self.cache_id = cache_id
        self.cache_behavior = cache_behavior
        self.name = name
        self.tags = string_tags(tags)
        self.purge_tags = purge_tags
        self.request_id = request_id
        self.wait = wait
        self.wait_timeout = wait_timeout

    @classmethod
    def from_params(cls, params):
        request = cls(
            **{
                key: params[key]
                for key in params
                if key
                in (
                    "workflow_id",
                    "workflow_name",
                    "role_arn",
                    "output_uri",
                    "parameters",
                    "networking_mode",
                    "configuration_name",
                    "cache_id",
                    "cache_behavior",
                    "name",
                    "tags",
                    "purge_tags",
                    "request_id",
                    "wait",
                    "wait_timeout",
                )
            }
        )
        request.validate()
        return request

    @property
    def output_bucket(self):
        return self.output_uri[len("s3://") :].split("/", 1)[0]

    def validate(self):
        """Every check that needs no AWS call; raises naming the bad value."""
        check_wait_timeout(self.wait_timeout)
        if self.workflow_id is not None and not NUMERIC_ID.fullmatch(self.workflow_id):
            raise AnsibleGenomicsError(
                message=f"workflow_id {self.workflow_id!r} is not a HealthOmics workflow id (digits only)."
            )
        check_text("workflow_name", self.workflow_name, MAX_NAME_LENGTH)
        if not (self.role_arn or "").startswith("arn:") or ":role/" not in self.role_arn:
            raise AnsibleGenomicsError(
                message=f"role_arn {self.role_arn!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)."
            )
        if not (self.output_uri or "").startswith("s3://") or bucket_name_problem(self.output_bucket):
            raise AnsibleGenomicsError(
                message=f"output_uri {self.output_uri!r} is not an S3 URI: HealthOmics writes run outputs to "
                "s3://<bucket>/<prefix>."
            )
        if len(self.output_uri) > 750:
            raise AnsibleGenomicsError(
                message=f"output_uri is {len(self.output_uri)} characters long; HealthOmics takes at most 750."
            )
        # networking_mode=VPC without configuration_name is the argument spec's (required_if); the converse is not.
        if self.networking_mode != "VPC" and self.configuration_name:
            raise AnsibleGenomicsError(
                message=f"configuration_name {self.configuration_name!r} is only used with networking_mode=VPC "
                f"(networking_mode is {self.networking_mode})."
            )
        check_configuration_name("configuration_name", self.configuration_name)
        if self.cache_id is not None and not NUMERIC_ID.fullmatch(self.cache_id):
            raise AnsibleGenomicsError(
                message=f"cache_id {self.cache_id!r} is not a HealthOmics run cache id (digits only)."
            )
        check_text("name", self.name, MAX_NAME_LENGTH)
        check_text("request_id", self.request_id, 128)
        check_user_tags(self.tags)

    def inputs(self, workflow_id):
        """What makes two runs 'the same run': everything but tags, wait and the token itself."""
        return {
            "workflow_id": workflow_id,
            "role_arn": self.role_arn,
            "output_uri": self.output_uri,
            "parameters": self.parameters,
            "networking_mode": self.networking_mode,
            "configuration_name": self.configuration_name,
            "cache_id": self.cache_id,
            "cache_behavior": self.cache_behavior,
            "name": self.name,
        }

    def start_params(self, workflow_id, request_id, run_name):
        params = {
            "workflowId": workflow_id,
            "workflowType": "PRIVATE",
            "roleArn": self.role_arn,
            "outputUri": self.output_uri,
            "name": run_name,
            "networkingMode": self.networking_mode,
            "requestId": request_id,
            "tags": dict(self.tags or {}, **{REQUEST_ID_TAG: request_id}),
        }
        if self.parameters is not None:
            params["parameters"] = self.parameters
        if self.configuration_name:
            params["configurationName"] = self.configuration_name
        if self.cache_id:
            params["cacheId"] = self.cache_id
        if self.cache_behavior:
            params["cacheBehavior"] = self.cache_behavior
        return params


def request_id_for(inputs):
    """The StartRun requestId of a set of run inputs: a SHA-256 of their canonical JSON."""
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str)
    return REQUEST_ID_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def default_run_name(workflow, request_id):
    """`<workflow name>-<12 hex of the request id>`, within the 128 characters a name may have."""
    base = (workflow.get("name") or f"workflow-{workflow['id']}")[:100]
    return f"{base}-{request_id[len(REQUEST_ID_PREFIX) :][:12]}"


def find_run(omics, name, request_id):
    """The run of this name that carries this request id, if any."""
    for item in api.list_runs(omics, name=name):
        if item.get("name") != name:
            continue
        run = api.get_run(omics, item["id"])
        if run and (run.get("tags") or {}).get(REQUEST_ID_TAG) == request_id:
            return run
    return None


def _check_configuration(omics, name):
    configuration = api.get_configuration(omics, name)
    if not configuration or configuration.get("status") in ("DELETING", "DELETED"):
        raise AnsibleGenomicsError(
            message=f"configuration_name {name!r} does not exist in this region; create it with "
            "genomics.aws.omics_vpc_configuration."
        )
    if configuration.get("status") != "ACTIVE":
        raise AnsibleGenomicsError(
            message=f"configuration_name {name!r} is {configuration.get('status')}; a VPC run needs it ACTIVE."
        )


def _check_output_region(s3, request, region, warnings):
    bucket_region = api.bucket_region(s3, request.output_bucket)
    if bucket_region is None:
        warnings.append(
            f"could not read the region of output bucket {request.output_bucket!r} (access denied); not checked"
        )
    elif bucket_region != region:
        raise AnsibleGenomicsError(
            message=f"output_uri {request.output_uri!r} is in a bucket of {bucket_region}, but the run is in {region}: "
            "HealthOmics writes run outputs to a bucket of the run's own region."
        )


def check_parameters(workflow, parameters):
    """The run's parameters against the workflow's template: none unknown, none required missing."""
    template = workflow.get("parameterTemplate")
    if not template:
        return
    given = set(parameters or {})
    unknown = sorted(given - set(template))
    if unknown:
        raise AnsibleGenomicsError(
            message=f"parameters {unknown} are not parameters of workflow {workflow['id']} ({workflow.get('name')!r}), "
            f"which takes {sorted(template)}."
        )
    missing = sorted(name for name, spec in template.items() if not (spec or {}).get("optional") and name not in given)
    if missing:
        raise AnsibleGenomicsError(
            message=f"parameters {missing} are required by workflow {workflow['id']} ({workflow.get('name')!r}) and "
            "missing."
        )


def ensure_run(clients, region, request, check_mode):
    """Start the run unless it exists; wait if asked. Returns an Outcome whose resource is the run."""
    omics = clients.omics
    warnings = []
    workflow = resolve_workflow(omics, workflow_id=request.workflow_id, name=request.workflow_name)
    request_id = request.request_id or request_id_for(request.inputs(workflow["id"]))
    run_name = request.name or default_run_name(workflow, request_id)
    existing = find_run(omics, run_name, request_id)

    if existing:
        before = normalize_run(existing)
        changed, tags = ensure_omics_tags(
            omics,
            existing["arn"],
            existing.get("tags"),
            request.tags,
            request.purge_tags,
            check_mode,
            reserved={REQUEST_ID_TAG: request_id},
        )
        run_id = existing["id"]
        if check_mode:
            after = copy.deepcopy(before)
            after["tags"] = tags
            return Outcome(changed=changed, resource=after, before=before, after=after, warnings=warnings)
    else:
        before = {}
        check_parameters(workflow, request.parameters)
        if request.networking_mode == "VPC":
            _check_configuration(omics, request.configuration_name)
        _check_output_region(clients.s3, request, region, warnings)
        params = request.start_params(workflow["id"], request_id, run_name)
        if check_mode:
            after = normalize_run(
                {
                    "id": None,
                    "arn": None,
                    "status": "PENDING",
                    "workflowId": workflow["id"],
                    "workflowName": workflow.get("name"),
                    "workflowType": "PRIVATE",
                    "name": run_name,
                    "roleArn": request.role_arn,
                    "outputUri": request.output_uri,
                    "parameters": request.parameters,
                    "networkingMode": request.networking_mode,
                    "configuration": {"name": request.configuration_name} if request.configuration_name else None,
                    "cacheId": request.cache_id,
                    "cacheBehavior": request.cache_behavior,
                    "tags": params["tags"],
                }
            )
            return Outcome(changed=True, resource=after, before=before, after=after, warnings=warnings)
        run_id = api.start_run(omics, **params)["id"]
        changed = True

    if request.wait:
        waiters.run_terminal(omics, run_id, request.wait_timeout)
    after = normalize_run(api.get_run(omics, run_id))
    return Outcome(changed=changed, resource=after, before=before, after=after, warnings=warnings)


def run_failure(run):
    """The message for a run that ended badly, or None for one that did not."""
    status = run.get("status")
    if status == "FAILED":
        reason = run.get("failure_reason") or "no failure reason given"
        detail = run.get("status_message")
        return (
            f"HealthOmics run {run.get('id')} ({run.get('name')!r}) FAILED: {reason}"
            + (f" ({detail})" if detail else "")
            + (
                f". Logs: CloudWatch /aws/omics/WorkflowLog, stream {run['log_location'].get('run_log_stream')}"
                if run.get("log_location")
                else ""
            )
            + ". To start it again with the same inputs, set another request_id."
        )
    if status in ("CANCELLED", "DELETED"):
        return (
            f"HealthOmics run {run.get('id')} ({run.get('name')!r}) is {status}. To start it again with the same "
            "inputs, set another request_id."
        )
    return None


def describe_runs(omics, run_id=None, name=None, status=None):
    if run_id is not None:
        if not NUMERIC_ID.fullmatch(run_id):
            raise AnsibleGenomicsError(message=f"run_id {run_id!r} is not a HealthOmics run id (digits only).")
        run = api.get_run(omics, run_id)
        return [normalize_run(run)] if run else []
    runs = [api.get_run(omics, item["id"]) for item in api.list_runs(omics, name=name, status=status)]
    return [normalize_run(r) for r in runs if r]
