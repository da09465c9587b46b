# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A HealthOmics configuration (CreateConfiguration): the VPC that VPC-mode runs use.

HealthOmics has no UpdateConfiguration: subnets, security groups, the VPC owner and the
description are fixed at creation. When they differ from the request the configuration is
replaced (delete, wait until gone, create) only if the caller allows it; otherwise the module fails
showing the difference. Tags change in place. The network is checked before every create.
"""

import copy
import uuid

from .._shared.errors import AnsibleGenomicsError
from .._shared.outcome import Outcome
from .._shared.validation import check_account_id
from .._shared.validation import check_ec2_ids
from .._shared.validation import check_text
from .._shared.validation import check_user_tags
from .._shared.validation import check_wait_timeout
from .._shared.validation import string_tags
from . import api
from . import network
from . import waiters
from .common import DEFAULT_WAIT_TIMEOUT
from .common import MAX_DESCRIPTION_LENGTH
from .common import MAX_SECURITY_GROUPS
from .common import MAX_SUBNETS
from .common import check_configuration_name
from .tagging import ensure_omics_tags
from .transformations import normalize_configuration
from .transformations import vpc_config_of


class ConfigurationRequest:
    def __init__(
        self,
        name,
        subnets=None,
        security_groups=None,
        vpc_owner_account_id=None,
        description=None,
        tags=None,
        purge_tags=True,
        state="present",
        allow_replacement=False,
        wait=True,
        wait_timeout=DEFAULT_WAIT_TIMEOUT,
    ):
        self.name = name
        self.subnets = list(subnets or [])
        self.security_groups = list(security_groups or [])
        self.vpc_owner_account_id = vpc_owner_account_id
        self.description = description
        self.tags = string_tags(tags)
        self.purge_tags = purge_tags
        self.state = state
        self.allow_replacement = allow_replacement
        self.wait = wait
        self.wait_timeout = wait_timeout

    @classmethod
    def from_params(cls, params):
        request = cls(
            **{
                key: params[key]
                for key in params
                if key
                in (
                    "name",
                    "subnets",
                    "security_groups",
                    "vpc_owner_account_id",
                    "description",
                    "tags",
                    "purge_tags",
                    "state",
                    "allow_replacement",
                    "wait",
                    "wait_timeout",
                )
            }
        )
        request.validate()
        return request

    def validate(self):
        """Every check that needs no AWS call; raises naming the bad value."""
        check_configuration_name("name", self.name)
        check_wait_timeout(self.wait_timeout)
        if self.state == "absent":
            return
        check_ec2_ids("subnets", self.subnets, "subnet", minimum=1, maximum=MAX_SUBNETS, limit_owner="HealthOmics")
        check_ec2_ids(
            "security_groups",
            self.security_groups,
            "sg",
            minimum=1,
            maximum=MAX_SECURITY_GROUPS,
            limit_owner="HealthOmics",
        )
        check_account_id("vpc_owner_account_id", self.vpc_owner_account_id)
        check_text("description", self.description, MAX_DESCRIPTION_LENGTH)
        check_user_tags(self.tags)

    def differences(self, existing):
        """What differs between an existing configuration and the request, beyond tags."""
        subnets, groups, _vpc_id, owner = vpc_config_of(existing)
        found = []
        if sorted(set(subnets)) != sorted(set(self.subnets)):
            found.append(f"subnets {sorted(set(subnets))} -> {sorted(set(self.subnets))}")
        if sorted(set(groups)) != sorted(set(self.security_groups)):
            found.append(f"security_groups {sorted(set(groups))} -> {sorted(set(self.security_groups))}")
        if self.vpc_owner_account_id is not None and self.vpc_owner_account_id != owner:
            found.append(f"vpc_owner_account_id {owner!r} -> {self.vpc_owner_account_id!r}")
        if self.description is not None and self.description != existing.get("description"):
            found.append(f"description {existing.get('description')!r} -> {self.description!r}")
        if existing.get("status") == "FAILED":
            found.append("status FAILED (a failed configuration cannot be used)")
        return found

    def create_params(self):
        vpc_config = {"subnetIds": self.subnets, "securityGroupIds": self.security_groups}
        if self.vpc_owner_account_id:
            vpc_config["vpcOwnerAccountId"] = self.vpc_owner_account_id
        params = {
            "name": self.name,
            "runConfigurations": {"vpcConfig": vpc_config},
            # Found again by name (unique per region), so the token only has to cover the retries of
            # this one call; a fixed token could return a configuration deleted since.
            "requestId": str(uuid.uuid4()),
        }
        if self.description is not None:
            params["description"] = self.description
        if self.tags:
            params["tags"] = dict(self.tags)
        return params

    def predicted(self, report):
        """The configuration a create would make, for check mode (ids not known yet are null)."""
        return normalize_configuration(
            {
                "name": self.name,
                "arn": None,
                "uuid": None,
                "description": self.description,
                "status": "ACTIVE" if self.wait else "CREATING",
                "runConfigurations": {
                    "vpcConfig": {
                        "subnetIds": list(self.subnets),
                        "securityGroupIds": list(self.security_groups),
                        "vpcId": report.vpc_id,
                        "vpcOwnerAccountId": self.vpc_owner_account_id,
                    }
                },
                "tags": dict(self.tags or {}),
            }
        )


def _wait_gone(omics, request, existing_status):
    if existing_status == "DELETED":
        return
    waiters.configuration_deleted(omics, request.name, request.wait_timeout)


def ensure_configuration_present(clients, region, request, check_mode):
    omics = clients.omics
    existing = api.get_configuration(omics, request.name)
    before = normalize_configuration(existing)
    warnings = []

    if existing and existing.get("status") in ("DELETING", "DELETED"):
        # On its way out (an earlier replacement or deletion): the name is free once it is gone.
        if not check_mode:
            _wait_gone(omics, request, existing.get("status"))
        existing, before = None, {}

    if existing:
        differences = request.differences(existing)
        if not differences:
            changed, tags = ensure_omics_tags(
                omics, existing["arn"], existing.get("tags"), request.tags, request.purge_tags, check_mode
            )
            waited = request.wait and not check_mode and existing.get("status") in ("CREATING", "UPDATING")
            if waited:
                waiters.configuration_active(omics, request.name, request.wait_timeout)
            if check_mode or not (changed or waited):
                after = copy.deepcopy(before)
                after["tags"] = tags
            else:
                after = normalize_configuration(api.get_configuration(omics, request.name))
            return Outcome(changed=changed, resource=after, before=before, after=after)
        if not request.allow_replacement:
            raise AnsibleGenomicsError(
                message=f"HealthOmics configuration {request.name!r} differs from the request and HealthOmics cannot "
                f"update a configuration in place: {'; '.join(differences)}. Nothing was changed. Set "
                "allow_replacement=true to delete and re-create it (runs using it must have finished first).",
                differences=differences,
            )

    # Create, or replace: the network is checked before anything is deleted or created.
    report = network.check_network(
        clients.ec2, region, request.subnets, request.security_groups, request.vpc_owner_account_id
    )
    warnings += report.warnings
    if existing:
        warnings.append(
            f"HealthOmics configuration {request.name!r} is replaced (deleted and re-created): "
            + "; ".join(request.differences(existing))
        )
    if check_mode:
        after = request.predicted(report)
        return Outcome(
            changed=True, resource=after, before=before, after=after, warnings=warnings, network=report.as_dict()
        )
    if existing:
        api.delete_configuration(omics, request.name)
        # The name must be free before it can be used again, whatever `wait` says.
        waiters.configuration_deleted(omics, request.name, request.wait_timeout)
    api.create_configuration(omics, **request.create_params())
    if request.wait:
        waiters.configuration_active(omics, request.name, request.wait_timeout)
    after = normalize_configuration(api.get_configuration(omics, request.name))
    return Outcome(
        changed=True, resource=after, before=before, after=after, warnings=warnings, network=report.as_dict()
    )


def ensure_configuration_absent(clients, region, request, check_mode):
    omics = clients.omics
    existing = api.get_configuration(omics, request.name)
    if not existing:
        return Outcome(changed=False)
    before = normalize_configuration(existing)
    if existing.get("status") in ("DELETING", "DELETED"):
        if request.wait and not check_mode:
            _wait_gone(omics, request, existing.get("status"))
        return Outcome(changed=False, before=before, after={})
    if not check_mode:
        api.delete_configuration(omics, request.name)
        if request.wait:
            waiters.configuration_deleted(omics, request.name, request.wait_timeout)
    return Outcome(changed=True, before=before, after={})


def describe_configurations(clients, name=None):
    """Configurations as results: the one named (if it exists), else every one in the region."""
    omics = clients.omics
    if name is not None:
        check_configuration_name("name", name)
        names = [name]
    else:
        names = [item["name"] for item in api.list_configurations(omics)]
    found = [api.get_configuration(omics, n) for n in names]
    return [normalize_configuration(c) for c in found if c]
