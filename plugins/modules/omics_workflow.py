#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: omics_workflow
version_added: 0.1.0
short_description: Manage a private AWS HealthOmics workflow built from a local definition
description:
  - Creates a private HealthOmics workflow from a definition on the controller (a directory, or a single file), zipped
    in memory, and waits until it is C(ACTIVE). With O(state=absent) deletes it.
  - "The zip is deterministic: files in sorted order with POSIX paths, a fixed timestamp and fixed permissions, so
    the same files always give the same bytes. Directories named C(.git), C(.hg), C(.svn), C(__pycache__) and
    C(.ipynb_checkpoints), and C(.DS_Store) files, are left out."
  - "Idempotent by name and definition digest: the SHA-256 of the files (path and content of each) together with
    O(main), O(engine) and O(parameter_template), recorded on the workflow in the tag C(genomics.aws:definition-digest)
    and returned as RV(workflow.definition_digest). Running again with the same definition changes nothing."
  - "A changed definition replaces the workflow: a new workflow (with a new id) is created and, once it is C(ACTIVE),
    the previous one is deleted, so a usable workflow exists at every moment. Runs started earlier keep their
    workflow id. HealthOmics workflow versions are not used. If HealthOmics rejects the new definition (status
    C(FAILED)) the new workflow is deleted again, the previous one is kept and the module fails with HealthOmics'
    reason."
  - O(description), O(storage_type) and O(storage_capacity) are changed in place (C(UpdateWorkflow)); tags too.
  - Only workflows that carry the digest tag are managed. Other workflows with the same name (created by hand or by
    another tool) are never changed or deleted; the module warns about them.
author:
  - genomics.aws maintainers (@genomics-aws)
options:
  name:
    description:
      - Name of the workflow. HealthOmics does not require names to be unique; this module keeps one workflow per
        name.
    type: str
    required: true
  state:
    description:
      - V(present) creates (or replaces, or updates) the workflow; V(absent) deletes the workflows of this name that
        this module created.
    type: str
    choices: [present, absent]
    default: present
  definition_path:
    description:
      - Path on the controller of the workflow definition, a directory (every file under it is packaged, paths
        relative to it) or a single file. Required with O(state=present).
      - The zip must stay under 4 MiB.
    type: path
    aliases: [path]
  main:
    description:
      - Path, inside the definition, of the main workflow file (for example V(main.wdl) or V(workflows/align.nf)).
      - When omitted HealthOmics picks it (a single workflow file, or the one named C(main)). A single-file definition
        does not need it.
    type: str
  engine:
    description:
      - Workflow engine. When omitted HealthOmics detects it from the main file's extension.
    type: str
    choices: [WDL, NEXTFLOW, CWL, WDL_LENIENT]
  parameter_template:
    description:
      - The workflow's parameters, a mapping of parameter name to C(description) (string) and C(optional) (boolean).
      - Part of the definition digest, so changing it replaces the workflow.
    type: dict
  storage_type:
    description:
      - Default run storage, V(DYNAMIC) (grows as needed) or V(STATIC) (O(storage_capacity) GiB, reserved). Changed in
        place.
    type: str
    choices: [STATIC, DYNAMIC]
  storage_capacity:
    description:
      - Default static run storage in GiB (0 to 100000), for O(storage_type=STATIC). Changed in place.
    type: int
  description:
    description:
      - Description of the workflow. Changed in place.
    type: str
  wait:
    description:
      - Wait until a new workflow is C(ACTIVE) (or deleted ones are gone). Without it, a replaced workflow is deleted
        right after its successor is created, without waiting to see that the successor becomes C(ACTIVE).
extends_documentation_fragment:
  - genomics.aws.omics.wait
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
  - genomics.aws.attributes
attributes:
  check_mode:
    support: full
    details: The definition is packaged and its digest compared; nothing is created, updated or deleted.
  diff_mode:
    support: full
notes:
  - Needs C(omics:CreateWorkflow), C(omics:GetWorkflow), C(omics:ListWorkflows), C(omics:UpdateWorkflow),
    C(omics:DeleteWorkflow), C(omics:TagResource) and C(omics:UntagResource).
  - Tag keys beginning with C(genomics.aws:) are reserved for this collection, like C(aws:) for AWS; O(purge_tags)
    never removes them.
  - The module runs on the controller, which reads O(definition_path).
"""

EXAMPLES = r"""
- name: Create a WDL workflow from a directory
  genomics.aws.omics_workflow:
    name: connectivity-test
    definition_path: "{{ playbook_dir }}/files/connectivity-test"
    main: main.wdl
    engine: WDL
    parameter_template:
      targets:
        description: JSON list of destinations to check
      timeout_seconds:
        description: Seconds per check
        optional: true
    storage_type: DYNAMIC
    tags:
      project: vpc-runs
  register: workflow

- name: Start a run of it
  genomics.aws.omics_run:
    workflow_id: "{{ workflow.workflow.id }}"
    role_arn: arn:aws:iam::123456789012:role/omics-run
    output_uri: s3://my-results/connectivity/

- name: Delete the workflow
  genomics.aws.omics_workflow:
    name: connectivity-test
    state: absent
"""

RETURN = r"""
workflow:
  description: The workflow as HealthOmics describes it (C(GetWorkflow)); empty after deletion. In check mode, ids not
    known yet are null.
  returned: always
  type: dict
  contains:
    id:
      description: The workflow id, to give to M(genomics.aws.omics_run). A replaced workflow has a new one.
      type: str
      sample: "1234567"
    arn:
      description: The ARN.
      type: str
    name:
      description: The name.
      type: str
    status:
      description: C(CREATING), C(ACTIVE), C(UPDATING), C(FAILED)...
      type: str
      sample: ACTIVE
    type:
      description: Always C(PRIVATE).
      type: str
    engine:
      description: The workflow engine.
      type: str
      sample: WDL
    main:
      description: The main file.
      type: str
    digest:
      description: HealthOmics' own digest of the workflow.
      type: str
    definition_digest:
      description: This collection's digest of the definition (tag C(genomics.aws:definition-digest)).
      type: str
    parameter_template:
      description: The parameters.
      type: dict
    storage_type:
      description: Default run storage type.
      type: str
    storage_capacity:
      description: Default static run storage, GiB.
      type: int
    description:
      description: The description.
      type: str
    creation_time:
      description: When it was created.
      type: str
    status_message:
      description: Why it is not usable, when it is not.
      type: str
    tags:
      description: The tags, including C(genomics.aws:definition-digest).
      type: dict
deleted:
  description: With O(state=absent), ids of the workflows deleted (or, in check mode, to delete).
  returned: when state is absent and something was deleted
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.genomics.aws.plugins.module_utils.modules import AnsibleGenomicsModule
from ansible_collections.genomics.aws.plugins.module_utils.omics import DEFAULT_WAIT_TIMEOUT
from ansible_collections.genomics.aws.plugins.module_utils.omics import WorkflowRequest
from ansible_collections.genomics.aws.plugins.module_utils.omics import ensure_workflow_absent
from ansible_collections.genomics.aws.plugins.module_utils.omics import ensure_workflow_present


def run(module):
    request = WorkflowRequest.from_params(module.params)
    ensure = ensure_workflow_absent if request.state == "absent" else ensure_workflow_present
    outcome = ensure(module.clients.omics, request, check_mode=module.check_mode)
    module.exit_outcome(outcome, "workflow")


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        definition_path=dict(type="path", aliases=["path"]),
        main=dict(type="str"),
        engine=dict(type="str", choices=["WDL", "NEXTFLOW", "CWL", "WDL_LENIENT"]),
        parameter_template=dict(type="dict"),
        storage_type=dict(type="str", choices=["STATIC", "DYNAMIC"]),
        storage_capacity=dict(type="int"),
        description=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=DEFAULT_WAIT_TIMEOUT),
    )
    module = AnsibleGenomicsModule(
        iam_policy="omics-connectivity-test.json",
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["definition_path"])],
    )
    try:
        run(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)


if __name__ == "__main__":
    main()
