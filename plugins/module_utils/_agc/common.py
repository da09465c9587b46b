# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Constants, the error handler and the tags of the AGC core infrastructure."""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler

from .._shared.errors import AnsibleGenomicsError
from .._shared.tags import TAG_PREFIX
from .._shared.tags import managed_tags

# AGC's own cost-allocation tag: every resource of the core carries it, as with the AGC CLI.
APP_TAG_KEY = "application-name"
APP_TAG_VALUE = "agc"
# On the managed VPC: "public-only" or "private", so an unrecorded VPC is only resumed in its own mode.
MODE_TAG = TAG_PREFIX + "mode"
# Keys user tags may not set on the core, beside the reserved prefixes (aws:, genomics.aws:).
RESERVED_TAG_KEYS = (APP_TAG_KEY, "Name")

ROLE_VPC = "vpc"
ROLE_PUBLIC_SUBNET = "public-subnet"
ROLE_PRIVATE_SUBNET = "private-subnet"
ROLE_IGW = "internet-gateway"
ROLE_PUBLIC_ROUTE_TABLE = "public-route-table"
ROLE_PRIVATE_ROUTE_TABLE = "private-route-table"
ROLE_NAT = "nat-gateway"
ROLE_EIP = "nat-elastic-ip"
ROLE_ENDPOINT_SG = "endpoint-security-group"
ROLE_ENDPOINT = "vpc-endpoint"
ROLE_BUCKET = "bucket"
ROLE_STATE = "state"

PUBLIC = "public"
PRIVATE = "private"

DEFAULT_VPC_CIDR = "10.0.0.0/16"
# The one default of every wait_timeout of the AGC modules.
DEFAULT_WAIT_TIMEOUT = 1200
ECS_OPTIMIZED_AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id"
AGC_CORE_STACK = "Agc-Core"
AGC_CONTEXT_STACK_PREFIX = "Agc-Context-"


# The Name of each kind of resource of the core, from its role (and AZ or service).
_NAMES = {
    ROLE_VPC: "agc-core",
    ROLE_IGW: "agc-core",
    ROLE_PUBLIC_SUBNET: "agc-public-{az}",
    ROLE_PRIVATE_SUBNET: "agc-private-{az}",
    ROLE_PUBLIC_ROUTE_TABLE: "agc-public",
    ROLE_PRIVATE_ROUTE_TABLE: "agc-private-{az}",
    ROLE_NAT: "agc-nat-{az}",
    ROLE_EIP: "agc-nat-{az}",
    ROLE_ENDPOINT_SG: "agc-vpc-endpoints",
    ROLE_ENDPOINT: "agc-{service}",
}


def resource_name(role, az=None, service=None):
    """The Name tag of a resource of the core, or None when its role, AZ or service does not tell it."""
    template = _NAMES.get(role)
    if template is None or ("{az}" in template and not az) or ("{service}" in template and not service):
        return None
    return template.format(az=az, service=service)


class AGCErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleGenomicsError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["NotFound", "NoSuchBucket", "404", "ParameterNotFound", "ValidationError"])


def core_tags(role, user_tags=None, **markers):
    """Tags of a resource of the AGC core: the collection's markers plus AGC's application tag."""
    tags = managed_tags(role, user_tags, **markers)
    tags[APP_TAG_KEY] = APP_TAG_VALUE
    return tags
