#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: agc_vpc_endpoints
version_added: 0.1.0
short_description: Audit or add the VPC endpoints AGC and HealthOmics workloads need in a VPC
description:
  - Ensures that each listed service has a VPC endpoint in O(vpc_id). By default the 9 services the Amazon Genomics
    CLI creates in its own VPC and recommends for a customer VPC (C(s3), C(dynamodb), C(ecr.api), C(ecr.dkr),
    C(ecs), C(ecs-agent), C(ecs-telemetry), C(logs), C(ec2)).
  - C(s3) and C(dynamodb) get gateway endpoints on the route tables of the private subnets; every other service gets
    an interface endpoint in one subnet per AZ with private DNS and a security group admitting TCP 443 from the VPC
    CIDR only.
  - An endpoint that already exists for a service, whoever created it, counts as present and is neither duplicated
    nor changed. Nothing else in the VPC is modified.
  - In check mode the module is an audit - RV(present) and RV(missing) say which services have an endpoint, and
    nothing is changed.
  - O(state=absent) deletes only the endpoints of the listed services that this collection created (tagged
    C(genomics.aws:managed-by=genomics.aws)), and its own security group once no endpoint uses it.
  - Endpoints are created together and waited on together.
author:
  - genomics.aws maintainers (@genomics-aws)
options:
  vpc_id:
    description: The VPC.
    type: str
    required: true
  services:
    description:
      - Endpoint services by short name (V(s3), V(ecr.api), V(secretsmanager), V(execute-api), V(license-manager),
        V(s3tables), V(transfer), ...) or full name (V(com.amazonaws.us-east-1.s3)). Validated against the services
        the region offers.
      - V(execute-api) is what an AGC client in a subnet without internet access needs; V(secretsmanager),
        V(license-manager) and V(s3tables) are what HealthOmics VPC-connected runs use.
    type: list
    elements: str
    default: [s3, dynamodb, ecr.api, ecr.dkr, ecs, ecs-agent, ecs-telemetry, logs, ec2]
  subnets:
    description:
      - Subnets for interface endpoints, at most one per AZ. Gateway endpoints go on these subnets' route tables.
      - Default - the first private subnet of each AZ (a private subnet has no route to an internet gateway), and
        the route tables of all private subnets.
    type: list
    elements: str
  security_groups:
    description:
      - Security groups (of O(vpc_id)) for new interface endpoints. Default - a group created and tagged by this
        module, admitting TCP 443 from the VPC's CIDR only.
    type: list
    elements: str
  private_dns:
    description:
      - Private DNS on new interface endpoints, so the services' usual names resolve to them. Needs DNS hostnames
        enabled on the VPC; the module refuses rather than changing that setting.
    type: bool
    default: true
  tags:
    description:
      - User tags of the endpoints and the security group the module creates, beside C(application-name=agc). The
        module records their keys on each resource (tag C(genomics.aws:user-tag-keys)) and brings the tags of its own
        endpoints (of O(services)) and security group in line with O(tags) on every run.
      - When omitted, the user tags applied before are left as they are (as amazon.aws modules do).
      - Endpoints the module did not create are never tagged. Tags set by other tools (keys this module never applied)
        always stay; to remove one, put its key in O(tags) once and leave it out with O(purge_tags=true).
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - With V(true), the user tags this module applied before and that O(tags) no longer lists are removed. With
        V(false), O(tags) are added or updated and nothing is removed. Has no effect when O(tags) is omitted.
    type: bool
    default: true
  state:
    description: V(present) ensures the endpoints; V(absent) removes the collection's own.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - genomics.aws.agc.wait
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - genomics.aws.attributes
attributes:
  check_mode:
    support: full
    details: An audit - reports present and missing services and the changes that would be made.
  diff_mode:
    support: full
    details: The diff lists the services with an endpoint before and after.
notes:
  - Interface endpoints are charged per AZ and hour; gateway endpoints are free.
"""

EXAMPLES = r"""
- name: Audit a customer VPC against AGC's recommended endpoints
  genomics.aws.agc_vpc_endpoints:
    vpc_id: vpc-0123456789abcdef0
  check_mode: true
  register: audit

- name: Show what is missing
  ansible.builtin.debug:
    msg: "{{ audit.missing }}"

- name: Add the missing recommended endpoints
  genomics.aws.agc_vpc_endpoints:
    vpc_id: vpc-0123456789abcdef0
    tags:
      team: platform

- name: Endpoints for HealthOmics VPC-connected runs that read secrets and check out licences
  genomics.aws.agc_vpc_endpoints:
    vpc_id: vpc-0123456789abcdef0
    services: [dynamodb, secretsmanager, license-manager]
    subnets: [subnet-0aaaaaaaaaaaaaaaa, subnet-0bbbbbbbbbbbbbbbb]

- name: Remove the endpoints this collection added
  genomics.aws.agc_vpc_endpoints:
    vpc_id: vpc-0123456789abcdef0
    state: absent
"""

RETURN = r"""
present:
  description: Requested services that had an endpoint before the run (whoever created it).
  returned: always
  type: list
  elements: str
  sample: [s3, logs]
missing:
  description: Requested services that had no endpoint before the run; in check mode, those that would be created.
  returned: always
  type: list
  elements: str
  sample: [ecr.api, ecr.dkr]
changes:
  description: What the run changed, or would change in check mode.
  returned: always
  type: list
  elements: str
vpc_endpoints:
  description: The endpoints of the requested services after the run (in check mode, ids of new ones are null).
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: Short service name.
      type: str
      sample: ecr.api
    service_name:
      description: Full service name.
      type: str
      sample: com.amazonaws.us-east-1.ecr.api
    id:
      description: Endpoint id.
      type: str
      sample: vpce-0123456789abcdef0
    type:
      description: V(Gateway) or V(Interface).
      type: str
    state:
      description: Endpoint state.
      type: str
      sample: available
    managed:
      description: Whether this collection created it (only those are ever removed).
      type: bool
    subnet_ids:
      description: Subnets of an interface endpoint.
      type: list
      elements: str
    route_table_ids:
      description: Route tables of a gateway endpoint.
      type: list
      elements: str
    security_group_ids:
      description: Security groups of an interface endpoint.
      type: list
      elements: str
    private_dns_enabled:
      description: Whether private DNS is on.
      type: bool
security_group_id:
  description: The security group this collection created for endpoints in the VPC, if any.
  returned: always
  type: str
waited:
  description:
    - What the run waited for (NAT gateways and VPC endpoints, created or deleted), and how long each took,
      in the order they got there. Empty when nothing needed waiting for (a re-run, check mode).
    - A wait that ran out of O(wait_timeout) fails instead, naming each resource still pending.
  returned: always
  type: list
  elements: dict
  contains:
    resource:
      description: The kind and id of the resource.
      type: str
    reached:
      description: The state it reached, C(available) or C(deleted).
      type: str
    seconds:
      description: Seconds from the start of the wait until a poll saw it there.
      type: float
  sample: [{"resource": "NAT gateway nat-0123456789abcdef0", "reached": "available", "seconds": 92.4}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.genomics.aws.plugins.module_utils.agc import DEFAULT_ENDPOINT_SERVICES
from ansible_collections.genomics.aws.plugins.module_utils.agc import DEFAULT_WAIT_TIMEOUT
from ansible_collections.genomics.aws.plugins.module_utils.agc import EndpointsRequest
from ansible_collections.genomics.aws.plugins.module_utils.agc import manage_endpoints
from ansible_collections.genomics.aws.plugins.module_utils.modules import AnsibleGenomicsModule


def run(module):
    region = module.require_region()
    request = EndpointsRequest.from_params(module.params)
    outcome = manage_endpoints(module.clients.ec2, region, request, check_mode=module.check_mode)
    module.exit_outcome(outcome, "vpc_endpoints")


def policy_file(module):
    """The docs/iam/ policy of this run's job, named when AWS denies a call: check mode only audits."""
    return "agc-vpc-endpoints-audit.json" if module.check_mode else "agc-vpc-endpoints.json"


def main():
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        services=dict(type="list", elements="str", default=list(DEFAULT_ENDPOINT_SERVICES)),
        subnets=dict(type="list", elements="str"),
        security_groups=dict(type="list", elements="str"),
        private_dns=dict(type="bool", default=True),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=DEFAULT_WAIT_TIMEOUT),
    )
    module = AnsibleGenomicsModule(iam_policy=policy_file, argument_spec=argument_spec, supports_check_mode=True)
    try:
        run(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)


if __name__ == "__main__":
    main()
