#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: omics_ecr_pull_through_cache
version_added: 0.1.0
short_description: Manage an Amazon ECR pull-through cache that AWS HealthOmics can pull public images from
description:
  - HealthOmics pulls the container images of workflow tasks only from private Amazon ECR repositories in the run's
    Region. This module sets up the private registry of the caller's account and Region so that a public image,
    for example C(public.ecr.aws/docker/library/python:3.12-slim), can be used by a workflow as
    C(<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/docker/library/python:3.12-slim) without anyone pulling and
    pushing it with docker.
  - "It ensures three registry settings, all keyed by O(ecr_repository_prefix): a B(pull-through cache rule) that
    mirrors O(upstream_registry_url) under C(<prefix>/); a B(repository creation template) for the prefix, applied to
    C(PULL_THROUGH_CACHE), whose repository policy has the statement C(HealthOmicsPull) letting the service principal
    C(omics.amazonaws.com) pull (C(ecr:BatchGetImage), C(ecr:GetDownloadUrlForLayer),
    C(ecr:BatchCheckLayerAvailability)) from every repository the cache creates; and a statement of the B(registry
    policy), RV(pull_through_cache.registry_policy_statement_id), letting C(omics.amazonaws.com) call
    C(ecr:CreateRepository) and C(ecr:BatchImportUpstreamImage) on C(repository/<prefix>/*), so that a run can fill the
    cache itself."
  - O(images) are imported into the cache at once (C(BatchGetImage) makes ECR fetch an image from upstream on first
    use). An image already in the cache is left as it is. The policy of each of their repositories is then checked and
    the C(HealthOmicsPull) statement added when missing (repositories created before the template lack it).
  - "Shared settings are merged, never overwritten: other statements of the registry policy and of the template's
    repository policy, and the template's other C(appliedFor) values, are kept. An existing rule for the prefix with
    another upstream belongs to someone else: the module fails naming both upstreams and changes nothing."
  - "Every read happens, and every refusal is raised, before the first write. The template and the registry policy are
    written before the rule, so the first repository the rule creates already has the HealthOmics statement."
  - With O(state=absent) the module removes the rule when it mirrors O(upstream_registry_url), the template when it
    carries the C(HealthOmicsPull) statement (only that statement when the template has others), and its registry
    policy statement (the whole registry policy when that was its only statement). B(Repositories and cached images are
    never deleted), with either state; delete them with C(community.aws.ecs_ecr) or the AWS CLI.
author:
  - genomics.aws maintainers (@genomics-aws)
options:
  state:
    description:
      - V(present) creates or completes the cache; V(absent) removes this module's part of it (never repositories or
        images).
    type: str
    choices: [present, absent]
    default: present
  ecr_repository_prefix:
    description:
      - The repository prefix of the cache in the private registry; images are cached as C(<prefix>/<upstream path>).
      - 2 to 30 characters of lowercase letters and digits, separated by C(.), C(_), C(-) or C(/), as for
        C(CreatePullThroughCacheRule). C(ROOT) is refused.
    type: str
    required: true
  upstream_registry_url:
    description:
      - The upstream registry the cache mirrors. Only registries that need no credentials are offered.
    type: str
    choices: [public.ecr.aws, registry.k8s.io, quay.io]
    default: public.ecr.aws
  images:
    description:
      - Upstream images to import into the cache now, each as its full upstream reference with a tag, a digest or both,
        for example V(public.ecr.aws/docker/library/python:3.12-slim) or
        V(public.ecr.aws/docker/library/python@sha256:<64 hex digits>).
      - Each must be on O(upstream_registry_url). The private repository is C(<prefix>/<path>), and the result's
        RV(pull_through_cache.images) gives the C(image_uri) to use in a workflow.
      - An image the upstream does not have fails the task, naming it. Ignored with O(state=absent).
      - In check mode images are looked up but not imported.
    type: list
    elements: str
    default: []
  custom_role_arn:
    description:
      - The IAM role that Amazon ECR assumes to create repositories from the template
        (C(customRoleArn)). Amazon ECR needs one for templates that set resource tags (O(tags)) or KMS encryption; it
        must trust C(ecr.amazonaws.com) and allow C(ecr:CreateRepository) and C(ecr:TagResource).
      - When omitted, an existing template's role is kept and a new template uses ECR's service-linked role.
    type: str
  tags:
    description:
      - Tags of the repository creation template (C(resourceTags)), which Amazon ECR puts on each repository the cache
        creates. Not on the rule, which has no tags.
      - When omitted, the template's tags are left as they are.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - With O(tags), remove the template's tags that O(tags) does not list.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - genomics.aws.attributes
attributes:
  check_mode:
    support: full
    details: Everything is read and the changes are planned; nothing is written and no image is imported.
  diff_mode:
    support: full
notes:
  - The pull-through cache rule, the template and the registry policy are settings of the whole private registry of
    the account in the Region. The registry policy is one document; this module only adds and removes its own
    statement.
  - Needs C(sts:GetCallerIdentity) (the account id and partition, for the registry policy),
    C(ecr:DescribePullThroughCacheRules), C(ecr:CreatePullThroughCacheRule), C(ecr:DeletePullThroughCacheRule),
    C(ecr:DescribeRepositoryCreationTemplates),
    C(ecr:CreateRepositoryCreationTemplate), C(ecr:UpdateRepositoryCreationTemplate),
    C(ecr:DeleteRepositoryCreationTemplate), C(ecr:GetRegistryPolicy), C(ecr:PutRegistryPolicy) and
    C(ecr:DeleteRegistryPolicy). Amazon ECR creates its service-linked role for templates with the first template, which
    needs C(iam:CreateServiceLinkedRole); O(custom_role_arn) needs C(iam:PassRole).
  - Importing O(images) needs C(ecr:DescribeImages), C(ecr:BatchGetImage), C(ecr:BatchImportUpstreamImage),
    C(ecr:CreateRepository), C(ecr:GetRepositoryPolicy) and C(ecr:SetRepositoryPolicy) on C(repository/<prefix>/*).
  - The run's service role needs C(ecr:BatchGetImage), C(ecr:GetDownloadUrlForLayer) and
    C(ecr:BatchCheckLayerAvailability) on C(repository/<prefix>/*) as well.
  - A workflow can also keep the upstream reference in its definition and map it to the cache with a container
    registry map (C(registryMappings) with C(upstreamRegistryUrl) and C(ecrRepositoryPrefix)) when it is created.
"""

EXAMPLES = r"""
- name: Cache public.ecr.aws for HealthOmics and import the image of the workflow's tasks
  genomics.aws.omics_ecr_pull_through_cache:
    ecr_repository_prefix: ecr-public
    images:
      - public.ecr.aws/docker/library/python:3.12-slim
  register: cache

- name: Show the private image URI to use in the workflow
  ansible.builtin.debug:
    msg: "{{ cache.pull_through_cache.images[0].image_uri }}"

- name: Cache quay.io, tagging the repositories it creates (through a custom role)
  genomics.aws.omics_ecr_pull_through_cache:
    ecr_repository_prefix: quay
    upstream_registry_url: quay.io
    custom_role_arn: arn:aws:iam::123456789012:role/ecr-repository-creation
    tags:
      project: genomics

- name: Remove the cache rule, template and registry policy statement (repositories and images stay)
  genomics.aws.omics_ecr_pull_through_cache:
    ecr_repository_prefix: ecr-public
    state: absent
"""

RETURN = r"""
pull_through_cache:
  description: The cache after the task (in check mode, as it would be); with O(state=absent), what is left of it.
  returned: always
  type: dict
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
      description: The pull-through cache rule as C(DescribePullThroughCacheRules) gives it (C(ecr_repository_prefix),
        C(upstream_registry_url), C(registry_id), C(created_at)...); empty when there is none.
      type: dict
      sample: {"ecr_repository_prefix": "ecr-public", "upstream_registry_url": "public.ecr.aws",
               "registry_id": "123456789012", "created_at": "2026-03-01T10:00:00+00:00"}
    repository_creation_template:
      description: The repository creation template (C(prefix), C(applied_for), C(description), C(custom_role_arn)...),
        with C(repository_policy) parsed from its JSON and C(resource_tags) as a dict; empty when there is none.
      type: dict
      sample: {"prefix": "ecr-public", "applied_for": ["PULL_THROUGH_CACHE"], "resource_tags": {},
               "repository_policy": {"Version": "2012-10-17", "Statement": [{"Sid": "HealthOmicsPull",
               "Effect": "Allow", "Principal": {"Service": "omics.amazonaws.com"}, "Action": ["ecr:BatchGetImage",
               "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]}]}}
    registry_policy_statement_id:
      description: The Sid of this cache's statement in the registry policy.
      type: str
      sample: HealthOmicsPullThroughCacheEcrPublic
    registry_policy_statement:
      description: That statement as the registry policy holds it; empty when it has none.
      type: dict
      sample: {"Sid": "HealthOmicsPullThroughCacheEcrPublic", "Effect": "Allow",
               "Principal": {"Service": "omics.amazonaws.com"},
               "Action": ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
               "Resource": "arn:aws:ecr:us-east-1:123456789012:repository/ecr-public/*"}
    images:
      description: One entry per distinct image of O(images).
      type: list
      elements: dict
      contains:
        source:
          description: The upstream reference as given.
          type: str
          sample: public.ecr.aws/docker/library/python:3.12-slim
        repository_name:
          description: The private repository that caches it.
          type: str
          sample: ecr-public/docker/library/python
        image_uri:
          description: The private image URI, for a workflow's task.
          type: str
          sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/ecr-public/docker/library/python:3.12-slim
        image_digest:
          description: The digest of the cached image; in check mode null for an image not yet cached (unless given).
          type: str
          sample: sha256:8b2f1c1e0d6a8f3c8c9a4f1f5e6d7c8b9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d
        imported:
          description: Whether this task imported it (in check mode, would import it); false when it was cached already.
          type: bool
        repository_policy_updated:
          description: Whether this task added (or would add) the C(HealthOmicsPull) statement to the repository's
            policy.
          type: bool
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info

from ansible_collections.genomics.aws.plugins.module_utils.ecr import UPSTREAM_REGISTRIES
from ansible_collections.genomics.aws.plugins.module_utils.ecr import EcrRegistry
from ansible_collections.genomics.aws.plugins.module_utils.ecr import PullThroughCacheRequest
from ansible_collections.genomics.aws.plugins.module_utils.ecr import ensure_pull_through_cache_absent
from ansible_collections.genomics.aws.plugins.module_utils.ecr import ensure_pull_through_cache_present
from ansible_collections.genomics.aws.plugins.module_utils.modules import AnsibleGenomicsModule


def run(module):
    request = PullThroughCacheRequest.from_params(module.params)  # checked before any call, the account lookup included
    account_id, partition = get_aws_account_info(module)
    registry = EcrRegistry(account_id, partition, module.region)
    ensure = ensure_pull_through_cache_absent if request.state == "absent" else ensure_pull_through_cache_present
    outcome = ensure(module.clients.ecr, request, registry, check_mode=module.check_mode)
    module.exit_outcome(outcome, "pull_through_cache")


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        ecr_repository_prefix=dict(type="str", required=True),
        upstream_registry_url=dict(type="str", default="public.ecr.aws", choices=list(UPSTREAM_REGISTRIES)),
        images=dict(type="list", elements="str", default=[]),
        custom_role_arn=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleGenomicsModule(
        iam_policy="omics-connectivity-test.json", argument_spec=argument_spec, supports_check_mode=True
    )
    try:
        run(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)


if __name__ == "__main__":
    main()
