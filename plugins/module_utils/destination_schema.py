# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The destinations of HealthOmics VPC-connected runs: their kinds, fields and defaults, checked and normalised.

A destination is what a run must reach: a dict with a unique ``name`` and a ``kind``. This module is the
only place that says which destinations are valid; two programs use it:

- the filters of ``plugins/filter/omics_destinations.py`` (the omics_vpc_networking role's egress rules
  and VPC endpoints, and the omics_connectivity_test role's check before anything is created);
- the connectivity probe (``roles/omics_connectivity_test/files/connectivity_probe.py``), which imports
  it as ``destination_schema`` from its own directory: the connectivity-test workflow writes this file
  next to the probe in the task, and the role next to the probe on the controller.

So this file is Python 3.8 or later, standard library only, with no Ansible import, and is inlined byte
for byte in the workflow's WDL task command: it must not contain what WDL would read there (a tilde or a
dollar sign followed by an opening brace, three closing angle brackets), which the workflow builder
refuses.

    kind              fields (default)                                  what a run must reach
    https             url (https://host[:port]/path, or http://),       the URL's host and port
                      expect_status ("200-399")
    tcp               host, port (required)                             host, port
    ftp               host, port (21), passive_ports [low, high]        host, port and the passive range
                      (required), passive (true), user ("anonymous"),
                      password ("anonymous@" for anonymous or ftp)
    ftps              as ftp, plus mode: implicit (port 990, TLS from   host, port and the passive range
                      the start) or explicit (port 21, AUTH TLS)
    sftp, ssh         host, port (22)                                   host, port
    s3, dynamodb,     region (the list's default Region), port (443);   the service in its Region
    secretsmanager,   s3 also bucket; endpoint (a URL) or host to
    license-manager,  reach instead of <service>.<region>.amazonaws.com
    s3tables          (a private endpoint name, a test server);
                      expect_status (any answer below 500)
    endpoint          as above, plus service (ecr.api, or                the service in its Region
                      com.amazonaws.<region>.ecr.api)

Every kind also takes ``description`` (text) and ``timeout`` (seconds for each stage of the probe's
check, more than 0 and at most 600). A field set to null is as if it were not given.

The rules where the two programs used to differ, settled for what an operator expects:

- A field that the kind does not have is an error, never a warning: a typo such as ``passive_port``
  must not pass silently and leave the passive range closed.
- ``passive_ports`` is required for ftp and ftps: every FTP transfer opens a data connection to the
  server's passive range, so the egress rules must open it, and the probe checks it.
- ``passive: false`` (active FTP) is refused: the server would connect back to the run, which a NAT
  gateway and a security group without ingress cannot let in.
- A port may be given as its digits (``"8990"``), which is what Ansible templating makes of
  ``"{{ port }}"``.
- Services without one regional host name (ecr.dkr, execute-api) need ``host`` (or ``endpoint``):
  the probe could not know where to connect, so the list would not serve both roles.
- ``{"region": ..., "destinations": [...]}`` is accepted for the list: its ``region`` is the default
  Region of the AWS destinations that name none (it wins over the caller's default), and it takes no
  other key.

Every problem is reported, one per destination (its first), each naming the destination and the bad
value, for example ``destinations[2] "ncbi-ftp": passive_ports [50000] needs two bounds [low, high]``;
``DestinationError.problems`` lists them.

The normalised destinations (``validate``) are dicts with the same keys whatever the kind:

    name, kind, description, timeout (float or None: the caller's default)
    host        canonical: an IP address in its short form, a name in lower case without a final dot.
                For AWS kinds the ``host`` field or the service's regional name (None while the
                Region is not known)
    port        int; for AWS kinds the ``port`` field (443), what egress rules open to the service
    tls         whether the connection starts with TLS (https URLs, implicit FTPS, AWS kinds)
    url         https: the URL without credentials or fragment; path: its path and query ("/")
    expect_status  [(low, high), ...] HTTP statuses that mean reachable; None: any below 500
    mode        ftp: "plain"; ftps: "implicit" or "explicit"
    passive, passive_ports, user, password   ftp, ftps
    service, region, bucket   AWS kinds (region None while not known)
    endpoint    AWS kinds: {"host", "port", "tls"} of the ``endpoint`` URL, where a client connects
                instead of host and port; it does not change what the egress rules open
"""

import ipaddress
import json
import re
from urllib.parse import urlsplit

HOST_KINDS = ("https", "tcp", "ftp", "ftps", "sftp", "ssh")
GATEWAY_SERVICES = ("s3", "dynamodb")
INTERFACE_KINDS = ("secretsmanager", "license-manager", "s3tables")
AWS_KINDS = GATEWAY_SERVICES + INTERFACE_KINDS + ("endpoint",)
KINDS = HOST_KINDS + AWS_KINDS

COMMON_FIELDS = ("name", "kind", "description", "timeout")
_AWS_FIELDS = ("region", "port", "endpoint", "host", "expect_status")
FIELDS = {
    "https": ("url", "expect_status"),
    "tcp": ("host", "port"),
    "ftp": ("host", "port", "passive_ports", "passive", "user", "password"),
    "ftps": ("host", "port", "passive_ports", "passive", "user", "password", "mode"),
    "sftp": ("host", "port"),
    "ssh": ("host", "port"),
    "s3": _AWS_FIELDS + ("bucket",),
    "dynamodb": _AWS_FIELDS,
    "secretsmanager": _AWS_FIELDS,
    "license-manager": _AWS_FIELDS,
    "s3tables": _AWS_FIELDS,
    "endpoint": _AWS_FIELDS + ("service",),
}
DEFAULT_PORTS = {"ftp": 21, "sftp": 22, "ssh": 22}
FTPS_PORTS = {"implicit": 990, "explicit": 21}
AWS_PORT = 443
HTTPS_EXPECT_STATUS = "200-399"
MAX_TIMEOUT = 600
# Endpoint services whose regional host name is not <service>.<region>.<domain>, and those without a single one.
SERVICE_HOST_PREFIX = {"ecr.api": "api.ecr", "sagemaker.api": "api.sagemaker", "sagemaker.runtime": "runtime.sagemaker"}
SERVICE_NEEDS_HOST = {
    "ecr.dkr": "<account>.dkr.ecr.{region}.amazonaws.com",
    "execute-api": "<api-id>.execute-api.{region}.amazonaws.com",
}

REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
FULL_SERVICE = re.compile(r"^com\.amazonaws\.([a-z0-9-]+)\.(.+)$")
HOST_NAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_DIGITS = re.compile(r"^[0-9]+$")
_STATUS_CLASS = re.compile(r"^([1-5])xx$", re.IGNORECASE)
_STATUS_RANGE = re.compile(r"^(\d{3})(?:-(\d{3}))?$")
_SHOWN = 200  # characters of a value quoted in a message


class DestinationError(ValueError):
    """Bad destinations: ``problems`` holds one message per problem, each naming the destination and the value."""

    def __init__(self, problems):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__(" | ".join(self.problems))


class _Problem(Exception):
    """The first problem of one destination (internal: collected into a DestinationError)."""


def quote(value):
    """A value as it appears in messages: JSON when it can be, shortened when long."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def label(index, raw):
    """``destinations[2] "ncbi-ftp"``, or ``destinations[2]`` when the destination has no usable name."""
    name = raw.get("name") if isinstance(raw, dict) else None
    if isinstance(name, str) and name.strip():
        return "destinations[%d] %s" % (index, quote(name))
    return "destinations[%d]" % index


def is_ip(text):
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def check_region(value, field="region"):
    """The Region name; raises DestinationError naming ``field`` and the value otherwise."""
    try:
        return _region(value, field)
    except _Problem as problem:
        raise DestinationError(str(problem)) from None


def _region(value, field="region"):
    if not isinstance(value, str) or not REGION.match(value):
        raise _Problem("%s %s is not an AWS Region name such as us-east-1" % (field, quote(value)))
    return value


def _port(value, field="port"):
    if isinstance(value, str) and _DIGITS.match(value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise _Problem("%s %s is not a port number (an integer from 1 to 65535)" % (field, quote(value)))
    return value


def _host(value, field="host"):
    """The canonical host: an IP address in its short form, or a host name in lower case without a final dot."""
    if not isinstance(value, str) or not value.strip():
        raise _Problem("%s %s must be a host name or an IP address" % (field, quote(value)))
    host = value.strip()
    if "://" in host or "/" in host:
        raise _Problem("%s %s looks like a URL or a CIDR: give one host name or IP address" % (field, quote(value)))
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    if len(host) > 253 or not HOST_NAME.match(host):
        raise _Problem("%s %s is not a valid host name or IP address" % (field, quote(value)))
    return host.rstrip(".").lower()


def _bracket(host):
    return "[%s]" % host if ":" in host else host


def _url(value, field="url"):
    """{"host", "port", "tls", "path", "url"} of an https:// or http:// URL."""
    if not isinstance(value, str) or not value.strip():
        raise _Problem("%s %s must be an https:// (or http://) URL" % (field, quote(value)))
    text = value.strip()
    if any(c.isspace() for c in text):
        raise _Problem("%s %s contains white space" % (field, quote(value)))
    try:
        parts = urlsplit(text)
        explicit_port = parts.port
    except ValueError as exc:
        raise _Problem("%s %s is malformed (%s)" % (field, quote(value), exc)) from None
    if parts.scheme not in ("https", "http"):
        raise _Problem("%s %s must start with https:// or http://" % (field, quote(value)))
    if not parts.hostname:
        raise _Problem("%s %s has no host" % (field, quote(value)))
    if explicit_port == 0:
        raise _Problem("%s %s: port 0 is not a port number (1-65535)" % (field, quote(value)))
    try:
        host = _host(parts.hostname)
    except _Problem:
        raise _Problem("%s %s has an invalid host %s" % (field, quote(value), quote(parts.hostname))) from None
    tls = parts.scheme == "https"
    port = explicit_port or (443 if tls else 80)
    path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    netloc = "%s:%d" % (_bracket(host), port) if explicit_port else _bracket(host)
    return {"host": host, "port": port, "tls": tls, "path": path, "url": "%s://%s%s" % (parts.scheme, netloc, path)}


def parse_expect_status(value, field="expect_status"):
    """HTTP statuses as inclusive (low, high) ranges: 200, [200, 204], "2xx", "200-399" or "200,3xx"."""
    problem = _Problem(
        "%s %s must be a status (200), a list of statuses, or a range such as \"2xx\" or \"200-399\""
        % (field, quote(value))
    )
    ranges = []
    if isinstance(value, int) and not isinstance(value, bool):
        ranges.append((value, value))
    elif isinstance(value, list) and value:
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int):
                raise problem
            ranges.append((item, item))
    elif isinstance(value, str) and value.strip():
        for part in value.replace(" ", "").split(","):
            match = _STATUS_CLASS.match(part)
            if match:
                ranges.append((int(match.group(1)) * 100, int(match.group(1)) * 100 + 99))
                continue
            match = _STATUS_RANGE.match(part)
            if not match:
                raise problem
            low = int(match.group(1))
            high = int(match.group(2) or low)
            if high < low:
                raise problem
            ranges.append((low, high))
    else:
        raise problem
    for low, high in ranges:
        if low < 100 or high > 599:
            raise _Problem("%s %s: HTTP statuses are 100-599" % (field, quote(value)))
    return ranges


def aws_domain(region):
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def aws_service_host(service, region):
    """The regional host name of an AWS service (None when it has no single one)."""
    if service in SERVICE_NEEDS_HOST:
        return None
    return "%s.%s.%s" % (SERVICE_HOST_PREFIX.get(service, service), region, aws_domain(region))


def _service(value, region):
    """(short service name, Region or None) of an endpoint destination."""
    if not isinstance(value, str) or not value:
        raise _Problem(
            "service %s must be an endpoint service name such as logs or com.amazonaws.us-east-1.logs" % quote(value)
        )
    service = value
    match = FULL_SERVICE.match(value)
    if match:
        service_region = _region(match.group(1), "the Region in service %s," % quote(value))
        if region is not None and region != service_region:
            raise _Problem("service %s is in %s but region is %s" % (quote(value), service_region, quote(region)))
        region, service = service_region, match.group(2)
    if not SERVICE.match(service):
        raise _Problem(
            "service %s is not an endpoint service name such as logs, ecr.api or transfer.server" % quote(value)
        )
    return service, region


def _bucket(value):
    if (
        not isinstance(value, str)
        or not BUCKET.match(value)
        or ".." in value
        or value.startswith("xn--")
        or value.endswith("-s3alias")
        or is_ip(value)
    ):
        raise _Problem(
            "bucket %s is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit)" % quote(value)
        )
    return value


def _text(value, field):
    if not isinstance(value, str) or "\r" in value or "\n" in value:
        raise _Problem("%s %s must be a single-line string" % (field, quote(value)))
    return value


def _empty(name, kind):
    return {
        "name": name,
        "kind": kind,
        "description": None,
        "timeout": None,
        "host": None,
        "port": None,
        "tls": False,
        "url": None,
        "path": None,
        "expect_status": None,
        "mode": None,
        "passive": None,
        "passive_ports": None,
        "user": None,
        "password": None,
        "service": None,
        "region": None,
        "bucket": None,
        "endpoint": None,
    }


def _one(raw, seen, index, default_region, region_required):
    """One destination, normalised; raises _Problem with its first problem."""
    if not isinstance(raw, dict):
        raise _Problem("must be a dict with name and kind, not %s" % quote(raw))
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _Problem("name %s: every destination needs a non-empty name" % quote(name))
    if name in seen:
        raise _Problem("name %s is used by %s too; names must be unique" % (quote(name), seen[name]))
    seen[name] = "destinations[%d]" % index
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise _Problem("kind %s is unknown; use one of %s" % (quote(kind), ", ".join(KINDS)))
    allowed = COMMON_FIELDS + FIELDS[kind]
    unknown = sorted(str(key) for key, value in raw.items() if key not in allowed and value is not None)
    if unknown:
        raise _Problem(
            "field(s) %s are not fields of kind %s (its fields: %s)" % (", ".join(unknown), kind, ", ".join(allowed))
        )

    def field(key, default=None):
        value = raw.get(key)
        return default if value is None else value

    dest = _empty(name, kind)
    if field("description") is not None:
        if not isinstance(field("description"), str):
            raise _Problem("description %s must be text" % quote(field("description")))
        dest["description"] = field("description")
    timeout = field("timeout")
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_TIMEOUT:
            raise _Problem(
                "timeout %s must be a number of seconds, more than 0 and at most %d" % (quote(timeout), MAX_TIMEOUT)
            )
        dest["timeout"] = float(timeout)

    if kind == "https":
        dest.update(_url(field("url")))
        dest["expect_status"] = parse_expect_status(field("expect_status", HTTPS_EXPECT_STATUS))
        return dest

    if kind in HOST_KINDS:
        if field("host") is None:
            raise _Problem("host is missing (required for kind %s)" % kind)
        dest["host"] = _host(field("host"))
        if kind == "tcp":
            if field("port") is None:
                raise _Problem("port is missing (required for kind tcp, e.g. the license server's port)")
            dest["port"] = _port(field("port"))
        elif kind == "ftps":
            mode = field("mode", "implicit")
            if mode not in ("implicit", "explicit"):
                raise _Problem(
                    "mode %s must be implicit (TLS from the start, port 990) or explicit (AUTH TLS on the "
                    "control port, 21)" % quote(mode)
                )
            dest.update(mode=mode, tls=mode == "implicit", port=_port(field("port", FTPS_PORTS[mode])))
        else:
            dest["port"] = _port(field("port", DEFAULT_PORTS.get(kind)))
        if kind in ("ftp", "ftps"):
            _ftp(raw, field, dest)
        return dest

    _aws(field, dest, default_region, region_required)
    return dest


def _ftp(raw, field, dest):
    kind = dest["kind"]
    if kind == "ftp":
        dest["mode"] = "plain"
    passive = field("passive", True)
    if not isinstance(passive, bool):
        raise _Problem("passive %s must be true or false" % quote(passive))
    if not passive:
        raise _Problem(
            "passive false: active FTP (the server connects back to the run) cannot work through a NAT "
            "gateway and a security group without ingress; use passive mode"
        )
    value = raw.get("passive_ports")
    if value is None:
        raise _Problem(
            "passive_ports is missing: %s transfers data over the server's passive port range; give it as "
            "[low, high] (the server's configuration, e.g. [50000, 50100])" % kind.upper()
        )
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise _Problem("passive_ports %s needs two bounds [low, high]" % quote(value))
    low = _port(value[0], "passive_ports low bound")
    high = _port(value[1], "passive_ports high bound")
    if low > high:
        raise _Problem("passive_ports %s: the low bound is above the high bound" % quote(value))
    user = _text(field("user", "anonymous"), "user")
    if not user:
        raise _Problem("user must not be empty")
    password = _text(field("password", "anonymous@" if user in ("anonymous", "ftp") else ""), "password")
    dest.update(passive=True, passive_ports=[low, high], user=user, password=password)


def _aws(field, dest, default_region, region_required):
    kind = dest["kind"]
    region = _region(field("region")) if field("region") is not None else None
    if kind == "endpoint":
        if field("service") is None:
            raise _Problem(
                "service is missing (required for kind endpoint, e.g. ecr.api or com.amazonaws.us-east-1.ecr.api)"
            )
        service, region = _service(field("service"), region)
    else:
        service = kind
    # Its own region, or the one in a full service name, wins over the list's default.
    region = region or default_region
    dest.update(service=service, region=region, tls=True, port=_port(field("port", AWS_PORT)))
    if kind == "s3" and field("bucket") is not None:
        dest["bucket"] = _bucket(field("bucket"))
    if field("endpoint") is not None:
        if field("host") is not None:
            raise _Problem("give endpoint or host, not both")
        endpoint = _url(field("endpoint"), "endpoint")
        if endpoint["path"] != "/":
            raise _Problem("endpoint %s must not have a path" % quote(field("endpoint")))
        dest["endpoint"] = {"host": endpoint["host"], "port": endpoint["port"], "tls": endpoint["tls"]}
    if field("host") is not None:
        dest["host"] = _host(field("host"))
    elif dest["endpoint"] is None:
        if service in SERVICE_NEEDS_HOST:
            raise _Problem(
                "service %s has no single regional host name: give host, e.g. %s"
                % (quote(service), SERVICE_NEEDS_HOST[service].format(region=region or "<region>"))
            )
        if region is None and region_required:
            raise _Problem(
                "region is missing (required for kind %s without endpoint or host, when the list has no "
                "default Region)" % kind
            )
        if region is not None:
            dest["host"] = aws_service_host(service, region)
    if field("expect_status") is not None:
        dest["expect_status"] = parse_expect_status(field("expect_status"))


def validate(destinations, region=None, region_required=False):
    """The destinations checked and normalised (see the module's docstring), in order.

    destinations: a list of dicts, or {"region": ..., "destinations": [...]}. region: the default Region of
    AWS destinations that name none (the wrapper's region wins). region_required: refuse an AWS destination
    whose Region stays unknown (the probe, which connects to it, needs one). Raises DestinationError naming
    every bad destination and value.
    """
    default_region = check_region(region) if region is not None else None
    if isinstance(destinations, dict):
        if "destinations" not in destinations:
            raise DestinationError(
                "destinations must be a list of dicts with name and kind, or "
                "{\"region\": ..., \"destinations\": [...]}, not %s" % quote(destinations)
            )
        extra = sorted(str(key) for key in destinations if key not in ("region", "destinations"))
        if extra:
            raise DestinationError(
                "the destinations' wrapper takes region and destinations only, not %s" % ", ".join(extra)
            )
        if destinations.get("region") is not None:
            default_region = check_region(destinations["region"], "the destinations' region")
        destinations = destinations["destinations"]
    if not isinstance(destinations, (list, tuple)):
        raise DestinationError("destinations must be a list of dicts with name and kind, not %s" % quote(destinations))
    if not destinations:
        raise DestinationError("destinations is empty: declare at least one destination the runs must reach")
    problems = []
    checked = []
    seen = {}
    for index, raw in enumerate(destinations):
        try:
            checked.append(_one(raw, seen, index, default_region, region_required))
        except _Problem as problem:
            problems.append("%s: %s" % (label(index, raw), problem))
    if problems:
        raise DestinationError(problems)
    return checked
