# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Public facade for Amazon ECR (the pull-through cache HealthOmics pulls images from). Modules import from
here, never from _ecr."""

from ._ecr.pull_through_cache import UPSTREAM_REGISTRIES
from ._ecr.pull_through_cache import EcrRegistry
from ._ecr.pull_through_cache import PullThroughCacheRequest
from ._ecr.pull_through_cache import describe_pull_through_caches
from ._ecr.pull_through_cache import ensure_pull_through_cache_absent
from ._ecr.pull_through_cache import ensure_pull_through_cache_present
from ._ecr.pull_through_cache import pull_through_cache_statement_id
from ._shared.errors import AnsibleGenomicsError

# The public names, the only ones modules import from here (listed, the re-exports count as used by linters).
__all__ = (
    "UPSTREAM_REGISTRIES",
    "EcrRegistry",
    "PullThroughCacheRequest",
    "describe_pull_through_caches",
    "ensure_pull_through_cache_absent",
    "ensure_pull_through_cache_present",
    "pull_through_cache_statement_id",
    "AnsibleGenomicsError",
)
