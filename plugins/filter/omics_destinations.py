# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What HealthOmics VPC-connected runs must reach, turned into security group egress rules and VPC endpoints.

Pure functions, no AWS call: the genomics.aws.omics_vpc_networking role feeds them what it read from EC2.
Each filter is documented in the YAML file of its name next to this one (ansible-doc -t filter).

A destination is a dict with a unique ``name`` and a ``kind``. Which destinations are valid, their fields and
defaults, is decided by plugins/module_utils/destination_schema.py alone, which the connectivity probe of
genomics.aws.omics_connectivity_test imports too: one list serves both roles, and what one accepts the other
does. This file only decides how each destination is reached and which egress rules it needs:

    kind                        egress rules (all TCP)
    https                       the URL's port (443, 80) to the host
    tcp, sftp, ssh              the port (22 for sftp, ssh) to the host
    ftp, ftps                   the control port (21; ftps implicit 990) and the passive range to the host
    s3, dynamodb                same Region: the port (443) to the service's prefix list (gateway endpoint);
                                other Region: the port to 0.0.0.0/0 through the NAT gateway
    secretsmanager, license-manager, s3tables, endpoint (s3 and dynamodb services as above)
                                same Region: the port to the interface endpoint's security group (the VPC CIDR
                                while it is not known); other Region: through the NAT gateway

"The host": an IPv4 address is that /32, an IPv6 address that /128; a host name is 0.0.0.0/0, since
a security group cannot filter by name (Route 53 Resolver DNS Firewall can). The probe's own fields
(description, timeout, expect_status, user, password, endpoint, host of an AWS kind) are checked and
do not change the rules.
"""

import ipaddress
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.genomics.aws.plugins.module_utils.destination_schema import GATEWAY_SERVICES
from ansible_collections.genomics.aws.plugins.module_utils.destination_schema import HOST_KINDS
from ansible_collections.genomics.aws.plugins.module_utils.destination_schema import DestinationError
from ansible_collections.genomics.aws.plugins.module_utils.destination_schema import quote as _show
from ansible_collections.genomics.aws.plugins.module_utils.destination_schema import validate

ANYWHERE = "0.0.0.0/0"
PREFIX_LIST_ID = re.compile(r"^pl-[0-9a-f]{8,17}$")
SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
# What EC2 accepts in a rule description (255 characters at most).
_DESCRIPTION_UNSAFE = re.compile(r"[^A-Za-z0-9. _\-:/()#,@\[\]+=&;{}!$*]")
MAX_DESCRIPTION = 255


def _target_of_host(host):
    """The rule target of a canonical host (destination_schema gives IP addresses in their short form)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ("cidr_ip", ANYWHERE)
    if address.version == 4:
        return ("cidr_ip", f"{address}/32")
    return ("cidr_ipv6", f"{address}/128")


def _need(from_port, to_port, target, purpose):
    return {"from_port": from_port, "to_port": to_port, "target": target, "purpose": purpose}


def _plan(dest):
    """One validated destination as a plan: its needs (port range and target) and its endpoint service."""
    kind = dest["kind"]
    plan = {
        "name": dest["name"],
        "kind": kind,
        "host": None,
        "service": None,
        "region": None,
        "via": "direct",
        "endpoint_service": None,
        "needs": [],
    }
    if kind in HOST_KINDS:
        plan["host"] = dest["host"]
        target = _target_of_host(dest["host"])
        ftp = kind in ("ftp", "ftps")
        plan["needs"].append(_need(dest["port"], dest["port"], target, f"{kind} control" if ftp else kind))
        if ftp:
            low, high = dest["passive_ports"]
            plan["needs"].append(_need(low, high, target, f"{kind} passive data"))
        return plan
    plan.update(service=dest["service"], region=dest["region"])
    plan["needs"].append(_need(dest["port"], dest["port"], None, dest["service"]))
    return plan


def _route(plan, region, use_endpoints):
    """Decide how an AWS destination is reached, and fill in its targets."""
    if plan["service"] is None:
        return plan
    need = plan["needs"][0]
    if region is None:
        plan["via"] = None
        return plan
    if plan["region"] != region or not use_endpoints:
        plan["via"] = "nat"
        need["target"] = ("cidr_ip", ANYWHERE)
        need["purpose"] = (
            f"{plan['service']} in {plan['region']} via NAT"
            if plan["region"] != region
            else f"{plan['service']} via NAT"
        )
    elif plan["service"] in GATEWAY_SERVICES:
        plan["via"] = "gateway-endpoint"
        plan["endpoint_service"] = plan["service"]
        need["target"] = ("prefix_list", plan["service"])
        need["purpose"] = f"{plan['service']} gateway endpoint"
    else:
        plan["via"] = "interface-endpoint"
        plan["endpoint_service"] = plan["service"]
        need["target"] = ("interface_endpoint", plan["service"])
        need["purpose"] = f"{plan['service']} interface endpoint"
    return plan


def plan_destinations(destinations, region=None, use_endpoints=True):
    """Validated destinations with their needs; raises AnsibleFilterError naming every bad value."""
    try:
        checked = validate(destinations, region)
    except DestinationError as error:
        raise AnsibleFilterError(str(error)) from None
    return [_route(_plan(dest), region, bool(use_endpoints)) for dest in checked]


def _cidrs(vpc_cidr):
    if vpc_cidr is None or vpc_cidr == "" or vpc_cidr == []:
        return []
    values = [vpc_cidr] if isinstance(vpc_cidr, str) else list(vpc_cidr)
    found = []
    for value in values:
        try:
            network = ipaddress.ip_network(str(value), strict=True)
        except ValueError:
            raise AnsibleFilterError(f"vpc_cidr {_show(value)} is not a CIDR block such as 10.0.0.0/16") from None
        if network.version != 4:
            raise AnsibleFilterError(f"vpc_cidr {_show(value)} is not an IPv4 CIDR block")
        if str(network) not in found:
            found.append(str(network))
    return found


def _prefix_lists(prefix_lists):
    if not prefix_lists:
        return {}
    if not isinstance(prefix_lists, dict):
        raise AnsibleFilterError(
            f"prefix_lists must map a service (s3, dynamodb) to its prefix list id, not {_show(prefix_lists)}"
        )
    for service, pl in prefix_lists.items():
        if not isinstance(pl, str) or not PREFIX_LIST_ID.match(pl):
            raise AnsibleFilterError(f"prefix_lists[{_show(service)}] {_show(pl)} is not a prefix list id (pl-...)")
    return dict(prefix_lists)


def _endpoint_groups(endpoint_groups):
    if not endpoint_groups:
        return {}
    if not isinstance(endpoint_groups, dict):
        raise AnsibleFilterError(
            f"endpoint_groups must map a service to its interface endpoint's security group ids, not "
            f"{_show(endpoint_groups)}"
        )
    for service, groups in endpoint_groups.items():
        if (
            isinstance(groups, str)
            or not isinstance(groups, (list, tuple))
            or any(not isinstance(g, str) or not SECURITY_GROUP_ID.match(g) for g in groups)
        ):
            raise AnsibleFilterError(
                f"endpoint_groups[{_show(service)}] {_show(groups)} is not a list of security group ids (sg-...)"
            )
    return {service: list(groups) for service, groups in endpoint_groups.items() if groups}


def _resolve(target, cidrs, prefix_lists, endpoint_groups, what):
    """[(target type, value, note)] for one need's target."""
    kind, value = target
    if kind == "prefix_list":
        if value in prefix_lists:
            return [("ip_prefix", prefix_lists[value], "")]
        if not cidrs:
            raise AnsibleFilterError(
                f"{what}: no prefix list is known for {value} and no vpc_cidr is given for the fallback"
            )
        return [("cidr_ip", cidr, ", no prefix list found: VPC CIDR") for cidr in cidrs]
    if kind == "interface_endpoint":
        # The endpoint's network interfaces carry its security groups: one of them names exactly those interfaces,
        # where the VPC CIDR would open the port to everything in the VPC.
        if value in endpoint_groups:
            return [("group_id", sorted(endpoint_groups[value])[0], "")]
        if not cidrs:
            raise AnsibleFilterError(
                f"{what}: no interface endpoint of {value} is known and no vpc_cidr is given for the fallback"
            )
        return [("cidr_ip", cidr, ", endpoint not found: VPC CIDR") for cidr in cidrs]
    return [(kind, value, "")]


def _description(parts):
    text = "; ".join(parts)
    if len(text) > MAX_DESCRIPTION:
        kept = []
        for index, part in enumerate(parts):
            more = f" +{len(parts) - index} more"
            if len("; ".join(kept + [part])) + len(more) > MAX_DESCRIPTION - 2:
                text = "; ".join(kept) + more if kept else (part[: MAX_DESCRIPTION - len(more)] + more)
                break
            kept.append(part)
    return _DESCRIPTION_UNSAFE.sub("_", text)[:MAX_DESCRIPTION]


def egress_rules(destinations, vpc_cidr=None, region=None, prefix_lists=None, use_endpoints=True, endpoint_groups=None):
    """The egress rules (amazon.aws.ec2_security_group rules_egress) the destinations need, identical ones merged."""
    if region is None:
        raise AnsibleFilterError("region is required: the VPC's Region, to tell same-Region AWS services from others")
    plans = plan_destinations(destinations, region, use_endpoints)
    cidrs = _cidrs(vpc_cidr)
    known = _prefix_lists(prefix_lists)
    groups = _endpoint_groups(endpoint_groups)
    merged = {}
    for plan in plans:
        for need in plan["needs"]:
            what = f"destination {_show(plan['name'])}"
            for target_type, target, note in _resolve(need["target"], cidrs, known, groups, what):
                key = ("tcp", need["from_port"], need["to_port"], target_type, target)
                entry = merged.setdefault(key, [])
                part = f"{plan['name']} ({need['purpose']}{note})"
                if part not in entry:
                    entry.append(part)
    rules = []
    for (proto, from_port, to_port, target_type, target), parts in merged.items():
        rule = {"proto": proto, "from_port": from_port, "to_port": to_port, target_type: target}
        # A prefix list names its service itself (com.amazonaws.<region>.s3). moto 5.2 drops descriptions of
        # prefix list rules, so one there would be "changed" on every run.
        if target_type != "ip_prefix":
            rule["rule_desc"] = _description(parts)
        rules.append(rule)
    return rules


def endpoint_services(destinations, region=None, use_endpoints=True):
    """The VPC endpoint services (short names, in order, once each) the destinations need."""
    if region is None:
        raise AnsibleFilterError("region is required: the VPC's Region, to tell same-Region AWS services from others")
    services = []
    for plan in plan_destinations(destinations, region, use_endpoints):
        if plan["endpoint_service"] and plan["endpoint_service"] not in services:
            services.append(plan["endpoint_service"])
    return services


def _target_text(target):
    kind, value = target
    if kind == "prefix_list":
        return f"prefix list of {value}"
    if kind == "interface_endpoint":
        return f"the {value} interface endpoint (its security group)"
    return value


def destinations(destinations, region=None, use_endpoints=True):
    """The destinations validated and explained: how each is reached and on which ports (no AWS call)."""
    result = []
    for plan in plan_destinations(destinations, region, use_endpoints):
        result.append(
            {
                "name": plan["name"],
                "kind": plan["kind"],
                "host": plan["host"],
                "service": plan["service"],
                "region": plan["region"],
                "via": plan["via"],
                "endpoint_service": plan["endpoint_service"],
                "egress": [
                    f"tcp {n['from_port']}{'' if n['from_port'] == n['to_port'] else '-' + str(n['to_port'])} to "
                    f"{_target_text(n['target']) if n['target'] else '(depends on the region)'}"
                    for n in plan["needs"]
                ],
            }
        )
    return result


def interface_endpoint_groups(vpc_endpoints):
    """{service: security group ids} of the interface endpoints in genomics.aws.agc_vpc_endpoints' vpc_endpoints."""
    found = {}
    for endpoint in vpc_endpoints or []:
        if (endpoint.get("type") or "").lower() == "interface" and endpoint.get("security_group_ids"):
            found.setdefault(endpoint["service"], sorted(endpoint["security_group_ids"]))
    return found


def gateway_prefix_lists(vpc_endpoints, route_tables=None):
    """{service: prefix list id} of gateway endpoints, read from the routes that point at them.

    vpc_endpoints: genomics.aws.agc_vpc_endpoints' vpc_endpoints (service, id, type); route_tables:
    amazon.aws.ec2_vpc_route_table_info's route_tables (each with routes carrying gateway_id and
    destination_prefix_list_id). A gateway endpoint's route sends its service's managed prefix list
    (com.amazonaws.<region>.<service>) to the endpoint.
    """
    found = {}
    by_endpoint = {}
    for table in route_tables or []:
        for route in (table or {}).get("routes") or []:
            gateway, prefix_list = route.get("gateway_id"), route.get("destination_prefix_list_id")
            if gateway and prefix_list:
                by_endpoint.setdefault(gateway, prefix_list)
    for endpoint in vpc_endpoints or []:
        if (endpoint.get("type") or "").lower() != "gateway" or not endpoint.get("id"):
            continue
        if endpoint["id"] in by_endpoint:
            found.setdefault(endpoint["service"], by_endpoint[endpoint["id"]])
    return found


class FilterModule:
    """HealthOmics VPC networking: destinations to egress rules and VPC endpoints."""

    def filters(self):
        return {
            "omics_destinations": destinations,
            "omics_egress_rules": egress_rules,
            "omics_endpoint_services": endpoint_services,
            "omics_gateway_prefix_lists": gateway_prefix_lists,
            "omics_interface_endpoint_groups": interface_endpoint_groups,
        }
