"""``LocalWdlExecutor``: runs a run's WDL workflow for real on this machine, with HealthOmics' networking.

Pluggable like the other executors (``executor.py``)::

    from tools.healthomics_emulator import OmicsEmulator
    from tools.healthomics_emulator.local_executor import LocalWdlExecutor

    executor = LocalWdlExecutor(moto_url, run_timeout=60, drop_timeout=1)
    with OmicsEmulator(ec2_endpoint=moto_url, executor=executor) as emulator:
        ...

or ``python -m tools.healthomics_emulator --ec2-endpoint URL --executor local [--run-timeout S]
[--connect-drop-timeout S] [--subnet-placement all|first] [--work-dir DIR] [--keep-work]``.

What one run does (``execute``):

1. Unpacks the definition zip into a scratch directory (``<work dir>/omics-run-<id>-*``), parses and
   typechecks ``main`` with miniwdl, refuses what ``wdl_runner`` does not support, and binds the run's
   ``parameters`` to the workflow inputs; ``s3://`` File inputs are downloaded from S3 (moto).
2. Builds the network policy (``egress.py``): RESTRICTED, or for VPC mode the configuration's security
   group egress rules and its subnets' routes, read from EC2 now.
3. Runs each task call with ``bash`` in its own working directory, without containers (``python3`` is
   this machine's). The task's Python processes enforce the policy through ``task_sitecustomize.py``
   (on ``PYTHONPATH``, policy file named by ``OMICS_EMULATOR_NETWORK_POLICY``); the workflow needs no
   emulator-specific code. Tasks get this process's environment minus ``AWS_*`` (a real task sees the
   run role, not the caller's credentials) with ``TMPDIR`` in the call directory.
4. Exports to the run's output location as HealthOmics lays it out (``runOutputUri`` =
   ``<outputUri>/<run id>``): each workflow output's files under ``out/<output name>/<file name>``
   (array elements under ``out/<output name>/<index>/<file name>``), the output summary
   ``logs/outputs.json`` (``{"Workflow.output": value, ...}``, files as ``s3://`` URIs), and, on
   success and on failure alike, ``logs/engine.log``, each task's ``logs/tasks/<call>/command.sh``,
   ``stdout.txt`` and ``stderr.txt`` (on AWS those go to CloudWatch Logs), the policy the tasks ran
   under (``logs/network-policy.json``) and its decisions (``logs/network-flow.jsonl``: one ACCEPT or
   REJECT record per TCP connect, the emulator's VPC Flow Logs).
5. Returns COMPLETED, or FAILED with a failureReason from HealthOmics' list: ``WORKFLOW_RUN_FAILED``
   (a task exited non-zero, with the task named and its stderr tail in statusMessage; an invalid or
   unsupported workflow; bad parameters), ``RUN_TIMED_OUT`` (``run_timeout`` exceeded: the task's
   processes are killed), ``INPUT_URI_NOT_FOUND``, ``EXPORT_FAILED`` or ``SERVICE_ERROR``.

The output bucket must exist and accept writes: moto enforces bucket-policy Deny statements but ignores
their Conditions, so a bucket with the usual TLS-only policy (Deny when ``aws:SecureTransport`` is
false) refuses every write in moto, even over HTTPS. Point runs at a bucket without such a policy.

Limits of the network emulation (see ``egress.py`` and ``task_sitecustomize.py``): only Python processes
of the task are policed (``curl``, ``ssh`` or ``nc`` binaries connect freely, and so does
``python3 -I``/``-E``, which ignores ``PYTHONPATH``); only TCP; network ACLs are not evaluated; a blocked
connect returns after at most ``drop_timeout`` seconds, where AWS would let it hang until the client's
own timeout.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from botocore.exceptions import BotoCoreError
from botocore.exceptions import ClientError
from WDL import Env
from WDL import Value

from .egress import NetworkReadError
from .egress import NetworkSettings
from .egress import restricted_policy
from .egress import vpc_policy
from .executor import ExecutionResult
from .network import LocalAws
from .task_sitecustomize import DEFAULT_DROP_TIMEOUT
from .task_sitecustomize import POLICY_ENV
from .wdl_runner import WORKFLOW_RUN_FAILED
from .wdl_runner import TaskLaunch
from .wdl_runner import WorkflowFailure
from .wdl_runner import WorkflowRun
from .wdl_runner import bind_inputs
from .wdl_runner import extract_definition
from .wdl_runner import load_workflow

LOG = logging.getLogger(__name__)

DEFAULT_RUN_TIMEOUT = 3600.0
POLL_INTERVAL = 0.05
STATUS_MESSAGE_CHARS = 1000
SITECUSTOMIZE_SOURCE = Path(__file__).with_name("task_sitecustomize.py")

RUN_TIMED_OUT = "RUN_TIMED_OUT"
INPUT_URI_NOT_FOUND = "INPUT_URI_NOT_FOUND"
EXPORT_FAILED = "EXPORT_FAILED"
SERVICE_ERROR = "SERVICE_ERROR"


class _Stopped(Exception):
    """CancelRun was called; the backend ignores the result."""


class LocalWdlExecutor:
    """Executes WDL runs on this machine; see the module docstring.

    ``endpoint_url``: the local moto server (EC2 for VPC runs, S3 for inputs and outputs);
    ``ec2_endpoint``/``s3_endpoint`` override it per service. All must be loopback URLs.
    ``run_timeout``: seconds a run may take in all. ``drop_timeout``: the most a blocked connect
    waits before failing (a real drop waits for the client's own timeout). ``subnet_placement``:
    ``"all"`` (every configured subnet must route a destination) or ``"first"``.
    ``restricted_allowed``: ``(host, port)`` pairs a RESTRICTED run may reach (default: the S3
    endpoint, standing for regional S3). ``work_dir``: parent of the runs' scratch directories
    (default: the system temp dir); ``keep_work``: keep them after the run.
    """

    def __init__(
        self,
        endpoint_url: str | None = None,
        *,
        ec2_endpoint: str | None = None,
        s3_endpoint: str | None = None,
        run_timeout: float = DEFAULT_RUN_TIMEOUT,
        drop_timeout: float = DEFAULT_DROP_TIMEOUT,
        subnet_placement: str = "all",
        restricted_allowed: list[tuple[str, int]] | None = None,
        work_dir: str | os.PathLike | None = None,
        keep_work: bool = False,
    ):
        if run_timeout <= 0:
            raise ValueError("run_timeout must be > 0")
        if not (s3_endpoint or endpoint_url):
            raise ValueError("the local executor needs an S3 endpoint (a local moto server) for run inputs and outputs")
        self.ec2 = LocalAws(ec2_endpoint or endpoint_url)
        self.s3 = LocalAws(s3_endpoint or endpoint_url)
        if restricted_allowed is None:
            restricted_allowed = [_host_port(self.s3.endpoint_url)] if self.s3.endpoint_url else []
        self.network = NetworkSettings(
            drop_timeout=drop_timeout,
            placement=subnet_placement,
            restricted_allowed=tuple((host, int(port)) for host, port in restricted_allowed),
        )
        self.run_timeout = run_timeout
        self.work_dir = Path(work_dir) if work_dir else None
        self.keep_work = keep_work
        if self.work_dir:
            self.work_dir.mkdir(parents=True, exist_ok=True)

    # -- the executor protocol -----------------------------------------------------------------

    def execute(self, run, workflow) -> ExecutionResult:
        scratch = Path(tempfile.mkdtemp(prefix=f"omics-run-{run.id}-", dir=self.work_dir))
        session = _RunSession(self, run, workflow, scratch)
        try:
            result = session.execute()
        finally:
            if not self.keep_work:
                shutil.rmtree(scratch, ignore_errors=True)
        return result


class _RunSession:
    """Everything about one run: scratch directory, deadline, logs, export."""

    def __init__(self, executor: LocalWdlExecutor, run, workflow, scratch: Path):
        self.executor = executor
        self.run = run
        self.workflow = workflow
        self.scratch = scratch
        self.deadline = time.monotonic() + executor.run_timeout
        self.engine_log = scratch / "engine.log"
        self.network_dir = scratch / "network"
        self.policy_path = self.network_dir / "policy.json"
        self.flow_log = self.network_dir / "flow.jsonl"
        self.runner: WorkflowRun | None = None
        self.workflow_name = "workflow"
        self._staged = 0
        self._current_call: str | None = None
        self._log_lock = threading.Lock()
        bucket, prefix = _split_s3(run.run_output_uri)
        self.bucket, self.prefix = bucket, prefix.rstrip("/") + "/" if prefix else ""

    def log(self, message: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        with self._log_lock, open(self.engine_log, "a") as log:
            log.write(f"{stamp}Z {message}\n")

    def execute(self) -> ExecutionResult:
        self.log(
            f"run {self.run.id}: workflow {self.workflow.id} ({self.workflow.engine}, main {self.workflow.main}), "
            f"networking mode {self.run.networking_mode}, output {self.run.run_output_uri}"
        )
        if self.run.cache_id:
            self.log(f"run cache {self.run.cache_id} ignored: the local executor never caches")
        exports: dict = {}
        try:
            outputs = self._run_workflow()
            exports = self._export_outputs(outputs)
            result = ExecutionResult.completed()
            self.log("run completed")
        except _Stopped:
            self.log("run cancelled")
            return ExecutionResult.failed("CANCELLED", "The run was cancelled")
        except WorkflowFailure as failure:
            self.log(f"run failed: {failure.reason}: {failure.message}")
            result = _failed(failure.reason, failure.message)
        except Exception as error:  # a bug here must fail the run, not the emulator
            LOG.exception("local executor failed on run %s", self.run.id)
            self.log(f"run failed: {type(error).__name__}: {error}")
            result = _failed(SERVICE_ERROR, f"The local executor failed: {type(error).__name__}: {error}")
        try:
            self._export_logs(exports)
        except Exception as error:
            if not isinstance(error, WorkflowFailure):
                LOG.exception("local executor could not export the logs of run %s", self.run.id)
                error = WorkflowFailure(EXPORT_FAILED, f"The export failed: {type(error).__name__}: {error}")
            if result.status == "COMPLETED":
                result = _failed(error.reason, error.message)
        return result

    # -- the workflow --------------------------------------------------------------------------

    def _run_workflow(self) -> Env.Bindings:
        if self.workflow.engine != "WDL":
            raise WorkflowFailure(
                WORKFLOW_RUN_FAILED,
                f"The omics emulator's local executor runs WDL workflows, not {self.workflow.engine}",
            )
        source = self.scratch / "definition"
        source.mkdir()
        extract_definition(self.workflow.definition_zip, source)
        definition = load_workflow(source, self.workflow.main)
        self.log(
            f"workflow {definition.name}: WDL {definition.effective_wdl_version}, "
            f"calls {', '.join(node.name for node in definition.body if hasattr(node, 'callee')) or '(none)'}"
        )
        self._check()
        inputs = bind_inputs(definition, self.run.parameters, self._stage_input)
        self._write_policy()
        self.runner = WorkflowRun(definition, inputs, self.scratch, self._launch, self.log, self._check)
        self.workflow_name = definition.name
        return self.runner.run()

    def _check(self) -> None:
        if self.run.cancel_requested.is_set():
            raise _Stopped()
        if time.monotonic() > self.deadline:
            during = f" while task {self._current_call} was running" if self._current_call else ""
            raise WorkflowFailure(
                RUN_TIMED_OUT,
                f"The run timed out after {_seconds(self.executor.run_timeout)} "
                f"(the local executor's run time limit){during}",
            )

    def _stage_input(self, uri: str) -> str:
        """Download an ``s3://`` File input into the run's scratch directory."""
        if not uri.startswith("s3://"):
            raise WorkflowFailure(WORKFLOW_RUN_FAILED, f"File input {uri}: only s3:// URIs are supported")
        bucket, key = _split_s3(uri)
        if not key or key.endswith("/"):
            raise WorkflowFailure(WORKFLOW_RUN_FAILED, f"File input {uri} must name an object")
        self._staged += 1
        target = self.scratch / "inputs" / str(self._staged)  # one directory each: file names may repeat
        target.mkdir(parents=True)
        path = target / key.rsplit("/", 1)[-1]
        try:
            self._s3().download_file(bucket, key, str(path))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in (
                "404",
                "NoSuchKey",
                "NoSuchBucket",
                "403",
                "AccessDenied",
            ):
                raise WorkflowFailure(
                    INPUT_URI_NOT_FOUND,
                    f"The provided URI does not exist: {uri}. Check that the URI path "
                    "exists and that the role can access the object.",
                ) from None
            raise WorkflowFailure(SERVICE_ERROR, f"Cannot read {uri}: {error}") from None
        except BotoCoreError as error:
            raise WorkflowFailure(SERVICE_ERROR, f"Cannot read {uri}: {error}") from None
        self.log(f"input {uri} staged")
        return str(path)

    def _s3(self):
        return self.executor.s3.client("s3", self.run.region)

    # -- network -------------------------------------------------------------------------------

    def _write_policy(self) -> None:
        settings = self.executor.network
        if self.run.networking_mode == "VPC" and self.run.vpc is not None:
            try:
                policy = vpc_policy(self.executor.ec2.client("ec2", self.run.region), self.run.vpc, settings)
            except NetworkReadError as error:
                raise WorkflowFailure(SERVICE_ERROR, str(error)) from None
        else:
            policy = restricted_policy(settings)
        self.network_dir.mkdir()
        policy["run"] = self.run.id
        policy["flow_log"] = str(self.flow_log)
        policy["listeners_path"] = str(self.network_dir / "listeners")
        self.policy_path.write_text(json.dumps(policy, indent=2))
        (self.network_dir / "sitecustomize.py").write_text(SITECUSTOMIZE_SOURCE.read_text())
        for subnet in policy.get("subnets", []):
            routes = "; ".join(
                f"{route['destination']} -> {route['target']}"
                f"{'' if route['usable'] else ' (drops: ' + route['note'] + ')'}"
                for route in subnet["routes"]
            )
            self.log(f"network: {subnet['subnet']} (route table {subnet['route_table']}): {routes}")
        self.log(
            f"network: {policy['mode']} mode; {len(policy.get('egress_rules', []))} security group egress rules; "
            f"blocked connects fail after at most {_seconds(settings.drop_timeout)}"
        )

    def _task_environment(self, launch: TaskLaunch) -> dict[str, str]:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("AWS_") and key not in (POLICY_ENV, "PYTHONPATH", "PYTHONSTARTUP")
        }
        python_path = [str(self.network_dir)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
        environment.update(
            {
                "PYTHONPATH": os.pathsep.join(python_path),
                POLICY_ENV: str(self.policy_path),
                "PYTHONDONTWRITEBYTECODE": "1",
                "TMPDIR": str(launch.directory / "tmp"),
            }
        )
        return environment

    # -- tasks ---------------------------------------------------------------------------------

    def _launch(self, launch: TaskLaunch) -> int:
        self._current_call = launch.call
        with open(launch.stdout, "ab") as stdout, open(launch.stderr, "ab") as stderr:
            process = subprocess.Popen(
                ["bash", str(launch.command)],
                cwd=launch.work_dir,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                env=self._task_environment(launch),
                start_new_session=True,
            )
        try:
            while True:
                try:
                    return process.wait(timeout=POLL_INTERVAL)
                except subprocess.TimeoutExpired:
                    self._check()
        finally:
            # Whatever the task left behind (background servers, a timed-out command) dies with it,
            # as when a container stops.
            _kill_group(process)
            self._current_call = None

    # -- export --------------------------------------------------------------------------------

    def _upload(self, path: Path, key: str) -> str:
        try:
            self._s3().upload_file(str(path), self.bucket, self.prefix + key)
        except (BotoCoreError, ClientError) as error:
            raise WorkflowFailure(
                EXPORT_FAILED,
                f"The export failed: cannot write s3://{self.bucket}/{self.prefix}{key} "
                f"({error}). Check that the output bucket exists and accepts writes.",
            ) from None
        return f"s3://{self.bucket}/{self.prefix}{key}"

    def _export_outputs(self, outputs: Env.Bindings) -> dict:
        """Upload the workflow outputs' files under ``out/``; returns the output summary."""
        summary = {}
        for binding in outputs:
            summary[f"{self.workflow_name}.{binding.name}"] = self._export_value(binding.value, ["out", binding.name])
        self.log(f"exported {len(summary)} workflow outputs")
        return summary

    def _export_value(self, value: Value.Base, parts: list[str]):
        if isinstance(value, Value.File):
            path = Path(value.value)
            if not path.is_file():
                raise WorkflowFailure(WORKFLOW_RUN_FAILED, f"Output {parts[1]}: {value.value} does not exist")
            return self._upload(path, "/".join(parts + [path.name]))
        if isinstance(value, Value.Null):
            return None
        if isinstance(value, Value.Array):
            return [self._export_value(item, parts + [str(index)]) for index, item in enumerate(value.value)]
        if isinstance(value, Value.Pair):
            return {
                "left": self._export_value(value.value[0], parts + ["left"]),
                "right": self._export_value(value.value[1], parts + ["right"]),
            }
        if isinstance(value, Value.Map):
            return {str(key.value): self._export_value(item, parts + [str(key.value)]) for key, item in value.value}
        if isinstance(value, Value.Struct):
            return {name: self._export_value(item, parts + [name]) for name, item in value.value.items()}
        return value.json

    def _export_logs(self, summary: dict) -> None:
        """Upload the output summary and every log, on success and on failure alike."""
        if summary:
            (self.scratch / "outputs.json").write_text(json.dumps(summary, indent=2))
            self._upload(self.scratch / "outputs.json", "logs/outputs.json")
        for launch in self.runner.calls if self.runner else []:
            for path, name in (
                (launch.command, "command.sh"),
                (launch.stdout, "stdout.txt"),
                (launch.stderr, "stderr.txt"),
            ):
                if path.exists():
                    self._upload(path, f"logs/tasks/{launch.call}/{name}")
        if self.policy_path.exists():
            self._upload(self.policy_path, "logs/network-policy.json")
        if self.flow_log.exists():
            self._upload(self.flow_log, "logs/network-flow.jsonl")
        self._upload(self.engine_log, "logs/engine.log")


# --------------------------------------------------------------------------------------------
# Helpers and the CLI factory
# --------------------------------------------------------------------------------------------


def _failed(reason: str, message: str) -> ExecutionResult:
    """A FAILED result whose statusMessage fits the model: one line (no control characters), bounded."""
    text = " ".join("".join(char if char.isprintable() else " " for char in message).split())
    if len(text) > STATUS_MESSAGE_CHARS:
        text = text[: STATUS_MESSAGE_CHARS - 3] + "..."
    return ExecutionResult.failed(reason, text)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _split_s3(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


def _host_port(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    host = parsed.hostname or "127.0.0.1"
    return ("127.0.0.1" if host == "localhost" else host), parsed.port or (443 if parsed.scheme == "https" else 80)


def _seconds(value: float) -> str:
    return f"{value:g} s"


def from_options(options) -> LocalWdlExecutor:
    """The ``--executor local`` factory of ``python -m tools.healthomics_emulator``."""
    return LocalWdlExecutor(
        ec2_endpoint=options.ec2_endpoint,
        s3_endpoint=options.s3_endpoint or options.ec2_endpoint,
        run_timeout=options.run_timeout,
        drop_timeout=options.connect_drop_timeout,
        subnet_placement=options.subnet_placement,
        work_dir=options.work_dir,
        keep_work=options.keep_work,
    )
