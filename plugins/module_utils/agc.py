# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Public facade for the AGC core infrastructure. Modules import from here, never from _agc."""

from ._agc.common import DEFAULT_ENDPOINT_SERVICES
from ._agc.common import AnsibleAGCError
from ._agc.core import ActivationRequest
from ._agc.core import Clients
from ._agc.core import activate
from ._agc.core import deactivate
from ._agc.core import flatten_subnets
from ._agc.insight import DEFAULT_PRICES
from ._agc.insight import describe_activation
from ._agc.vpc_endpoints import EndpointsRequest
from ._agc.vpc_endpoints import manage_endpoints
from ._agc.network import default_route
from ._agc.network import effective_route_table
from ._agc.network import routes_to_internet_gateway

# The public names, the only ones modules import from here (listed, the re-exports count as used by linters).
__all__ = (
    "DEFAULT_ENDPOINT_SERVICES",
    "AnsibleAGCError",
    "ActivationRequest",
    "Clients",
    "activate",
    "deactivate",
    "flatten_subnets",
    "DEFAULT_PRICES",
    "describe_activation",
    "EndpointsRequest",
    "manage_endpoints",
    "default_route",
    "effective_route_table",
    "routes_to_internet_gateway",
)
