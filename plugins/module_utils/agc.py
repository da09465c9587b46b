# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Public facade for the AGC core infrastructure. Modules import from here, never from _agc."""

from ._agc.account_info import describe_activation
from ._agc.activation import ActivationRequest
from ._agc.activation import activate
from ._agc.activation import flatten_subnets
from ._agc.common import DEFAULT_VPC_CIDR
from ._agc.common import DEFAULT_WAIT_TIMEOUT
from ._agc.constants import DEFAULT_ENDPOINT_SERVICES
from ._agc.cost import DEFAULT_PRICES
from ._agc.cost import core_cost_estimate
from ._agc.deactivation import deactivate
from ._agc.endpoint_audit import EndpointsRequest
from ._agc.endpoint_audit import manage_endpoints
from ._shared.errors import AnsibleGenomicsError

# The public names, the only ones modules import from here (listed, the re-exports count as used by linters).
__all__ = (
    "DEFAULT_PRICES",
    "describe_activation",
    "ActivationRequest",
    "activate",
    "flatten_subnets",
    "DEFAULT_ENDPOINT_SERVICES",
    "DEFAULT_VPC_CIDR",
    "DEFAULT_WAIT_TIMEOUT",
    "core_cost_estimate",
    "deactivate",
    "EndpointsRequest",
    "manage_endpoints",
    "AnsibleGenomicsError",
)
