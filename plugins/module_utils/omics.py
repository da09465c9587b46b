# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Public facade for AWS HealthOmics. Modules import from here, never from _omics."""

from ._omics.common import DIGEST_TAG  # noqa: F401
from ._omics.common import REQUEST_ID_TAG  # noqa: F401
from ._omics.common import AnsibleOmicsError  # noqa: F401
from ._omics.common import LazyClients  # noqa: F401
from ._omics.common import OmicsErrorHandler  # noqa: F401
from ._omics.common import omics_client  # noqa: F401
from ._omics.configuration import ConfigurationRequest  # noqa: F401
from ._omics.configuration import describe as describe_configurations  # noqa: F401
from ._omics.configuration import ensure_absent as ensure_configuration_absent  # noqa: F401
from ._omics.configuration import ensure_present as ensure_configuration_present  # noqa: F401
from ._omics.containers import UPSTREAM_REGISTRIES  # noqa: F401
from ._omics.containers import PullThroughCacheRequest  # noqa: F401
from ._omics.containers import Registry as EcrRegistry  # noqa: F401
from ._omics.containers import ensure_absent as ensure_pull_through_cache_absent  # noqa: F401
from ._omics.containers import ensure_present as ensure_pull_through_cache_present  # noqa: F401
from ._omics.containers import statement_id_for as pull_through_cache_statement_id  # noqa: F401
from ._omics.network import KNOWN_VPC_AZ_IDS  # noqa: F401
from ._omics.network import check_network  # noqa: F401
from ._omics.network import summarize_egress  # noqa: F401
from ._omics.packaging import definition_digest  # noqa: F401
from ._omics.packaging import package as package_definition  # noqa: F401
from ._omics.run import RunRequest  # noqa: F401
from ._omics.run import describe as describe_runs  # noqa: F401
from ._omics.run import ensure_run  # noqa: F401
from ._omics.run import failure_of as run_failure  # noqa: F401
from ._omics.run import request_id_for  # noqa: F401
from ._omics.tagging import ensure_omics_tags  # noqa: F401
from ._omics.transformations import normalize_configuration  # noqa: F401
from ._omics.transformations import normalize_run  # noqa: F401
from ._omics.transformations import normalize_workflow  # noqa: F401
from ._omics.workflow import WorkflowRequest  # noqa: F401
from ._omics.workflow import ensure_absent as ensure_workflow_absent  # noqa: F401
from ._omics.workflow import ensure_present as ensure_workflow_present  # noqa: F401
from ._omics.workflow import resolve as resolve_workflow  # noqa: F401
