#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: omics_workflow_info
version_added: 0.1.0
short_description: Describe private AWS HealthOmics workflows
description:
  - Describes one private workflow by id, or the private workflows of the region filtered by name and status, in full
    (one C(GetWorkflow) call per workflow), newest first, as M(genomics.aws.omics_workflow) returns one.
  - A workflow that M(genomics.aws.omics_workflow) created carries RV(workflows[].definition_digest); for others it is
    null.
author:
  - genomics.aws maintainers (@genomics-aws)
options:
  workflow_id:
    description:
      - Id of the workflow to describe. A workflow that does not exist (or was deleted) gives an empty list.
    type: str
    aliases: [id]
  name:
    description:
      - Only workflows with exactly this name.
    type: str
  status:
    description:
      - Only workflows with this status.
    type: str
    choices: [CREATING, ACTIVE, UPDATING, FAILED, INACTIVE]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - genomics.aws.attributes
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
    details: The module only reads.
"""

EXAMPLES = r"""
- name: Find the connectivity-test workflow
  genomics.aws.omics_workflow_info:
    name: connectivity-test
    status: ACTIVE
  register: found

- name: Start a run of it
  genomics.aws.omics_run:
    workflow_id: "{{ found.workflows[0].id }}"
    role_arn: arn:aws:iam::123456789012:role/omics-run
    output_uri: s3://my-results/connectivity/
  when: found.workflows | length > 0

- name: List every private workflow of the region
  genomics.aws.omics_workflow_info:
    region: eu-west-1
"""

RETURN = r"""
workflows:
  description: The workflows, newest first, as M(genomics.aws.omics_workflow) returns one.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The workflow id.
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
      description: This collection's digest of the definition (tag C(genomics.aws:definition-digest)); null for a
        workflow M(genomics.aws.omics_workflow) did not create.
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
      description: The tags.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.genomics.aws.plugins.module_utils.modules import AnsibleGenomicsModule
from ansible_collections.genomics.aws.plugins.module_utils.omics import describe_workflows


def run(module):
    workflows = describe_workflows(
        module.clients.omics,
        workflow_id=module.params["workflow_id"],
        name=module.params["name"],
        status=module.params["status"],
    )
    module.exit_json(changed=False, workflows=workflows)


def main():
    argument_spec = dict(
        workflow_id=dict(type="str", aliases=["id"]),
        name=dict(type="str"),
        status=dict(type="str", choices=["CREATING", "ACTIVE", "UPDATING", "FAILED", "INACTIVE"]),
    )
    module = AnsibleGenomicsModule(
        argument_spec=argument_spec, supports_check_mode=True, mutually_exclusive=[("workflow_id", "name")]
    )
    try:
        run(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)


if __name__ == "__main__":
    main()
