# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Public facade for AWS HealthOmics. Modules import from here, never from _omics."""

from ._omics.common import DIGEST_TAG
from ._omics.common import REQUEST_ID_TAG
from ._omics.common import AnsibleOmicsError
from ._omics.common import LazyClients
from ._omics.common import OmicsErrorHandler
from ._omics.common import omics_client
from ._omics.configuration import ConfigurationRequest
from ._omics.configuration import describe as describe_configurations
from ._omics.configuration import ensure_absent as ensure_configuration_absent
from ._omics.configuration import ensure_present as ensure_configuration_present
from ._omics.containers import UPSTREAM_REGISTRIES
from ._omics.containers import PullThroughCacheRequest
from ._omics.containers import Registry as EcrRegistry
from ._omics.containers import ensure_absent as ensure_pull_through_cache_absent
from ._omics.containers import ensure_present as ensure_pull_through_cache_present
from ._omics.containers import statement_id_for as pull_through_cache_statement_id
from ._omics.network import KNOWN_VPC_AZ_IDS
from ._omics.network import check_network
from ._omics.network import summarize_egress
from ._omics.packaging import definition_digest
from ._omics.packaging import package as package_definition
from ._omics.run import RunRequest
from ._omics.run import describe as describe_runs
from ._omics.run import ensure_run
from ._omics.run import failure_of as run_failure
from ._omics.run import request_id_for
from ._omics.tagging import ensure_omics_tags
from ._omics.transformations import normalize_configuration
from ._omics.transformations import normalize_run
from ._omics.transformations import normalize_workflow
from ._omics.workflow import WorkflowRequest
from ._omics.workflow import ensure_absent as ensure_workflow_absent
from ._omics.workflow import ensure_present as ensure_workflow_present
from ._omics.workflow import resolve as resolve_workflow

# The public names, the only ones modules import from here (listed, the re-exports count as used by linters).
__all__ = (
    "DIGEST_TAG",
    "REQUEST_ID_TAG",
    "AnsibleOmicsError",
    "LazyClients",
    "OmicsErrorHandler",
    "omics_client",
    "ConfigurationRequest",
    "describe_configurations",
    "ensure_configuration_absent",
    "ensure_configuration_present",
    "UPSTREAM_REGISTRIES",
    "PullThroughCacheRequest",
    "EcrRegistry",
    "ensure_pull_through_cache_absent",
    "ensure_pull_through_cache_present",
    "pull_through_cache_statement_id",
    "KNOWN_VPC_AZ_IDS",
    "check_network",
    "summarize_egress",
    "definition_digest",
    "package_definition",
    "RunRequest",
    "describe_runs",
    "ensure_run",
    "run_failure",
    "request_id_for",
    "ensure_omics_tags",
    "normalize_configuration",
    "normalize_run",
    "normalize_workflow",
    "WorkflowRequest",
    "ensure_workflow_absent",
    "ensure_workflow_present",
    "resolve_workflow",
)
