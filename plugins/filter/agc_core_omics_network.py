# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HealthOmics network of an activated AGC core: its private, NAT-routed infra subnets, or why there are none.

Pure: no AWS call. Takes agc_account_info's result (an activation of this collection, or one the AGC CLI made) and
returns the VPC, the subnets for a HealthOmics configuration and whether the VPC may get VPC endpoints (only a VPC
this collection manages; a customer's or the AGC CLI's VPC is never modified beyond the runs' security group).
Documented in agc_core_omics_network.yml next to this file.
"""

from __future__ import annotations

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # pragma: no cover - Ansible is always there when the filter runs
    AnsibleFilterError = ValueError

# HealthOmics takes at most 16 subnets in a configuration.
MAX_SUBNETS = 16


def _refused(reason, **known):
    return dict({"usable": False, "reason": reason, "vpc_id": None, "subnets": [], "managed": False}, **known)


def core_omics_network(info):
    if not isinstance(info, dict) or "activated" not in info:
        raise AnsibleFilterError("agc_core_omics_network takes the registered result of genomics.aws.agc_account_info.")
    if not info["activated"]:
        return _refused(
            "the region is not activated: run genomics.aws.agc_account (or playbooks/activate.yml) first, or `agc "
            "account activate`"
        )
    core = info.get("core_infrastructure") or {}
    vpc = core.get("vpc") or {}
    source = info.get("activation_source") or "genomics.aws"
    known = {"vpc_id": vpc.get("id"), "managed": bool(vpc.get("managed")), "source": source}
    if not core:
        return _refused(f"the activation's VPC cannot be read: {'; '.join(info.get('drift') or [])}", **known)
    if vpc.get("public_subnets_only"):
        return _refused(
            f"the activation of {vpc.get('id')} uses public subnets only (no NAT gateway): HealthOmics VPC runs get no "
            "public IP, so they need private subnets with a default route to a NAT gateway. Deactivate and activate "
            "again without use_public_subnets (or with a VPC that has such subnets)",
            **known,
        )
    routes = {s["id"]: s.get("default_route") or "" for s in (core.get("network") or {}).get("subnets") or []}
    private = set((core.get("subnets") or {}).get("private") or [])
    infra = (core.get("subnets") or {}).get("infra") or []
    usable = [s for s in infra if s in private and routes.get(s, "").startswith("nat-")]
    if not usable:
        return _refused(
            f"none of the activation's infra subnets {infra} is private with a default route to a NAT gateway, which "
            "HealthOmics VPC runs need",
            **known,
        )
    skipped = [s for s in infra if s not in usable]
    return dict(
        known,
        usable=True,
        reason=None,
        subnets=usable[:MAX_SUBNETS],
        skipped_subnets=skipped,
        bucket=(core.get("bucket") or {}).get("name"),
        cidr_block=vpc.get("cidr_block"),
        # VPC endpoints are added only to a VPC this collection manages.
        use_endpoints=bool(vpc.get("managed")),
    )


class FilterModule:
    """The HealthOmics network of an AGC core."""

    def filters(self):
        return {"agc_core_omics_network": core_omics_network}
