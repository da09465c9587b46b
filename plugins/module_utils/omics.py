# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Public facade for AWS HealthOmics. Modules import from here, never from _omics."""

from ._omics.common import DEFAULT_RUN_WAIT_TIMEOUT
from ._omics.common import DEFAULT_WAIT_TIMEOUT
from ._omics.common import DIGEST_TAG
from ._omics.common import REQUEST_ID_TAG
from ._omics.configuration import ConfigurationRequest
from ._omics.configuration import describe_configurations
from ._omics.configuration import ensure_configuration_absent
from ._omics.configuration import ensure_configuration_present
from ._omics.network import summarize_egress
from ._omics.packaging import package_definition
from ._omics.run import RunRequest
from ._omics.run import describe_runs
from ._omics.run import ensure_run
from ._omics.run import request_id_for
from ._omics.run import run_failure
from ._omics.tagging import ensure_omics_tags
from ._omics.transformations import normalize_run
from ._omics.transformations import normalize_workflow
from ._omics.workflow import WorkflowRequest
from ._omics.workflow import describe_workflows
from ._omics.workflow import ensure_workflow_absent
from ._omics.workflow import ensure_workflow_present
from ._shared.errors import AnsibleGenomicsError

# The public names, the only ones modules import from here (listed, the re-exports count as used by linters).
__all__ = (
    "DEFAULT_RUN_WAIT_TIMEOUT",
    "DEFAULT_WAIT_TIMEOUT",
    "DIGEST_TAG",
    "REQUEST_ID_TAG",
    "ConfigurationRequest",
    "describe_configurations",
    "ensure_configuration_absent",
    "ensure_configuration_present",
    "summarize_egress",
    "package_definition",
    "RunRequest",
    "describe_runs",
    "ensure_run",
    "request_id_for",
    "run_failure",
    "ensure_omics_tags",
    "normalize_run",
    "normalize_workflow",
    "WorkflowRequest",
    "describe_workflows",
    "ensure_workflow_absent",
    "ensure_workflow_present",
    "AnsibleGenomicsError",
)
