"""How a run's workflow gets executed: the seam between the emulator's bookkeeping and real work.

The backend drives each run through PENDING -> STARTING -> RUNNING on its own. When the run
reaches RUNNING it calls ``executor.execute(run, workflow)`` once, on a worker thread of its own,
and shows the returned terminal status (after at least one delay in RUNNING). An executor may
take as long as the work takes; it should poll ``run.cancel_requested`` (a ``threading.Event``)
and stop early when it is set, because CancelRun has been called and its result will be ignored.

``run`` and ``workflow`` are the backend's records (see ``backend.Run`` and ``backend.Workflow``):
read them, do not modify them. Useful fields:

- ``run.id``, ``run.region``, ``run.parameters`` (dict), ``run.output_uri``,
  ``run.run_output_uri`` (where outputs go: ``<outputUri>/<run id>``), ``run.role_arn``,
  ``run.networking_mode`` ("RESTRICTED" or "VPC"), ``run.vpc`` (a ``ResolvedVpc`` with
  ``vpc_id``, ``subnet_ids``, ``security_group_ids``, ``owner_account_id``; None when RESTRICTED),
  ``run.configuration_name``, ``run.cache_id``, ``run.cache_behavior``;
- ``workflow.definition_zip`` (bytes), ``workflow.main`` (path of the main file in the zip),
  ``workflow.engine`` ("WDL", "NEXTFLOW", "CWL", ...), ``workflow.parameter_template``.

An executor that raises is reported as a FAILED run whose statusMessage is the exception text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Protocol

if TYPE_CHECKING:
    from .backend import Run
    from .backend import Workflow

TERMINAL_EXECUTION_STATUSES = ("COMPLETED", "FAILED")


@dataclass(frozen=True)
class ExecutionResult:
    """The outcome of one run: COMPLETED, or FAILED with a failure reason."""

    status: str
    failure_reason: str | None = None
    status_message: str | None = None

    def __post_init__(self) -> None:
        if self.status not in TERMINAL_EXECUTION_STATUSES:
            raise ValueError(f"an execution ends COMPLETED or FAILED, not {self.status!r}")
        if self.status == "FAILED" and not self.failure_reason:
            raise ValueError("a FAILED execution needs a failure_reason")

    @classmethod
    def completed(cls, status_message: str | None = None) -> "ExecutionResult":
        return cls("COMPLETED", status_message=status_message)

    @classmethod
    def failed(cls, failure_reason: str, status_message: str | None = None) -> "ExecutionResult":
        return cls("FAILED", failure_reason=failure_reason, status_message=status_message)


class RunExecutor(Protocol):
    def execute(self, run: "Run", workflow: "Workflow") -> ExecutionResult:
        """Run the workflow for ``run`` and return its terminal status."""


class SucceedingExecutor:
    """The default: every run completes without doing anything."""

    def execute(self, run: "Run", workflow: "Workflow") -> ExecutionResult:
        return ExecutionResult.completed()


class FailingExecutor:
    """Every run fails with the given reason; for tests of failure handling."""

    def __init__(self, failure_reason: str = "RUN_FAILED", status_message: str | None = None):
        self.result = ExecutionResult.failed(failure_reason, status_message)

    def execute(self, run: "Run", workflow: "Workflow") -> ExecutionResult:
        return self.result
