# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One small wrapper per ECR call of the pull-through cache: retried, raising AnsibleGenomicsError.

"get" and "describe" wrappers return None for what does not exist.
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler

from .._shared.errors import AnsibleGenomicsError
from .._shared.responses import strip_metadata
from .._shared.retries import retry_throttling

# BatchGetImage answers a multi-architecture tag with its index only if the index types are accepted.
ACCEPTED_MEDIA_TYPES = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
]


class EcrErrorHandler(AWSErrorHandler):
    """Raises AnsibleGenomicsError; the "not found" codes of the ECR calls below count as missing."""

    _CUSTOM_EXCEPTION = AnsibleGenomicsError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(
            [
                "PullThroughCacheRuleNotFoundException",
                "TemplateNotFoundException",
                "RegistryPolicyNotFoundException",
                "RepositoryNotFoundException",
                "ImageNotFoundException",
            ]
        )


@EcrErrorHandler.list_error_handler("describe the pull-through cache rule (ecr:DescribePullThroughCacheRules)")
@retry_throttling()
def describe_pull_through_cache_rule(client, prefix):
    """The rule of exactly this prefix, or None."""
    rules = client.describe_pull_through_cache_rules(ecrRepositoryPrefixes=[prefix]).get("pullThroughCacheRules") or []
    return next((r for r in rules if r.get("ecrRepositoryPrefix") == prefix), None)


@EcrErrorHandler.list_error_handler(
    "list the pull-through cache rules (ecr:DescribePullThroughCacheRules)", default_value=[]
)
@retry_throttling()
def list_pull_through_cache_rules(client):
    """Every pull-through cache rule of the registry."""
    paginator = client.get_paginator("describe_pull_through_cache_rules")
    return paginator.paginate().build_full_result().get("pullThroughCacheRules") or []


@EcrErrorHandler.common_error_handler("create the pull-through cache rule (ecr:CreatePullThroughCacheRule)")
@retry_throttling()
def create_pull_through_cache_rule(client, prefix, upstream_registry_url):
    return strip_metadata(
        client.create_pull_through_cache_rule(ecrRepositoryPrefix=prefix, upstreamRegistryUrl=upstream_registry_url)
    )


@EcrErrorHandler.deletion_error_handler("delete the pull-through cache rule (ecr:DeletePullThroughCacheRule)")
@retry_throttling()
def delete_pull_through_cache_rule(client, prefix):
    client.delete_pull_through_cache_rule(ecrRepositoryPrefix=prefix)
    return True


@EcrErrorHandler.list_error_handler(
    "describe the repository creation template (ecr:DescribeRepositoryCreationTemplates)"
)
@retry_throttling()
def describe_repository_creation_template(client, prefix):
    """The template of exactly this prefix, or None."""
    templates = (
        client.describe_repository_creation_templates(prefixes=[prefix]).get("repositoryCreationTemplates") or []
    )
    return next((t for t in templates if t.get("prefix") == prefix), None)


@EcrErrorHandler.list_error_handler(
    "list the repository creation templates (ecr:DescribeRepositoryCreationTemplates)", default_value=[]
)
@retry_throttling()
def list_repository_creation_templates(client):
    """Every repository creation template of the registry."""
    paginator = client.get_paginator("describe_repository_creation_templates")
    return paginator.paginate().build_full_result().get("repositoryCreationTemplates") or []


@EcrErrorHandler.common_error_handler("create the repository creation template (ecr:CreateRepositoryCreationTemplate)")
@retry_throttling()
def create_repository_creation_template(client, **params):
    return strip_metadata(client.create_repository_creation_template(**params)).get("repositoryCreationTemplate") or {}


@EcrErrorHandler.common_error_handler("update the repository creation template (ecr:UpdateRepositoryCreationTemplate)")
@retry_throttling()
def update_repository_creation_template(client, **params):
    return strip_metadata(client.update_repository_creation_template(**params)).get("repositoryCreationTemplate") or {}


@EcrErrorHandler.deletion_error_handler(
    "delete the repository creation template (ecr:DeleteRepositoryCreationTemplate)"
)
@retry_throttling()
def delete_repository_creation_template(client, prefix):
    client.delete_repository_creation_template(prefix=prefix)
    return True


@EcrErrorHandler.list_error_handler("read the registry policy (ecr:GetRegistryPolicy)")
@retry_throttling()
def get_registry_policy(client):
    """The registry policy's JSON text, or None when the registry has none."""
    return client.get_registry_policy().get("policyText") or None


@EcrErrorHandler.common_error_handler("write the registry policy (ecr:PutRegistryPolicy)")
@retry_throttling()
def put_registry_policy(client, policy_text):
    return strip_metadata(client.put_registry_policy(policyText=policy_text))


@EcrErrorHandler.deletion_error_handler("delete the registry policy (ecr:DeleteRegistryPolicy)")
@retry_throttling()
def delete_registry_policy(client):
    client.delete_registry_policy()
    return True


@EcrErrorHandler.list_error_handler("describe the cached image (ecr:DescribeImages)")
@retry_throttling()
def describe_image(client, repository_name, image_id):
    """The image's details, or None when it (or its repository) is not in the registry."""
    details = client.describe_images(repositoryName=repository_name, imageIds=[image_id]).get("imageDetails") or []
    return details[0] if details else None


@EcrErrorHandler.common_error_handler("import the image through the pull-through cache (ecr:BatchGetImage)")
@retry_throttling()
def batch_get_image(client, repository_name, image_id):
    answer = client.batch_get_image(
        repositoryName=repository_name, imageIds=[image_id], acceptedMediaTypes=ACCEPTED_MEDIA_TYPES
    )
    return strip_metadata(answer)


@EcrErrorHandler.list_error_handler("read the repository policy (ecr:GetRepositoryPolicy)")
@retry_throttling()
def get_repository_policy(client, repository_name):
    """The policy's JSON text; "" when the repository has no policy; None when it does not exist."""
    try:
        return client.get_repository_policy(repositoryName=repository_name).get("policyText") or ""
    except is_boto3_error_code("RepositoryPolicyNotFoundException"):
        return ""


@EcrErrorHandler.common_error_handler("write the repository policy (ecr:SetRepositoryPolicy)")
@retry_throttling()
def set_repository_policy(client, repository_name, policy_text):
    return strip_metadata(client.set_repository_policy(repositoryName=repository_name, policyText=policy_text))
