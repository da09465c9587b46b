"""ECR pull through cache, answered by the emulator because moto lacks it.

moto (5.2.5) has no pull through cache rules nor repository creation templates, and refuses a
registry policy granting ``ecr:BatchImportUpstreamImage``. ``EcrPullThroughCache`` answers those
ECR operations itself, in ECR's awsJson1_1 protocol (``POST /``, ``X-Amz-Target``), validated
against botocore's ECR model with the checker the omics protocol uses (``model.py``). Every
other ECR request still goes to moto unchanged: repositories, their policies and images live
there.

Pulling through the cache is ``BatchGetImage`` on a repository under a rule's prefix. The first
pull creates the repository in moto with the settings of the matching creation template, and
every tag not cached yet is "found upstream" (nothing leaves this machine) and pushed into moto as
a small OCI manifest whose content, and so digest, depends only on the upstream reference. Tags
starting with ``missing`` are not found upstream; any well-formed sha256 digest is. moto then
answers the ``BatchGetImage``, ``DescribeImages``, ``ListImages``... of those repositories from
the images it holds.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import logging
import re
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from dataclasses import field

import botocore.session
from botocore.model import OperationModel
from botocore.model import ServiceModel
from botocore.model import Shape

from .backend import DEFAULT_ACCOUNT_ID
from .backend import DEFAULT_REGION
from .errors import OmicsError
from .model import HttpAnswer
from .model import _RequestChecker
from .model import _serialize_value
from .model import _Violations

LOG = logging.getLogger(__name__)

SIGNING_NAME = "ecr"
TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921."
CONTENT_TYPE = "application/x-amz-json-1.1"
ROOT = "ROOT"  # the prefix matching every repository
DEFAULT_PAGE_SIZE = 100
MISSING_UPSTREAM_TAG_PREFIX = "missing"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
# Actions a registry policy may grant (replication and pull through cache); ECR refuses others.
REGISTRY_POLICY_ACTIONS = {"ecr:createrepository", "ecr:replicateimage", "ecr:batchimportupstreamimage"}
# Caller headers reused on the requests made to moto: moto routes by the credential scope and
# picks the account from the access key, so they must be the caller's.
_IDENTITY_HEADERS = {"authorization", "x-amz-date", "x-amz-security-token", "user-agent"}


@dataclass(frozen=True)
class Upstream:
    name: str  # the UpstreamRegistry enum value
    needs_credentials: bool


# Upstream registries by URL, as the model's CreatePullThroughCacheRule documentation lists them.
UPSTREAMS = {
    "public.ecr.aws": Upstream("ecr-public", False),
    "registry.k8s.io": Upstream("k8s", False),
    "quay.io": Upstream("quay", False),
    "registry-1.docker.io": Upstream("docker-hub", True),
    "ghcr.io": Upstream("github-container-registry", True),
    "registry.gitlab.com": Upstream("gitlab-container-registry", True),
    "cgr.dev": Upstream("chainguard", True),
}
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_AZURE_URL = re.compile(r"[a-z0-9-]+\.azurecr\.io")
_PRIVATE_ECR_URL = re.compile(r"[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?")


def upstream_for(url: str) -> Upstream | None:
    if url in UPSTREAMS:
        return UPSTREAMS[url]
    if _AZURE_URL.fullmatch(url):
        return Upstream("azure-container-registry", True)
    if _PRIVATE_ECR_URL.fullmatch(url):
        return Upstream("ecr", False)  # ECR authenticates with IAM, not a secret
    return None


@functools.lru_cache(maxsize=1)
def load_ecr_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model(SIGNING_NAME)


class EcrError(OmicsError):
    """An ECR error answer; the status is 400 unless the error shape is a server fault."""


def _invalid(message: str) -> EcrError:
    return EcrError(message, code="InvalidParameterException")


class _EcrViolations(_Violations):
    """Collects violations in ECR's words: model constraints are InvalidParameterException
    ("Invalid parameter at 'imageIds' failed to satisfy constraint: '...'"), values of the wrong
    JSON type are the framework's SerializationException."""

    def __init__(self) -> None:
        super().__init__()
        self.wrong_types: list[str] = []

    def add(self, path: str, value: object, constraint: str) -> None:
        self.paths.add(path)
        if constraint.startswith(
            (
                "Member must be of type",
                "Member must be a structure",
                "Member must be a timestamp",
                "Member must be base64",
            )
        ):
            self.wrong_types.append(f"Unexpected value type at '{path}': {constraint}")
        else:
            self.lines.append(f"Invalid parameter at '{path}' failed to satisfy constraint: '{constraint}'")

    def raise_if_any(self) -> None:
        if self.wrong_types:
            raise EcrError("; ".join(self.wrong_types), code="SerializationException")
        if self.lines:
            raise _invalid("; ".join(self.lines))


def _unknown_members(shape: Shape, value: object, path: str) -> list[str]:
    """Paths of JSON members the input shape does not have (botocore never sends any)."""
    if shape.type_name == "structure" and isinstance(value, dict) and not shape.is_document_type:
        found = []
        for key, item in value.items():
            member_path = f"{path}.{key}" if path else key
            if key in shape.members:
                found.extend(_unknown_members(shape.members[key], item, member_path))
            else:
                found.append(member_path)
        return found
    if shape.type_name == "list" and isinstance(value, list):
        return [
            problem
            for position, item in enumerate(value, start=1)
            for problem in _unknown_members(shape.member, item, f"{path}.{position}.member")
        ]
    return []


def _json_object_or_none(text: str) -> dict | None:
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _normalized(prefix: str) -> str:
    """ECR reads "ecr-public/" as "ecr-public": a prefix always ends at a "/"."""
    return prefix.rstrip("/") or prefix


def _longest_prefix_match(prefixes, repository_name: str) -> str | None:
    """The most specific of ``prefixes`` (normalized) covering the repository, else ROOT if given."""
    candidates = [prefix for prefix in prefixes if prefix != ROOT and repository_name.startswith(prefix + "/")]
    if candidates:
        return max(candidates, key=len)
    return ROOT if ROOT in prefixes else None


def upstream_image(reference: str) -> tuple[str, str]:
    """A small, valid OCI image manifest standing for ``reference`` and its digest.

    The content depends on the reference only, so pulling the same tag again (or in another
    test) gives the same digest, as a cache of an unchanged upstream image would.
    """
    seed = hashlib.sha256(reference.encode()).hexdigest()
    layer_digest = "sha256:" + hashlib.sha256(f"layer:{reference}".encode()).hexdigest()
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": ["sha256:" + seed]}},
        sort_keys=True,
        separators=(",", ":"),
    )
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": "sha256:" + hashlib.sha256(config.encode()).hexdigest(),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": layer_digest,
                    "size": 20_000_000 + int(seed[:6], 16),
                }
            ],
            "annotations": {"org.opencontainers.image.base.name": reference},
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return manifest, "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()


@dataclass
class _Registry:
    """One account's private registry in one region."""

    rules: dict[str, dict] = field(default_factory=dict)  # normalized prefix -> rule, by output member name
    templates: dict[str, dict] = field(default_factory=dict)  # normalized prefix -> template
    policy: str | None = None


class _MotoError(Exception):
    def __init__(self, code: str, answer: HttpAnswer):
        super().__init__(code)
        self.code = code
        self.answer = answer


class EcrPullThroughCache:
    """The ECR operations moto lacks; see the module documentation.

    ``forwarder`` reaches the moto server holding the repositories (``server.Forwarder``).
    """

    def __init__(self, forwarder, account_id: str = DEFAULT_ACCOUNT_ID, service_model: ServiceModel | None = None):
        self.forwarder = forwarder
        self.account_id = account_id
        self.service_model = service_model or load_ecr_model()
        self._lock = threading.RLock()
        self._registries: dict[str, _Registry] = {}
        self.operations = {
            "CreatePullThroughCacheRule": self.create_pull_through_cache_rule,
            "DescribePullThroughCacheRules": self.describe_pull_through_cache_rules,
            "UpdatePullThroughCacheRule": self.update_pull_through_cache_rule,
            "ValidatePullThroughCacheRule": self.validate_pull_through_cache_rule,
            "DeletePullThroughCacheRule": self.delete_pull_through_cache_rule,
            "CreateRepositoryCreationTemplate": self.create_repository_creation_template,
            "DescribeRepositoryCreationTemplates": self.describe_repository_creation_templates,
            "UpdateRepositoryCreationTemplate": self.update_repository_creation_template,
            "DeleteRepositoryCreationTemplate": self.delete_repository_creation_template,
            "PutRegistryPolicy": self.put_registry_policy,
            "GetRegistryPolicy": self.get_registry_policy,
            "DeleteRegistryPolicy": self.delete_registry_policy,
        }

    # -- introspection for tests -----------------------------------------------------------------

    def state(self, region: str = DEFAULT_REGION) -> dict:
        """Copies of a region's rules, templates and registry policy."""
        with self._lock:
            registry = self._registry(region)
            return {
                "rules": [dict(rule) for rule in registry.rules.values()],
                "templates": [json.loads(json.dumps(item)) for item in registry.templates.values()],
                "policy": registry.policy,
            }

    # -- HTTP ------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes, region: str) -> HttpAnswer | None:
        """The answer to an ECR request, or None when moto should answer it."""
        operation_name = self.operation_name(method, target, headers)
        if operation_name is None:
            return None
        if operation_name not in self.operations:
            if operation_name != "BatchGetImage" or not self._pulls_through(body, region):
                return None
        try:
            operation = self.service_model.operation_model(operation_name)
            params = self._parse(operation, body)
            if operation_name == "BatchGetImage":
                answer = self.batch_get_image(region, params, headers, body)
            else:
                with self._lock:
                    self._check_registry_id(params)
                    result = self.operations[operation_name](self._registry(region), params)
                answer = HttpAnswer(
                    200,
                    {"Content-Type": CONTENT_TYPE},
                    json.dumps(_serialize_value(operation.output_shape, result or {})).encode(),
                )
        except EcrError as error:
            answer = self.error_answer(error)
        except Exception:  # a bug must answer 500, not drop the connection
            LOG.error("ECR emulation failed on %s\n%s", operation_name, traceback.format_exc())
            answer = self.error_answer(
                EcrError(f"The ECR emulation failed: {traceback.format_exc(limit=1).strip()}", code="ServerException")
            )
        if not any(key.lower() == "x-amzn-requestid" for key in answer.headers):
            answer.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        return answer

    @staticmethod
    def operation_name(method: str, target: str, headers: dict[str, str]) -> str | None:
        """The ECR operation of a request in ECR's protocol, else None."""
        amz_target = next((value for key, value in headers.items() if key.lower() == "x-amz-target"), "")
        if method != "POST" or target.partition("?")[0] != "/" or not amz_target.startswith(TARGET_PREFIX):
            return None
        return amz_target[len(TARGET_PREFIX) :]

    def _parse(self, operation: OperationModel, body: bytes) -> dict:
        try:
            document = json.loads(body) if body.strip() else {}
        except (UnicodeDecodeError, ValueError) as error:
            raise EcrError(f"Request body is not valid JSON: {error}", code="SerializationException") from None
        if not isinstance(document, dict):
            raise EcrError("Request body must be a JSON object", code="SerializationException")
        shape = operation.input_shape
        if shape is None:
            return {}
        unknown = _unknown_members(shape, document, "")
        if unknown:
            raise EcrError(
                f"Unrecognized field(s) in the {operation.name} request: {', '.join(unknown)}",
                code="SerializationException",
            )
        checker = _RequestChecker()
        checker.violations = _EcrViolations()
        return checker.check_request(shape, document)

    def error_answer(self, error: OmicsError) -> HttpAnswer:
        status = error.http_status
        if status is None:
            shapes = self.service_model.shape_names
            fault = error.code in shapes and self.service_model.shape_for(error.code).metadata.get("fault")
            status = 500 if fault or error.code == "ServerException" else 400
        body = json.dumps({"__type": error.code, "message": error.message}).encode()
        return HttpAnswer(status, {"Content-Type": CONTENT_TYPE}, body)

    # -- shared bookkeeping ----------------------------------------------------------------------

    def _registry(self, region: str) -> _Registry:
        return self._registries.setdefault(region, _Registry())

    def _check_registry_id(self, params: dict) -> None:
        registry_id = params.get("registryId")
        if registry_id is not None and registry_id != self.account_id:
            raise _invalid(
                f"Invalid parameter at 'registryId' failed to satisfy constraint: "
                f"'the emulator serves the registry of account {self.account_id} only'"
            )

    def _page(self, items: list[dict], params: dict) -> tuple[list[dict], str | None]:
        start = 0
        if params.get("nextToken"):
            try:
                start = int(base64.b64decode(params["nextToken"], validate=True))
            except (binascii.Error, ValueError):
                raise _invalid(
                    "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid pagination token'"
                ) from None
        end = start + (params.get("maxResults") or DEFAULT_PAGE_SIZE)
        token = base64.b64encode(str(end).encode()).decode() if end < len(items) else None
        return items[start:end], token

    # -- pull through cache rules ----------------------------------------------------------------

    def create_pull_through_cache_rule(self, registry: _Registry, params: dict) -> dict:
        prefix, url = params["ecrRepositoryPrefix"], params["upstreamRegistryUrl"]
        upstream = upstream_for(url)
        if upstream is None:
            raise EcrError(
                f"The upstream registry URL '{url}' is not supported for pull through cache rules",
                code="UnsupportedUpstreamRegistryException",
            )
        declared = params.get("upstreamRegistry")
        if declared is not None and declared != upstream.name:
            raise _invalid(
                f"Invalid parameter at 'upstreamRegistry' failed to satisfy constraint: "
                f"'{declared}' does not match the upstream registry URL '{url}' ({upstream.name})"
            )
        if upstream.needs_credentials and not params.get("credentialArn"):
            raise EcrError(
                f"The upstream registry {upstream.name} ({url}) is supported only with a credentialArn: "
                f"a Secrets Manager secret holding the upstream credentials",
                code="UnsupportedUpstreamRegistryException",
            )
        key = _normalized(prefix)
        if key in registry.rules:
            raise EcrError(
                f"A pull through cache rule with prefix '{prefix}' already exists in the registry "
                f"with id '{self.account_id}'",
                code="PullThroughCacheRuleAlreadyExistsException",
            )
        now = time.time()
        rule = {
            "ecrRepositoryPrefix": prefix,
            "upstreamRegistryUrl": url,
            "createdAt": now,
            "updatedAt": now,
            "registryId": self.account_id,
            "upstreamRegistry": upstream.name,
            "credentialArn": params.get("credentialArn"),
            "customRoleArn": params.get("customRoleArn"),
            "upstreamRepositoryPrefix": params.get("upstreamRepositoryPrefix"),
        }
        registry.rules[key] = rule
        return dict(rule)

    def _rule(self, registry: _Registry, prefix: str) -> dict:
        rule = registry.rules.get(_normalized(prefix))
        if rule is None:
            raise EcrError(
                f"The pull through cache rule with prefix '{prefix}' does not exist in the registry "
                f"with id '{self.account_id}'",
                code="PullThroughCacheRuleNotFoundException",
            )
        return rule

    def describe_pull_through_cache_rules(self, registry: _Registry, params: dict) -> dict:
        if params.get("ecrRepositoryPrefixes"):
            rules = [self._rule(registry, prefix) for prefix in params["ecrRepositoryPrefixes"]]
        else:
            rules = list(registry.rules.values())
        page, token = self._page([dict(rule) for rule in rules], params)
        return {"pullThroughCacheRules": page, "nextToken": token}

    def update_pull_through_cache_rule(self, registry: _Registry, params: dict) -> dict:
        rule = self._rule(registry, params["ecrRepositoryPrefix"])
        if not params.get("credentialArn") and not params.get("customRoleArn"):
            raise _invalid("Invalid input: Please set either credential arn or role arn to update the credentials")
        for name in ("credentialArn", "customRoleArn"):
            if params.get(name):
                rule[name] = params[name]
        rule["updatedAt"] = time.time()
        return dict(rule)

    def validate_pull_through_cache_rule(self, registry: _Registry, params: dict) -> dict:
        # Nothing is reached upstream, so every rule authenticates successfully.
        return {**self._rule(registry, params["ecrRepositoryPrefix"]), "isValid": True}

    def delete_pull_through_cache_rule(self, registry: _Registry, params: dict) -> dict:
        rule = self._rule(registry, params["ecrRepositoryPrefix"])
        del registry.rules[_normalized(rule["ecrRepositoryPrefix"])]
        return rule

    # -- repository creation templates -----------------------------------------------------------

    _TEMPLATE_SETTINGS = (
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

    @staticmethod
    def _check_template_policies(params: dict) -> None:
        for name, kind in (("repositoryPolicy", "repository"), ("lifecyclePolicy", "lifecycle")):
            if params.get(name) and _json_object_or_none(params[name]) is None:
                raise _invalid(
                    f"Invalid parameter at '{name}' failed to satisfy constraint: 'Invalid {kind} policy provided'"
                )

    def _template(self, registry: _Registry, prefix: str) -> dict:
        template = registry.templates.get(_normalized(prefix))
        if template is None:
            raise EcrError(
                f"The repository creation template with prefix '{prefix}' does not exist in the "
                f"registry with id '{self.account_id}'",
                code="TemplateNotFoundException",
            )
        return template

    def _template_answer(self, template: dict) -> dict:
        return {"registryId": self.account_id, "repositoryCreationTemplate": json.loads(json.dumps(template))}

    def create_repository_creation_template(self, registry: _Registry, params: dict) -> dict:
        prefix = params["prefix"]
        key = _normalized(prefix)
        if key in registry.templates:
            raise EcrError(
                f"The repository creation template with prefix '{prefix}' already exists in the "
                f"registry with id '{self.account_id}'",
                code="TemplateAlreadyExistsException",
            )
        self._check_template_policies(params)
        now = time.time()
        # ECR's defaults for what the request leaves out, as CreateRepository has them.
        template = {
            "prefix": prefix,
            "imageTagMutability": "MUTABLE",
            "encryptionConfiguration": {"encryptionType": "AES256"},
            "resourceTags": [],
            "createdAt": now,
            "updatedAt": now,
        }
        template.update({name: params[name] for name in self._TEMPLATE_SETTINGS if params.get(name) is not None})
        registry.templates[key] = template
        return self._template_answer(template)

    def describe_repository_creation_templates(self, registry: _Registry, params: dict) -> dict:
        if params.get("prefixes"):
            templates = [self._template(registry, prefix) for prefix in params["prefixes"]]
        else:
            templates = list(registry.templates.values())
        page, token = self._page(json.loads(json.dumps(templates)), params)
        return {"registryId": self.account_id, "repositoryCreationTemplates": page, "nextToken": token}

    def update_repository_creation_template(self, registry: _Registry, params: dict) -> dict:
        template = self._template(registry, params["prefix"])
        self._check_template_policies(params)
        # What the request leaves out stays as it was.
        template.update({name: params[name] for name in self._TEMPLATE_SETTINGS if params.get(name) is not None})
        template["updatedAt"] = time.time()
        return self._template_answer(template)

    def delete_repository_creation_template(self, registry: _Registry, params: dict) -> dict:
        template = self._template(registry, params["prefix"])
        del registry.templates[_normalized(template["prefix"])]
        return self._template_answer(template)

    # -- registry policy -------------------------------------------------------------------------

    def put_registry_policy(self, registry: _Registry, params: dict) -> dict:
        text = params["policyText"]
        if not self._valid_registry_policy(text):
            raise _invalid(
                "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid registry policy provided'"
            )
        registry.policy = text
        return {"registryId": self.account_id, "policyText": text}

    @staticmethod
    def _valid_registry_policy(text: str) -> bool:
        # moto's IAM grammar check (moto is what the forwarder talks to, so it is installed).
        from moto.iam.exceptions import MalformedPolicyDocument
        from moto.iam.policy_validation import IAMPolicyDocumentValidator

        try:
            IAMPolicyDocumentValidator(text).validate()
        except MalformedPolicyDocument:
            return False
        statements = json.loads(text)["Statement"]
        for statement in statements if isinstance(statements, list) else [statements]:
            actions = statement.get("Action", [])
            for action in [actions] if isinstance(actions, str) else actions:
                if action.lower() not in REGISTRY_POLICY_ACTIONS:
                    return False
            if "Principal" not in statement:  # a resource policy says whom it grants
                return False
        return True

    def _policy(self, registry: _Registry) -> str:
        if registry.policy is None:
            raise EcrError(
                f"Registry policy does not exist in the registry with id '{self.account_id}'",
                code="RegistryPolicyNotFoundException",
            )
        return registry.policy

    def get_registry_policy(self, registry: _Registry, params: dict) -> dict:
        return {"registryId": self.account_id, "policyText": self._policy(registry)}

    def delete_registry_policy(self, registry: _Registry, params: dict) -> dict:
        text = self._policy(registry)
        registry.policy = None
        return {"registryId": self.account_id, "policyText": text}

    # -- pulling through the cache ---------------------------------------------------------------

    def _pulls_through(self, body: bytes, region: str) -> bool:
        """Whether a BatchGetImage request is for a repository of this registry under a rule."""
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            return False
        if not isinstance(document, dict) or document.get("registryId") not in (None, self.account_id):
            return False
        repository_name = document.get("repositoryName")
        if not isinstance(repository_name, str):
            return False
        with self._lock:
            return _longest_prefix_match(self._registry(region).rules, repository_name) is not None

    def batch_get_image(self, region: str, params: dict, headers: dict[str, str], body: bytes) -> HttpAnswer:
        """Import what the request asks for into moto, then let moto answer it."""
        repository_name = params["repositoryName"]
        with self._lock:  # one import at a time, so concurrent pulls do not race to create the repository
            registry = self._registry(region)
            rule_key = _longest_prefix_match(registry.rules, repository_name)
            if rule_key is None:  # the rule was deleted meanwhile
                return self._moto_forward(headers, body)
            rule = dict(registry.rules[rule_key])
            template_key = _longest_prefix_match(
                {key for key, item in registry.templates.items() if "PULL_THROUGH_CACHE" in item.get("appliedFor", [])},
                repository_name,
            )
            template = json.loads(json.dumps(registry.templates[template_key])) if template_key else None
            try:
                self._ensure_repository(repository_name, template, headers)
                cached = self._moto("ListImages", {"repositoryName": repository_name}, headers)["imageIds"]
                tags = {image_id["imageTag"] for image_id in params["imageIds"] if image_id.get("imageTag")}
                for tag in sorted(tags - {image.get("imageTag") for image in cached}):
                    if not tag.startswith(MISSING_UPSTREAM_TAG_PREFIX):
                        self._import(rule, repository_name, headers, tag=tag)
                digests = {
                    image_id["imageDigest"]
                    for image_id in params["imageIds"]
                    if not image_id.get("imageTag") and _DIGEST.fullmatch(image_id.get("imageDigest") or "")
                }
                for digest in sorted(digests - {image.get("imageDigest") for image in cached}):
                    self._import(rule, repository_name, headers, digest=digest)
            except _MotoError as error:
                return error.answer
        return self._moto_forward(headers, body)

    def _upstream_reference(self, rule: dict, repository_name: str, tag: str | None, digest: str | None) -> str:
        prefix = _normalized(rule["ecrRepositoryPrefix"])
        path = repository_name if prefix == ROOT else repository_name[len(prefix) + 1 :]
        upstream_prefix = rule.get("upstreamRepositoryPrefix")
        if upstream_prefix and _normalized(upstream_prefix) != ROOT:
            path = f"{_normalized(upstream_prefix)}/{path}"
        return f"{rule['upstreamRegistryUrl']}/{path}" + (f":{tag}" if tag else f"@{digest}")

    def _ensure_repository(self, repository_name: str, template: dict | None, headers: dict[str, str]) -> None:
        """Create the repository as the template says; a repository that exists is used as it is."""
        request = {"repositoryName": repository_name}
        if template:
            for name in ("imageTagMutability", "imageTagMutabilityExclusionFilters"):
                if template.get(name):
                    request[name] = template[name]
            if template.get("encryptionConfiguration"):
                # An empty kmsKey means the AWS managed key, which CreateRepository says by leaving it out.
                request["encryptionConfiguration"] = {
                    key: value for key, value in template["encryptionConfiguration"].items() if value
                }
            if template.get("resourceTags"):
                request["tags"] = template["resourceTags"]
        try:
            self._moto("CreateRepository", request, headers)
        except _MotoError as error:
            if error.code == "RepositoryAlreadyExistsException":
                return
            raise
        if template and template.get("repositoryPolicy"):
            self._moto(
                "SetRepositoryPolicy",
                {"repositoryName": repository_name, "policyText": template["repositoryPolicy"]},
                headers,
            )
        if template and template.get("lifecyclePolicy"):
            self._moto(
                "PutLifecyclePolicy",
                {"repositoryName": repository_name, "lifecyclePolicyText": template["lifecyclePolicy"]},
                headers,
            )

    def _import(
        self,
        rule: dict,
        repository_name: str,
        headers: dict[str, str],
        tag: str | None = None,
        digest: str | None = None,
    ) -> None:
        """Push the upstream image of a tag, or of a digest (any well-formed one is found upstream).

        An image pulled by digest keeps that digest although its made-up manifest hashes to
        another: nothing here checks the content, and the digest is what callers compare.
        """
        manifest, content_digest = upstream_image(self._upstream_reference(rule, repository_name, tag, digest))
        request = {
            "repositoryName": repository_name,
            "imageManifest": manifest,
            "imageManifestMediaType": OCI_MANIFEST,
            "imageDigest": digest or content_digest,
        }
        if tag:
            request["imageTag"] = tag
        try:
            self._moto("PutImage", request, headers)
        except _MotoError as error:
            if error.code != "ImageAlreadyExistsException":  # another emulator on the same moto imported it
                raise

    # -- moto ------------------------------------------------------------------------------------

    def _moto_forward(self, headers: dict[str, str], body: bytes) -> HttpAnswer:
        try:
            return self.forwarder.forward("POST", "/", headers, body)
        except OSError as error:
            return self.error_answer(EcrError(f"cannot reach the ECR backend (moto): {error}", code="ServerException"))

    def _moto(self, operation_name: str, params: dict, headers: dict[str, str]) -> dict:
        """Call an ECR operation on moto as the caller; raise _MotoError with moto's answer on failure."""
        outgoing = {key: value for key, value in headers.items() if key.lower() in _IDENTITY_HEADERS}
        outgoing.update({"X-Amz-Target": TARGET_PREFIX + operation_name, "Content-Type": CONTENT_TYPE})
        answer = self._moto_forward(outgoing, json.dumps(params).encode())
        try:
            document = json.loads(answer.body) if answer.body else {}
        except ValueError:
            document = {}
        if answer.status >= 300:
            code = str(document.get("__type", f"HTTP{answer.status}")).rsplit("#", 1)[-1]
            raise _MotoError(code, answer)
        return document
