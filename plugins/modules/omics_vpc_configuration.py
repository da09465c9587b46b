#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: omics_vpc_configuration
version_added: 0.1.0
short_description: Manage an AWS HealthOmics configuration, the VPC that VPC-connected workflow runs use
description:
  - Creates or deletes a HealthOmics configuration (C(CreateConfiguration)), the subnets and security groups in which
    HealthOmics places the network interfaces of runs started with C(networking_mode=VPC) (see
    M(genomics.aws.omics_run)). Waits until it is C(ACTIVE), or gone.
  - HealthOmics cannot update a configuration. When the existing one has other O(subnets), O(security_groups),
    O(vpc_owner_account_id) or O(description), the module fails showing the difference and changes nothing, unless
    O(allow_replacement=true), in which case it deletes the configuration, waits until it is gone and creates it
    again. Tags are changed in place.
  - "Before it creates a configuration the module checks the network and refuses, naming each cause, what cannot
    work: subnets or security groups that do not exist, subnets of more than one VPC, security groups of another VPC,
    public subnets (a run in a public subnet gets no public IP and so no internet access), subnets without a default
    route (V(0.0.0.0/0)) to a NAT gateway, and NAT gateways that are missing, not available, private, or that sit in
    a private subnet (one without a route to an internet gateway). A default route to something else than a NAT
    gateway (a transit gateway for centralised egress, for instance) is a warning, since the module cannot follow it."
  - Warnings, not errors - subnets covering fewer than 2 Availability Zones; subnets in an AZ ID that is not known to
    support HealthOmics VPC runs (a best-effort table of the AZ IDs the HealthOmics documentation listed in March 2026
    for us-east-1, us-west-2, eu-west-1, eu-west-2, eu-central-1 and ap-southeast-1; other regions are not checked);
    security groups that allow no outbound traffic.
  - The result's RV(network) summarises the network that was checked, including each security group's outbound rules.
author:
  - genomics.aws maintainers (@genomics-aws)
options:
  name:
    description:
      - Name of the configuration, unique in the region. 1 to 128 letters, digits, C(-), C(.) or C(_), starting with a
        letter or digit.
    type: str
    required: true
  state:
    description:
      - V(present) creates the configuration (or checks it); V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  subnets:
    description:
      - IDs of 1 to 16 private subnets of one VPC, each with a default route to a NAT gateway in a public subnet.
      - Use subnets in at least 2 Availability Zones.
      - Required with O(state=present).
    type: list
    elements: str
  security_groups:
    description:
      - IDs of 1 to 5 security groups of the same VPC. Their outbound rules decide what runs can reach.
      - Required with O(state=present).
    type: list
    elements: str
  vpc_owner_account_id:
    description:
      - The account that owns the VPC, when the subnets are shared with this account through AWS RAM.
    type: str
  description:
    description:
      - Description of the configuration. HealthOmics cannot change it in place, so changing it needs
        O(allow_replacement=true). When omitted, the description of an existing configuration is not compared.
    type: str
  allow_replacement:
    description:
      - When the existing configuration differs from the request in anything but tags, delete it, wait until it is
        gone (always, whatever O(wait) says, since the name must be free) and create it again.
      - HealthOmics refuses to delete a configuration that active runs use; the module then fails and the
        configuration is unchanged.
      - Without it such a difference fails the task, showing the difference, and nothing changes.
    type: bool
    default: false
  wait:
    description:
      - Wait until the configuration is C(ACTIVE) (or, with O(state=absent), gone).
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
    details: Check mode runs the network checks (read only) and reports the configuration that would be created.
  diff_mode:
    support: full
notes:
  - HealthOmics creates the service-linked role C(AWSServiceRoleForHealthOmics) with the first configuration of an
    account, so the caller then needs C(iam:CreateServiceLinkedRole) besides C(omics:CreateConfiguration),
    C(omics:GetConfiguration), C(omics:DeleteConfiguration), C(omics:TagResource) and C(omics:UntagResource).
  - The network checks need C(ec2:DescribeSubnets), C(ec2:DescribeSecurityGroups), C(ec2:DescribeRouteTables) and
    C(ec2:DescribeNatGateways).
  - Tag keys beginning with C(genomics.aws:) are reserved for this collection, like C(aws:) for AWS.
  - With O(endpoint_url) set (a local emulator, a proxy), the module turns off botocore's endpoint host prefix
    (C(workflows-), C(tags-)) for omics calls; nothing needs to be set in the environment.
"""

EXAMPLES = r"""
- name: Create a configuration over two private subnets
  genomics.aws.omics_vpc_configuration:
    name: genomics-vpc
    description: Private subnets behind NAT gateways
    subnets:
      - subnet-0aaaaaaaaaaaaaaaa
      - subnet-0bbbbbbbbbbbbbbbb
    security_groups:
      - sg-0cccccccccccccccc
    tags:
      cost-center: genomics
  register: vpc_configuration

- name: Show what runs in this configuration may reach
  ansible.builtin.debug:
    msg: "{{ vpc_configuration.network.security_groups | map(attribute='egress') | list }}"

- name: Move the configuration to other subnets (deletes and re-creates it)
  genomics.aws.omics_vpc_configuration:
    name: genomics-vpc
    subnets:
      - subnet-0ddddddddddddddddd
      - subnet-0eeeeeeeeeeeeeeee
    security_groups:
      - sg-0cccccccccccccccc
    allow_replacement: true

- name: Delete the configuration
  genomics.aws.omics_vpc_configuration:
    name: genomics-vpc
    state: absent
"""

RETURN = r"""
vpc_configuration:
  description: The configuration as HealthOmics describes it; empty after deletion. In check mode, ids not known yet
    are null.
  returned: always
  type: dict
  contains:
    name:
      description: The name.
      type: str
      sample: genomics-vpc
    arn:
      description: The ARN.
      type: str
      sample: arn:aws:omics:us-east-1:123456789012:configuration/genomics-vpc
    uuid:
      description: The unique id HealthOmics gave it; a replaced configuration has a new one.
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
      description: The run settings; C(vpc_config) holds C(subnet_ids), C(security_group_ids), C(vpc_id) and
        C(vpc_owner_account_id).
      type: dict
      sample: {"vpc_config": {"subnet_ids": ["subnet-0aaaaaaaaaaaaaaaa"],
                              "security_group_ids": ["sg-0cccccccccccccccc"], "vpc_id": "vpc-0123456789abcdef0"}}
    tags:
      description: The tags.
      type: dict
      sample: {"cost-center": "genomics"}
network:
  description: What the network checks found, when the configuration was (or in check mode would be) created.
  returned: when the configuration is created or replaced
  type: dict
  contains:
    vpc_id:
      description: The VPC of the subnets.
      type: str
    availability_zones:
      description: The AZs the subnets cover.
      type: list
      elements: str
    subnets:
      description: Per subnet its C(availability_zone), C(availability_zone_id), C(cidr_block), C(route_table_id) and
        the C(nat_gateway_id) its default route leads to.
      type: list
      elements: dict
    security_groups:
      description: Per security group its C(group_id), C(group_name), C(vpc_id) and C(egress), the outbound rules in
        words.
      type: list
      elements: dict
      sample: [{"group_id": "sg-0cccccccccccccccc", "group_name": "omics-runs", "vpc_id": "vpc-0123456789abcdef0",
                "egress": ["tcp 443 to 0.0.0.0/0", "tcp 21 to 203.0.113.7/32"]}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.genomics.aws.plugins.module_utils.modules import AnsibleGenomicsModule
from ansible_collections.genomics.aws.plugins.module_utils.omics import DEFAULT_WAIT_TIMEOUT
from ansible_collections.genomics.aws.plugins.module_utils.omics import ConfigurationRequest
from ansible_collections.genomics.aws.plugins.module_utils.omics import ensure_configuration_absent
from ansible_collections.genomics.aws.plugins.module_utils.omics import ensure_configuration_present


def run(module):
    request = ConfigurationRequest.from_params(module.params)
    ensure = ensure_configuration_absent if request.state == "absent" else ensure_configuration_present
    outcome = ensure(module.clients, module.region, request, check_mode=module.check_mode)
    module.exit_outcome(outcome, "vpc_configuration")


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        subnets=dict(type="list", elements="str"),
        security_groups=dict(type="list", elements="str"),
        vpc_owner_account_id=dict(type="str"),
        description=dict(type="str"),
        allow_replacement=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=DEFAULT_WAIT_TIMEOUT),
    )
    module = AnsibleGenomicsModule(
        iam_policy="omics-vpc-networking.json",
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["subnets", "security_groups"])],
    )
    try:
        run(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)


if __name__ == "__main__":
    main()
