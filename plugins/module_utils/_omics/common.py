# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Errors, limits, tag conventions and input checks shared by the HealthOmics modules.

Every check here runs before any AWS call, so bad input fails with the value named and nothing
written. Limits and patterns are the ones of botocore's omics service model.
"""

import re
import unicodedata

try:
    from botocore.config import Config
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

# Tags the modules set on what they create. Keys under this prefix are reserved: user tags may
# not use them, and purge_tags never removes them.
TAG_PREFIX = "genomics.aws:"
# On workflows: the digest of the definition (files, main, engine, parameter template).
DIGEST_TAG = TAG_PREFIX + "definition-digest"
# On runs: the StartRun requestId, so a run is found again by its inputs.
REQUEST_ID_TAG = TAG_PREFIX + "request-id"
RESERVED_TAG_PREFIXES = ("aws:", TAG_PREFIX)

# Limits and patterns of the omics service model (CreateConfiguration, CreateWorkflow, StartRun).
MAX_SUBNETS = 16
MAX_SECURITY_GROUPS = 5
MAX_NAME_LENGTH = 128
MAX_DESCRIPTION_LENGTH = 256
MAX_STORAGE_CAPACITY = 100000
# Configuration names and StartRun's configurationName: [A-Za-z0-9][A-Za-z0-9\-\._]*, 1-128.
CONFIGURATION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-._]*")
SUBNET_ID = re.compile(r"subnet-[0-9a-f]+")
SECURITY_GROUP_ID = re.compile(r"sg-[0-9a-f]+")
ACCOUNT_ID = re.compile(r"[0-9]{12}")
NUMERIC_ID = re.compile(r"[0-9]{1,18}")
# Most omics strings are [\p{L}||\p{M}||\p{Z}||\p{S}||\p{N}||\p{P}]+: letters, marks, separators,
# symbols, numbers and punctuation, i.e. anything printable but no control characters.
_TEXT_CATEGORIES = frozenset("LMZSNP")

RUN_ACTIVE_STATUSES = ("PENDING", "STARTING", "RUNNING", "STOPPING")
RUN_TERMINAL_STATUSES = ("COMPLETED", "FAILED", "CANCELLED", "DELETED")


class Outcome:
    """What a module run did: changed, the resource after, before/after for diff, warnings, extras."""

    def __init__(self, changed=False, resource=None, before=None, after=None, warnings=None, **extra):
        self.changed = changed
        self.resource = resource if resource is not None else {}
        self.before = before if before is not None else {}
        self.after = after if after is not None else self.resource
        self.warnings = list(warnings or [])
        self.extra = extra


class AnsibleOmicsError(AnsibleAWSError):
    """A failure the operator can act on; the message names the bad value and what to do."""


class OmicsErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleOmicsError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


def omics_client(module):
    """The omics client of a module.

    Every omics operation carries an endpoint host prefix ("workflows-", "tags-"...), which
    botocore puts in front of the host of a custom endpoint_url (http://workflows-127.0.0.1:...),
    where nothing answers. With endpoint_url set, host prefix injection is turned off, merged
    into whatever botocore config amazon.aws builds (user agent, then the user's aws_config).
    """
    extra = {}
    if module.params.get("endpoint_url"):
        extra["config"] = Config(inject_host_prefix=False)
    return module.client("omics", **extra)


class LazyClients:
    """Clients created on first use: a run that only reads omics never pays for EC2 or S3."""

    def __init__(self, module):
        self._module = module
        self._clients = {}

    def _get(self, name, factory):
        if name not in self._clients:
            self._clients[name] = factory()
        return self._clients[name]

    @property
    def omics(self):
        return self._get("omics", lambda: omics_client(self._module))

    @property
    def ec2(self):
        return self._get("ec2", lambda: self._module.client("ec2"))

    @property
    def s3(self):
        return self._get("s3", lambda: self._module.client("s3"))


# --- input checks ------------------------------------------------------------------------------


def is_text(value):
    """True when the model's printable-text pattern accepts the value."""
    return bool(value) and all(unicodedata.category(ch)[0] in _TEXT_CATEGORIES for ch in value)


def check_text(option, value, max_length, min_length=1):
    if value is None:
        return
    if not min_length <= len(value) <= max_length:
        raise AnsibleOmicsError(message=f"{option} {value!r} must be {min_length} to {max_length} characters long (it has {len(value)}).")
    if not is_text(value):
        raise AnsibleOmicsError(message=f"{option} {value!r} contains a control character, which HealthOmics does not accept.")


def check_configuration_name(option, value):
    if value is None:
        return
    if not 1 <= len(value) <= MAX_NAME_LENGTH or not CONFIGURATION_NAME.fullmatch(value):
        raise AnsibleOmicsError(
            message=f"{option} {value!r} is not a valid HealthOmics configuration name: use 1 to {MAX_NAME_LENGTH} "
            "letters, digits, '-', '.' or '_', starting with a letter or digit."
        )


def check_user_tags(tags):
    """User tags may not use reserved prefixes (aws: is AWS's, genomics.aws: is this collection's)."""
    if not tags:
        return
    reserved = sorted(k for k in tags if k.lower().startswith(RESERVED_TAG_PREFIXES))
    if reserved:
        raise AnsibleOmicsError(
            message=f"tags {reserved} use a reserved prefix ({', '.join(RESERVED_TAG_PREFIXES)}); choose other keys."
        )
    for key, value in tags.items():
        if not 1 <= len(key) <= 128:
            raise AnsibleOmicsError(message=f"tag key {key!r} must be 1 to 128 characters long.")
        if value is not None and len(str(value)) > 256:
            raise AnsibleOmicsError(message=f"the value of tag {key!r} is longer than 256 characters.")


def check_ids(option, values, pattern, example, maximum):
    """A list of EC2 ids: well formed, not repeated, at least one and at most `maximum`."""
    if not values:
        raise AnsibleOmicsError(message=f"{option} must name at least one id.")
    if len(values) > maximum:
        raise AnsibleOmicsError(
            message=f"{option} names {len(values)} ids; HealthOmics accepts at most {maximum}."
        )
    for value in values:
        if not pattern.fullmatch(value or ""):
            raise AnsibleOmicsError(message=f"{option}: {value!r} is not an id of the form {example}.")
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise AnsibleOmicsError(message=f"{option} names {repeated} more than once.")
