#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: agc_account_info
version_added: 0.1.0
short_description: Describe a region's AGC activation, its drift and its monthly cost
description:
  - Reads the activation recorded in the state store (SSM parameters under C(/agc/_common/)) and what exists, and
    reports drift - resources missing or changed outside Ansible (NAT gateways, endpoints, subnets, routes, the
    internet gateway, parameters, the bucket).
  - A region activated by the AGC CLI itself (only the CLI's names C(bucket), C(vpc) and C(InfraSubnets) under
    C(/agc/_common/), no record of this collection) is described read-only from those names and its VPC as it is,
    with RV(activation_source=agc-cli).
  - Estimates the core's fixed monthly cost (NAT gateways, interface endpoints per AZ, public IPv4 addresses) from a
    list-price table, and what a public-only core would save (AGC issue #269). It is an estimate, not a bill.
  - Read-only; never changes anything.
author:
  - genomics.aws maintainers (@genomics-aws)
options:
  prices:
    description:
      - Prices that replace the defaults, which are US East (N. Virginia) on-demand list prices in USD per hour -
        C(nat_gateway_hour=0.045), C(interface_endpoint_az_hour=0.01), C(public_ipv4_address_hour=0.005), with
        C(hours_per_month=730) and C(currency=USD). Give your region's or contract's prices.
    type: dict
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
"""

EXAMPLES = r"""
- name: Describe the activation
  genomics.aws.agc_account_info:
  register: agc

- name: Fail when the core drifted
  ansible.builtin.assert:
    that: agc.in_sync
    fail_msg: "{{ agc.drift }}"

- name: Estimate in another region's prices
  genomics.aws.agc_account_info:
    region: eu-west-1
    prices:
      nat_gateway_hour: 0.048
      interface_endpoint_az_hour: 0.011
"""

RETURN = r"""
activated:
  description:
    - Whether the region is activated - by this collection (its record under C(/agc/_common/)) or by the AGC CLI (only
      the CLI's names C(bucket), C(vpc) and C(InfraSubnets) there).
  returned: always
  type: bool
activation_source:
  description:
    - V(genomics.aws) for an activation of this collection, V(agc-cli) for one the AGC CLI made (described read-only
      from its names and the VPC as it is; its VPC is reported as not managed), null when not activated.
  returned: always
  type: str
  sample: genomics.aws
in_sync:
  description: Whether what exists matches the record (no drift).
  returned: always
  type: bool
drift:
  description: Differences between the record and what exists, one sentence each.
  returned: always
  type: list
  elements: str
  sample: ["NAT gateway in us-east-1b is missing"]
core_infrastructure:
  description: The active core, as M(genomics.aws.agc_account) returns it. Empty when not activated.
  returned: always
  type: dict
cost_estimate:
  description: Fixed monthly charges of the core, estimated from list prices.
  returned: always
  type: dict
  contains:
    estimate:
      description: Always true - this is an estimate.
      type: bool
    items:
      description: Quantity, hourly unit price and monthly amount per billable item.
      type: list
      elements: dict
    monthly_total:
      description: The estimated monthly total of the core as it is.
      type: float
      sample: 262.8
    private_core_monthly_total:
      description: What a managed core with private subnets costs (3 NAT gateways, 7 interface endpoints in 3 AZs).
      type: float
    public_only_core_monthly_total:
      description: What a public-only core costs in fixed charges (nothing).
      type: float
    public_only_saving:
      description: Monthly saving of public-only mode over private subnets.
      type: float
    currency:
      description: Currency of the prices.
      type: str
    note:
      description: What the estimate includes and excludes.
      type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.genomics.aws.plugins.module_utils.agc import describe_activation
from ansible_collections.genomics.aws.plugins.module_utils.modules import AnsibleGenomicsModule


def run(module):
    info = describe_activation(module.clients, module.require_region(), module.params.get("prices"))
    module.exit_json(
        changed=False,
        activated=info.activated,
        activation_source=info.source,
        in_sync=not info.drift,
        drift=info.drift,
        core_infrastructure=info.core,
        cost_estimate=info.cost,
    )


def main():
    argument_spec = dict(prices=dict(type="dict"))
    module = AnsibleGenomicsModule(iam_policy="read-only.json", argument_spec=argument_spec, supports_check_mode=True)
    try:
        run(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)


if __name__ == "__main__":
    main()
