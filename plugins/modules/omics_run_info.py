#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: omics_run_info
version_added: 0.1.0
short_description: Describe AWS HealthOmics workflow runs
description:
  - Describes one run by id, or the runs of the region filtered by name and status, in full (one C(GetRun) call per
    run), including its status, failure reason, network and where its outputs are.
author:
  - genomics.aws maintainers (@genomics-aws)
options:
  run_id:
    description:
      - Id of the run to describe. A run that does not exist gives an empty list.
    type: str
  name:
    description:
      - Only runs with this name.
    type: str
  status:
    description:
      - Only runs with this status.
    type: str
    choices: [PENDING, STARTING, RUNNING, STOPPING, COMPLETED, DELETED, CANCELLED, FAILED]
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
- name: Poll a run started with wait=false
  genomics.aws.omics_run_info:
    run_id: "{{ started.run.id }}"
  register: polled
  until: polled.runs[0].status in ['COMPLETED', 'FAILED', 'CANCELLED']
  retries: 120
  delay: 60

- name: List the runs that failed
  genomics.aws.omics_run_info:
    status: FAILED
"""

RETURN = r"""
runs:
  description: The runs, as M(genomics.aws.omics_run) returns one.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The run id.
      type: str
    name:
      description: The run name.
      type: str
    status:
      description: The run status.
      type: str
      sample: COMPLETED
    run_output_uri:
      description: Where the run writes its outputs.
      type: str
    failure_reason:
      description: Why the run failed.
      type: str
    networking_mode:
      description: C(RESTRICTED) or C(VPC).
      type: str
    request_id:
      description: The request id recorded by M(genomics.aws.omics_run), if it started the run.
      type: str
    tags:
      description: The tags.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.genomics.aws.plugins.module_utils.modules import AnsibleGenomicsModule
from ansible_collections.genomics.aws.plugins.module_utils.omics import describe_runs


def run(module):
    runs = describe_runs(
        module.clients.omics, run_id=module.params["run_id"], name=module.params["name"], status=module.params["status"]
    )
    module.exit_json(changed=False, runs=runs)


def main():
    argument_spec = dict(
        run_id=dict(type="str"),
        name=dict(type="str"),
        status=dict(
            type="str",
            choices=["PENDING", "STARTING", "RUNNING", "STOPPING", "COMPLETED", "DELETED", "CANCELLED", "FAILED"],
        ),
    )
    module = AnsibleGenomicsModule(
        iam_policy="read-only.json",
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("run_id", "name"), ("run_id", "status")],
    )
    try:
        run(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)


if __name__ == "__main__":
    main()
