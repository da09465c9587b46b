# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An Amazon ECR pull-through cache that AWS HealthOmics can pull public images from.

HealthOmics pulls task images only from private ECR repositories in the run's Region. Three
registry-wide settings, all keyed by one repository prefix, make a public registry usable that way
without anyone running docker:

- a pull-through cache rule: repositories ``<prefix>/<path>`` mirror ``<upstream>/<path>``;
- a repository creation template for ``<prefix>`` applied to ``PULL_THROUGH_CACHE``, whose repository
  policy (statement ``HealthOmicsPull``) lets ``omics.amazonaws.com`` pull from each repository the
  cache creates;
- a statement of the registry policy letting ``omics.amazonaws.com`` create those repositories and
  import upstream images (``ecr:CreateRepository``, ``ecr:BatchImportUpstreamImage``), so that a run
  can fill the cache itself.

Images can also be imported at once: ``BatchGetImage`` on a cache repository makes ECR fetch the
image from upstream (and create the repository) on first use. A repository created before the
template exists lacks the HealthOmics statement, so after an import the repository policy is checked
and completed.

What is this module's: the rule when its upstream is the requested one (a rule of another upstream
is refused, never changed); the template's statement ``HealthOmicsPull`` and the registry-policy
statement named by ``pull_through_cache_statement_id(prefix)``. Other statements, other ``appliedFor`` values, rules
and templates are kept; repositories and images are never deleted.

Plan then apply: every read comes first and every refusal (a rule of another upstream, a policy
that is not JSON) is raised before anything is written; check mode returns the plan's prediction.
The template and the registry policy are written before the rule, so that the first repository the
rule creates already gets the HealthOmics statement.
"""

import copy
import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.amazon.aws.plugins.module_utils.transformation import boto3_resource_to_ansible_dict

from .._shared.arns import dns_suffix
from .._shared.arns import ecr_repository_arn_prefix
from .._shared.errors import AnsibleGenomicsError
from .._shared.outcome import Outcome
from .._shared.policy_documents import POLICY_VERSION
from .._shared.policy_documents import dump_policy
from .._shared.policy_documents import find_statement
from .._shared.policy_documents import load_policy
from .._shared.policy_documents import resources_of
from .._shared.policy_documents import same_statement
from .._shared.policy_documents import with_statement
from .._shared.policy_documents import without_statement
from .._shared.validation import check_user_tags
from .._shared.validation import string_tags
from .api import batch_get_image
from .api import create_pull_through_cache_rule
from .api import create_repository_creation_template
from .api import delete_pull_through_cache_rule
from .api import delete_registry_policy
from .api import delete_repository_creation_template
from .api import describe_image
from .api import describe_pull_through_cache_rule
from .api import describe_repository_creation_template
from .api import get_registry_policy
from .api import get_repository_policy
from .api import list_pull_through_cache_rules
from .api import list_repository_creation_templates
from .api import put_registry_policy
from .api import set_repository_policy
from .api import update_repository_creation_template

# Upstream registries a pull-through cache rule can mirror without credentials (ECR docs, "Sync an
# upstream registry"); Docker Hub, GitHub, GitLab and Azure need a Secrets Manager secret.
UPSTREAM_REGISTRIES = ("public.ecr.aws", "registry.k8s.io", "quay.io")
APPLIED_FOR = "PULL_THROUGH_CACHE"
OMICS_PRINCIPAL = {"Service": "omics.amazonaws.com"}
# The statement every cache repository's policy needs so that HealthOmics can pull from it.
REPOSITORY_STATEMENT_ID = "HealthOmicsPull"
PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
# What the registry policy grants HealthOmics so that a run's pull fills the cache.
IMPORT_ACTIONS = ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"]
REGISTRY_STATEMENT_PREFIX = "HealthOmicsPullThroughCache"
TEMPLATE_DESCRIPTION = (
    "genomics.aws: repositories of the pull-through cache {prefix}/, which AWS HealthOmics may pull from"
)

# Patterns and limits of botocore's ECR model. CreatePullThroughCacheRule.ecrRepositoryPrefix is 2 to
# 30 characters of lowercase path components; the model also accepts "ROOT" and a trailing "/",
# which this module refuses (see check_prefix).
PREFIX_MIN, PREFIX_MAX = 2, 30
_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
PREFIX_PATTERN = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
REPOSITORY_NAME_PATTERN = PREFIX_PATTERN
REPOSITORY_NAME_MAX = 256
# A Docker tag (the OCI distribution grammar); a sha256 manifest digest.
TAG_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
DIGEST_PATTERN = re.compile(r"sha256:[a-f0-9]{64}")
ROLE_ARN_PATTERN = re.compile(r"arn:aws[-a-z0-9]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+")


# --- policy statements ------------------------------------------------------------------------------


def repository_statement():
    """The repository-policy statement that lets HealthOmics pull (no Resource: it is the repository)."""
    return {
        "Sid": REPOSITORY_STATEMENT_ID,
        "Effect": "Allow",
        "Principal": dict(OMICS_PRINCIPAL),
        "Action": list(PULL_ACTIONS),
    }


def pull_through_cache_statement_id(prefix):
    """The registry-policy Sid of a prefix: Sids are alphanumeric, so "ecr-public" gives ...EcrPublic."""
    return REGISTRY_STATEMENT_PREFIX + "".join(part.capitalize() for part in re.split(r"[^a-z0-9]+", prefix) if part)


def registry_statement(prefix, repository_arn_prefix):
    return {
        "Sid": pull_through_cache_statement_id(prefix),
        "Effect": "Allow",
        "Principal": dict(OMICS_PRINCIPAL),
        "Action": list(IMPORT_ACTIONS),
        "Resource": f"{repository_arn_prefix}{prefix}/*",
    }


# --- the request ------------------------------------------------------------------------------------


class EcrRegistry:
    """The caller's private registry in one Region: account, partition and the names derived from them."""

    def __init__(self, account_id, partition, region):
        self.account_id = account_id
        self.partition = partition or "aws"
        self.region = region

    @property
    def host(self):
        return f"{self.account_id}.dkr.ecr.{self.region}.{dns_suffix(self.partition)}"

    @property
    def repository_arn_prefix(self):
        return ecr_repository_arn_prefix(self.partition, self.region, self.account_id)


class ImageReference:
    """An upstream image, ``<upstream>/<path>[:<tag>][@sha256:<digest>]``, and its place in the cache."""

    def __init__(self, source, path, tag=None, digest=None):
        self.source = source
        self.path = path
        self.tag = tag
        self.digest = digest

    @classmethod
    def parse(cls, option, source, upstream, prefix):
        example = (
            f"{upstream}/docker/library/python:3.12-slim"
            if upstream == "public.ecr.aws"
            else f"{upstream}/<path>:<tag>"
        )
        if not isinstance(source, str) or not source.startswith(upstream + "/"):
            raise AnsibleGenomicsError(
                message=f"{option} {source!r} is not an image on the upstream registry {upstream}: give the full "
                "upstream "
                f"reference, for example {example} (the cache pulls through from upstream_registry_url only)."
            )
        rest = source[len(upstream) + 1 :]
        name, _at, digest = rest.partition("@")
        last = name.rsplit("/", 1)[-1]
        path, tag = name.rsplit(":", 1) if ":" in last else (name, None)
        if not digest and tag is None:
            raise AnsibleGenomicsError(
                message=f"{option} {source!r} names no tag or digest: add :<tag> or @sha256:<digest>, for example "
                f"{example} "
                "(the cache imports exactly one image, and a run should name the image it uses)."
            )
        if digest and not DIGEST_PATTERN.fullmatch(digest):
            raise AnsibleGenomicsError(
                message=f"{option} {source!r}: the digest {digest!r} is not sha256: followed by 64 lowercase hex "
                "digits."
            )
        if tag is not None and not TAG_PATTERN.fullmatch(tag):
            raise AnsibleGenomicsError(
                message=f"{option} {source!r}: the tag {tag!r} is not a valid image tag (up to 128 letters, digits, "
                "'_', '.' "
                "or '-', not starting with '.' or '-')."
            )
        repository = f"{prefix}/{path}"
        if not path or not REPOSITORY_NAME_PATTERN.fullmatch(path) or len(repository) > REPOSITORY_NAME_MAX:
            raise AnsibleGenomicsError(
                message=f"{option} {source!r}: the image path {path!r} cannot be an ECR repository name under "
                f"{prefix!r} "
                f"(lowercase letters, digits, '.', '_', '-' and '/' separators, at most {REPOSITORY_NAME_MAX} "
                "characters "
                "with the prefix)."
            )
        return cls(source, path, tag, digest or None)

    def repository_name(self, prefix):
        return f"{prefix}/{self.path}"

    @property
    def image_id(self):
        image_id = {}
        if self.tag is not None:
            image_id["imageTag"] = self.tag
        if self.digest is not None:
            image_id["imageDigest"] = self.digest
        return image_id

    def uri(self, registry, prefix):
        return (
            f"{registry.host}/{self.repository_name(prefix)}"
            + (f":{self.tag}" if self.tag is not None else "")
            + (f"@{self.digest}" if self.digest else "")
        )

    @property
    def key(self):
        return (self.path, self.tag, self.digest)


def check_prefix(prefix):
    if not isinstance(prefix, str) or not prefix:
        raise AnsibleGenomicsError(message="ecr_repository_prefix is required, for example ecr-public.")
    if prefix == "ROOT":
        raise AnsibleGenomicsError(
            message="ecr_repository_prefix 'ROOT' would put the whole private registry behind the cache; choose a "
            "prefix of "
            "its own, for example ecr-public."
        )
    if not PREFIX_MIN <= len(prefix) <= PREFIX_MAX or not PREFIX_PATTERN.fullmatch(prefix):
        raise AnsibleGenomicsError(
            message=f"ecr_repository_prefix {prefix!r} is not a valid ECR pull-through cache prefix: use {PREFIX_MIN} "
            "to "
            f"{PREFIX_MAX} characters of lowercase letters and digits, separated by '.', '_', '-' or '/' (not at the "
            "start "
            "or the end), for example ecr-public."
        )


class PullThroughCacheRequest:
    def __init__(
        self,
        ecr_repository_prefix,
        upstream_registry_url="public.ecr.aws",
        images=None,
        tags=None,
        purge_tags=True,
        custom_role_arn=None,
        state="present",
    ):
        self.prefix = ecr_repository_prefix
        self.upstream = upstream_registry_url or "public.ecr.aws"
        self.images = list(images or [])
        self.tags = string_tags(tags)
        self.purge_tags = purge_tags
        self.custom_role_arn = custom_role_arn
        self.state = state
        self.references = []

    @classmethod
    def from_params(cls, params):
        request = cls(
            **{
                key: params[key]
                for key in params
                if key
                in (
                    "ecr_repository_prefix",
                    "upstream_registry_url",
                    "images",
                    "tags",
                    "purge_tags",
                    "custom_role_arn",
                    "state",
                )
            }
        )
        request.validate()
        return request

    def validate(self):
        """Every check that needs no AWS call; raises naming the bad value."""
        check_prefix(self.prefix)
        if self.upstream not in UPSTREAM_REGISTRIES:
            raise AnsibleGenomicsError(
                message=f"upstream_registry_url {self.upstream!r} is not supported: use one of "
                f"{', '.join(UPSTREAM_REGISTRIES)} "
                "(upstreams that need no credentials)."
            )
        if self.state == "absent":
            return
        check_user_tags(self.tags)
        if self.custom_role_arn is not None and not ROLE_ARN_PATTERN.fullmatch(self.custom_role_arn):
            raise AnsibleGenomicsError(
                message=f"custom_role_arn {self.custom_role_arn!r} is not an IAM role ARN "
                "(arn:aws:iam::<account>:role/<name>)."
            )
        references, seen = [], set()
        for index, source in enumerate(self.images):
            reference = ImageReference.parse(f"images[{index}]", source, self.upstream, self.prefix)
            if reference.key not in seen:
                seen.add(reference.key)
                references.append(reference)
        self.references = references

    @property
    def statement_id(self):
        return pull_through_cache_statement_id(self.prefix)


# --- results ----------------------------------------------------------------------------------------


def _json_or_text(text):
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return text


def normalize_rule(rule):
    return boto3_resource_to_ansible_dict(rule, transform_tags=False, force_tags=False) if rule else {}


def normalize_template(template):
    """The template as a result; repository_policy parsed, resource_tags as a dict."""
    if not template:
        return {}
    return boto3_resource_to_ansible_dict(
        template,
        transform_tags=False,
        force_tags=False,
        nested_transforms={
            "repositoryPolicy": _json_or_text,
            "lifecyclePolicy": _json_or_text,
            "resourceTags": lambda tags: boto3_tag_list_to_ansible_dict(tags or []),
        },
    )


def _resource(request, registry, rule, template, registry_document, images):
    return {
        "ecr_repository_prefix": request.prefix,
        "upstream_registry_url": request.upstream,
        "registry_id": registry.account_id,
        "rule": normalize_rule(rule),
        "repository_creation_template": normalize_template(template),
        "registry_policy_statement_id": request.statement_id,
        "registry_policy_statement": copy.deepcopy(find_statement(registry_document, request.statement_id)) or {},
        "images": images,
    }


# --- planning ---------------------------------------------------------------------------------------


class Plan:
    """What is, what will be, and the writes between them."""

    def __init__(self):
        self.rule = None
        self.rule_after = None
        self.rule_action = None  # "create" | "delete"
        self.template = None
        self.template_after = None
        self.template_action = None  # "create" | "update" | "delete"
        self.template_params = None
        self.registry_document = None
        self.registry_after = None
        self.registry_action = None  # "put" | "delete"
        self.cached = {}  # image key -> DescribeImages details, None when not cached
        self.warnings = []

    @property
    def changed(self):
        return bool(self.rule_action or self.template_action or self.registry_action)


def plan_rule(existing, request, registry):
    """(action, rule after). A rule of another upstream is someone else's: refused, never changed."""
    if existing is None:
        return "create", {
            "ecrRepositoryPrefix": request.prefix,
            "upstreamRegistryUrl": request.upstream,
            "registryId": registry.account_id,
        }
    found = (existing.get("upstreamRegistryUrl") or "").rstrip("/").lower()
    if found != request.upstream:
        raise AnsibleGenomicsError(
            message=f"the pull-through cache rule for ecr_repository_prefix {request.prefix!r} already exists with "
            "upstream "
            f"{existing.get('upstreamRegistryUrl')!r}, not {request.upstream!r}. This module never changes another "
            "cache's rule: choose another ecr_repository_prefix, or set upstream_registry_url to "
            f"{existing.get('upstreamRegistryUrl')!r}. Nothing was changed."
        )
    return None, existing


def _template_tags(existing, request):
    """(changed, tags after) of the template's resourceTags; tags=None leaves them alone."""
    current = boto3_tag_list_to_ansible_dict((existing or {}).get("resourceTags") or [])
    if request.tags is None:
        return False, current
    to_set, to_unset = compare_aws_tags(current, request.tags, purge_tags=request.purge_tags)
    if not to_set and not to_unset:
        return False, current
    after = {k: v for k, v in current.items() if k not in to_unset}
    after.update(to_set)
    return True, after


# Members of a template that UpdateRepositoryCreationTemplate takes; sent back as they are, so that an
# update never resets what this module does not manage, whatever the API does with absent members.
_TEMPLATE_MEMBERS = (
    "description",
    "encryptionConfiguration",
    "resourceTags",
    "imageTagMutability",
    "imageTagMutabilityExclusionFilters",
    "repositoryPolicy",
    "lifecyclePolicy",
    "appliedFor",
    "customRoleArn",
)


def plan_template(existing, request):
    """(action, CreateRepositoryCreationTemplate/UpdateRepositoryCreationTemplate parameters, template after)."""
    if existing is None:
        params = {
            "prefix": request.prefix,
            "description": TEMPLATE_DESCRIPTION.format(prefix=request.prefix),
            "appliedFor": [APPLIED_FOR],
            "repositoryPolicy": dump_policy({"Version": POLICY_VERSION, "Statement": [repository_statement()]}),
        }
        if request.tags:
            params["resourceTags"] = ansible_dict_to_boto3_tag_list(request.tags)
        if request.custom_role_arn:
            params["customRoleArn"] = request.custom_role_arn
        return "create", params, dict(params)

    policy = load_policy(
        existing.get("repositoryPolicy"), f"repository policy of the repository creation template {request.prefix!r}"
    )
    policy_changed, policy = with_statement(policy, repository_statement())
    applied_for = list(existing.get("appliedFor") or [])
    applied_changed = APPLIED_FOR not in applied_for
    if applied_changed:
        applied_for.append(APPLIED_FOR)
    tags_changed, tags = _template_tags(existing, request)
    role_changed = bool(request.custom_role_arn) and request.custom_role_arn != existing.get("customRoleArn")
    if not (policy_changed or applied_changed or tags_changed or role_changed):
        return None, None, existing

    params = {
        member: copy.deepcopy(existing[member]) for member in _TEMPLATE_MEMBERS if existing.get(member) is not None
    }
    params.update(prefix=request.prefix, appliedFor=applied_for, repositoryPolicy=dump_policy(policy))
    if tags_changed:
        params["resourceTags"] = ansible_dict_to_boto3_tag_list(tags)
    if role_changed:
        params["customRoleArn"] = request.custom_role_arn
    after = copy.deepcopy(existing)
    after.update(params)
    return "update", params, after


def plan_registry_policy(document, request, registry):
    """(action, document after) with this prefix's statement in the registry policy."""
    desired = registry_statement(request.prefix, registry.repository_arn_prefix)
    existing = find_statement(document, desired["Sid"])
    if existing is not None and not same_statement(existing, desired):
        others = [
            r
            for r in resources_of(existing)
            if r.startswith(registry.repository_arn_prefix) and r != desired["Resource"] and r.endswith("/*")
        ]
        if others:
            raise AnsibleGenomicsError(
                message=f"the registry policy statement {desired['Sid']!r} already covers {others}, another "
                "pull-through cache "
                f"whose prefix gives the same statement id as {request.prefix!r}. Choose another "
                "ecr_repository_prefix. "
                "Nothing was changed."
            )
    changed, after = with_statement(document, desired)
    return ("put" if changed else None), after


def _image_result(reference, request, registry, digest, imported, policy_updated=False):
    return {
        "source": reference.source,
        "repository_name": reference.repository_name(request.prefix),
        "image_uri": reference.uri(registry, request.prefix),
        "image_digest": digest,
        "imported": imported,
        "repository_policy_updated": policy_updated,
    }


def _template_warnings(request, template_after):
    if request.tags and not (template_after or {}).get("customRoleArn"):
        return [
            "tags are set on the repository creation template without custom_role_arn: Amazon ECR tags the "
            "repositories "
            "it creates from a template only through a custom role (see custom_role_arn)."
        ]
    return []


# --- present ------------------------------------------------------------------------------------------


def plan_present(ecr, request, registry):
    """Reads each resource kind once and plans the writes; raises every refusal before anything is written."""
    plan = Plan()
    plan.rule = describe_pull_through_cache_rule(ecr, request.prefix)
    plan.rule_action, plan.rule_after = plan_rule(plan.rule, request, registry)
    plan.template = describe_repository_creation_template(ecr, request.prefix)
    plan.template_action, plan.template_params, plan.template_after = plan_template(plan.template, request)
    plan.registry_document = load_policy(get_registry_policy(ecr), "registry policy")
    plan.registry_action, plan.registry_after = plan_registry_policy(plan.registry_document, request, registry)
    plan.warnings += _template_warnings(request, plan.template_after)
    plan.cached = {
        reference.key: describe_image(ecr, reference.repository_name(request.prefix), reference.image_id)
        for reference in request.references
    }
    return plan


def _answered(predicted, answer):
    """The prediction completed by what the write answered (createdAt, registryId...)."""
    result = dict(predicted or {})
    result.update({key: value for key, value in (answer or {}).items() if value is not None})
    return result


def _apply_settings(ecr, request, plan):
    """Writes the planned template, registry policy and rule, in that order (see the module docstring)."""
    if plan.template_action == "create":
        plan.template_after = _answered(
            plan.template_after, create_repository_creation_template(ecr, **plan.template_params)
        )
    elif plan.template_action == "update":
        plan.template_after = _answered(
            plan.template_after, update_repository_creation_template(ecr, **plan.template_params)
        )
    if plan.registry_action == "put":
        put_registry_policy(ecr, dump_policy(plan.registry_after))
    if plan.rule_action == "create":
        plan.rule_after = _answered(
            plan.rule_after, create_pull_through_cache_rule(ecr, request.prefix, request.upstream)
        )


def _ensure_repository_policy(ecr, repository_name, check_mode):
    """Adds the HealthOmics statement to an existing repository's policy; True when it was (or would be) missing."""
    text = get_repository_policy(ecr, repository_name)
    if text is None:
        # Not there yet (check mode): the cache creates it from the template, with the statement.
        return False
    changed, document = with_statement(
        load_policy(text, f"repository policy of {repository_name!r}"), repository_statement()
    )
    if changed and not check_mode:
        set_repository_policy(ecr, repository_name, dump_policy(document))
    return changed


def _import(ecr, reference, request):
    """Imports one image from upstream; its digest. Raises naming the image when upstream has no such image."""
    repository = reference.repository_name(request.prefix)
    try:
        response = batch_get_image(ecr, repository, reference.image_id)
    except AnsibleGenomicsError as e:
        code = getattr(e.exception, "response", {}).get("Error", {}).get("Code")
        if code in ("UnableToGetUpstreamImageException", "ImageNotFoundException"):
            raise AnsibleGenomicsError(
                message=f"image {reference.source!r} could not be imported: {request.upstream} has no such image, or "
                "refused "
                "it. Check the path and the tag (or digest) upstream.",
                exception=e.exception,
            ) from e
        if code == "RepositoryNotFoundException":
            raise AnsibleGenomicsError(
                message=f"image {reference.source!r} could not be imported: the pull-through cache did not create "
                "repository "
                f"{repository!r}. The caller needs ecr:CreateRepository and ecr:BatchImportUpstreamImage on it.",
                exception=e.exception,
            ) from e
        raise
    images = response.get("images") or []
    if images:
        return (images[0].get("imageId") or {}).get("imageDigest") or reference.digest
    failure = (response.get("failures") or [{}])[0]
    code, reason = failure.get("failureCode"), failure.get("failureReason")
    if code in ("ImageNotFound", "MissingDigestAndTag", "InvalidImageTag", "InvalidImageDigest"):
        raise AnsibleGenomicsError(
            message=f"image {reference.source!r} was not found on {request.upstream} ({code}: {reason}). Check the "
            "path and "
            "the tag (or digest) upstream; images imported before it in this task are kept."
        )
    raise AnsibleGenomicsError(
        message=f"image {reference.source!r} could not be imported through the pull-through cache ({code}: {reason})."
    )


def _ensure_images(ecr, request, registry, plan, check_mode):
    """(changed, image results before, image results after)."""
    changed, before, after, policies = False, [], [], {}
    for reference in request.references:
        detail = plan.cached.get(reference.key)
        repository = reference.repository_name(request.prefix)
        if detail is not None:
            digest, imported = detail.get("imageDigest"), False
            before.append(_image_result(reference, request, registry, digest, False))
        elif check_mode:
            digest, imported = reference.digest, True
        else:
            digest, imported = _import(ecr, reference, request), True
        if repository not in policies:
            policies[repository] = _ensure_repository_policy(ecr, repository, check_mode)
            policy_updated = policies[repository]
        else:
            policy_updated = False
        changed = changed or imported or policy_updated
        after.append(_image_result(reference, request, registry, digest, imported, policy_updated))
    return changed, before, after


def ensure_pull_through_cache_present(ecr, request, registry, check_mode):
    plan = plan_present(ecr, request, registry)
    before = _resource(request, registry, plan.rule, plan.template, plan.registry_document, [])
    if not check_mode:
        _apply_settings(ecr, request, plan)
    images_changed, images_before, images = _ensure_images(ecr, request, registry, plan, check_mode)
    before["images"] = images_before
    after = _resource(request, registry, plan.rule_after, plan.template_after, plan.registry_after, images)
    return Outcome(
        changed=plan.changed or images_changed, resource=after, before=before, after=after, warnings=plan.warnings
    )


# --- absent -------------------------------------------------------------------------------------------


def plan_absent(ecr, request, registry):
    plan = Plan()
    plan.rule = describe_pull_through_cache_rule(ecr, request.prefix)
    if plan.rule is not None:
        if (plan.rule.get("upstreamRegistryUrl") or "").rstrip("/").lower() == request.upstream:
            plan.rule_action = "delete"
        else:
            plan.rule_after = plan.rule
            plan.warnings.append(
                f"the pull-through cache rule {request.prefix!r} mirrors {plan.rule.get('upstreamRegistryUrl')!r}, not "
                f"{request.upstream!r}: it is not this module's and is left alone."
            )

    plan.template = describe_repository_creation_template(ecr, request.prefix)
    plan.template_after = plan.template
    if plan.template is not None:
        what = f"repository policy of the repository creation template {request.prefix!r}"
        policy = load_policy(plan.template.get("repositoryPolicy"), what)
        changed, remaining = without_statement(policy, REPOSITORY_STATEMENT_ID)
        shared = [a for a in plan.template.get("appliedFor") or [] if a != APPLIED_FOR]
        if not changed:
            plan.warnings.append(
                f"the repository creation template {request.prefix!r} has no {REPOSITORY_STATEMENT_ID} statement: it "
                "is not "
                "this module's and is left alone."
            )
        elif remaining is None and not shared:
            plan.template_action, plan.template_after = "delete", None
        elif remaining is not None:
            params = {m: copy.deepcopy(plan.template[m]) for m in _TEMPLATE_MEMBERS if plan.template.get(m) is not None}
            params.update(prefix=request.prefix, repositoryPolicy=dump_policy(remaining))
            plan.template_action, plan.template_params = "update", params
            plan.template_after = dict(copy.deepcopy(plan.template), **params)
        else:
            plan.warnings.append(
                f"the repository creation template {request.prefix!r} also applies to {shared}: it is left in place "
                "with its "
                f"{REPOSITORY_STATEMENT_ID} statement; remove it by hand if HealthOmics should not pull from those "
                "repositories."
            )

    plan.registry_document = load_policy(get_registry_policy(ecr), "registry policy")
    changed, plan.registry_after = without_statement(plan.registry_document, request.statement_id)
    if changed:
        plan.registry_action = "put" if plan.registry_after else "delete"
    return plan


def ensure_pull_through_cache_absent(ecr, request, registry, check_mode):
    plan = plan_absent(ecr, request, registry)
    before = _resource(request, registry, plan.rule, plan.template, plan.registry_document, [])
    if not check_mode:
        # The rule first: no repository is created through the cache once its permissions are going.
        if plan.rule_action == "delete":
            delete_pull_through_cache_rule(ecr, request.prefix)
        if plan.template_action == "delete":
            delete_repository_creation_template(ecr, request.prefix)
        elif plan.template_action == "update":
            plan.template_after = _answered(
                plan.template_after, update_repository_creation_template(ecr, **plan.template_params)
            )
        if plan.registry_action == "put":
            put_registry_policy(ecr, dump_policy(plan.registry_after))
        elif plan.registry_action == "delete":
            delete_registry_policy(ecr)
    after = _resource(request, registry, plan.rule_after, plan.template_after, plan.registry_after, [])
    return Outcome(changed=plan.changed, resource=after, before=before, after=after, warnings=plan.warnings)


# --- info ---------------------------------------------------------------------------------------------


def _template_lets_omics_pull(template):
    """Whether a creation template gives the repositories the cache creates the HealthOmics pull statement."""
    if not template or APPLIED_FOR not in (template.get("appliedFor") or []):
        return False
    try:
        policy = json.loads(template.get("repositoryPolicy") or "null")
    except ValueError:
        return False
    return same_statement(find_statement(policy, REPOSITORY_STATEMENT_ID), repository_statement())


def describe_pull_through_caches(ecr, prefix=None):
    """The registry's pull-through caches (every rule, or the rule of `prefix`), each with its creation template,
    its registry-policy statement, and whether HealthOmics can pull from it and fill it. Reads only: the rules, the
    templates and the registry policy, one call each (paginated)."""
    if prefix is not None:
        if prefix != "ROOT":  # a rule for the whole registry can exist (not this collection's): it can be read
            check_prefix(prefix)
        rule = describe_pull_through_cache_rule(ecr, prefix)
        rules = [rule] if rule else []
    else:
        rules = list_pull_through_cache_rules(ecr)
    if not rules:
        return []
    templates = {t.get("prefix"): t for t in list_repository_creation_templates(ecr)}
    registry_document = load_policy(get_registry_policy(ecr), "registry policy")
    caches = []
    for rule in sorted(rules, key=lambda r: r.get("ecrRepositoryPrefix") or ""):
        rule_prefix = rule.get("ecrRepositoryPrefix")
        template = templates.get(rule_prefix)
        statement_id = pull_through_cache_statement_id(rule_prefix)
        statement = find_statement(registry_document, statement_id)
        pull = _template_lets_omics_pull(template)
        import_ = statement is not None and set(IMPORT_ACTIONS) <= set(_as_list(statement.get("Action")))
        caches.append(
            {
                "ecr_repository_prefix": rule_prefix,
                "upstream_registry_url": rule.get("upstreamRegistryUrl"),
                "registry_id": rule.get("registryId"),
                "rule": normalize_rule(rule),
                "repository_creation_template": normalize_template(template),
                "registry_policy_statement_id": statement_id,
                "registry_policy_statement": copy.deepcopy(statement) or {},
                "healthomics_can_pull": pull,
                "healthomics_can_import": import_,
            }
        )
    return caches


def _as_list(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
