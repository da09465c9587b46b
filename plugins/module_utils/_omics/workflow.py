# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A private HealthOmics workflow built from a local definition.

Identity: the workflow name plus the definition digest (see packaging.py), recorded on the workflow
in the tag ``genomics.aws:definition-digest``. Workflows of that name carrying the tag are this
module's; others of the same name are left alone.

- Same digest: the workflow is kept. description, storage_type and storage_capacity are updated in
  place (UpdateWorkflow); tags in place.
- Another digest (files, main, engine or parameter template changed): the workflow is replaced. A new
  workflow is created and, once ACTIVE, the previous ones of this module are deleted, so there is
  never a moment without a usable workflow. Runs keep referring to the workflow id they ran, so the
  id changes with every new definition. (Workflow versions would keep the id; the module does not
  use them: a version's definition cannot be found again by tag, and replacing keeps every
  workflow self-contained.)
- A new workflow that HealthOmics rejects (status FAILED) is deleted again and the module fails with
  its statusMessage; the previous workflow is kept.
"""

import copy
import uuid

from .._shared.errors import AnsibleGenomicsError
from .._shared.outcome import Outcome
from .._shared.validation import NUMERIC_ID
from .._shared.validation import check_text
from .._shared.validation import check_user_tags
from .._shared.validation import check_wait_timeout
from .._shared.validation import string_tags
from . import api
from . import packaging
from . import waiters
from .common import DEFAULT_WAIT_TIMEOUT
from .common import DIGEST_TAG
from .common import MAX_DESCRIPTION_LENGTH
from .common import MAX_NAME_LENGTH
from .common import MAX_STORAGE_CAPACITY
from .tagging import ensure_omics_tags
from .transformations import normalize_workflow

_USABLE = ("ACTIVE", "CREATING", "UPDATING")
# Settings UpdateWorkflow changes in place: option name -> API member.
_UPDATABLE = (("description", "description"), ("storage_type", "storageType"), ("storage_capacity", "storageCapacity"))


class WorkflowRequest:
    def __init__(
        self,
        name,
        definition_path=None,
        main=None,
        engine=None,
        parameter_template=None,
        storage_type=None,
        storage_capacity=None,
        description=None,
        tags=None,
        purge_tags=True,
        state="present",
        wait=True,
        wait_timeout=DEFAULT_WAIT_TIMEOUT,
    ):
        self.name = name
        self.definition_path = definition_path
        self.main = main
        self.engine = engine
        self.parameter_template = parameter_template
        self.storage_type = storage_type
        self.storage_capacity = storage_capacity
        self.description = description
        self.tags = string_tags(tags)
        self.purge_tags = purge_tags
        self.state = state
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.definition = None

    @classmethod
    def from_params(cls, params):
        request = cls(
            **{
                key: params[key]
                for key in params
                if key
                in (
                    "name",
                    "definition_path",
                    "main",
                    "engine",
                    "parameter_template",
                    "storage_type",
                    "storage_capacity",
                    "description",
                    "tags",
                    "purge_tags",
                    "state",
                    "wait",
                    "wait_timeout",
                )
            }
        )
        request.validate()
        return request

    def validate(self):
        check_text("name", self.name, MAX_NAME_LENGTH)
        check_wait_timeout(self.wait_timeout)
        if self.state == "absent":
            return
        check_text("description", self.description, MAX_DESCRIPTION_LENGTH)
        check_text("main", self.main, 128)
        check_user_tags(self.tags)
        if self.storage_capacity is not None and not 0 <= self.storage_capacity <= MAX_STORAGE_CAPACITY:
            raise AnsibleGenomicsError(
                message=f"storage_capacity {self.storage_capacity} must be 0 to {MAX_STORAGE_CAPACITY} GiB."
            )
        self._validate_parameter_template()
        self.definition = packaging.package_definition(
            self.definition_path, self.main, self.engine, self.parameter_template
        )

    def _validate_parameter_template(self):
        template = self.parameter_template
        if template is None:
            return
        if not 1 <= len(template) <= 2000:
            raise AnsibleGenomicsError(
                message=f"parameter_template must declare 1 to 2000 parameters (it has {len(template)})."
            )
        for name, spec in template.items():
            if not isinstance(spec, dict) or set(spec) - {"description", "optional"}:
                raise AnsibleGenomicsError(
                    message=f"parameter_template[{name!r}] must be a mapping with only 'description' and 'optional', "
                    f"got {spec!r}."
                )
            if "optional" in spec and not isinstance(spec["optional"], bool):
                raise AnsibleGenomicsError(
                    message=f"parameter_template[{name!r}].optional must be true or false, got {spec['optional']!r}."
                )

    @property
    def digest(self):
        return self.definition.digest

    def create_params(self):
        params = {
            "name": self.name,
            "definitionZip": self.definition.zip_bytes,
            "tags": dict(self.tags or {}, **{DIGEST_TAG: self.digest}),
            # Found again by name and digest tag, so the token only covers the retries of this call;
            # a token derived from the inputs could hand back a workflow deleted since.
            "requestId": str(uuid.uuid4()),
        }
        for option, member in (
            ("description", "description"),
            ("main", "main"),
            ("engine", "engine"),
            ("parameter_template", "parameterTemplate"),
            ("storage_type", "storageType"),
            ("storage_capacity", "storageCapacity"),
        ):
            if getattr(self, option) is not None:
                params[member] = getattr(self, option)
        return params

    def updates(self, existing):
        """UpdateWorkflow members whose requested value differs from the workflow's."""
        return {
            member: getattr(self, option)
            for option, member in _UPDATABLE
            if getattr(self, option) is not None and getattr(self, option) != existing.get(member)
        }

    def predicted(self):
        return normalize_workflow(
            {
                "id": None,
                "arn": None,
                "name": self.name,
                "description": self.description,
                "engine": self.engine,
                "main": self.main,
                "parameterTemplate": self.parameter_template,
                "storageType": self.storage_type,
                "storageCapacity": self.storage_capacity,
                "type": "PRIVATE",
                "status": "ACTIVE" if self.wait else "CREATING",
                "tags": dict(self.tags or {}, **{DIGEST_TAG: self.digest}),
            }
        )


def _workflows_named(omics, name):
    """Full descriptions (with tags) of the private workflows with exactly this name, newest first."""
    found = []
    for item in api.list_workflows(omics, name=name):
        if item.get("name") != name or item.get("status") == "DELETED":
            continue
        workflow = api.get_workflow(omics, item["id"])
        if workflow and workflow.get("status") != "DELETED":
            found.append(workflow)
    return sorted(found, key=lambda w: str(w.get("creationTime") or ""), reverse=True)


def _foreign_warning(name, foreign):
    if not foreign:
        return []
    ids = sorted(w["id"] for w in foreign)
    return [
        f"workflow(s) {ids} named {name!r} were not created by this module (no {DIGEST_TAG} tag) and are left alone"
    ]


def _delete(omics, workflows, wait, timeout):
    for workflow in workflows:
        api.delete_workflow(omics, workflow["id"])
    if wait:
        for workflow in workflows:
            waiters.workflow_deleted(omics, workflow["id"], timeout)


def ensure_workflow_present(omics, request, check_mode):
    named = _workflows_named(omics, request.name)
    ours = [w for w in named if DIGEST_TAG in (w.get("tags") or {})]
    warnings = _foreign_warning(request.name, [w for w in named if w not in ours])
    match = next((w for w in ours if w["tags"][DIGEST_TAG] == request.digest and w.get("status") in _USABLE), None)
    stale = [w for w in ours if w is not match]
    before = normalize_workflow(match or (ours[0] if ours else None))

    if match is None:
        return _create(omics, request, check_mode, before, stale, warnings)

    changed = bool(stale)
    workflow_id = match["id"]
    if request.wait and not check_mode and match.get("status") != "ACTIVE":
        waiters.workflow_active(omics, workflow_id, request.wait_timeout)
    updates = request.updates(match)
    if updates:
        changed = True
        if not check_mode:
            api.update_workflow(omics, workflow_id, **updates)
    tags_changed, tags = ensure_omics_tags(
        omics,
        match["arn"],
        match.get("tags"),
        request.tags,
        request.purge_tags,
        check_mode,
        reserved={DIGEST_TAG: request.digest},
    )
    changed = changed or tags_changed
    if stale and not check_mode:
        # Left by an interrupted replacement.
        _delete(omics, stale, request.wait, request.wait_timeout)
    if check_mode or not changed:
        after = copy.deepcopy(normalize_workflow(match))
        after.update({_snake(member): value for member, value in updates.items()})
        after["tags"] = tags
    else:
        after = normalize_workflow(api.get_workflow(omics, workflow_id))
    if request.wait and not check_mode and after.get("status") in ("CREATING", "UPDATING"):
        waiters.workflow_active(omics, workflow_id, request.wait_timeout)
        after = normalize_workflow(api.get_workflow(omics, workflow_id))
    return Outcome(changed=changed, resource=after, before=before, after=after, warnings=warnings)


def _snake(member):
    return {"storageType": "storage_type", "storageCapacity": "storage_capacity"}.get(member, member)


def _create(omics, request, check_mode, before, stale, warnings):
    if stale:
        warnings = warnings + [
            f"workflow {request.name!r} is replaced: its definition digest is now {request.digest[:12]}..., "
            f"the previous workflow(s) {sorted(w['id'] for w in stale)} are deleted once the new one is ACTIVE"
        ]
    if check_mode:
        after = request.predicted()
        return Outcome(changed=True, resource=after, before=before, after=after, warnings=warnings)
    created = api.create_workflow(omics, **request.create_params())
    workflow_id = created["id"]
    if request.wait:
        try:
            waiters.workflow_active(omics, workflow_id, request.wait_timeout)
        except AnsibleGenomicsError:
            failed = api.get_workflow(omics, workflow_id) or {}
            if failed.get("status") != "FAILED":
                raise
            # A definition HealthOmics rejects: remove it so that it never shadows the previous one.
            api.delete_workflow(omics, workflow_id)
            raise AnsibleGenomicsError(
                message=f"HealthOmics rejected the definition of workflow {request.name!r}: "
                f"{failed.get('statusMessage') or 'status FAILED'}. The new workflow was deleted again"
                + (f"; the previous workflow {stale[0]['id']} is unchanged." if stale else ".")
            ) from None
    if stale:
        _delete(omics, stale, request.wait, request.wait_timeout)
    after = normalize_workflow(api.get_workflow(omics, workflow_id))
    return Outcome(changed=True, resource=after, before=before, after=after, warnings=warnings)


def ensure_workflow_absent(omics, request, check_mode):
    named = _workflows_named(omics, request.name)
    ours = [w for w in named if DIGEST_TAG in (w.get("tags") or {})]
    warnings = _foreign_warning(request.name, [w for w in named if w not in ours])
    if not ours:
        return Outcome(changed=False, warnings=warnings)
    before = normalize_workflow(ours[0])
    if not check_mode:
        _delete(omics, ours, request.wait, request.wait_timeout)
    return Outcome(changed=True, before=before, after={}, warnings=warnings, deleted=sorted(w["id"] for w in ours))


def resolve_workflow(omics, workflow_id=None, name=None):
    """The ACTIVE workflow to run: by id, or by name (this module's workflow of that name first)."""
    if workflow_id is not None:
        workflow = api.get_workflow(omics, workflow_id)
        if not workflow:
            raise AnsibleGenomicsError(
                message=f"workflow_id {workflow_id!r} does not exist (no private workflow with that id in this region)."
            )
    else:
        named = [w for w in _workflows_named(omics, name) if w.get("status") in _USABLE]
        ours = [w for w in named if DIGEST_TAG in (w.get("tags") or {})]
        candidates = ours or named
        if not candidates:
            raise AnsibleGenomicsError(
                message=f"workflow_name {name!r}: no ACTIVE private workflow has that name in this region."
            )
        if len(candidates) > 1:
            raise AnsibleGenomicsError(
                message=f"workflow_name {name!r} names {len(candidates)} workflows "
                f"{sorted(w['id'] for w in candidates)}; "
                "give workflow_id instead."
            )
        workflow = candidates[0]
    if workflow.get("status") != "ACTIVE":
        raise AnsibleGenomicsError(
            message=f"workflow {workflow['id']} ({workflow.get('name')!r}) is {workflow.get('status')}; a run needs an "
            "ACTIVE workflow" + (f": {workflow['statusMessage']}" if workflow.get("statusMessage") else ".")
        )
    return workflow


def describe_workflows(omics, workflow_id=None, name=None, status=None):
    """Private workflows in full (one GetWorkflow each): by id, or every one of the region (with exactly `name`, with
    `status`); newest first. Each carries definition_digest when this collection created it (None otherwise)."""
    if workflow_id is not None:
        if not NUMERIC_ID.fullmatch(workflow_id):
            raise AnsibleGenomicsError(
                message=f"workflow_id {workflow_id!r} is not a HealthOmics workflow id (digits only)."
            )
        workflow = api.get_workflow(omics, workflow_id)
        found = [workflow] if workflow and workflow.get("status") != "DELETED" else []
    elif name is not None:
        check_text("name", name, MAX_NAME_LENGTH)
        found = _workflows_named(omics, name)
    else:
        found = []
        for item in api.list_workflows(omics):
            if item.get("status") == "DELETED":
                continue
            workflow = api.get_workflow(omics, item["id"])
            if workflow and workflow.get("status") != "DELETED":
                found.append(workflow)
        found.sort(key=lambda w: str(w.get("creationTime") or ""), reverse=True)
    return [normalize_workflow(w) for w in found if status is None or w.get("status") == status]
