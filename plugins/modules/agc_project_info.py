#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: agc_project_info
version_added: 0.1.0
short_description: Read an Amazon Genomics CLI project and plan its move to AWS HealthOmics
description:
  - Reads an AGC project (C(agc-project.yaml), schemaVersion 1 - C(name), C(workflows), C(data), C(contexts)),
    checks it against the AGC CLI's project schema and fails naming the key path and the bad value.
  - "Maps each workflow to a HealthOmics private workflow: its name (C(<project>-<workflow>)), engine, definition
    directory, main file (from the workflow directory's C(MANIFEST.json) C(mainWorkflowURL) as the AGC CLI reads it,
    else the single C(.wdl), C(.nf) or C(.cwl) file of its top level), parameter template (a C(parameter-template.json)
    in the workflow directory, else HealthOmics derives it) and definition digest, packaged exactly as
    M(genomics.aws.omics_workflow) packages it."
  - "A C(sourceURL) on S3 (C(s3://bucket/key)) is downloaded to the controller under
    O(download_dir)C(/<project>/<workflow>/) and then mapped exactly as a local one: one object (a main file, or a
    C(.zip) that is unpacked - a zip whose files all sit in one top-level directory is that directory), else every
    object under C(key/) as a directory. The same objects always give the same definition digest. An object or prefix
    that does not exist, or that the caller may not read, fails naming C(workflows.<name>.sourceURL) (and, on access
    denied, the missing C(s3:GetObject) or C(s3:ListBucket)). A local C(.zip) C(sourceURL) is unpacked the same
    way, under O(download_dir)."
  - "Workflows HealthOmics cannot run are listed as not migratable, with the reason - languages other than WDL,
    Nextflow and CWL (Snakemake), WDL versions other than 1.0, 1.1 and development (draft-2), CWL versions other than
    v1.0 to v1.2."
  - "WDL workflows that one of the project's contexts ran with Cromwell get the C(WDL_LENIENT) engine (Cromwell's
    implicit type conversions); others get C(WDL)."
  - "Renders the HealthOmics service role's policy from the project's C(data) section: read on every location, write
    where C(readOnly: false), read and write on C(s3://<bucket>/healthomics/<project>/) for the runs' output, the
    HealthOmics workflow log group and pulling images from this account's ECR repositories. Nothing broader."
  - Read-only in AWS - C(sts:GetCallerIdentity), for the account and partition of the policy's ARNs, and for S3
    C(sourceURL)s C(s3:GetObject) and C(s3:ListBucket). On the controller it writes only the S3 downloads and
    unpacked zips under O(download_dir), in check mode too (the plan needs them).
author:
  - genomics.aws maintainers (@genomics-aws)
options:
  project_path:
    description:
      - The project's C(agc-project.yaml), or the directory holding it, on the controller. Relative C(sourceURL)s
        start at its directory.
    type: path
    required: true
  bucket:
    description:
      - The AGC bucket of the activation (C(name) or C(s3://name)); the runs write under
        C(s3://<bucket>/healthomics/<project>/).
    type: str
    required: true
  workflow_tags:
    description:
      - Tags for the HealthOmics workflows, beside C(agc-project) and C(agc-workflow) which the plan adds.
    type: dict
    default: {}
  download_dir:
    description:
      - Where the workflows whose C(sourceURL) is on S3 are downloaded (and local C(.zip) ones unpacked), on the
        controller, as
        C(<download_dir>/<project>/<workflow>/) (emptied before each download). The plan's C(definition_path) points
        there, so M(genomics.aws.omics_workflow) packages the downloaded files.
    type: path
    default: ~/.genomics-aws/agc-sources
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - genomics.aws.attributes
attributes:
  check_mode:
    support: full
    details: The module never changes anything.
  diff_mode:
    support: none
notes:
  - Needs C(sts:GetCallerIdentity); with S3 C(sourceURL)s also C(s3:GetObject) on them and C(s3:ListBucket) on their
    buckets.
"""

EXAMPLES = r"""
- name: Plan the move of an AGC project
  genomics.aws.agc_project_info:
    project_path: "{{ playbook_dir }}/my-project"
    bucket: agc-123456789012-us-east-1
  register: plan

- name: Register each migratable workflow
  genomics.aws.omics_workflow:
    name: "{{ item.healthomics.name }}"
    definition_path: "{{ item.healthomics.definition_path }}"
    main: "{{ item.healthomics.main | default(omit, true) }}"
    engine: "{{ item.healthomics.engine }}"
    parameter_template: "{{ item.healthomics.parameter_template | default(omit, true) }}"
    tags: "{{ item.healthomics.tags }}"
  loop: "{{ plan.workflows | selectattr('migratable') | list }}"
"""

RETURN = r"""
project:
  description: The project as read - name, schema version, directory, data locations and contexts.
  returned: always
  type: dict
  contains:
    name:
      description: The project's name.
      type: str
      sample: Demo
    data:
      description: The data locations, each with C(location), C(bucket), C(prefix) and C(read_only).
      type: list
      elements: dict
    contexts:
      description: The contexts, each with C(name), C(engine_type), C(engine) and C(settings).
      type: list
      elements: dict
workflows:
  description: One entry per AGC workflow, in the project's order.
  returned: always
  type: list
  elements: dict
  contains:
    agc_name:
      description: The workflow's name in the project.
      type: str
    migratable:
      description: Whether HealthOmics can run it.
      type: bool
    reason:
      description: Why it cannot move, when it cannot.
      type: str
    notes:
      description: What to know about the move.
      type: list
      elements: str
    healthomics:
      description:
        - The HealthOmics workflow to create - C(name), C(engine), C(definition_path), C(main), C(parameter_template),
          C(inputs_file) (the first of the manifest's C(inputFileURLs)), C(files), C(definition_digest) and C(tags).
          Null when not migratable.
      type: dict
not_migratable:
  description: The workflows that cannot move, each with C(agc_name) and C(reason).
  returned: always
  type: list
  elements: dict
output_uri:
  description: Where the runs write.
  returned: always
  type: str
  sample: s3://agc-123456789012-us-east-1/healthomics/Demo/
destinations:
  description:
    - The S3 destinations of the runs (the AGC bucket and each data bucket), as the
      C(genomics.aws.omics_vpc_networking) role takes them.
  returned: always
  type: list
  elements: dict
service_role:
  description: The run service role - C(policy) and C(trust_policy) documents and C(permissions), one line per grant.
  returned: always
  type: dict
account_id:
  description: The caller's account.
  returned: always
  type: str
partition:
  description: The caller's partition.
  returned: always
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.genomics.aws.plugins.module_utils.migration import describe_project
from ansible_collections.genomics.aws.plugins.module_utils.modules import AnsibleGenomicsModule


def run(module):
    plan = describe_project(
        module.clients.sts,
        module.require_region(),
        module.params["project_path"],
        module.params["bucket"],
        module.params["workflow_tags"],
        s3=lambda: module.clients.s3,
        download_dir=module.params["download_dir"],
    )
    module.exit_json(changed=False, **plan)


def main():
    argument_spec = dict(
        project_path=dict(type="path", required=True),
        bucket=dict(type="str", required=True),
        workflow_tags=dict(type="dict", default={}),
        download_dir=dict(type="path", default="~/.genomics-aws/agc-sources"),
    )
    module = AnsibleGenomicsModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        run(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)


if __name__ == "__main__":
    main()
