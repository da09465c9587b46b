"""Run a WDL workflow's task calls one after another on this machine; miniwdl does all WDL evaluation.

Used by the local executor (``local_executor.py``). miniwdl's Python API parses and typechecks the
workflow (``WDL.load``) and evaluates every expression (``WDL.Expr``: declarations, call inputs, the
task ``command`` template, outputs, the standard library) with a standard library whose ``File``
values are plain paths on this machine, since tasks run here without containers. ``WDL.runtime``
(miniwdl's own runner, which needs Docker) is not used.

Supported: WDL 1.0 and 1.1 workflows whose body holds declarations and calls of tasks (in any order;
they run in dependency order, one at a time), with inputs from the run's parameters, from workflow
declarations and from earlier calls' outputs; every value type but ``Directory``; ``read_*``,
``write_*``, ``stdout()``, ``stderr()``, ``glob()`` and the rest of miniwdl's standard library; the
``returnCodes`` (and Cromwell's ``continueOnReturnCode``) runtime attribute. ``scatter``, ``if``,
sub-workflow calls and ``Directory`` are refused up front with a ``WorkflowFailure`` naming them.

A task's command runs with ``bash`` in a fresh working directory (``<call dir>/work``), its
stdout and stderr going to ``<call dir>/stdout.txt`` and ``stderr.txt``; ``runtime.docker`` (and
cpu, memory...) are recorded and ignored. ``meta.volatile`` (where WDL 1.1 engines such as Cromwell
and HealthOmics read it) is recorded: this executor never caches, so every task runs every time.
"""

from __future__ import annotations

import functools
import glob as globbing
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import WDL
from WDL import Env
from WDL import Error
from WDL import StdLib
from WDL import Tree
from WDL import Type
from WDL import Value

WORKFLOW_RUN_FAILED = "WORKFLOW_RUN_FAILED"
STDERR_TAIL_LINES = 8
STDERR_TAIL_CHARS = 600


class WorkflowFailure(Exception):
    """The run fails: ``reason`` is its failureReason, the message its statusMessage."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class TaskLaunch:
    """One task command, ready to run: ``bash <command>`` in ``work_dir``, output to stdout/stderr."""

    call: str
    task: str
    directory: Path
    work_dir: Path
    command: Path
    stdout: Path
    stderr: Path
    container: str | None
    volatile: bool


Launcher = Callable[[TaskLaunch], int]  # runs the command, returns its exit status
Log = Callable[[str], None]


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def extract_definition(definition_zip: bytes, destination: Path) -> None:
    """Unpack the workflow definition zip; members may not escape ``destination``."""
    root = destination.resolve()
    with zipfile.ZipFile(io.BytesIO(definition_zip)) as archive:
        for member in archive.infolist():
            target = (root / member.filename).resolve()
            if not _within(target, root):
                raise WorkflowFailure(
                    WORKFLOW_RUN_FAILED,
                    f"The workflow definition zip member {member.filename!r} points outside the archive",
                )
        archive.extractall(root)


def load_workflow(source_dir: Path, main: str) -> Tree.Workflow:
    """Parse and typecheck ``main`` (imports resolve inside ``source_dir`` only)."""
    root = source_dir.resolve()

    async def read_confined(uri: str, path: list[str], importer) -> WDL.ReadSourceResult:
        result = await WDL.read_source_default(uri, path, importer)
        if not _within(Path(result.abspath).resolve(), root):
            raise PermissionError(f"{uri} is outside the workflow definition")
        return result

    try:
        document = WDL.load(str(root / main), path=[str(root)], read_source=read_confined)
    except Error.MultipleValidationErrors as errors:
        raise WorkflowFailure(
            WORKFLOW_RUN_FAILED,
            "The workflow definition is invalid: " + "; ".join(_describe(error, root) for error in errors.exceptions),
        ) from None
    except (Error.SyntaxError, Error.ValidationError, Error.ImportError) as error:
        raise WorkflowFailure(
            WORKFLOW_RUN_FAILED, f"The workflow definition is invalid: {_describe(error, root)}"
        ) from None
    if document.workflow is None:
        raise WorkflowFailure(WORKFLOW_RUN_FAILED, f"{main} defines no workflow (only tasks)")
    check_supported(document.workflow)
    return document.workflow


def _describe(error: Exception, root: Path) -> str:
    pos = getattr(error, "pos", None)
    text = str(error)
    if isinstance(error, Error.SyntaxError):
        text = text.split("\n", 1)[0]  # the parser goes on to list every token it expected
    if isinstance(error, Error.ImportError) and error.__cause__ is not None:
        text += f" ({error.__cause__})"
    if pos is None:
        return text
    source = os.path.relpath(pos.abspath, root) if pos.abspath and pos.abspath.startswith(str(root)) else pos.uri
    return f"{source}:{pos.line}:{pos.column}: {text}"


def check_supported(workflow: Tree.Workflow) -> None:
    """Refuse what this executor cannot run, naming each construct and where it is."""
    problems = []
    for node in workflow.body:
        if isinstance(node, Tree.Scatter):
            problems.append(f"scatter (line {node.pos.line})")
        elif isinstance(node, Tree.Conditional):
            problems.append(f"if (line {node.pos.line})")
        elif isinstance(node, Tree.Call) and not isinstance(node.callee, Tree.Task):
            problems.append(f"the call of sub-workflow {node.callee.name} (line {node.pos.line})")
    declarations = list(workflow.inputs or []) + [node for node in workflow.body if isinstance(node, Tree.Decl)]
    declarations += list(workflow.outputs or [])
    for node in workflow.body:
        if isinstance(node, Tree.Call) and isinstance(node.callee, Tree.Task):
            task = node.callee
            declarations += list(task.inputs or []) + list(task.postinputs) + list(task.outputs)
    for decl in declarations:
        if _mentions_directory(decl.type):
            problems.append(f"the Directory type of {decl.name} (line {decl.pos.line})")
    if problems:
        raise WorkflowFailure(
            WORKFLOW_RUN_FAILED,
            "The omics emulator's local executor does not support "
            + "; ".join(dict.fromkeys(problems))
            + " (it runs workflows made of declarations and task calls)",
        )


def _mentions_directory(ty: Type.Base) -> bool:
    if isinstance(ty, Type.Directory):
        return True
    if isinstance(ty, Type.Array):
        return _mentions_directory(ty.item_type)
    if isinstance(ty, Type.Map):
        return any(_mentions_directory(item) for item in ty.item_type)
    if isinstance(ty, Type.Pair):
        return _mentions_directory(ty.left_type) or _mentions_directory(ty.right_type)
    if isinstance(ty, Type.StructInstance) and ty.members:
        return any(_mentions_directory(member) for member in ty.members.values())
    return False


def bind_inputs(workflow: Tree.Workflow, parameters: dict | None, stage_file: Callable[[str], str]) -> Env.Bindings:
    """The run's parameters as workflow inputs (``name`` or ``Workflow.name``; ``call.input`` too),
    with every File staged onto this machine by ``stage_file`` (which gets the URI, returns a path)."""
    try:
        inputs = WDL.values_from_json(
            parameters or {}, workflow.available_inputs, workflow.required_inputs, namespace=workflow.name
        )
    except Error.InputError as error:
        raise WorkflowFailure(
            WORKFLOW_RUN_FAILED, f"The run parameters do not fit the workflow inputs: {error}"
        ) from None
    return Value.rewrite_env_paths(inputs, lambda value: stage_file(value.value))


# --------------------------------------------------------------------------------------------
# Standard library: File values are paths on this machine
# --------------------------------------------------------------------------------------------


class LocalStdLib(StdLib.Base):
    """miniwdl's standard library over this machine's files, confined to the run's scratch directory.

    Relative paths are relative to ``base_dir`` (a task's working directory); workflow-level
    expressions have none. With ``outputs`` set, ``stdout()``, ``stderr()`` and ``glob()`` are
    available, as in a task's output section.
    """

    def __init__(
        self,
        wdl_version: str,
        write_dir: Path,
        root: Path,
        base_dir: Path | None = None,
        outputs: tuple[Path, Path] | None = None,
    ):
        super().__init__(wdl_version, write_dir=str(write_dir))
        self._root = root.resolve()
        self._base = base_dir
        if outputs is not None:
            stdout, stderr = outputs
            self.stdout = StdLib.StaticFunction("stdout", [], Type.File(), lambda: Value.File(str(stdout)))
            self.stderr = StdLib.StaticFunction("stderr", [], Type.File(), lambda: Value.File(str(stderr)))
            self.glob = StdLib.StaticFunction("glob", [Type.String()], Type.Array(Type.File()), self._glob)

    def host_path(self, filename: str) -> Path:
        if os.path.isabs(filename):
            path = Path(filename)
        elif self._base is not None:
            path = self._base / filename
        else:
            raise FileNotFoundError(f"relative path {filename!r} outside a task")
        path = path.resolve()
        if not _within(path, self._root):
            raise PermissionError(f"{filename} is outside the run's files")
        return path

    def _devirtualize_filename(self, filename: str) -> str:
        path = self.host_path(filename.rstrip("/"))
        if not path.exists():
            raise FileNotFoundError(f"no such file: {filename}")
        return str(path)

    def _virtualize_filename(self, filename: str) -> str:
        return filename  # write_* files are already where tasks can read them

    def _resolve_source_relative_path(self, filename: str) -> str:
        return filename

    def _join_paths_default_directory(self) -> str:
        if self._base is None:
            raise NotImplementedError("join_paths() with a relative path outside a task")
        return str(self._base)

    def _glob(self, pattern: Value.String) -> Value.Array:
        text = pattern.coerce(Type.String()).value
        if not text or os.path.isabs(text) or text.startswith("..") or "/.." in text:
            raise ValueError(f"glob() pattern must be relative to the task's working directory: {text!r}")
        matches = sorted(path for path in globbing.glob(str(self._base / text)) if os.path.isfile(path))
        return Value.Array(Type.File(), [Value.File(path) for path in matches])


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


class WorkflowRun:
    """One run of a loaded workflow. ``run()`` returns the workflow outputs (File values are paths)."""

    def __init__(
        self,
        workflow: Tree.Workflow,
        inputs: Env.Bindings,
        run_dir: Path,
        launcher: Launcher,
        log: Log,
        check: Callable[[], None] = lambda: None,
    ):
        self.workflow = workflow
        self.inputs = inputs
        self.run_dir = run_dir.resolve()
        self.launcher = launcher
        self.log = log
        self.check = check  # raises to stop the run (time limit, cancellation)
        self.calls: list[TaskLaunch] = []
        self.stdlib = LocalStdLib(workflow.effective_wdl_version, self.run_dir / "write_", self.run_dir)

    def run(self) -> Env.Bindings:
        values: Env.Bindings = Env.Bindings()
        for node in _in_dependency_order(list(self.workflow.inputs or []) + list(self.workflow.body)):
            self.check()
            if isinstance(node, Tree.Decl):
                values = values.bind(node.name, self._declaration(node, values))
            else:
                outputs = self._call(node, values)
                values = Env.merge(outputs.wrap_namespace(node.name), values)
        return self._outputs(values)

    # -- workflow level ------------------------------------------------------------------------

    def _declaration(self, decl: Tree.Decl, values: Env.Bindings) -> Value.Base:
        supplied = self.inputs.get(decl.name) if self.inputs.has_binding(decl.name) else None
        if supplied is not None and not (
            isinstance(supplied, Value.Null) and decl.expr is not None and not decl.type.optional
        ):
            return self._coerce(supplied, decl, "workflow input")
        if decl.expr is None:
            if decl.type.optional:
                return Value.Null()
            raise WorkflowFailure(
                WORKFLOW_RUN_FAILED, f"Missing required workflow input {self.workflow.name}.{decl.name}"
            )
        return self._evaluate(decl, values, self.stdlib, f"workflow declaration {decl.name}")

    def _outputs(self, values: Env.Bindings) -> Env.Bindings:
        if self.workflow.outputs is None:  # no output section: every call's outputs (as miniwdl and Cromwell do)
            outputs: Env.Bindings = Env.Bindings()
            for node in self.workflow.body:
                if isinstance(node, Tree.Call):
                    outputs = Env.merge(values.enter_namespace(node.name).wrap_namespace(node.name), outputs)
            return outputs
        outputs = Env.Bindings()
        for decl in _in_dependency_order(list(self.workflow.outputs)):
            value = self._evaluate(decl, values, self.stdlib, f"workflow output {decl.name}")
            values = values.bind(decl.name, value)
            outputs = outputs.bind(decl.name, value)
        return outputs

    # -- calls ---------------------------------------------------------------------------------

    def _call(self, call: Tree.Call, values: Env.Bindings) -> Env.Bindings:
        task: Tree.Task = call.callee
        supplied: Env.Bindings = Env.Bindings()
        for name, expr in call.inputs.items():
            supplied = supplied.bind(
                name, self._eval_expr(expr, values, self.stdlib, f"input {name} of call {call.name}")
            )
        for binding in self.inputs.enter_namespace(call.name):
            if not binding.name.startswith(("runtime.", "requirements.")):
                supplied = supplied.bind(binding.name, binding.value)

        directory = self.run_dir / "calls" / call.name
        work_dir = directory / "work"
        work_dir.mkdir(parents=True)
        (directory / "tmp").mkdir()
        input_lib = LocalStdLib(task.effective_wdl_version, directory / "write_", self.run_dir, work_dir)
        env = self._task_inputs(call, task, supplied, input_lib)
        runtime = self._runtime(call, task, env, input_lib)
        try:
            command = task.command.eval(env, stdlib=input_lib).value
        except Exception as error:
            raise WorkflowFailure(
                WORKFLOW_RUN_FAILED, f"Task {call.name}: cannot evaluate its command: {error}"
            ) from None
        launch = TaskLaunch(
            call=call.name,
            task=task.name,
            directory=directory,
            work_dir=work_dir,
            command=directory / "command",
            stdout=directory / "stdout.txt",
            stderr=directory / "stderr.txt",
            container=_text(runtime.get("docker") or runtime.get("container")),
            volatile=_truthy(_meta_value(task.meta.get("volatile"))) or _truthy(_text(runtime.get("volatile"))),
        )
        launch.command.write_text(command)
        launch.stdout.touch()
        launch.stderr.touch()
        self.calls.append(launch)
        self.log(
            f"call {call.name} (task {task.name}): starting; container {launch.container or '(none)'} ignored, "
            f"runs on this machine{'; volatile: never cached' if launch.volatile else ''}"
        )
        status = self.launcher(launch)
        self.log(f"call {call.name}: exit status {status}")
        if not _accepted(status, runtime):
            named = call.name if call.name == task.name else f"{call.name} (task {task.name})"
            raise WorkflowFailure(
                WORKFLOW_RUN_FAILED,
                f"Task {named} failed: its command exited with status {status}. "
                f"stderr tail: {stderr_tail(launch.stderr)}",
            )
        output_lib = LocalStdLib(
            task.effective_wdl_version,
            directory / "write_",
            self.run_dir,
            work_dir,
            outputs=(launch.stdout, launch.stderr),
        )
        return self._task_outputs(call, task, env, output_lib)

    def _task_inputs(
        self, call: Tree.Call, task: Tree.Task, supplied: Env.Bindings, stdlib: LocalStdLib
    ) -> Env.Bindings:
        available = task.available_inputs
        env: Env.Bindings = Env.Bindings()
        for binding in supplied:
            if binding.name.startswith("_"):
                continue
            decl = available.get(binding.name)
            if decl is None:
                raise WorkflowFailure(
                    WORKFLOW_RUN_FAILED, f"Task {task.name} has no input {binding.name} (call {call.name})"
                )
            if isinstance(binding.value, Value.Null) and decl.expr is not None and not decl.type.optional:
                continue  # None given for an input with a default: the default applies
            env = env.bind(binding.name, self._coerce(binding.value, decl, f"input {binding.name} of call {call.name}"))
        pending = [decl for decl in list(task.inputs or []) + list(task.postinputs) if not env.has_binding(decl.name)]
        for decl in _in_dependency_order(pending):
            if decl.expr is None:
                if not decl.type.optional:
                    raise WorkflowFailure(
                        WORKFLOW_RUN_FAILED, f"Missing required input {decl.name} of call {call.name}"
                    )
                value = Value.Null()
            else:
                value = self._evaluate(decl, env, stdlib, f"{decl.name} of call {call.name}")
            env = env.bind(decl.name, value)
        return env

    def _runtime(
        self, call: Tree.Call, task: Tree.Task, env: Env.Bindings, stdlib: LocalStdLib
    ) -> dict[str, Value.Base]:
        runtime = {}
        for key, expr in task.runtime.items():
            try:
                runtime[key] = expr.eval(env, stdlib=stdlib)
            except Exception as error:  # only recorded: nothing here depends on it but returnCodes
                self.log(f"call {call.name}: runtime.{key} cannot be evaluated ({error}); ignored")
        return runtime

    def _task_outputs(self, call: Tree.Call, task: Tree.Task, env: Env.Bindings, stdlib: LocalStdLib) -> Env.Bindings:
        outputs: Env.Bindings = Env.Bindings()

        def to_host(file: Value.File, decl: Tree.Decl, missing: list[str]) -> str | None:
            try:
                path = stdlib.host_path(file.value)
            except (OSError, ValueError) as error:
                raise WorkflowFailure(WORKFLOW_RUN_FAILED, f"Task {call.name}: output {decl.name}: {error}") from None
            if not path.is_file():
                missing.append(file.value)
                return None
            return str(path)

        for decl in _in_dependency_order(list(task.outputs)):
            where = f"output {decl.name} of call {call.name}"
            value = self._evaluate(decl, env, stdlib, where)
            missing: list[str] = []
            value = Value.rewrite_paths(value, functools.partial(to_host, decl=decl, missing=missing))
            try:
                value = value.coerce(decl.type)
            except Exception:
                raise WorkflowFailure(
                    WORKFLOW_RUN_FAILED,
                    f"Task {call.name}: output {decl.name}: the command did not "
                    f"create {', '.join(missing) or 'a required value'}",
                ) from None
            env = env.bind(decl.name, value)
            outputs = outputs.bind(decl.name, value)
        return outputs

    # -- evaluation ----------------------------------------------------------------------------

    def _evaluate(self, decl: Tree.Decl, env: Env.Bindings, stdlib: StdLib.Base, where: str) -> Value.Base:
        return self._coerce(self._eval_expr(decl.expr, env, stdlib, where), decl, where)

    @staticmethod
    def _eval_expr(expr, env: Env.Bindings, stdlib: StdLib.Base, where: str) -> Value.Base:
        try:
            return expr.eval(env, stdlib=stdlib)
        except WorkflowFailure:
            raise
        except Exception as error:
            raise WorkflowFailure(
                WORKFLOW_RUN_FAILED, f"Cannot evaluate {where} (line {expr.pos.line}): {error}"
            ) from None

    @staticmethod
    def _coerce(value: Value.Base, decl: Tree.Decl, where: str) -> Value.Base:
        try:
            return value.coerce(decl.type)
        except Exception as error:
            raise WorkflowFailure(
                WORKFLOW_RUN_FAILED, f"{where}: {value.json!r} is not a {decl.type}: {error}"
            ) from None


def _in_dependency_order(nodes: list) -> list:
    """Workflow nodes (or task declarations) sorted so each comes after what it refers to."""
    ids = {node.workflow_node_id for node in nodes}
    done: set[str] = set()
    ordered, pending = [], list(nodes)
    while pending:
        ready = [node for node in pending if {dep for dep in node.workflow_node_dependencies if dep in ids} <= done]
        if not ready:
            raise WorkflowFailure(
                WORKFLOW_RUN_FAILED,
                "Circular references between " + ", ".join(node.workflow_node_id for node in pending),
            )
        for node in ready:
            ordered.append(node)
            done.add(node.workflow_node_id)
            pending.remove(node)
    return ordered


def _accepted(status: int, runtime: dict[str, Value.Base]) -> bool:
    """Whether the exit status counts as success (WDL 1.1 ``returnCodes``, Cromwell ``continueOnReturnCode``)."""
    codes = runtime.get("returnCodes")
    if codes is None:
        codes = runtime.get("continueOnReturnCode")
        if isinstance(codes, Value.Boolean):
            return codes.value or status == 0
    if codes is None:
        return status == 0
    if isinstance(codes, Value.String) and codes.value == "*":
        return True
    if isinstance(codes, Value.Array):
        return status in {int(item.value) for item in codes.value}
    try:
        return status == int(codes.value)
    except (TypeError, ValueError):
        return status == 0


def _text(value: Value.Base | None) -> str | None:
    return None if value is None or isinstance(value, Value.Null) else str(value.value)


def _meta_value(value):
    """A ``meta`` entry as plain data: miniwdl keeps literals such as ``true`` as ``WDL.Expr`` nodes."""
    return getattr(value, "value", value) if isinstance(value, WDL.Expr.Base) else value


def _truthy(value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def stderr_tail(path: Path) -> str:
    """The last lines of a task's stderr on one line (statusMessage allows no control characters)."""
    try:
        data = path.read_bytes()[-8 * STDERR_TAIL_CHARS :]
    except OSError:
        return "(no stderr)"
    lines = [line.strip() for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    text = " | ".join(lines[-STDERR_TAIL_LINES:])
    text = "".join(char if char.isprintable() else " " for char in text)
    if len(text) > STDERR_TAIL_CHARS:
        text = "..." + text[-STDERR_TAIL_CHARS:]
    return text or "(empty)"
