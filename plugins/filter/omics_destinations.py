# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What HealthOmics VPC-connected runs must reach, turned into security group egress rules and VPC endpoints.

Pure functions, no AWS call: the genomics.aws.omics_vpc_networking role feeds them what it read from EC2.
Each filter is documented in the YAML file of its name next to this one (ansible-doc -t filter).

A destination is a dict with a unique ``name`` and a ``kind``; the fields are those of the connectivity
probe of genomics.aws.omics_connectivity_test, so one list serves both roles:

    kind             fields (defaults)                          egress rules (all TCP)
    https            url (https://host[:port]/..., http://)     the URL's port (443, 80) to the host
    tcp              host, port                                 port to the host
    ftp              host, port (21), passive_ports [lo, hi]    port and lo-hi to the host
    ftps             host, mode (implicit: 990, explicit: 21),  port and lo-hi to the host
                     port, passive_ports [lo, hi]
    sftp, ssh        host, port (22)                            port to the host
    s3, dynamodb     region (the VPC's), bucket (s3)            same region: 443 to the service's prefix list
                                                                (gateway endpoint); other region: 443 to
                                                                0.0.0.0/0 through the NAT gateway
    secretsmanager, license-manager, s3tables, endpoint (service: short or com.amazonaws.<region>.<name>)
                     region (the VPC's), port (443)             same region: port to the interface endpoint's
                                                                security group (the VPC CIDR while it is not
                                                                known); other region: through the NAT gateway

"The host": an IPv4 address is that /32, an IPv6 address that /128; a host name is 0.0.0.0/0, since
a security group cannot filter by name (Route 53 Resolver DNS Firewall can). Probe-only fields
(description, timeout, expect_status, user, password, endpoint, host of an AWS kind) are accepted and
do not change the rules.
"""

from __future__ import annotations

import ipaddress
import json
import re
from urllib.parse import urlsplit

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # pragma: no cover - Ansible is always there when the filter runs
    AnsibleFilterError = ValueError

HOST_KINDS = ("https", "tcp", "ftp", "ftps", "sftp", "ssh")
INTERFACE_KINDS = ("secretsmanager", "license-manager", "s3tables")
GATEWAY_SERVICES = ("s3", "dynamodb")
KINDS = HOST_KINDS + GATEWAY_SERVICES + INTERFACE_KINDS + ("endpoint",)

_COMMON = ("name", "kind", "description", "timeout")
_AWS = ("region", "port", "endpoint", "host", "expect_status")
FIELDS = {
    "https": ("url", "expect_status"),
    "tcp": ("host", "port"),
    "ftp": ("host", "port", "passive_ports", "passive", "user", "password"),
    "ftps": ("host", "port", "passive_ports", "passive", "user", "password", "mode"),
    "sftp": ("host", "port"),
    "ssh": ("host", "port"),
    "s3": _AWS + ("bucket",),
    "dynamodb": _AWS,
    "secretsmanager": _AWS,
    "license-manager": _AWS,
    "s3tables": _AWS,
    "endpoint": _AWS + ("service",),
}

ANYWHERE = "0.0.0.0/0"
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
FULL_SERVICE = re.compile(r"^com\.amazonaws\.([a-z0-9-]+)\.(.+)$")
HOST_NAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
PREFIX_LIST_ID = re.compile(r"^pl-[0-9a-f]{8,17}$")
SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
# What EC2 accepts in a rule description (255 characters at most).
_DESCRIPTION_UNSAFE = re.compile(r"[^A-Za-z0-9. _\-:/()#,@\[\]+=&;{}!$*]")
MAX_DESCRIPTION = 255


def _fail(label, message):
    raise AnsibleFilterError(f"{label}: {message}")


def _show(value):
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _label(index, raw):
    name = raw.get("name") if isinstance(raw, dict) else None
    return f"destinations[{index}] {_show(name)}" if isinstance(name, str) and name.strip() else f"destinations[{index}]"


def _is_port_like(value):
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.strip().isdigit())


def _port(label, value, field="port"):
    if not _is_port_like(value) or not 1 <= int(value) <= 65535:
        _fail(label, f"{field} {_show(value)} is not a port number (an integer from 1 to 65535)")
    return int(value)


def _host(label, value, field="host"):
    """An IP address (returned as ip_address) or a host name (returned as str)."""
    if not isinstance(value, str) or not value.strip():
        _fail(label, f"{field} {_show(value)} must be a host name or an IP address")
    host = value.strip()
    if "://" in host or "/" in host:
        _fail(label, f"{field} {_show(value)} looks like a URL or a CIDR: give one host name or IP address")
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if len(host) > 253 or not HOST_NAME.match(host):
        _fail(label, f"{field} {_show(value)} is not a valid host name or IP address")
    return host.rstrip(".").lower()


def _region(label, value, field="region"):
    if not isinstance(value, str) or not REGION.match(value):
        _fail(label, f"{field} {_show(value)} is not an AWS Region name such as us-east-1")
    return value


def _url(label, value):
    if not isinstance(value, str) or not value.strip():
        _fail(label, f"url {_show(value)} must be an https:// (or http://) URL")
    text = value.strip()
    if any(c.isspace() for c in text):
        _fail(label, f"url {_show(value)} contains white space")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        _fail(label, f"url {_show(value)} is malformed ({exc})")
    if parts.scheme not in ("https", "http"):
        _fail(label, f"url {_show(value)} must start with https:// or http://")
    if not parts.hostname:
        _fail(label, f"url {_show(value)} has no host")
    if port == 0:
        _fail(label, f"url {_show(value)}: port 0 is not a port number (1-65535)")
    try:
        host = _host(label, parts.hostname)
    except AnsibleFilterError:
        _fail(label, f"url {_show(value)} has an invalid host {_show(parts.hostname)}")
    return host, port or (443 if parts.scheme == "https" else 80)


def _passive_ports(label, kind, value):
    if value is None:
        # The connectivity probe opens a passive data connection, as every transfer does: without the range the
        # rules would open the control port only and the test (and the runs' transfers) would fail.
        _fail(label, f"passive_ports is missing: {kind.upper()} transfers data over the server's passive port range; "
                     "give it as [low, high] (the server's configuration, e.g. [50000, 50100])")
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        _fail(label, f"passive_ports {_show(value)} needs two bounds [low, high]")
    low = _port(label, value[0], "passive_ports low bound")
    high = _port(label, value[1], "passive_ports high bound")
    if low > high:
        _fail(label, f"passive_ports {_show(value)}: the low bound is above the high bound")
    return low, high


def _bucket(label, value):
    if not isinstance(value, str) or not BUCKET.match(value) or ".." in value or value.startswith("xn--") \
            or value.endswith("-s3alias") or _is_ip(value):
        _fail(label, f"bucket {_show(value)} is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and "
                     "hyphens, starting and ending with a letter or digit)")
    return value


def _is_ip(text):
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _service(label, value, region):
    """(short service name, region or None) of an endpoint destination."""
    if not isinstance(value, str) or not value:
        _fail(label, f"service {_show(value)} must be an endpoint service name such as logs or com.amazonaws.us-east-1.logs")
    service = value
    match = FULL_SERVICE.match(value)
    if match:
        service_region = _region(label, match.group(1), f"the Region in service {_show(value)},")
        if region is not None and region != service_region:
            _fail(label, f"service {_show(value)} is in {service_region} but region is {_show(region)}")
        region, service = service_region, match.group(2)
    if not SERVICE.match(service):
        _fail(label, f"service {_show(value)} is not an endpoint service name such as logs, ecr.api or transfer.server")
    return service, region


def _target_of_host(host):
    if isinstance(host, ipaddress.IPv4Address):
        return ("cidr_ip", f"{host}/32")
    if isinstance(host, ipaddress.IPv6Address):
        return ("cidr_ipv6", f"{host}/128")
    return ("cidr_ip", ANYWHERE)


def _need(from_port, to_port, target, purpose):
    return {"from_port": from_port, "to_port": to_port, "target": target, "purpose": purpose}


def _validate_one(index, raw, seen, region):
    """One destination, validated, as a plan: its needs (port range and target) and its endpoint service."""
    label = _label(index, raw)
    if not isinstance(raw, dict):
        _fail(label, f"must be a dict with name and kind, not {_show(raw)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        _fail(label, f"name {_show(name)}: every destination needs a non-empty name")
    if name in seen:
        _fail(label, f"name {_show(name)} is used by {seen[name]} too; names must be unique")
    seen[name] = f"destinations[{index}]"
    kind = raw.get("kind")
    if kind not in KINDS:
        _fail(label, f"kind {_show(kind)} is unknown; use one of {', '.join(KINDS)}")
    unknown = sorted(str(k) for k, v in raw.items() if k not in _COMMON + FIELDS[kind] and v is not None)
    if unknown:
        _fail(label, f"field(s) {', '.join(unknown)} are not fields of kind {kind} (its fields: "
                     f"{', '.join(_COMMON + FIELDS[kind])})")

    def field(key, default=None):
        value = raw.get(key)
        return default if value is None else value

    plan = {"name": name, "kind": kind, "host": None, "service": None, "region": None, "via": "direct",
            "endpoint_service": None, "needs": []}
    if kind in HOST_KINDS:
        if kind == "https":
            host, port = _url(label, field("url"))
        else:
            if field("host") is None:
                _fail(label, f"host is missing (required for kind {kind})")
            host = _host(label, field("host"))
            if kind == "tcp":
                if field("port") is None:
                    _fail(label, "port is missing (required for kind tcp, e.g. the license server's port)")
                port = _port(label, field("port"))
            elif kind == "ftps":
                mode = field("mode", "implicit")
                if mode not in ("implicit", "explicit"):
                    _fail(label, f"mode {_show(mode)} must be implicit (TLS from the start, port 990) or explicit "
                                 "(AUTH TLS on the control port, 21)")
                port = _port(label, field("port", 990 if mode == "implicit" else 21))
            else:
                port = _port(label, field("port", 21 if kind == "ftp" else 22))
        plan["host"] = str(host)
        target = _target_of_host(host)
        plan["needs"].append(_need(port, port, target, f"{kind} control" if kind in ("ftp", "ftps") else kind))
        if kind in ("ftp", "ftps"):
            passive = field("passive", True)
            if passive is not True:
                _fail(label, f"passive {_show(passive)}: active FTP (the server connects back to the run) cannot work "
                             "through a NAT gateway and a security group without ingress; use passive mode")
            low, high = _passive_ports(label, kind, raw.get("passive_ports"))
            plan["needs"].append(_need(low, high, target, f"{kind} passive data"))
        return plan

    # AWS services
    own_region = _region(label, raw["region"]) if raw.get("region") is not None else None
    if kind == "endpoint":
        if field("service") is None:
            _fail(label, "service is missing (required for kind endpoint, e.g. ecr.api or com.amazonaws.us-east-1.ecr.api)")
        service, own_region = _service(label, field("service"), own_region)
    else:
        service = kind
    if kind == "s3" and field("bucket") is not None:
        _bucket(label, field("bucket"))
    if field("host") is not None:
        _host(label, field("host"))
    port = _port(label, field("port", 443))
    plan.update(service=service, region=own_region or region)
    plan["needs"].append(_need(port, port, None, service))
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
        need["purpose"] = f"{plan['service']} in {plan['region']} via NAT" if plan["region"] != region else f"{plan['service']} via NAT"
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
    """Validated destinations with their needs; raises AnsibleFilterError naming the first bad value."""
    if region is not None:
        _region("region", region)
    if isinstance(destinations, dict) and "destinations" in destinations:
        destinations = destinations["destinations"]
    if not isinstance(destinations, (list, tuple)):
        raise AnsibleFilterError(f"destinations must be a list of dicts with name and kind, not {_show(destinations)}")
    if not destinations:
        raise AnsibleFilterError("destinations is empty: declare at least one destination the runs must reach")
    seen = {}
    return [_route(_validate_one(i, raw, seen, region), region, bool(use_endpoints)) for i, raw in enumerate(destinations)]


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
        raise AnsibleFilterError(f"prefix_lists must map a service (s3, dynamodb) to its prefix list id, not {_show(prefix_lists)}")
    for service, pl in prefix_lists.items():
        if not isinstance(pl, str) or not PREFIX_LIST_ID.match(pl):
            raise AnsibleFilterError(f"prefix_lists[{_show(service)}] {_show(pl)} is not a prefix list id (pl-...)")
    return dict(prefix_lists)


def _endpoint_groups(endpoint_groups):
    if not endpoint_groups:
        return {}
    if not isinstance(endpoint_groups, dict):
        raise AnsibleFilterError(f"endpoint_groups must map a service to its interface endpoint's security group ids, not "
                                 f"{_show(endpoint_groups)}")
    for service, groups in endpoint_groups.items():
        if isinstance(groups, str) or not isinstance(groups, (list, tuple)) \
                or any(not isinstance(g, str) or not SECURITY_GROUP_ID.match(g) for g in groups):
            raise AnsibleFilterError(f"endpoint_groups[{_show(service)}] {_show(groups)} is not a list of security group ids (sg-...)")
    return {service: list(groups) for service, groups in endpoint_groups.items() if groups}


def _resolve(target, cidrs, prefix_lists, endpoint_groups, what):
    """[(target type, value, note)] for one need's target."""
    kind, value = target
    if kind == "prefix_list":
        if value in prefix_lists:
            return [("ip_prefix", prefix_lists[value], "")]
        if not cidrs:
            raise AnsibleFilterError(f"{what}: no prefix list is known for {value} and no vpc_cidr is given for the fallback")
        return [("cidr_ip", cidr, ", no prefix list found: VPC CIDR") for cidr in cidrs]
    if kind == "interface_endpoint":
        # The endpoint's network interfaces carry its security groups: one of them names exactly those interfaces,
        # where the VPC CIDR would open the port to everything in the VPC.
        if value in endpoint_groups:
            return [("group_id", sorted(endpoint_groups[value])[0], "")]
        if not cidrs:
            raise AnsibleFilterError(f"{what}: no interface endpoint of {value} is known and no vpc_cidr is given for the fallback")
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
        result.append({
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
        })
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
