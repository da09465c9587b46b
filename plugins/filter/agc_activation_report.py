# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The data of the activation report of genomics.aws.agc_activate, from agc_account's own result.

Pure: no AWS call. agc_account returns the core as it left it (subnets with their default routes, NAT gateways,
endpoints, the state store); this filter turns that into what the report shows, the Mermaid diagram included, so
the role's template only presents it and the role never describes the VPC a second time. Documented in
agc_activation_report.yml next to this file (ansible-doc -t filter).
"""

from __future__ import annotations

import re

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # pragma: no cover - Ansible is always there when the filter runs
    AnsibleFilterError = ValueError

# Not through the agc facade: it imports boto3, half a second of every activation playbook on the controller.
from ansible_collections.genomics.aws.plugins.module_utils._agc.cost import core_cost_estimate
from ansible_collections.genomics.aws.plugins.module_utils._shared.errors import AnsibleGenomicsError

RECORD_PARAMETER = "genomics.aws/activation"


def _mermaid_id(value):
    return re.sub(r"[^A-Za-z0-9]", "_", str(value))


def _core_of(activation):
    core = activation.get("core_infrastructure", activation) if isinstance(activation, dict) else None
    if not isinstance(core, dict) or "vpc" not in core or "network" not in core:
        raise AnsibleFilterError(
            "agc_activation_report needs the result of genomics.aws.agc_account (state=present, not in check mode), "
            "or its core_infrastructure"
        )
    return core


def _route_targets(subnets, core):
    """(internet gateways, NAT gateways, other targets) drawn in the diagram."""
    targets = [s["default_route"] for s in subnets if s["default_route"]]
    gateways = ([core["internet_gateway_id"]] if core.get("internet_gateway_id") else []) + [
        t for t in targets if t.startswith("igw-")
    ]
    nat_ids = {n["id"] for n in core["network"]["nat_gateways"]}
    others = [t for t in targets if not t.startswith("igw-") and not (t.startswith("nat-") and t in nat_ids)]
    return list(dict.fromkeys(gateways)), list(dict.fromkeys(others))


def mermaid(core, subnets, nat_gateways, gateways, others, endpoints):
    """The VPC as a Mermaid flowchart: AZs with their subnets and NAT gateways, endpoints, the bucket; arrows follow
    each subnet's default route, dotted arrows the private traffic to AWS services through endpoints."""
    vpc = core["vpc"]
    managed, public_only = vpc["managed"], vpc["public_subnets_only"]
    infra = set(core["subnets"].get("infra") or [])
    by_subnet = {s["id"]: s["default_route"] for s in subnets}
    owner = (
        ("managed by genomics.aws" + (", public subnets only" if public_only else "")) if managed else "customer's VPC"
    )
    lines = [
        "flowchart TB",
        '  internet(("Internet"))',
        f'  subgraph {_mermaid_id(vpc["id"])}["VPC {vpc["id"]}<br/>{vpc["cidr_block"]}, {owner}"]',
        "    direction TB",
    ]
    lines += [f'    {_mermaid_id(g)}[["Internet gateway<br/>{g}"]]' for g in gateways]
    for zone in sorted({s["availability_zone"] for s in subnets if s["availability_zone"]}):
        lines += [f'    subgraph {_mermaid_id("az-" + zone)}["Availability Zone {zone}"]', "      direction TB"]
        for subnet in (s for s in subnets if s["availability_zone"] == zone):
            compute = "<br/>AGC compute" if subnet["id"] in infra else ""
            lines.append(
                f'      {_mermaid_id(subnet["id"])}["{subnet["kind"]} '
                f'subnet<br/>{subnet["id"]}<br/>{subnet["cidr_block"]}{compute}"]'
            )
        for nat in (n for n in nat_gateways if n["availability_zone"] == zone):
            label = "NAT gateway" + ("" if nat["managed"] else " (customer's)") + f"<br/>{nat['id']}"
            lines.append(
                f'      {_mermaid_id(nat["id"])}(["{label}'
                + (f"<br/>{nat['public_ip']}" if nat["public_ip"] else "")
                + '"])'
            )
        lines.append("    end")
    if endpoints:
        lines += ['    subgraph vpc_endpoints["VPC endpoints"]', "      direction LR"]
        lines += [
            f'      {_mermaid_id(e["id"])}("{e["service"]}<br/>{e["type"].lower()} endpoint<br/>{e["id"]}")'
            for e in endpoints
        ]
        lines.append("    end")
    lines += ["  end", f'  bucket[("S3 bucket<br/>{core["bucket"]["name"]}")]']
    lines += [f'  {_mermaid_id(o)}[["{o}"]]' for o in others]
    lines += [f"  {_mermaid_id(g)} --- internet" for g in gateways]
    lines += [f"  {_mermaid_id(s['id'])} --> {_mermaid_id(s['default_route'])}" for s in subnets if s["default_route"]]
    lines += [
        f"  {_mermaid_id(n['id'])} --> {_mermaid_id(by_subnet[n['subnet_id']])}"
        for n in nat_gateways
        if by_subnet.get(n["subnet_id"])
    ]
    if endpoints:
        lines += [f"  {_mermaid_id(s['id'])} -.-> vpc_endpoints" for s in subnets if s["kind"] == "private"]
    s3_gateway = [e for e in endpoints if e["service"] == "s3" and e["type"] == "Gateway"]
    lines.append(f"  {_mermaid_id(s3_gateway[0]['id'])} -.-> bucket" if s3_gateway else "  internet -.-> bucket")
    return "\n".join(lines)


def _audit(core, cost, endpoints_audit, endpoints_ensured):
    """The customer VPC's endpoint audit: before, missing, created or still missing, and their monthly cost."""
    if core["vpc"]["managed"] or not isinstance(endpoints_audit, dict) or "present" not in endpoints_audit:
        return None
    ensured = isinstance(endpoints_ensured, dict) and "vpc_endpoints" in endpoints_ensured
    found = (endpoints_ensured if ensured else endpoints_audit).get("vpc_endpoints") or []
    interface = [e for e in found if e.get("type") == "Interface"]
    interface_azs = sum(len(e.get("subnet_ids") or []) for e in interface)
    unit = next((i["unit_price_hour"] for i in cost["items"] if i["item"] == "interface endpoint AZs"), 0)
    return {
        "present": list(endpoints_audit.get("present") or []),
        "missing": list(endpoints_audit.get("missing") or []),
        "ensured": ensured,
        # What the run created, or (not ensured) what is still missing.
        "outcome": list((endpoints_ensured if ensured else endpoints_audit).get("missing") or []),
        "interface_endpoint_azs": interface_azs,
        "interface_endpoint_azs_ours": sum(len(e.get("subnet_ids") or []) for e in interface if e.get("managed")),
        "interface_endpoints_monthly": round(interface_azs * unit * cost["hours_per_month"], 2),
    }


def _endpoints(core, endpoints_ensured):
    """The VPC's endpoints: those agc_account saw, and those created after it in a customer VPC."""
    found = {e["id"]: e for e in core.get("vpc_endpoints") or []}
    if isinstance(endpoints_ensured, dict):
        for endpoint in endpoints_ensured.get("vpc_endpoints") or []:
            found.setdefault(
                endpoint["id"], {key: endpoint.get(key) for key in ("service", "id", "type", "state", "subnet_ids")}
            )
    return sorted(found.values(), key=lambda e: (e["service"], e["id"]))


def activation_report(activation, prices=None, endpoints_audit=None, endpoints_ensured=None):
    """Everything the activation report shows, computed from agc_account's result."""
    core = _core_of(activation)
    try:
        cost = core_cost_estimate(core, prices)
    except AnsibleGenomicsError as e:
        raise AnsibleFilterError(f"agc_activation_report: {e.message}") from None
    infra = list(core["subnets"].get("infra") or [])
    subnets = [dict(s, infra=s["id"] in infra) for s in core["network"]["subnets"]]
    zone_of = {s["id"]: s["availability_zone"] for s in subnets}
    nat_gateways = core["network"]["nat_gateways"]
    gateways, others = _route_targets(subnets, core)
    endpoints = _endpoints(core, endpoints_ensured)
    changes = list(activation.get("changes") or []) if isinstance(activation, dict) else []
    return {
        "account_id": core["account_id"],
        "region": core["region"],
        "vpc": core["vpc"],
        "bucket": core["bucket"],
        "compute_image": core["compute_image"],
        "tags": dict({"application-name": "agc"}, **dict(sorted((core.get("tags") or {}).items()))),
        "infra": [{"id": i, "availability_zone": zone_of.get(i)} for i in infra],
        "subnets": subnets,
        "internet_gateways": gateways,
        "nat_gateways": nat_gateways,
        "other_route_targets": others,
        "vpc_endpoints": endpoints,
        "endpoint_security_group_id": core.get("endpoint_security_group_id"),
        "parameters": [
            {"name": name, "value": "(the collection's activation record, JSON)" if name == RECORD_PARAMETER else value}
            for name, value in sorted((core.get("parameters") or {}).items())
        ],
        "mermaid": mermaid(core, subnets, nat_gateways, gateways, others, endpoints),
        "cost": cost,
        "endpoint_audit": _audit(core, cost, endpoints_audit, endpoints_ensured),
        "changed": bool(activation.get("changed")) if isinstance(activation, dict) else False,
        "changes": changes,
    }


class FilterModule:
    """The AGC activation report."""

    def filters(self):
        return {"agc_activation_report": activation_report}
