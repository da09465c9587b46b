# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Constants, errors and tag conventions shared by the AGC core infrastructure code."""

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications

# AGC's own cost-allocation tag: every resource the collection creates carries it.
APP_TAG_KEY = "application-name"
APP_TAG_VALUE = "agc"

# Ownership markers. Discovery only ever acts on resources that carry MANAGED_BY_TAG, so a
# customer's VPC or bucket (or the AGC CLI's own CloudFormation resources) are never touched.
MANAGED_BY_TAG = "agc:managed-by"
MANAGED_BY_VALUE = "genomics.aws"
ROLE_TAG = "agc:role"
AZ_TAG = "agc:az"
VPC_TAG = "agc:vpc"
SERVICE_TAG = "agc:service"
# On the managed VPC: "public-only" or "private", so an unrecorded VPC is only resumed in its own mode.
MODE_TAG = "agc:mode"
RESERVED_TAG_KEYS = frozenset([APP_TAG_KEY, MANAGED_BY_TAG, ROLE_TAG, AZ_TAG, VPC_TAG, SERVICE_TAG, MODE_TAG, "Name"])

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
REQUIRED_AZ_COUNT = 3
ECS_OPTIMIZED_AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id"
AGC_CORE_STACK = "Agc-Core"
AGC_CONTEXT_STACK_PREFIX = "Agc-Context-"

# Seed 000's list: what `agc account activate` creates in its VPC.
DEFAULT_ENDPOINT_SERVICES = (
    "s3",
    "dynamodb",
    "ecr.api",
    "ecr.dkr",
    "ecs",
    "ecs-agent",
    "ecs-telemetry",
    "logs",
    "ec2",
)
GATEWAY_ENDPOINT_SERVICES = frozenset(["s3", "dynamodb"])


class AnsibleAGCError(AnsibleAWSError):
    """A failure the operator can act on; the message names the bad value and what to do."""


class AGCErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleAGCError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["NotFound", "NoSuchBucket", "404", "ParameterNotFound", "ValidationError"])


def managed_tags(role, user_tags=None, name=None, az=None, vpc_id=None, service=None):
    """The full tag set of a resource this collection creates: user tags plus our markers."""
    tags = dict(user_tags or {})
    tags[APP_TAG_KEY] = APP_TAG_VALUE
    tags[MANAGED_BY_TAG] = MANAGED_BY_VALUE
    tags[ROLE_TAG] = role
    if name:
        tags["Name"] = name
    if az:
        tags[AZ_TAG] = az
    if vpc_id:
        tags[VPC_TAG] = vpc_id
    if service:
        tags[SERVICE_TAG] = service
    return tags


def tag_specifications(resource_type, tags):
    """TagSpecifications for an EC2 create call: resources are never untagged, even for a moment."""
    return boto3_tag_specifications(tags, types=resource_type)


def ownership_filters(role=None, **extra_tags):
    """EC2 describe filters that select only resources this collection created."""
    filters = [{"Name": f"tag:{MANAGED_BY_TAG}", "Values": [MANAGED_BY_VALUE]}]
    if role:
        filters.append({"Name": f"tag:{ROLE_TAG}", "Values": [role]})
    for key, value in extra_tags.items():
        filters.append({"Name": f"tag:{key}", "Values": [value]})
    return filters


def tag_dict(resource):
    """Tags of a boto3 EC2 resource description as a plain dict."""
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags") or []}


def is_ours(resource):
    """Whether this collection created the resource (only those are ever changed or deleted)."""
    return tag_dict(resource).get(MANAGED_BY_TAG) == MANAGED_BY_VALUE


class Deadline:
    """The one time budget (wait_timeout) shared by every wait in a module run."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.expires_at = time.monotonic() + seconds

    def remaining(self):
        return max(0.0, self.expires_at - time.monotonic())

    def expired(self):
        return self.remaining() <= 0


class ChangeLog:
    """Human-readable list of the changes a run made, or would make in check mode."""

    def __init__(self, check_mode):
        self.check_mode = check_mode
        self.entries = []

    def add(self, text):
        self.entries.append(text)

    def __bool__(self):
        return bool(self.entries)

    def __len__(self):
        return len(self.entries)
