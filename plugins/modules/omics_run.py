#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: omics_run
version_added: 0.1.0
short_description: Start an AWS HealthOmics workflow run once, and wait for its outcome
description:
  - Starts a run of a private HealthOmics workflow (C(StartRun)) in C(RESTRICTED) networking mode, or in C(VPC) mode
    through a configuration made by M(genomics.aws.omics_vpc_configuration); by default waits until the run finishes,
    and fails with the run's C(failureReason) when it fails.
  - "A run is started once per set of inputs. The C(StartRun) request id is derived from the inputs: the workflow id
    (given, or resolved from O(workflow_name)), O(role_arn), O(output_uri), O(parameters), O(networking_mode),
    O(configuration_name), O(cache_id), O(cache_behavior) and O(name). Running the task again (a retry, a re-run of
    the play, a resume after a timeout) finds that run, by the request id that HealthOmics honours and by the tag
    C(genomics.aws:request-id) on it, instead of starting another one. Changing any input starts a new run; changing
    O(tags) only retags the run."
  - To start the same run again on purpose (for example after it failed), set O(request_id) to a new value.
  - "A run without O(name) is named C(<workflow name>-<12 hex digits of the request id>), so that it can be found by
    name."
  - "Before a run is started the module checks what would make StartRun fail or the run misbehave: the workflow exists
    and is C(ACTIVE), and O(parameters) fit its parameter template (none unknown, none required missing); in C(VPC)
    mode the configuration exists and is C(ACTIVE); O(output_uri) is an C(s3://) URI of an existing bucket in the run's
    region."
  - The result's RV(run.run_output_uri) is where the run writes its outputs.
author:
  - genomics.aws maintainers (@genomics-aws)
options:
  workflow_id:
    description:
      - Id of the private workflow to run (RV(genomics.aws.omics_workflow#module:workflow.id)).
      - Exactly one of O(workflow_id) and O(workflow_name) is required.
    type: str
  workflow_name:
    description:
      - Name of the private workflow to run. The workflow M(genomics.aws.omics_workflow) manages under this name is
        used; otherwise the name must match exactly one C(ACTIVE) workflow.
    type: str
  role_arn:
    description:
      - The run's service role, trusted by C(omics.amazonaws.com), allowed to read the inputs, write to O(output_uri)
        and write logs. The caller needs C(iam:PassRole) on it.
    type: str
    required: true
  output_uri:
    description:
      - Where the run writes its outputs, C(s3://bucket/prefix) in a bucket of the run's region. HealthOmics writes
        under C(<output_uri>/<run id>/), returned as RV(run.run_output_uri).
    type: str
    required: true
  parameters:
    description:
      - The run's parameters, as the workflow's parameter template declares them.
    type: dict
  networking_mode:
    description:
      - V(RESTRICTED) (the default) lets the run reach only S3 and ECR of its region. V(VPC) routes its traffic
        through the subnets and security groups of O(configuration_name).
    type: str
    choices: [RESTRICTED, VPC]
    default: RESTRICTED
  configuration_name:
    description:
      - The HealthOmics configuration a V(VPC) run connects to. Required with O(networking_mode=VPC), refused without.
    type: str
  cache_id:
    description:
      - Id of a run cache for call caching. Omit it to run without a cache, as runs that read non-deterministic
        sources (public databases, live services) should; a workflow can also opt single tasks out (WDL C(volatile),
        Nextflow C(cache false), CWL C(WorkReuse)).
    type: str
  cache_behavior:
    description:
      - What the run caches, with O(cache_id).
    type: str
    choices: [CACHE_ON_FAILURE, CACHE_ALWAYS]
  name:
    description:
      - Name of the run. Default C(<workflow name>-<12 hex digits of the request id>).
      - The run is looked up among the runs of this name, reading each; a name shared by very many runs makes each
        task slower.
    type: str
  request_id:
    description:
      - The C(StartRun) idempotency token. By default derived from the inputs (see the description); set a new value
        to start another run with the same inputs.
    type: str
  wait:
    description:
      - Wait until the run is C(COMPLETED), C(FAILED) or C(CANCELLED), and fail unless it completed. Without it the
        module returns once the run is started (a run already known to have failed still fails the task).
  wait_timeout:
    description:
      - Seconds to wait. On timeout the module fails; running the task again waits for the same run, it does not start
        another one. For runs of hours, raise it and run the task with C(async), or use O(wait=false) and
        M(genomics.aws.omics_run_info).
    default: 3600
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
    details: Check mode resolves the workflow, checks the configuration and bucket, and reports whether a run would
      start; it starts nothing.
  diff_mode:
    support: full
notes:
  - Needs C(omics:StartRun), C(omics:GetRun), C(omics:ListRuns), C(omics:GetWorkflow), C(omics:ListWorkflows),
    C(omics:GetConfiguration), C(omics:TagResource), C(omics:UntagResource), C(s3:GetBucketLocation) on the output
    bucket (without it the region check is skipped with a warning) and C(iam:PassRole) on O(role_arn).
  - Tag keys beginning with C(genomics.aws:) are reserved for this collection; the run carries
    C(genomics.aws:request-id).
"""

EXAMPLES = r"""
- name: Run a workflow in its VPC and wait for it
  genomics.aws.omics_run:
    workflow_name: connectivity-test
    role_arn: arn:aws:iam::123456789012:role/omics-run
    output_uri: s3://my-results/connectivity/
    networking_mode: VPC
    configuration_name: genomics-vpc
    parameters:
      targets: '[{"host": "ftp.ncbi.nlm.nih.gov", "port": 21}]'
    wait_timeout: 7200
  register: connectivity

- name: Read where the outputs are
  ansible.builtin.debug:
    msg: "{{ connectivity.run.run_output_uri }}"

- name: Start a long run without waiting
  genomics.aws.omics_run:
    workflow_id: "1234567"
    role_arn: arn:aws:iam::123456789012:role/omics-run
    output_uri: s3://my-results/wgs/
    name: sample-42
    parameters:
      sample: s3://my-inputs/sample-42.cram
    cache_id: "7654321"
    cache_behavior: CACHE_ON_FAILURE
    wait: false

- name: Start the same run again after it failed
  genomics.aws.omics_run:
    workflow_id: "1234567"
    role_arn: arn:aws:iam::123456789012:role/omics-run
    output_uri: s3://my-results/wgs/
    name: sample-42
    parameters:
      sample: s3://my-inputs/sample-42.cram
    request_id: sample-42-attempt-2
"""

RETURN = r"""
run:
  description: The run as HealthOmics describes it (C(GetRun)). In check mode, when a run would start, ids are null.
  returned: always
  type: dict
  contains:
    id:
      description: The run id.
      type: str
      sample: "7654321"
    arn:
      description: The ARN.
      type: str
    name:
      description: The run name.
      type: str
    status:
      description: C(PENDING), C(STARTING), C(RUNNING), C(STOPPING), C(COMPLETED), C(FAILED), C(CANCELLED) or
        C(DELETED).
      type: str
      sample: COMPLETED
    run_output_uri:
      description: Where the run writes its outputs.
      type: str
      sample: s3://my-results/connectivity/7654321
    output_uri:
      description: The output URI given.
      type: str
    workflow_id:
      description: The workflow run.
      type: str
    networking_mode:
      description: C(RESTRICTED) or C(VPC).
      type: str
    configuration:
      description: The configuration of a VPC run (C(name), C(arn), C(uuid)).
      type: dict
    vpc_config:
      description: The network of a VPC run (C(subnet_ids), C(security_group_ids), C(vpc_id)).
      type: dict
    parameters:
      description: The parameters.
      type: dict
    failure_reason:
      description: Why the run failed.
      type: str
    status_message:
      description: More about the status.
      type: str
    log_location:
      description: The CloudWatch Logs streams of the run (group C(/aws/omics/WorkflowLog)).
      type: dict
    request_id:
      description: The C(StartRun) request id (tag C(genomics.aws:request-id)).
      type: str
    tags:
      description: The tags.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.genomics.aws.plugins.module_utils.modules import AnsibleGenomicsModule
from ansible_collections.genomics.aws.plugins.module_utils.omics import DEFAULT_RUN_WAIT_TIMEOUT
from ansible_collections.genomics.aws.plugins.module_utils.omics import RunRequest
from ansible_collections.genomics.aws.plugins.module_utils.omics import ensure_run
from ansible_collections.genomics.aws.plugins.module_utils.omics import run_failure


def run(module):
    request = RunRequest.from_params(module.params)
    outcome = ensure_run(module.clients, module.region, request, check_mode=module.check_mode)
    module.exit_outcome(outcome, "run", failure=run_failure(outcome.resource))


def main():
    argument_spec = dict(
        workflow_id=dict(type="str"),
        workflow_name=dict(type="str"),
        role_arn=dict(type="str", required=True),
        output_uri=dict(type="str", required=True),
        parameters=dict(type="dict"),
        networking_mode=dict(type="str", default="RESTRICTED", choices=["RESTRICTED", "VPC"]),
        configuration_name=dict(type="str"),
        cache_id=dict(type="str"),
        cache_behavior=dict(type="str", choices=["CACHE_ON_FAILURE", "CACHE_ALWAYS"]),
        name=dict(type="str"),
        request_id=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=DEFAULT_RUN_WAIT_TIMEOUT),
    )
    module = AnsibleGenomicsModule(
        iam_policy="omics-connectivity-test.json",
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("workflow_id", "workflow_name")],
        required_one_of=[("workflow_id", "workflow_name")],
        required_by={"cache_behavior": "cache_id"},
        required_if=[("networking_mode", "VPC", ["configuration_name"])],
    )
    try:
        run(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)


if __name__ == "__main__":
    main()
