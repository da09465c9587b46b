"""State and behaviour of the emulated HealthOmics service: configurations, workflows, runs, tags.

Operation handlers receive requests already validated against the model (see ``model.py``) as
Python values keyed by member name, and return dicts keyed by output member name; the protocol
layer projects them onto the output shape. Statuses are derived from timestamps when read
(CREATING -> ACTIVE after ``delay`` seconds, and so on), so no background work is needed except
one worker thread per run, which hands the run to the executor when it reaches RUNNING.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import logging
import random
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from dataclasses import field
from typing import Callable

from botocore.model import ServiceModel

from .errors import ConflictException
from .errors import OmicsError
from .errors import ResourceNotFoundException
from .errors import ValidationException
from .executor import ExecutionResult
from .executor import RunExecutor
from .executor import SucceedingExecutor
from .network import Ec2Network
from .network import ResolvedVpc
from .network import S3Objects

LOG = logging.getLogger(__name__)

DEFAULT_ACCOUNT_ID = "123456789012"  # moto's account, so ARNs line up with the rest of the tests
DEFAULT_REGION = "us-east-1"
DEFAULT_DELAY = 0.5
DEFAULT_PAGE_SIZE = 100
MAX_TAGS_PER_RESOURCE = 50
RUN_ACTIVE_STATUSES = ("PENDING", "STARTING", "RUNNING", "STOPPING")
RUN_TERMINAL_STATUSES = ("COMPLETED", "FAILED", "CANCELLED", "DELETED")
ENGINE_BY_EXTENSION = {".wdl": "WDL", ".nf": "NEXTFLOW", ".cwl": "CWL"}


@dataclass(frozen=True)
class RequestContext:
    """Who is calling where: the region comes from the request's SigV4 credential scope."""

    region: str
    account_id: str


def _arn(context: RequestContext, resource_type: str, resource_id: str) -> str:
    return f"arn:aws:omics:{context.region}:{context.account_id}:{resource_type}/{resource_id}"


# --------------------------------------------------------------------------------------------
# Resources
# --------------------------------------------------------------------------------------------


@dataclass
class Configuration:
    name: str
    arn: str
    uuid: str
    region: str
    description: str | None
    vpc: ResolvedVpc
    tags: dict[str, str]
    created_at: float
    active_at: float
    deleting_at: float | None = None
    gone_at: float | None = None

    def status(self, now: float) -> str:
        if self.deleting_at is not None:
            return "DELETING" if now < self.gone_at else "DELETED"
        return "CREATING" if now < self.active_at else "ACTIVE"

    def describe(self, now: float) -> dict:
        vpc_config = {
            "subnetIds": list(self.vpc.subnet_ids),
            "securityGroupIds": list(self.vpc.security_group_ids),
            "vpcId": self.vpc.vpc_id,
            "vpcOwnerAccountId": self.vpc.owner_account_id,
        }
        return {
            "arn": self.arn,
            "uuid": self.uuid,
            "name": self.name,
            "description": self.description,
            "runConfigurations": {"vpcConfig": vpc_config},
            "status": self.status(now),
            "creationTime": self.created_at,
            "tags": dict(self.tags),
        }


@dataclass
class Workflow:
    id: str
    arn: str
    uuid: str
    region: str
    name: str | None
    description: str | None
    engine: str | None
    main: str | None
    definition_zip: bytes | None
    definition_uri: str | None
    digest: str | None
    parameter_template: dict | None
    settings: dict  # storageType, storageCapacity, accelerators, ... echoed back by GetWorkflow
    tags: dict[str, str]
    created_at: float
    ready_at: float
    failure_message: str | None  # why the definition is unusable; shown once CREATING is over

    def status(self, now: float) -> str:
        if now < self.ready_at:
            return "CREATING"
        return "FAILED" if self.failure_message else "ACTIVE"

    def describe(self, now: float) -> dict:
        status = self.status(now)
        return {
            **self.settings,
            "arn": self.arn,
            "id": self.id,
            "uuid": self.uuid,
            "status": status,
            "type": "PRIVATE",
            "name": self.name,
            "description": self.description,
            "engine": self.engine,
            "main": self.main,
            "digest": self.digest,
            "definition": self.definition_uri,
            "parameterTemplate": self.parameter_template,
            "creationTime": self.created_at,
            "statusMessage": self.failure_message if status == "FAILED" else None,
            "tags": dict(self.tags),
        }


@dataclass
class Run:
    id: str
    arn: str
    uuid: str
    region: str
    request_id: str
    workflow_id: str
    workflow_uuid: str
    workflow_name: str | None
    workflow_digest: str | None
    name: str | None
    role_arn: str
    output_uri: str
    run_output_uri: str
    parameters: dict | None
    networking_mode: str
    configuration_name: str | None
    configuration_arn: str | None
    configuration_uuid: str | None
    vpc: ResolvedVpc | None
    cache_id: str | None
    cache_behavior: str | None
    settings: dict  # priority, storageType, logLevel, ... echoed back by GetRun
    tags: dict[str, str]
    stage_delay: float
    created_at: float
    cancel_requested: threading.Event = field(default_factory=threading.Event)
    result: ExecutionResult | None = None
    finished_at: float | None = None
    cancelled_at: float | None = None

    @property
    def starting_at(self) -> float:
        return self.created_at + self.stage_delay

    @property
    def running_at(self) -> float:
        return self.created_at + 2 * self.stage_delay

    def status(self, now: float) -> str:
        if self.cancelled_at is not None:
            return "STOPPING" if now < self.cancelled_at + self.stage_delay else "CANCELLED"
        if now < self.starting_at:
            return "PENDING"
        if now < self.running_at:
            return "STARTING"
        # RUNNING lasts at least one delay, and as long as the executor works.
        if self.result is None or now < self.running_at + self.stage_delay:
            return "RUNNING"
        return self.result.status

    def stop_time(self, now: float) -> float | None:
        status = self.status(now)
        if status == "CANCELLED":
            return self.cancelled_at + self.stage_delay
        if status in ("COMPLETED", "FAILED"):
            return max(self.finished_at, self.running_at + self.stage_delay)
        return None

    def describe(self, now: float) -> dict:
        status = self.status(now)
        started = self.cancelled_at is None or self.cancelled_at >= self.running_at
        configuration = None
        if self.configuration_name:
            configuration = {
                "name": self.configuration_name,
                "arn": self.configuration_arn,
                "uuid": self.configuration_uuid,
            }
        vpc_config = None
        if self.vpc:
            vpc_config = {
                "subnetIds": list(self.vpc.subnet_ids),
                "securityGroupIds": list(self.vpc.security_group_ids),
                "vpcId": self.vpc.vpc_id,
                "vpcOwnerAccountId": self.vpc.owner_account_id,
            }
        result = self.result if status in ("COMPLETED", "FAILED") else None
        return {
            **self.settings,
            "arn": self.arn,
            "id": self.id,
            "uuid": self.uuid,
            "status": status,
            "workflowId": self.workflow_id,
            "workflowType": "PRIVATE",
            "workflowUuid": self.workflow_uuid,
            "workflowName": self.workflow_name,
            "digest": self.workflow_digest,
            "name": self.name,
            "roleArn": self.role_arn,
            "parameters": self.parameters,
            "outputUri": self.output_uri,
            "runOutputUri": self.run_output_uri,
            "cacheId": self.cache_id,
            "cacheBehavior": self.cache_behavior,
            "networkingMode": self.networking_mode,
            "configuration": configuration,
            "vpcConfig": vpc_config,
            "creationTime": self.created_at,
            "startTime": self.running_at if started and now >= self.running_at else None,
            "stopTime": self.stop_time(now),
            "statusMessage": result.status_message if result else None,
            "failureReason": result.failure_reason if result else None,
            "logLocation": {"runLogStream": f"run/{self.id}", "engineLogStream": f"run/{self.id}/engine"},
            "tags": dict(self.tags),
        }


@dataclass
class _RegionState:
    configurations: dict[str, Configuration] = field(default_factory=dict)
    workflows: dict[str, Workflow] = field(default_factory=dict)
    runs: dict[str, Run] = field(default_factory=dict)
    # (operation, requestId) -> (request fingerprint, id of what that request created)
    idempotency: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)


@dataclass
class _InjectedError:
    code: str
    message: str
    remaining: int


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _fingerprint(params: dict) -> str:
    """What makes two requests with one requestId 'the same request'."""
    significant = {key: value for key, value in params.items() if key != "requestId"}
    encoded = json.dumps(
        significant,
        sort_keys=True,
        default=lambda value: hashlib.sha256(value).hexdigest() if isinstance(value, bytes) else str(value),
    )
    return hashlib.sha256(encoded.encode()).hexdigest()


def inspect_definition(
    definition: bytes, main: str | None, engine: str | None
) -> tuple[str | None, str | None, str | None]:
    """Check a workflow definition zip as HealthOmics does after CreateWorkflow returns.

    Returns (main file, engine, failure message or None).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(definition)) as archive:
            broken = archive.testzip()
            names = [name for name in archive.namelist() if not name.endswith("/")]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as error:
        return main, engine, f"The workflow definition is not a valid zip archive: {error}"
    if broken:
        return main, engine, f"The workflow definition zip has a corrupt member: {broken}"
    if main is not None:
        if main not in names:
            return main, engine, f"The main file '{main}' is not in the workflow definition zip"
    else:
        definitions = [name for name in names if _extension(name) in ENGINE_BY_EXTENSION]
        named_main = [name for name in definitions if name.rsplit("/", 1)[-1].rsplit(".", 1)[0] == "main"]
        if len(named_main) == 1:
            main = named_main[0]
        elif len(definitions) == 1:
            main = definitions[0]
        else:
            return (
                None,
                engine,
                (
                    "Specify main: the workflow definition zip holds "
                    f"{len(definitions)} workflow definition files and none is named main"
                ),
            )
    detected = ENGINE_BY_EXTENSION.get(_extension(main))
    if engine is None:
        if detected is None:
            return main, None, f"Cannot detect the workflow engine of '{main}'; specify engine"
        engine = detected
    return main, engine, None


def _extension(path: str) -> str:
    base = path.rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode()


def _decode_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationException(f"Invalid pagination token: {token}") from None


# --------------------------------------------------------------------------------------------
# The backend
# --------------------------------------------------------------------------------------------


class OmicsBackend:
    def __init__(
        self,
        *,
        ec2_endpoint: str | None = None,
        s3_endpoint: str | None = None,
        delay: float = DEFAULT_DELAY,
        executor: RunExecutor | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        service_model: ServiceModel | None = None,
    ):
        if delay < 0:
            raise ValueError("delay must be >= 0")
        self.delay = delay
        # A configuration's own delays (AWS: about 60 s CREATING, 30 s DELETING), which the bench sets apart.
        self.configuration_active_delay = delay
        self.configuration_deleted_delay = delay
        self.executor = executor or SucceedingExecutor()
        self.account_id = account_id
        self.network = Ec2Network(ec2_endpoint)
        # One moto server answers every service, so S3 defaults to the EC2 endpoint.
        self.s3 = S3Objects(s3_endpoint or ec2_endpoint)
        self.service_model = service_model
        self._lock = threading.RLock()
        self._regions: dict[str, _RegionState] = {}
        self._used_ids: set[str] = set()
        self._random = random.Random()
        self._injected: dict[str, list[_InjectedError]] = {}
        self._run_threads: list[threading.Thread] = []
        self.operations: dict[str, Callable[[RequestContext, dict], dict | None]] = {
            "CreateConfiguration": self.create_configuration,
            "GetConfiguration": self.get_configuration,
            "DeleteConfiguration": self.delete_configuration,
            "ListConfigurations": self.list_configurations,
            "CreateWorkflow": self.create_workflow,
            "GetWorkflow": self.get_workflow,
            "ListWorkflows": self.list_workflows,
            "UpdateWorkflow": self.update_workflow,
            "DeleteWorkflow": self.delete_workflow,
            "StartRun": self.start_run,
            "GetRun": self.get_run,
            "ListRuns": self.list_runs,
            "CancelRun": self.cancel_run,
            "TagResource": self.tag_resource,
            "UntagResource": self.untag_resource,
            "ListTagsForResource": self.list_tags_for_resource,
        }

    # -- dispatch ------------------------------------------------------------------------------

    def implements(self, operation_name: str) -> bool:
        return operation_name in self.operations

    def call(self, operation_name: str, context: RequestContext, params: dict) -> dict | None:
        self._raise_injected_error(operation_name)
        return self.operations[operation_name](context, params)

    def inject_error(self, operation_name: str, code: str, message: str | None = None, count: int = 1) -> None:
        """Make the next ``count`` calls of an operation fail with the error ``code``.

        For testing how callers handle AccessDeniedException, ThrottlingException,
        ServiceQuotaExceededException and the like, which the emulator has no reason to raise.
        """
        if operation_name not in self.operations:
            raise ValueError(f"the emulator does not implement {operation_name}")
        if self.service_model is not None:
            error_codes = {shape.name for shape in self.service_model.operation_model(operation_name).error_shapes}
            if code not in error_codes:
                raise ValueError(f"{operation_name} cannot raise {code}; its errors are {sorted(error_codes)}")
        with self._lock:
            self._injected.setdefault(operation_name, []).append(
                _InjectedError(code, message or f"Injected {code} for {operation_name}", count)
            )

    def _raise_injected_error(self, operation_name: str) -> None:
        with self._lock:
            queue = self._injected.get(operation_name)
            if not queue:
                return
            injected = queue[0]
            injected.remaining -= 1
            if injected.remaining <= 0:
                queue.pop(0)
        raise OmicsError(injected.message, code=injected.code)

    def resources(self, region: str = DEFAULT_REGION) -> dict[str, list]:
        """The live records of a region, for tests and executors to inspect (do not modify)."""
        with self._lock:
            state = self._state(RequestContext(region, self.account_id))
            return {
                "configurations": list(state.configurations.values()),
                "workflows": list(state.workflows.values()),
                "runs": list(state.runs.values()),
            }

    def shutdown(self) -> None:
        """Tell running executors to stop and give their threads a moment to finish."""
        with self._lock:
            runs = [run for state in self._regions.values() for run in state.runs.values()]
            threads = list(self._run_threads)
        for run in runs:
            run.cancel_requested.set()
        for thread in threads:
            thread.join(timeout=1)

    # -- shared bookkeeping --------------------------------------------------------------------

    def _state(self, context: RequestContext) -> _RegionState:
        state = self._regions.setdefault(context.region, _RegionState())
        now = time.time()
        # Deleted configurations disappear once their DELETING delay is over.
        for name in [name for name, item in state.configurations.items() if item.status(now) == "DELETED"]:
            del state.configurations[name]
        return state

    def _new_numeric_id(self) -> str:
        """Seven digits, like the real service's workflow and run ids."""
        while True:
            candidate = str(self._random.randint(1_000_000, 9_999_999))
            if candidate not in self._used_ids:
                self._used_ids.add(candidate)
                return candidate

    def _replayed(self, state: _RegionState, operation: str, params: dict, lookup: Callable[[str], object]):
        """The resource an earlier request with the same requestId created, if any."""
        record = state.idempotency.get((operation, params["requestId"]))
        if record is None:
            return None
        fingerprint, resource_key = record
        if fingerprint != _fingerprint(params):
            raise ConflictException(
                f"requestId {params['requestId']} was already used for a different {operation} request"
            )
        return lookup(resource_key)

    def _remember(self, state: _RegionState, operation: str, params: dict, resource_key: str) -> None:
        state.idempotency[(operation, params["requestId"])] = (_fingerprint(params), resource_key)

    def _page(self, operation: str, keyed_items: list[tuple[str, dict]], params: dict) -> dict:
        """One page of a List* answer; ``startingToken``/``nextToken`` point at an item key."""
        page_size = params.get("maxResults") or self._max_page_size(operation)
        keys = [key for key, _item in keyed_items]
        start = 0
        if params.get("startingToken"):
            key = _decode_token(params["startingToken"])
            if key not in keys:
                raise ValidationException(f"Invalid pagination token: {params['startingToken']}")
            start = keys.index(key)
        page = keyed_items[start : start + page_size]
        following = keyed_items[start + page_size : start + page_size + 1]
        return {
            "items": [item for _key, item in page],
            "nextToken": _encode_token(following[0][0]) if following else None,
        }

    def _max_page_size(self, operation: str) -> int:
        """Default page size: the largest maxResults the model allows, as the service does."""
        if self.service_model is not None:
            member = self.service_model.operation_model(operation).input_shape.members.get("maxResults")
            if member is not None and member.metadata.get("max"):
                return min(member.metadata["max"], DEFAULT_PAGE_SIZE)
        return DEFAULT_PAGE_SIZE

    @staticmethod
    def _check_tags(existing: dict[str, str], new_tags: dict[str, str] | None) -> dict[str, str]:
        new_tags = new_tags or {}
        reserved = sorted(key for key in new_tags if key.lower().startswith("aws:"))
        if reserved:
            raise ValidationException(f"Tag keys starting with 'aws:' are reserved: {', '.join(reserved)}")
        merged = {**existing, **new_tags}
        if len(merged) > MAX_TAGS_PER_RESOURCE:
            raise ValidationException(
                f"A resource can have at most {MAX_TAGS_PER_RESOURCE} tags; this would give it {len(merged)}"
            )
        return merged

    # -- configurations ------------------------------------------------------------------------

    def _configuration(self, state: _RegionState, name: str) -> Configuration:
        configuration = state.configurations.get(name)
        if configuration is None:
            raise ResourceNotFoundException(f"Configuration {name} not found")
        return configuration

    def create_configuration(self, context: RequestContext, params: dict) -> dict:
        with self._lock:
            state = self._state(context)
            replayed = self._replayed(state, "CreateConfiguration", params, state.configurations.get)
            if replayed is not None:
                return replayed.describe(time.time())
            self._refuse_duplicate_configuration(state, params["name"])
        vpc_config = params["runConfigurations"].get("vpcConfig")
        if vpc_config is None:
            raise ValidationException("runConfigurations.vpcConfig is required")
        tags = self._check_tags({}, params.get("tags"))
        # EC2 is asked outside the lock; the name is checked again before storing.
        vpc = self.network.resolve(
            context.region,
            vpc_config.get("subnetIds", []),
            vpc_config.get("securityGroupIds", []),
            vpc_config.get("vpcOwnerAccountId"),
        )
        with self._lock:
            state = self._state(context)
            replayed = self._replayed(state, "CreateConfiguration", params, state.configurations.get)
            if replayed is not None:
                return replayed.describe(time.time())
            self._refuse_duplicate_configuration(state, params["name"])
            now = time.time()
            configuration = Configuration(
                name=params["name"],
                arn=_arn(context, "configuration", params["name"]),
                uuid=str(uuid.uuid4()),
                region=context.region,
                description=params.get("description"),
                vpc=vpc,
                tags=tags,
                created_at=now,
                active_at=now + self.configuration_active_delay,
            )
            state.configurations[configuration.name] = configuration
            self._remember(state, "CreateConfiguration", params, configuration.name)
            return configuration.describe(now)

    @staticmethod
    def _refuse_duplicate_configuration(state: _RegionState, name: str) -> None:
        if name in state.configurations:
            raise ConflictException(f"A configuration named {name} already exists")

    def get_configuration(self, context: RequestContext, params: dict) -> dict:
        with self._lock:
            return self._configuration(self._state(context), params["name"]).describe(time.time())

    def delete_configuration(self, context: RequestContext, params: dict) -> None:
        with self._lock:
            state = self._state(context)
            configuration = self._configuration(state, params["name"])
            now = time.time()
            if configuration.deleting_at is not None:
                return None  # already on its way out
            users = sorted(
                run.id
                for run in state.runs.values()
                if run.configuration_uuid == configuration.uuid and run.status(now) in RUN_ACTIVE_STATUSES
            )
            if users:
                raise ConflictException(
                    f"Configuration {configuration.name} is in use by active runs: {', '.join(users)}"
                )
            configuration.deleting_at = now
            configuration.gone_at = now + self.configuration_deleted_delay
            # A new CreateConfiguration reusing the requestId makes a new configuration.
            state.idempotency = {
                key: record
                for key, record in state.idempotency.items()
                if not (key[0] == "CreateConfiguration" and record[1] == configuration.name)
            }
            return None

    def list_configurations(self, context: RequestContext, params: dict) -> dict:
        with self._lock:
            now = time.time()
            items = [(item.name, item.describe(now)) for item in self._state(context).configurations.values()]
            return self._page("ListConfigurations", items, params)

    # -- workflows -----------------------------------------------------------------------------

    def _workflow(self, state: _RegionState, workflow_id: str) -> Workflow:
        workflow = state.workflows.get(workflow_id)
        if workflow is None:
            raise ResourceNotFoundException(f"Workflow {workflow_id} not found")
        return workflow

    def create_workflow(self, context: RequestContext, params: dict) -> dict:
        with self._lock:
            state = self._state(context)
            replayed = self._replayed(state, "CreateWorkflow", params, state.workflows.get)
            if replayed is not None:
                return replayed.describe(time.time())
        sources = [name for name in ("definitionZip", "definitionUri", "definitionRepository") if name in params]
        if len(sources) != 1:
            raise ValidationException(
                "Specify exactly one of definitionZip, definitionUri or definitionRepository"
                + (f" (got {', '.join(sources)})" if sources else "")
            )
        if sources[0] == "definitionRepository":
            raise ValidationException("The omics emulator does not support definitionRepository")
        tags = self._check_tags({}, params.get("tags"))
        # Like the real service, a bad definition is reported by the workflow's FAILED status,
        # not by CreateWorkflow.
        definition, failure = params.get("definitionZip"), None
        if definition is None:
            try:
                definition = self.s3.read(context.region, params["definitionUri"])
            except ValueError as error:
                failure = f"Cannot read definitionUri {params['definitionUri']}: {error}"
        main, engine = params.get("main"), params.get("engine")
        if definition is not None:
            main, engine, failure = inspect_definition(definition, main, engine)
        settings = {
            key: params[key]
            for key in ("storageType", "storageCapacity", "accelerators", "containerRegistryMap")
            if key in params
        }
        with self._lock:
            state = self._state(context)
            replayed = self._replayed(state, "CreateWorkflow", params, state.workflows.get)
            if replayed is not None:
                return replayed.describe(time.time())
            now = time.time()
            workflow_id = self._new_numeric_id()
            workflow = Workflow(
                id=workflow_id,
                arn=_arn(context, "workflow", workflow_id),
                uuid=str(uuid.uuid4()),
                region=context.region,
                name=params.get("name"),
                description=params.get("description"),
                engine=engine,
                main=main,
                definition_zip=definition,
                definition_uri=params.get("definitionUri"),
                digest=hashlib.sha256(definition).hexdigest() if definition is not None else None,
                parameter_template=params.get("parameterTemplate"),
                settings=settings,
                tags=tags,
                created_at=now,
                ready_at=now + self.delay,
                failure_message=failure,
            )
            state.workflows[workflow_id] = workflow
            self._remember(state, "CreateWorkflow", params, workflow_id)
            return workflow.describe(now)

    def get_workflow(self, context: RequestContext, params: dict) -> dict:
        with self._lock:
            state = self._state(context)
            self._refuse_foreign_workflow(params)
            return self._workflow(state, params["id"]).describe(time.time())

    def _refuse_foreign_workflow(self, params: dict) -> None:
        """Only the caller's own PRIVATE workflows exist here (no Ready2Run, no shared ones)."""
        if params.get("type", params.get("workflowType", "PRIVATE")) != "PRIVATE":
            raise ResourceNotFoundException("The omics emulator has no READY2RUN workflows")
        owner = params.get("workflowOwnerId")
        if owner not in (None, self.account_id):
            raise ResourceNotFoundException(f"No workflow is shared by account {owner}")

    def list_workflows(self, context: RequestContext, params: dict) -> dict:
        with self._lock:
            now = time.time()
            workflows = self._state(context).workflows.values()
            if params.get("type", "PRIVATE") != "PRIVATE":
                workflows = []
            items = [(item.id, item.describe(now)) for item in workflows if params.get("name") in (None, item.name)]
            return self._page("ListWorkflows", items, params)

    def update_workflow(self, context: RequestContext, params: dict) -> None:
        """Name, description and storage defaults change in place; the definition never does."""
        with self._lock:
            state = self._state(context)
            self._refuse_foreign_workflow(params)
            workflow = self._workflow(state, params["id"])
            status = workflow.status(time.time())
            if status != "ACTIVE":
                raise ConflictException(f"Workflow {workflow.id} is {status}; only an ACTIVE workflow can be updated")
            if "name" in params:
                workflow.name = params["name"]
            if "description" in params:
                workflow.description = params["description"]
            for key in ("storageType", "storageCapacity"):
                if key in params:
                    workflow.settings[key] = params[key]
            return None

    def delete_workflow(self, context: RequestContext, params: dict) -> None:
        with self._lock:
            state = self._state(context)
            self._workflow(state, params["id"])
            del state.workflows[params["id"]]
            return None

    # -- runs ----------------------------------------------------------------------------------

    def _run(self, state: _RegionState, run_id: str) -> Run:
        run = state.runs.get(run_id)
        if run is None:
            raise ResourceNotFoundException(f"Run {run_id} not found")
        return run

    def start_run(self, context: RequestContext, params: dict) -> dict:
        with self._lock:
            state = self._state(context)
            replayed = self._replayed(state, "StartRun", params, state.runs.get)
            if replayed is not None:
                return replayed.describe(time.time())
            now = time.time()
            source_run = self._run(state, params["runId"]) if "runId" in params else None
            workflow = self._runnable_workflow(state, params, source_run, now)
            if not params["outputUri"].startswith("s3://"):
                raise ValidationException(f"outputUri must be an S3 URI (s3://...), got {params['outputUri']}")
            networking_mode = params.get("networkingMode", "RESTRICTED")
            configuration = self._run_configuration(state, networking_mode, params.get("configurationName"), now)
            if "runGroupId" in params:
                raise ResourceNotFoundException(f"Run group {params['runGroupId']} not found")
            tags = self._check_tags({}, params.get("tags"))
            run_id = self._new_numeric_id()
            run = Run(
                id=run_id,
                arn=_arn(context, "run", run_id),
                uuid=str(uuid.uuid4()),
                region=context.region,
                request_id=params["requestId"],
                workflow_id=workflow.id,
                workflow_uuid=workflow.uuid,
                workflow_name=workflow.name,
                workflow_digest=workflow.digest,
                name=params.get("name"),
                role_arn=params["roleArn"],
                output_uri=params["outputUri"],
                run_output_uri=f"{params['outputUri'].rstrip('/')}/{run_id}",
                parameters=params.get("parameters", source_run.parameters if source_run else None),
                networking_mode=networking_mode,
                configuration_name=configuration.name if configuration else None,
                configuration_arn=configuration.arn if configuration else None,
                configuration_uuid=configuration.uuid if configuration else None,
                vpc=configuration.vpc if configuration else None,
                cache_id=params.get("cacheId"),
                cache_behavior=params.get("cacheBehavior"),
                settings=self._run_settings(params, workflow),
                tags=tags,
                stage_delay=self.delay,
                created_at=now,
            )
            state.runs[run_id] = run
            self._remember(state, "StartRun", params, run_id)
            worker = threading.Thread(
                target=self._drive_run, args=(run, workflow), daemon=True, name=f"omics-run-{run_id}"
            )
            self._run_threads = [thread for thread in self._run_threads if thread.is_alive()] + [worker]
            worker.start()
            return run.describe(now)

    def _runnable_workflow(self, state: _RegionState, params: dict, source_run: Run | None, now: float) -> Workflow:
        workflow_id = params.get("workflowId") or (source_run.workflow_id if source_run else None)
        if workflow_id is None:
            raise ValidationException("Specify workflowId (or runId to repeat a run)")
        self._refuse_foreign_workflow(params)
        if "workflowVersionName" in params:
            raise ResourceNotFoundException(
                f"Workflow {workflow_id} has no version {params['workflowVersionName']} (versions are not emulated)"
            )
        workflow = self._workflow(state, workflow_id)
        status = workflow.status(now)
        if status != "ACTIVE":
            raise ConflictException(f"Workflow {workflow_id} is {status}; runs need an ACTIVE workflow")
        return workflow

    def _run_configuration(
        self, state: _RegionState, networking_mode: str, name: str | None, now: float
    ) -> Configuration | None:
        if networking_mode != "VPC":
            if name is not None:
                raise ValidationException("configurationName can only be used with networkingMode VPC")
            return None
        if name is None:
            raise ValidationException("configurationName is required when networkingMode is VPC")
        configuration = self._configuration(state, name)
        status = configuration.status(now)
        if status != "ACTIVE":
            raise ConflictException(f"Configuration {name} is {status}; runs need an ACTIVE configuration")
        return configuration

    @staticmethod
    def _run_settings(params: dict, workflow: Workflow) -> dict:
        """Optional run settings GetRun echoes back; storage defaults come from the workflow."""
        settings = {
            key: params[key]
            for key in ("priority", "storageCapacity", "storageType", "logLevel", "retentionMode", "workflowOwnerId")
            if key in params
        }
        for key in ("storageType", "storageCapacity"):
            if key not in settings and key in workflow.settings:
                settings[key] = workflow.settings[key]
        if "accelerators" in workflow.settings:
            settings["accelerators"] = workflow.settings["accelerators"]
        return settings

    def _drive_run(self, run: Run, workflow: Workflow) -> None:
        """Worker thread: wait for RUNNING, execute, record the outcome."""
        if run.cancel_requested.wait(timeout=max(0.0, run.running_at - time.time())):
            return
        try:
            result = self.executor.execute(run, workflow)
            if not isinstance(result, ExecutionResult):
                raise TypeError(f"executor returned {result!r} instead of an ExecutionResult")
        except Exception as error:  # an executor bug must fail the run, not the emulator
            LOG.exception("executor failed for run %s", run.id)
            result = ExecutionResult.failed("SERVICE_ERROR", f"{type(error).__name__}: {error}")
        with self._lock:
            if run.cancelled_at is None:
                run.result = result
                run.finished_at = time.time()

    def get_run(self, context: RequestContext, params: dict) -> dict:
        with self._lock:
            return self._run(self._state(context), params["id"]).describe(time.time())

    def list_runs(self, context: RequestContext, params: dict) -> dict:
        with self._lock:
            now = time.time()
            runs = self._state(context).runs.values()
            if "runGroupId" in params or "batchId" in params:
                runs = []  # run groups and batches are not emulated, so nothing belongs to one
            items = [
                (run.id, run.describe(now))
                for run in runs
                if params.get("name") in (None, run.name) and params.get("status") in (None, run.status(now))
            ]
            return self._page("ListRuns", items, params)

    def cancel_run(self, context: RequestContext, params: dict) -> None:
        with self._lock:
            run = self._run(self._state(context), params["id"])
            now = time.time()
            status = run.status(now)
            if status in RUN_TERMINAL_STATUSES:
                raise ConflictException(f"Run {run.id} is {status} and cannot be cancelled")
            if run.cancelled_at is None:
                run.cancelled_at = now
                run.cancel_requested.set()
            return None

    # -- tags ----------------------------------------------------------------------------------

    def _tagged_resource(self, context: RequestContext, arn: str) -> Configuration | Workflow | Run:
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[2] != "omics" or "/" not in parts[5]:
            raise ValidationException(f"{arn} is not an omics resource ARN")
        _arn_prefix, _partition, _service, region, account, resource = parts
        if region != context.region or account != context.account_id:
            raise ResourceNotFoundException(f"Resource {arn} not found")
        resource_type, resource_id = resource.split("/", 1)
        state = self._state(context)
        collections = {"configuration": state.configurations, "workflow": state.workflows, "run": state.runs}
        found = collections.get(resource_type, {}).get(resource_id)
        if found is None or found.arn != arn:
            raise ResourceNotFoundException(f"Resource {arn} not found")
        return found

    def tag_resource(self, context: RequestContext, params: dict) -> dict:
        with self._lock:
            resource = self._tagged_resource(context, params["resourceArn"])
            resource.tags = self._check_tags(resource.tags, params["tags"])
            return {}

    def untag_resource(self, context: RequestContext, params: dict) -> dict:
        with self._lock:
            resource = self._tagged_resource(context, params["resourceArn"])
            for key in params["tagKeys"]:
                resource.tags.pop(key, None)
            return {}

    def list_tags_for_resource(self, context: RequestContext, params: dict) -> dict:
        with self._lock:
            return {"tags": dict(self._tagged_resource(context, params["resourceArn"]).tags)}
