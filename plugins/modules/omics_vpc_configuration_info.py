#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: omics_vpc_configuration_info
version_added: 0.1.0
short_description: List AWS HealthOmics configurations (the VPCs of VPC-connected runs)
description:
  - Describes one HealthOmics configuration by name, or every configuration of the region, with its subnets,
    security groups, VPC and tags (one C(GetConfiguration) call per configuration).
author:
  - genomics.aws maintainers (@genomics-aws)
options:
  name:
    description:
      - Name of the configuration to describe. When omitted, every configuration of the region is described.
      - A name that does not exist gives an empty list, not an error.
    type: str
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
- name: Describe one configuration
  genomics.aws.omics_vpc_configuration_info:
    name: genomics-vpc
  register: found

- name: Fail unless it is ready
  ansible.builtin.assert:
    that: found.vpc_configurations | map(attribute='status') | list == ['ACTIVE']

- name: List every configuration of the region
  genomics.aws.omics_vpc_configuration_info:
    region: eu-west-1
"""

RETURN = r"""
vpc_configurations:
  description: The configurations, as M(genomics.aws.omics_vpc_configuration) returns one.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The name.
      type: str
      sample: genomics-vpc
    arn:
      description: The ARN.
      type: str
    uuid:
      description: The unique id.
      type: str
    status:
      description: C(CREATING), C(ACTIVE), C(DELETING), C(FAILED)...
      type: str
      sample: ACTIVE
    description:
      description: The description.
      type: str
    creation_time:
      description: When it was created.
      type: str
    run_configurations:
      description: C(vpc_config) with C(subnet_ids), C(security_group_ids), C(vpc_id) and C(vpc_owner_account_id).
      type: dict
    tags:
      description: The tags.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.genomics.aws.plugins.module_utils.modules import AnsibleGenomicsModule
from ansible_collections.genomics.aws.plugins.module_utils.omics import describe_configurations


def run(module):
    configurations = describe_configurations(module.clients, name=module.params["name"])
    module.exit_json(changed=False, vpc_configurations=configurations)


def main():
    argument_spec = dict(name=dict(type="str"))
    module = AnsibleGenomicsModule(iam_policy="read-only.json", argument_spec=argument_spec, supports_check_mode=True)
    try:
        run(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)


if __name__ == "__main__":
    main()
