#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: agc_account
version_added: 0.1.0
short_description: Activate or deactivate a region for the Amazon Genomics CLI (AGC core infrastructure)
description:
  - Declarative C(agc account activate) and C(agc account deactivate). With O(state=present) the region's shared
    AGC core infrastructure exists as requested; with O(state=absent) it is removed, keeping all data.
  - "The managed core: a VPC (default V(10.0.0.0/16)) over the first 3 available AZs, per AZ a public and a private
    subnet, an internet gateway, one NAT gateway with an Elastic IP per AZ, a private route table per AZ through its
    NAT gateway, gateway endpoints for C(s3) and C(dynamodb) on the private route tables, interface endpoints for
    C(ecr.api), C(ecr.dkr), C(ecs), C(ecs-agent), C(ecs-telemetry), C(logs) and C(ec2) with private DNS and a security
    group admitting only TCP 443 from the VPC CIDR; an S3 bucket C(agc-<account>-<region>) created encrypted, TLS-only,
    with all public access blocked and owner-enforced object ownership; and the state store, SSM parameters under
    C(/agc/_common/) with the names the AGC CLI reads (C(bucket), C(vpc), C(InfraSubnets), C(NumInfraSubnets),
    C(ComputeEnvImage), C(customTags), C(installed-artifacts/s3-root-url)) plus C(genomics.aws/activation)."
  - Every resource created carries C(application-name=agc), the ownership tags
    C(genomics.aws:managed-by=genomics.aws) and C(genomics.aws:role), and O(tags). Resources are found again by these
    tags and the state store, never by name alone, so a run that was interrupted resumes and a second run with the
    same options changes nothing.
  - A customer's VPC (O(vpc_id)) and bucket (O(bucket)) are validated and used as they are, never modified or tagged.
  - "Re-running with other options follows AGC's rules: O(vpc_id) switches to that VPC (a managed VPC is then
    destroyed, refused while contexts are deployed); without O(vpc_id) the last VPC used is kept, so going back from a
    customer VPC to a managed one takes deactivation and activation. (AGC's documentation also shows C(activate)
    after C(activate --vpc) creating a new VPC; that example contradicts its own rule, and the rule is what this
    module follows.) Switching between public-only and private subnets requires deactivation first. A different
    O(bucket) switches buckets; the old one and its contents are kept."
  - Deactivation deletes the managed VPC and everything in it in dependency order (endpoints and NAT gateways, then
    their Elastic IPs, the internet gateway, route tables, subnets, security groups, the VPC) and the state store.
    Buckets and their objects, a customer VPC and CloudWatch log groups are always retained.
  - Writes are serialised per region by a lock (the SSM parameter C(/agc/_locks/core)); a second run started at the
    same time waits for the first, up to O(wait_timeout), and then finds the core already built.
  - In check mode the module reports every change it would make in RV(changes) and touches nothing.
author:
  - genomics.aws maintainers (@genomics-aws)
options:
  state:
    description:
      - V(present) activates (or updates) the region; V(absent) deactivates it.
    type: str
    choices: [present, absent]
    default: present
  bucket:
    description:
      - An existing S3 bucket to use instead of the managed C(agc-<account>-<region>). C(s3://name) and C(s3://name/)
        are accepted.
      - The bucket is used as it is. When it is adopted the module proves it can write to it by putting and deleting a
        small object under C(_agc/).
      - When omitted the managed bucket is used (created if missing). A bucket that is given but does not exist is an
        error rather than created, so that a typo never makes a new bucket.
    type: str
  vpc_id:
    description:
      - A customer VPC to use. It must span at least 3 AZs each with a private subnet (a subnet with no route to an
        internet gateway). It is never modified. Missing recommended VPC endpoints are reported as a warning; add them
        with M(genomics.aws.agc_vpc_endpoints).
      - Cannot be combined with O(use_public_subnets).
    type: str
  subnets:
    description:
      - Subnets of O(vpc_id) to use for compute (recorded in C(InfraSubnets)). An element may itself be a
        comma-separated list, as the CLI's repeated C(--subnets a,b --subnets c).
      - When omitted, all private subnets of the VPC are used (all public subnets in public-only mode). Not remembered.
      - Requires O(vpc_id). Fewer than 3 subnets, or subnets in fewer than 3 AZs, is a warning.
    type: list
    elements: str
  ami:
    description:
      - AMI for new contexts' compute environments. It must exist, be available, be private and be owned by this
        account.
      - When omitted, the latest Amazon Linux 2 ECS-optimised AMI (public SSM parameter
        C(/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id)) is recorded, so a re-run after AWS
        publishes a new AMI reports a change.
    type: str
  use_public_subnets:
    description:
      - Build a VPC with public subnets only (no NAT gateways, no VPC endpoints, no Elastic IPs). Much cheaper, and
        not recommended for production or sensitive data.
    type: bool
    default: false
  vpc_cidr:
    description:
      - IPv4 CIDR of a managed VPC, V(/16) to V(/24). Private subnets take a quarter each; public subnets share the
        last quarter (in public-only mode they take the quarters).
    type: str
    default: 10.0.0.0/16
  tags:
    description:
      - User tags of every resource the module creates, beside C(application-name=agc), recorded in the state store.
        Changing them updates the managed EC2 resources, the managed bucket and the SSM parameters. Keys
        C(application-name), C(Name), C(aws:*) and C(genomics.aws:*) are reserved.
      - When omitted, the user tags applied before are left as they are (as amazon.aws modules do).
      - Tags set by other tools (keys this module never applied) always stay. To remove such a tag, put its key in
        O(tags) once (the module then owns it) and leave it out with O(purge_tags=true).
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - With V(true), the user tags this module applied before and that O(tags) no longer lists are removed, so O(tags)
        is the complete set of user tags. With V(false), O(tags) are added or updated and nothing is removed.
      - Has no effect when O(tags) is omitted. Only keys this module applied are ever removed.
    type: bool
    default: true
  force:
    description:
      - With O(state=absent), delete deployed AGC contexts (C(Agc-Context-*) stacks) first. This interrupts their
        running workflows. Without it deactivation refuses while contexts are deployed.
    type: bool
    default: false
extends_documentation_fragment:
  - genomics.aws.agc.wait
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - genomics.aws.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff is the activation record (the state store) before and after.
notes:
  - Needs, besides EC2/VPC, S3 and SSM permissions, C(sts:GetCallerIdentity) and C(cloudformation:DescribeStacks)
    (and C(cloudformation:DeleteStack) for O(force)).
  - The region must have enough Elastic IP quota for 3 NAT gateways (the default quota is 5); this is checked before
    anything is created.
  - Activation by the AGC CLI itself (a C(Agc-Core) CloudFormation stack) is detected and refused.
"""

EXAMPLES = r"""
- name: Activate the region with a managed VPC and bucket
  genomics.aws.agc_account:
    region: us-east-1
    tags:
      cost-center: genomics

- name: Activate cheaply, with public subnets only (no NAT gateways)
  genomics.aws.agc_account:
    use_public_subnets: true

- name: Bring your own VPC, subnets and bucket
  genomics.aws.agc_account:
    vpc_id: vpc-0123456789abcdef0
    subnets:
      - subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb
      - subnet-0cccccccccccccccc
    bucket: s3://my-genomics-results

- name: See what deactivation would delete
  genomics.aws.agc_account:
    state: absent
  check_mode: true
  register: plan

- name: Deactivate, deleting deployed contexts too
  genomics.aws.agc_account:
    state: absent
    force: true

- name: Feed credentials and endpoint to this and amazon.aws modules at once
  module_defaults:
    group/genomics.aws.aws:
      region: eu-west-1
      profile: genomics-admin
  block:
    - name: Activate
      genomics.aws.agc_account:
"""

RETURN = r"""
changes:
  description: What the run changed, or in check mode would change, in order. Empty when nothing changed.
  returned: always
  type: list
  elements: str
  sample: ["create VPC 10.0.0.0/16 (private subnets, DNS hostnames on)",
           "create NAT gateway in us-east-1a with a new Elastic IP"]
core_infrastructure:
  description: The active core infrastructure. Empty after deactivation. In check mode ids of resources still to be
    created are null.
  returned: always
  type: dict
  contains:
    account_id:
      description: The AWS account.
      type: str
      sample: "123456789012"
    region:
      description: The region.
      type: str
      sample: us-east-1
    vpc:
      description: The VPC in use.
      type: dict
      sample: {"id": "vpc-0123456789abcdef0", "cidr_block": "10.0.0.0/16", "managed": true,
               "public_subnets_only": false}
    subnets:
      description: Subnet ids by kind; C(infra) are those recorded for compute.
      type: dict
      sample: {"public": ["subnet-1"], "private": ["subnet-2"], "infra": ["subnet-2"]}
    internet_gateway_id:
      description: The managed VPC's internet gateway (null for a customer VPC).
      type: str
    nat_gateways:
      description: NAT gateways of the managed VPC, one per AZ.
      type: list
      elements: dict
      sample: [{"id": "nat-1", "availability_zone": "us-east-1a", "subnet_id": "subnet-1", "state": "available",
                "public_ip": "3.3.3.3", "allocation_id": "eipalloc-1"}]
    vpc_endpoints:
      description: VPC endpoints (the managed VPC's, or all of a customer VPC's).
      type: list
      elements: dict
      sample: [{"service": "s3", "id": "vpce-1", "type": "Gateway", "state": "available", "subnet_ids": []}]
    endpoint_security_group_id:
      description: Security group of the managed interface endpoints.
      type: str
    bucket:
      description: The bucket in use and whether the collection created it.
      type: dict
      sample: {"name": "agc-123456789012-us-east-1", "managed": true, "url": "s3://agc-123456789012-us-east-1"}
    compute_image:
      description: AMI recorded for new contexts.
      type: str
      sample: ami-0123456789abcdef0
    parameters:
      description: The state store, parameter name (under C(/agc/_common/)) to value.
      type: dict
    tags:
      description: The user tags applied.
      type: dict
    network:
      description:
        - The VPC as found after the run, for reports and diagrams (see the P(genomics.aws.agc_activation_report#filter)
          filter) - every subnet with its Availability Zone, CIDR, kind (C(public), C(private) or C(other)) and the
          target of its default route; the NAT gateways in the VPC (C(managed) is false for a customer's); the core's
          Elastic IPs.
      type: dict
      sample: {"subnets": [{"id": "subnet-2", "availability_zone": "us-east-1a", "cidr_block": "10.0.0.0/18",
                            "kind": "private", "default_route": "nat-1"}],
               "nat_gateways": [{"id": "nat-1", "availability_zone": "us-east-1a", "subnet_id": "subnet-1",
                                 "state": "available", "public_ip": "3.3.3.3", "allocation_id": "eipalloc-1",
                                 "managed": true}],
               "elastic_ips": [{"allocation_id": "eipalloc-1", "public_ip": "3.3.3.3"}]}
retained:
  description: With O(state=absent), what deactivation kept.
  returned: when state is absent
  type: dict
  sample: {"bucket": {"name": "agc-123456789012-us-east-1", "managed": true},
           "log_groups": "CloudWatch log groups are retained"}
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

from ansible_collections.genomics.aws.plugins.module_utils.agc import DEFAULT_VPC_CIDR
from ansible_collections.genomics.aws.plugins.module_utils.agc import DEFAULT_WAIT_TIMEOUT
from ansible_collections.genomics.aws.plugins.module_utils.agc import ActivationRequest
from ansible_collections.genomics.aws.plugins.module_utils.agc import activate
from ansible_collections.genomics.aws.plugins.module_utils.agc import deactivate
from ansible_collections.genomics.aws.plugins.module_utils.modules import AnsibleGenomicsModule


def policy_file(module):
    """The docs/iam/ policy of this run's job, named when AWS denies a call."""
    params = module.params
    if params["state"] == "absent":
        return "agc-deactivate.json"
    if params["vpc_id"]:
        return "agc-activate-customer-vpc.json"
    return "agc-activate-public-only.json" if params["use_public_subnets"] else "agc-activate.json"


def run(module):
    region = module.require_region()
    request = ActivationRequest.from_params(module.params)
    converge = deactivate if request.state == "absent" else activate
    outcome = converge(module.clients, region, request, check_mode=module.check_mode)
    module.exit_outcome(outcome, "core_infrastructure")


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        bucket=dict(type="str"),
        vpc_id=dict(type="str"),
        subnets=dict(type="list", elements="str"),
        ami=dict(type="str"),
        use_public_subnets=dict(type="bool", default=False),
        vpc_cidr=dict(type="str", default=DEFAULT_VPC_CIDR),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        force=dict(type="bool", default=False),
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
