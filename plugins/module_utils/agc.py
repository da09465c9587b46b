# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Public facade for the AGC core infrastructure. Modules import from here, never from _agc."""

from ._agc.common import DEFAULT_ENDPOINT_SERVICES  # noqa: F401
from ._agc.common import AnsibleAGCError  # noqa: F401
from ._agc.core import ActivationRequest  # noqa: F401
from ._agc.core import Clients  # noqa: F401
from ._agc.core import activate  # noqa: F401
from ._agc.core import deactivate  # noqa: F401
from ._agc.core import flatten_subnets  # noqa: F401
from ._agc.insight import DEFAULT_PRICES  # noqa: F401
from ._agc.insight import describe_activation  # noqa: F401
from ._agc.vpc_endpoints import EndpointsRequest  # noqa: F401
from ._agc.vpc_endpoints import manage_endpoints  # noqa: F401
from ._agc.network import default_route  # noqa: F401
from ._agc.network import effective_route_table  # noqa: F401
from ._agc.network import routes_to_internet_gateway  # noqa: F401
