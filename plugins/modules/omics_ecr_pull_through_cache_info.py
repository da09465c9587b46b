#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: omics_ecr_pull_through_cache_info
version_added: 0.1.0
short_description: Describe the Amazon ECR pull-through caches of a registry and whether AWS HealthOmics can use them
description:
  - Describes the pull-through cache rule of one prefix, or every rule of the caller's private registry in the
    Region, each with its repository creation template and its statement in the registry policy, as
    M(genomics.aws.omics_ecr_pull_through_cache) sets them up.
  - For each cache it tells whether HealthOmics can pull from the repositories the cache creates
    (RV(pull_through_caches[].healthomics_can_pull)) and whether a run can fill the cache itself
    (RV(pull_through_caches[].healthomics_can_import)), so a play can check a registry set up by hand or by
    another tool.
  - Reads three things, one paginated call each (the rules, the creation templates, the registry policy); it never
    writes, and lists no repositories or images.
author:
  - genomics.aws maintainers (@genomics-aws)
options:
  ecr_repository_prefix:
    description:
      - Only the rule of this prefix. A prefix without a rule gives an empty list, not an error.
      - When omitted, every rule of the registry is described.
    type: str
    aliases: [prefix]
  upstream_registry_url:
    description:
      - Only rules that mirror this upstream registry.
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
- name: Describe the cache of public.ecr.aws images
  genomics.aws.omics_ecr_pull_through_cache_info:
    ecr_repository_prefix: ecr-public
  register: found

- name: Fail unless HealthOmics runs can pull and fill it
  ansible.builtin.assert:
    that:
      - found.pull_through_caches | length == 1
      - found.pull_through_caches[0].healthomics_can_pull
      - found.pull_through_caches[0].healthomics_can_import

- name: List every pull-through cache of the registry
  genomics.aws.omics_ecr_pull_through_cache_info:
    region: eu-west-1
"""

RETURN = r"""
pull_through_caches:
  description: The caches, sorted by prefix.
  returned: always
  type: list
  elements: dict
  contains:
    ecr_repository_prefix:
      description: The prefix.
      type: str
      sample: ecr-public
    upstream_registry_url:
      description: The upstream registry.
      type: str
      sample: public.ecr.aws
    registry_id:
      description: The account id of the private registry.
      type: str
      sample: "123456789012"
    rule:
      description: The pull-through cache rule as C(DescribePullThroughCacheRules) gives it, in snake_case.
      type: dict
      sample: {"ecr_repository_prefix": "ecr-public", "upstream_registry_url": "public.ecr.aws",
               "registry_id": "123456789012", "created_at": "2026-03-01T10:00:00+00:00"}
    repository_creation_template:
      description: The repository creation template of the prefix (C(prefix), C(applied_for), C(description),
        C(custom_role_arn)...), with C(repository_policy) parsed from its JSON and C(resource_tags) as a dict; empty
        when there is none.
      type: dict
    registry_policy_statement_id:
      description: The Sid M(genomics.aws.omics_ecr_pull_through_cache) gives this cache's statement in the registry
        policy.
      type: str
      sample: HealthOmicsPullThroughCacheEcrPublic
    registry_policy_statement:
      description: That statement as the registry policy holds it; empty when it has none.
      type: dict
    healthomics_can_pull:
      description: Whether the creation template applies to C(PULL_THROUGH_CACHE) and its repository policy has the
        C(HealthOmicsPull) statement letting C(omics.amazonaws.com) pull from the repositories the cache creates.
      type: bool
    healthomics_can_import:
      description: Whether the registry policy lets C(omics.amazonaws.com) create the cache's repositories and import
        upstream images into them.
      type: bool
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.genomics.aws.plugins.module_utils.ecr import describe_pull_through_caches
from ansible_collections.genomics.aws.plugins.module_utils.modules import AnsibleGenomicsModule


def run(module):
    caches = describe_pull_through_caches(module.clients.ecr, prefix=module.params["ecr_repository_prefix"])
    upstream = module.params["upstream_registry_url"]
    if upstream is not None:
        caches = [c for c in caches if c["upstream_registry_url"] == upstream]
    module.exit_json(changed=False, pull_through_caches=caches)


def main():
    argument_spec = dict(
        ecr_repository_prefix=dict(type="str", aliases=["prefix"]),
        upstream_registry_url=dict(type="str"),
    )
    module = AnsibleGenomicsModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        run(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)


if __name__ == "__main__":
    main()
