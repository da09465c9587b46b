version 1.0

# genomics.aws connectivity test: checks, from inside a HealthOmics run in VPC networking mode,
# that each declared destination is reachable (DNS, TCP, TLS, HTTP, FTP control and passive data,
# SSH banner) and writes report.json (schema at the top of the probe) and table.txt.
#
# GENERATED FILE: edit main.wdl.in or connectivity_probe.py next to build_workflow.py, then run
# `python3 build_workflow.py`. The probe is inlined below byte for byte (a task command cannot
# read other files of the workflow zip); probe sha256: 57464b9df33f0d90505389c46372ee61c7aa2bb2689b103e287a2ab89dfa4462
#
# Image: probe_image needs python3 (3.8 or later) and /bin/sh; the probe uses only the standard
# library. HealthOmics pulls task images from a private ECR repository in the run's Region whose
# repository policy lets omics.amazonaws.com pull: copy the default image there (or use an ECR
# pull-through cache rule) and pass its URI. Alternative: an image that already contains
# connectivity_probe.py (the probe inlined here is then still the one that runs).

workflow connectivity_test {
  input {
    String destinations_json
    Int timeout_seconds = 5
    String ca_bundle_pem = ""
    String probe_image = "public.ecr.aws/docker/library/python:3.12-slim"
  }

  meta {
    description: "Checks that each destination a VPC-connected run needs is reachable, and why not."
  }

  parameter_meta {
    destinations_json: "The destinations, as the JSON text of a list of {name, kind, ...} objects, or of {\"region\": \"<the run's Region>\", \"destinations\": [...]} (see connectivity_probe.py). A string, so that the run needs no input file."
    timeout_seconds: "Seconds each stage of each check may take (default 5)."
    ca_bundle_pem: "PEM text of extra CA certificates to trust, for servers with a private CA (default: none)."
    probe_image: "Container image with python3. HealthOmics needs a private ECR image in the run's Region."
  }

  call probe {
    input:
      destinations_json = destinations_json,
      timeout_seconds = timeout_seconds,
      ca_bundle_pem = ca_bundle_pem,
      probe_image = probe_image
  }

  output {
    File report = probe.report
    File table = probe.table
  }
}

task probe {
  input {
    String destinations_json
    Int timeout_seconds
    String ca_bundle_pem
    String probe_image
  }

  # The command is at column 0 so that the heredoc delimiters work and the probe keeps its bytes.
  command <<<
set -eu
if ! command -v python3 >/dev/null 2>&1; then
  echo "connectivity test: the image ~{probe_image} has no python3 (3.8 or later is needed)" >&2
  exit 127
fi
cat > connectivity_probe.py <<'GENOMICS_AWS_PROBE_EOF'
#!/usr/bin/env python
"""Connectivity probe for HealthOmics VPC-connected runs (genomics.aws).

Checks, from wherever it runs (a HealthOmics task in VPC networking mode, or the controller),
that each declared destination is reachable, stage by stage, and names the likely cause of each
failure. Python standard library only; Python 3.8 or later. The connectivity-test WDL workflow
embeds this file byte for byte (see build_workflow.py next to it): edit this file, then rebuild.

Usage:
    python3 connectivity_probe.py --destinations destinations.json --report report.json
        [--table table.txt] [--ca-bundle ca.pem] [--timeout 5] [--jobs 4] [--region us-east-1]
        [--validate]

Exit status: 0 once the report is written, even when destinations are unreachable (the caller
decides what a failure means); 2 for bad input (unreadable or invalid destinations, unknown kind,
missing or malformed field, unreadable CA bundle), with one message per problem on stderr, each
naming the destination and the value. With --validate it only checks the input (exit 0 or 2).
The probe connects directly: it does not use HTTP(S)_PROXY.

Input (destinations.json): a JSON list of objects, or {"destinations": [...]} with an optional
"region" (the default Region, as --region, which it overrides). Every object has
"name" (unique) and "kind"; "description" and "timeout" (seconds) are optional. Fields unknown to
the kind are reported as warnings, not errors. Ports are integers 1-65535 (or their digits as a
string). --region is the Region of AWS destinations that name none (the run's Region).

    kind              fields                                             stages checked
    https             url (https:// or http://), expect_status          dns tcp [tls] http
    tcp               host, port (a license server, e.g. Sentieon)       dns tcp
    ftp               host, port=21, passive_ports=[low, high],          dns tcp ftp_banner
                      user="anonymous", password, passive=true           ftp_login ftp_passive
    ftps              as ftp, plus mode: "implicit" (default, port 990,  dns tcp tls ftp_banner
                      TLS from the first byte) or "explicit" (port 21,  ftp_login ftp_passive
                      AUTH TLS after the banner)                         (explicit: banner first)
    sftp, ssh         host, port=22                                      dns tcp ssh_banner
    s3                region, bucket (optional; a cross-region bucket    dns tcp tls http
                      is an s3 destination with its own region)
    dynamodb, secretsmanager, license-manager, s3tables
                      region                                             dns tcp tls http
    endpoint          service ("com.amazonaws.<region>.<name>" or        dns tcp tls http
                      "<name>" with region)

    expect_status: 200, [200, 204], "2xx", "200-399" or "200,204" (default "200-399" for https;
    for AWS kinds any answer below 500 proves reachability, since the request is unsigned).
    AWS kinds check <service>.<region>.amazonaws.com (.amazonaws.com.cn in China) on port 443:
    s3 -> s3.<region>.amazonaws.com (with a bucket: HEAD /<bucket>, path style, so that bucket
    names with dots still match the certificate; 403 means the bucket exists, 404 that it does
    not, x-amz-bucket-region names its real region), s3tables -> s3tables.<region>.amazonaws.com,
    license-manager -> license-manager.<region>.amazonaws.com, endpoint ecr.api ->
    api.ecr.<region>.amazonaws.com. Services without one regional host name (ecr.dkr,
    execute-api, ...) need "host". "endpoint" (a URL such as "https://10.0.0.12:8443") or
    "host" (+ "port") replaces the AWS host, e.g. a private endpoint name or a test server.
    FTPS: only the data connection is opened (no TLS and no transfer on it): the network path is
    what a security group decides. FTP logs in (anonymous by default) because most servers
    refuse PASV before login. Passwords never appear in the report, but a workflow run's
    parameters are visible to whoever can read the run: use anonymous or a test account.

Report (report.json), version 1:
    {
      "version": 1,
      "probe": "genomics.aws connectivity probe",
      "started": "2025-01-31T12:00:00.000Z", "finished": "...",   (UTC, ISO 8601)
      "host": {"hostname": "...", "python": "3.12.1"},
      "timeout_seconds": 5.0, "ca_bundle": "ca.pem" or null,
      "summary": {"total": 3, "ok": 2, "failed": 1},
      "warnings": ["..."],
      "destinations": [
        {
          "name": "ncbi-ftp", "kind": "ftp", "target": "ftp.ncbi.nlm.nih.gov:21",
          "ok": false,
          "stages": [{"stage": "dns", "ok": true, "ms": 1.3, "detail": "..."}, ...],
          "failure": {"class": "ftp_passive", "stage": "ftp_passive", "cause": "..."}
        }
      ]
    }
    "stages" lists the stages run, in order, up to and including the first failing one;
    "failure" is null when "ok" is true. "ms" is wall time in milliseconds. Stage names: dns,
    tcp, tls, http, ftp_banner, ftp_login, ftp_passive, ssh_banner. Each stage may take up to the
    timeout; tcp tries a name's addresses in order until one connects (at most two timeouts).

Failure classes (failure.class):
    dns          the name does not resolve: a typo, the VPC DNS resolver, a private hosted zone
                 not associated with the VPC, or a Route 53 Resolver DNS Firewall rule
    timeout      no answer: a security group egress rule, a network ACL, or a missing route
                 (NAT gateway, gateway endpoint) drops the traffic; also "no route to host".
                 After the TCP connection opened, it means the server said nothing in time.
    refused      the host answered but nothing listens there (service down or wrong port);
                 or an FTP server that answers 421 (refuses service)
    tls          certificate not trusted (give a CA bundle), expired, or for another host name;
                 or no TLS on that port, or a reset during the handshake (SNI filtering)
    http_status  an unexpected HTTP status (or an S3 bucket missing or in another region)
    auth         HTTP 401/403 or FTP 530: reachable, but the credentials or source are refused
    protocol     the server does not speak the expected protocol (no SSH banner, bad FTP reply)
    ftp_passive  the FTP control connection works but the passive data port is blocked
    probe_error  an unexpected error inside the probe itself (a bug: please report it)

Table (stdout, and --table): one fixed-width row per destination, then one line per failure
with its class, stage and cause.
"""

from __future__ import annotations

import argparse
import datetime
import errno
import http.client
import ipaddress
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

REPORT_VERSION = 1
PROBE_NAME = "genomics.aws connectivity probe"
USER_AGENT = "genomics.aws-connectivity-probe/1"
DEFAULT_TIMEOUT = 5.0
DEFAULT_JOBS = 4
EXIT_BAD_INPUT = 2

AWS_SERVICE_KINDS = ("s3", "dynamodb", "secretsmanager", "license-manager", "s3tables")
KINDS = ("https", "tcp", "ftp", "ftps", "sftp", "ssh") + AWS_SERVICE_KINDS + ("endpoint",)
FAILURE_CLASSES = ("dns", "timeout", "refused", "tls", "http_status", "auth", "protocol", "ftp_passive", "probe_error")

COMMON_FIELDS = ("name", "kind", "description", "timeout")
AWS_FIELDS = ("region", "endpoint", "host", "port", "expect_status")
FIELDS = {
    "https": ("url", "expect_status"),
    "tcp": ("host", "port"),
    "ftp": ("host", "port", "passive_ports", "user", "password", "passive"),
    "ftps": ("host", "port", "passive_ports", "user", "password", "passive", "mode"),
    "sftp": ("host", "port"),
    "ssh": ("host", "port"),
    "s3": AWS_FIELDS + ("bucket",),
    "endpoint": AWS_FIELDS + ("service",),
}
for _kind in AWS_SERVICE_KINDS:
    FIELDS.setdefault(_kind, AWS_FIELDS)

# Interface endpoint services whose regional host name is not <service>.<region>.<domain>.
SERVICE_HOST_PREFIX = {"ecr.api": "api.ecr", "sagemaker.api": "api.sagemaker", "sagemaker.runtime": "runtime.sagemaker"}
SERVICE_NEEDS_HOST = {
    "ecr.dkr": "<account>.dkr.ecr.{region}.amazonaws.com",
    "execute-api": "<api-id>.execute-api.{region}.amazonaws.com",
}
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
SERVICE_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
HOST_RE = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
PASV_RE = re.compile(r"(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3})")
EPSV_RE = re.compile(r"\((.)\1\1(\d{1,5})\1\)")
# OpenSSL's reasons when the peer answers with something that is not TLS.
NOT_TLS_REASONS = ("WRONG_VERSION_NUMBER", "UNKNOWN_PROTOCOL", "PACKET_LENGTH_TOO_LONG", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "HTTPS_PROXY_REQUEST")
FAMILY_ERRNOS = (errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL)


class InputError(ValueError):
    """Bad destinations: ``problems`` holds one message per problem."""

    def __init__(self, problems):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class StageFailure(Exception):
    """A stage failed: ``klass`` is one of FAILURE_CLASSES, ``detail`` says what happened."""

    def __init__(self, klass, detail):
        super().__init__(detail)
        self.klass = klass
        self.detail = detail
        self.stage = None


# ---------------------------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------------------------


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _label(index, raw):
    name = raw.get("name") if isinstance(raw, dict) else None
    return "destinations[%d] %s" % (index, json.dumps(name)) if isinstance(name, str) and name else "destinations[%d]" % index


def _check_port(value, field="port"):
    # Ansible templating may hand a port over as its digits.
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not _is_int(value) or not 1 <= value <= 65535:
        raise InputError("%s %s is not a port number (an integer 1-65535)" % (field, json.dumps(value)))
    return value


def _check_host(value, field="host"):
    if not isinstance(value, str) or not value.strip():
        raise InputError("%s %s must be a host name or IP address" % (field, json.dumps(value)))
    host = value.strip()
    if "://" in host or "/" in host:
        raise InputError("%s %s looks like a URL: give the host name or IP address only" % (field, json.dumps(value)))
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(bare)
        return bare
    except ValueError:
        pass
    if len(host) > 253 or not HOST_RE.match(host):
        raise InputError("%s %s is not a valid host name or IP address" % (field, json.dumps(value)))
    return host


def _check_region(value, field="region"):
    if not isinstance(value, str) or not REGION_RE.match(value):
        raise InputError("%s %s is not an AWS Region name such as us-east-1" % (field, json.dumps(value)))
    return value


def _check_url(value, schemes, field="url"):
    if not isinstance(value, str) or not value.strip():
        raise InputError("%s %s must be a URL" % (field, json.dumps(value)))
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError as exc:
        raise InputError("%s %s is malformed: %s" % (field, json.dumps(value), exc)) from None
    if parts.scheme not in schemes:
        raise InputError("%s %s must start with %s" % (field, json.dumps(value), " or ".join(s + "://" for s in schemes)))
    if not parts.hostname:
        raise InputError("%s %s has no host" % (field, json.dumps(value)))
    if port == 0:
        raise InputError("%s %s: port 0 is not a port number (1-65535)" % (field, json.dumps(value)))
    try:
        host = _check_host(parts.hostname)
    except InputError:
        raise InputError("%s %s has an invalid host %s" % (field, json.dumps(value), json.dumps(parts.hostname))) from None
    if any(c.isspace() for c in value.strip()):
        raise InputError("%s %s contains white space" % (field, json.dumps(value)))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    tls = parts.scheme == "https"
    port = port or (443 if tls else 80)
    display_netloc = _hostport(host, port) if parts.port else _bracket(host)
    return {"host": host, "port": port, "tls": tls, "path": path, "display": "%s://%s%s" % (parts.scheme, display_netloc, path)}


def parse_expect_status(value, field="expect_status"):
    """Expected HTTP statuses as a list of inclusive (low, high) ranges."""
    problem = InputError("%s %s must be a status (200), a list of statuses, or a range such as \"2xx\" or \"200-399\"" % (field, json.dumps(value)))
    ranges = []
    if _is_int(value):
        ranges.append((value, value))
    elif isinstance(value, list) and value:
        for item in value:
            if not _is_int(item):
                raise problem
            ranges.append((item, item))
    elif isinstance(value, str) and value.strip():
        for part in value.replace(" ", "").split(","):
            match = re.match(r"^([1-5])xx$", part, re.IGNORECASE)
            if match:
                ranges.append((int(match.group(1)) * 100, int(match.group(1)) * 100 + 99))
                continue
            match = re.match(r"^(\d{3})(?:-(\d{3}))?$", part)
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
            raise InputError("%s %s: HTTP statuses are 100-599" % (field, json.dumps(value)))
    return ranges


def _describe_ranges(ranges):
    return ", ".join(str(low) if low == high else "%d-%d" % (low, high) for low, high in ranges)


def aws_domain(region):
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def aws_service_host(service, region):
    """The regional host name of an AWS service (``None`` when it has no single one)."""
    if service in SERVICE_NEEDS_HOST:
        return None
    prefix = SERVICE_HOST_PREFIX.get(service, service)
    return "%s.%s.%s" % (prefix, region, aws_domain(region))


def _parse_service(value, region):
    if not isinstance(value, str) or not value:
        raise InputError("service %s must be an endpoint service name such as com.amazonaws.us-east-1.logs or logs" % json.dumps(value))
    service = value
    match = re.match(r"^com\.amazonaws\.([a-z0-9-]+)\.(.+)$", value)
    if match:
        service_region = _check_region(match.group(1), "the Region in service %s," % json.dumps(value))
        if region and region != service_region:
            raise InputError("service %s is in %s but region is %s" % (json.dumps(value), service_region, region))
        region = service_region
        service = match.group(2)
    if not SERVICE_RE.match(service):
        raise InputError("service %s is not an endpoint service name" % json.dumps(value))
    return service, region


def _validate_one(raw, seen_names, warnings, default_timeout, default_region=None):
    if not isinstance(raw, dict):
        raise InputError("must be an object with name and kind, not %s" % json.dumps(raw))
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError("name %s: every destination needs a non-empty name" % json.dumps(name))
    if name in seen_names:
        raise InputError("name %s is used twice" % json.dumps(name))
    seen_names.add(name)
    kind = raw.get("kind")
    if kind not in KINDS:
        raise InputError("kind %s is unknown: use one of %s" % (json.dumps(kind), ", ".join(KINDS)))
    allowed = set(COMMON_FIELDS) | set(FIELDS[kind])
    unknown = sorted(k for k in raw if k not in allowed)
    if unknown:
        warnings.append("destination %s: ignoring field(s) %s, unknown for kind %s" % (json.dumps(name), ", ".join(unknown), kind))

    def need(field):
        if field not in raw or raw[field] is None:
            raise InputError("missing field %s (required for kind %s)" % (json.dumps(field), kind))
        return raw[field]

    dest = {"name": name, "kind": kind, "timeout": default_timeout, "tls": False}
    if "timeout" in raw:
        timeout = raw["timeout"]
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 600:
            raise InputError("timeout %s must be a number of seconds (0-600]" % json.dumps(timeout))
        dest["timeout"] = float(timeout)

    if kind == "https":
        url = _check_url(need("url"), ("https", "http"))
        dest.update(host=url["host"], port=url["port"], tls=url["tls"], path=url["path"], target=url["display"], method="GET")
        dest["expect"] = parse_expect_status(raw["expect_status"]) if raw.get("expect_status") is not None else [(200, 399)]
    elif kind in ("tcp", "sftp", "ssh"):
        dest["host"] = _check_host(need("host"))
        dest["port"] = _check_port(need("port") if kind == "tcp" else raw.get("port", 22))
    elif kind in ("ftp", "ftps"):
        dest["host"] = _check_host(need("host"))
        mode = "plain"
        if kind == "ftps":
            mode = raw.get("mode", "implicit")
            if mode not in ("implicit", "explicit"):
                raise InputError("mode %s must be \"implicit\" (TLS from the start, port 990) or \"explicit\" (AUTH TLS, port 21)" % json.dumps(mode))
            dest["tls"] = True
        dest["mode"] = mode
        dest["port"] = _check_port(raw.get("port", 990 if mode == "implicit" else 21))
        passive = raw.get("passive_ports")
        if passive is not None:
            if not isinstance(passive, list) or len(passive) != 2:
                raise InputError("passive_ports %s needs two bounds [low, high]" % json.dumps(passive))
            low = _check_port(passive[0], "passive_ports low bound")
            high = _check_port(passive[1], "passive_ports high bound")
            if low > high:
                raise InputError("passive_ports %s: the low bound is above the high bound" % json.dumps(passive))
            dest["passive_ports"] = [low, high]
        dest["passive"] = raw.get("passive", True)
        if not isinstance(dest["passive"], bool):
            raise InputError("passive %s must be true or false" % json.dumps(dest["passive"]))
        dest["user"] = raw.get("user", "anonymous")
        dest["password"] = raw.get("password", "anonymous@" if dest["user"] in ("anonymous", "ftp") else "")
        for field in ("user", "password"):
            if not isinstance(dest[field], str) or "\r" in dest[field] or "\n" in dest[field]:
                raise InputError("%s must be a single-line string" % field)
        if not dest["user"]:
            raise InputError("user must not be empty")
    else:
        dest["tls"] = True
        dest["aws"] = True
        region = _check_region(raw["region"]) if raw.get("region") is not None else None
        if kind == "endpoint":
            service, region = _parse_service(need("service"), region)
        else:
            service = kind
        # A full service name (com.amazonaws.<region>.<name>) or the destination's own region wins.
        region = region or default_region
        dest["service"] = service
        dest["region"] = region
        if raw.get("endpoint") is not None:
            if raw.get("host") is not None:
                raise InputError("give endpoint or host, not both")
            url = _check_url(raw["endpoint"], ("https", "http"), "endpoint")
            if url["path"] not in ("/", ""):
                raise InputError("endpoint %s must not have a path" % json.dumps(raw["endpoint"]))
            dest.update(host=url["host"], port=url["port"], tls=url["tls"])
        elif raw.get("host") is not None:
            dest["host"] = _check_host(raw["host"])
            dest["port"] = _check_port(raw.get("port", 443))
        else:
            if region is None:
                raise InputError("missing field \"region\" (required for kind %s without endpoint, host or --region)" % kind)
            host = aws_service_host(service, region)
            if host is None:
                raise InputError("service %s has no single regional host name: give host, e.g. %s"
                                 % (json.dumps(service), SERVICE_NEEDS_HOST[service].format(region=region)))
            dest["host"] = host
            dest["port"] = _check_port(raw.get("port", 443))
        dest["method"] = "GET"
        dest["path"] = "/"
        if kind == "s3" and raw.get("bucket") is not None:
            bucket = raw["bucket"]
            if not isinstance(bucket, str) or not BUCKET_RE.match(bucket) or ".." in bucket or _looks_like_ip(bucket) \
                    or bucket.startswith("xn--") or bucket.endswith("-s3alias"):
                raise InputError("bucket %s is not a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)" % json.dumps(bucket))
            dest["bucket"] = bucket
            dest["method"] = "HEAD"
            dest["path"] = "/" + bucket
        dest["expect"] = parse_expect_status(raw["expect_status"]) if raw.get("expect_status") is not None else None
        scheme = "https" if dest["tls"] else "http"
        netloc = _bracket(dest["host"]) if dest["port"] == (443 if dest["tls"] else 80) else _hostport(dest["host"], dest["port"])
        dest["target"] = "%s://%s%s" % (scheme, netloc, dest["path"])
    dest.setdefault("target", _hostport(dest["host"], dest["port"]))
    return dest


def _looks_like_ip(text):
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def validate_destinations(raw, default_timeout=DEFAULT_TIMEOUT, warnings=None, default_region=None):
    """Check and normalise the destinations; raise InputError naming every bad value.

    default_region: the Region of AWS destinations that name none (the run's)."""
    if warnings is None:
        warnings = []
    if isinstance(raw, dict) and "destinations" in raw and set(raw) <= {"destinations", "region"}:
        if raw.get("region") is not None:
            default_region = _check_region(raw["region"], "the destinations' region")
        raw = raw["destinations"]
    if not isinstance(raw, list):
        raise InputError("the destinations must be a JSON list of objects, not %s" % type(raw).__name__)
    if not raw:
        raise InputError("the destinations list is empty")
    problems = []
    destinations = []
    seen = set()
    for index, item in enumerate(raw):
        try:
            destinations.append(_validate_one(item, seen, warnings, default_timeout, default_region))
        except InputError as exc:
            problems.extend("%s: %s" % (_label(index, item), p) for p in exc.problems)
    if problems:
        raise InputError(problems)
    return destinations


def load_destinations(path, default_timeout=DEFAULT_TIMEOUT, warnings=None, default_region=None):
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise InputError("cannot read the destinations file %s: %s" % (path, exc.strerror or exc)) from None
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise InputError("the destinations file %s is not valid JSON: %s" % (path, exc)) from None
    return validate_destinations(raw, default_timeout, warnings, default_region)


def make_ssl_context(ca_bundle=None):
    """The system's trusted CAs, plus those in ``ca_bundle``; host names are verified."""
    context = ssl.create_default_context()
    if ca_bundle:
        try:
            context.load_verify_locations(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise InputError("cannot load the CA bundle %s: %s" % (ca_bundle, exc)) from None
    return context


# ---------------------------------------------------------------------------------------------
# Stages
# ---------------------------------------------------------------------------------------------


def _bracket(host):
    return "[%s]" % host if ":" in host else host


def _hostport(host, port):
    return "%s:%d" % (_bracket(host), port)


def _ms(start):
    return round((time.monotonic() - start) * 1000.0, 1)


def _is_timeout(exc):
    return isinstance(exc, (socket.timeout, TimeoutError))


def _error_text(exc):
    if _is_timeout(exc):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _scope(ip):
    try:
        address = ipaddress.ip_address(ip.split("%")[0])
    except ValueError:
        return ""
    if address.is_loopback:
        return "loopback"
    return "private" if address.is_private else "public"


class Checker:
    """Runs the stages for one destination and records them."""

    def __init__(self, dest, ssl_context):
        self.dest = dest
        self.ssl_context = ssl_context
        self.timeout = dest["timeout"]
        self.stages = []
        self.sockets = []
        self.peer = None
        self.addresses = []
        self.data_port = None

    def stage(self, name, func):
        start = time.monotonic()
        try:
            detail, value = func()
        except StageFailure as failure:
            failure.stage = name
            self.stages.append({"stage": name, "ok": False, "ms": _ms(start), "detail": failure.detail})
            raise
        except Exception as exc:  # a bug in the probe, never a crash without a report
            failure = StageFailure("probe_error", "%s: %s" % (type(exc).__name__, exc))
            failure.stage = name
            self.stages.append({"stage": name, "ok": False, "ms": _ms(start), "detail": failure.detail})
            raise failure from None
        self.stages.append({"stage": name, "ok": True, "ms": _ms(start), "detail": detail})
        return value

    def close(self):
        for sock in reversed(self.sockets):
            try:
                sock.close()
            except OSError:
                pass

    # -- dns ------------------------------------------------------------------------------

    def resolve(self):
        host, port = self.dest["host"], self.dest["port"]
        if _looks_like_ip(host):
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            sockaddr = (host, port, 0, 0) if family == socket.AF_INET6 else (host, port)
            self.addresses = [(family, sockaddr)]
            return "%s is an IP address (%s): no lookup" % (host, _scope(host)), None
        outcome = {}

        def lookup():
            try:
                outcome["infos"] = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
            except Exception as exc:  # reported below
                outcome["error"] = exc

        worker = threading.Thread(target=lookup, name="dns-" + host, daemon=True)
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            raise StageFailure("dns", "the DNS resolver did not answer for %s within %gs" % (host, self.timeout))
        if "error" in outcome:
            exc = outcome["error"]
            raise StageFailure("dns", "%s does not resolve: %s" % (host, getattr(exc, "strerror", None) or exc))
        seen = []
        for family, _type, _proto, _canon, sockaddr in outcome["infos"]:
            if (family, sockaddr) not in seen:
                seen.append((family, sockaddr))
        if not seen:
            raise StageFailure("dns", "%s resolves to no address" % host)
        self.addresses = seen
        listed = ", ".join("%s (%s)" % (addr[0], _scope(addr[0])) for _family, addr in seen)
        return "%s -> %s" % (host, listed), None

    # -- tcp ------------------------------------------------------------------------------

    def connect_tcp(self):
        errors = []
        for family, sockaddr in self.addresses:
            if sum(1 for _a, e, _ms in errors if _is_timeout(e)) >= 2:
                break  # a name with many addresses would otherwise take one timeout each
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            start = time.monotonic()
            try:
                sock.connect(sockaddr)
            except OSError as exc:
                sock.close()
                errors.append((sockaddr, exc, _ms(start)))
                continue
            self.sockets.append(sock)
            self.peer = sockaddr
            tried = "".join("; %s failed first: %s" % (_hostport(a[0], a[1]), _error_text(e)) for a, e, _ms_taken in errors)
            return "connected to %s%s" % (_hostport(sockaddr[0], sockaddr[1]), tried), sock
        # Pick the most telling error: one from an address family the host can route, if any.
        telling = [e for e in errors if getattr(e[1], "errno", None) not in FAMILY_ERRNOS] or errors
        sockaddr, exc, _ms_taken = telling[-1]
        detail = "; ".join("%s: %s" % (_hostport(a[0], a[1]), _error_text(e)) for a, e, _ms_taken in errors)
        self.peer = sockaddr
        raise StageFailure(_classify_connect_error(exc), detail)

    # -- tls ------------------------------------------------------------------------------

    def handshake(self, sock):
        host = self.dest["host"]
        try:
            tls = self.ssl_context.wrap_socket(sock, server_hostname=host)
        except ssl.SSLCertVerificationError as exc:
            raise StageFailure("tls", "certificate verification failed: %s" % (exc.verify_message or exc.reason or exc)) from None
        except ssl.SSLError as exc:
            reason = exc.reason or str(exc)
            if str(reason).upper() in NOT_TLS_REASONS:
                raise StageFailure("tls", "the server did not answer with TLS (%s)" % reason) from None
            raise StageFailure("tls", "TLS handshake failed: %s" % reason) from None
        except OSError as exc:
            if _is_timeout(exc):
                raise StageFailure("timeout", "no TLS handshake answer within %gs" % self.timeout) from None
            if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)) or exc.errno == 0:
                raise StageFailure("tls", "the connection was reset during the TLS handshake (%s)" % _error_text(exc)) from None
            raise StageFailure("tls", "TLS handshake failed: %s" % _error_text(exc)) from None
        self.sockets.append(tls)
        return "%s, %s" % (tls.version(), _describe_certificate(tls.getpeercert())), tls

    # -- http -----------------------------------------------------------------------------

    def http(self, sock):
        dest = self.dest
        default_port = 443 if dest["tls"] else 80
        host_header = _bracket(dest["host"]) if dest["port"] == default_port else _hostport(dest["host"], dest["port"])
        connection = http.client.HTTPConnection(dest["host"], dest["port"], timeout=self.timeout)
        connection.sock = sock
        try:
            connection.putrequest(dest["method"], dest["path"], skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", host_header)
            connection.putheader("User-Agent", USER_AGENT)
            connection.putheader("Accept", "*/*")
            connection.putheader("Connection", "close")
            connection.endheaders()
            response = connection.getresponse()
            if dest["method"] != "HEAD":
                response.read(4096)
        except http.client.HTTPException as exc:
            raise StageFailure("protocol", "no valid HTTP answer: %s" % (type(exc).__name__ + (": %s" % exc if str(exc) else ""))) from None
        except OSError as exc:
            if _is_timeout(exc):
                raise StageFailure("timeout", "no HTTP answer within %gs" % self.timeout) from None
            raise StageFailure("protocol", "the connection failed during the HTTP request: %s" % _error_text(exc)) from None
        status = response.status
        summary = "%s %s -> HTTP %d %s" % (dest["method"], dest["path"], status, response.reason)
        location = response.getheader("Location")
        if location and 300 <= status < 400:
            summary += " (Location: %s)" % location
        return summary, response

    def judge_http(self, response):
        """Raise the failure an HTTP answer means for this destination, if any."""
        dest = self.dest
        status = response.status
        if dest.get("expect") is not None:
            if any(low <= status <= high for low, high in dest["expect"]):
                return None
            klass = "auth" if status in (401, 403) else "http_status"
            raise StageFailure(klass, "HTTP %d %s, expected %s" % (status, response.reason, _describe_ranges(dest["expect"])))
        # AWS kinds: the request is unsigned, so a 4xx answer still proves the service is reachable.
        bucket_region = response.getheader("x-amz-bucket-region")
        if dest.get("bucket"):
            if bucket_region and dest.get("region") and bucket_region != dest["region"]:
                raise StageFailure("http_status", "HTTP %d: bucket %s is in %s, not %s" % (status, dest["bucket"], bucket_region, dest["region"]))
            if status == 404:
                raise StageFailure("http_status", "HTTP 404: bucket %s does not exist" % dest["bucket"])
            if 300 <= status < 400:
                raise StageFailure("http_status", "HTTP %d: S3 redirects requests for bucket %s%s" % (
                    status, dest["bucket"], " (x-amz-bucket-region: %s)" % bucket_region if bucket_region else ""))
        if status >= 500:
            raise StageFailure("http_status", "HTTP %d %s: the service answered but is failing" % (status, response.reason))
        return None

    # -- ssh ------------------------------------------------------------------------------

    def ssh_banner(self, sock):
        # RFC 4253: the server may send other lines before its "SSH-" identification line.
        deadline = time.monotonic() + self.timeout
        received = b""
        while True:
            for line in received.split(b"\n")[:-1]:
                text = line.rstrip(b"\r").decode("latin-1")
                if text.startswith("SSH-"):
                    if text.startswith("SSH-2.0-") or text.startswith("SSH-1.99-"):
                        return "server banner %s" % text[:120], text
                    raise StageFailure("protocol", "the server speaks an SSH protocol version this client does not: %s" % text[:120])
            if len(received) > 8192 or received.count(b"\n") > 50:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if received:
                    break
                raise StageFailure("timeout", "no SSH banner within %gs" % self.timeout)
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(1024)
            except OSError as exc:
                if _is_timeout(exc):
                    if received:
                        break
                    raise StageFailure("timeout", "no SSH banner within %gs" % self.timeout) from None
                raise StageFailure("protocol", "the connection failed before an SSH banner: %s" % _error_text(exc)) from None
            if not chunk:
                if not received:
                    raise StageFailure("protocol", "the server closed the connection without sending anything")
                break
            received += chunk
        raise StageFailure("protocol", "no SSH banner; the server sent %r" % received[:80].decode("latin-1"))


def _classify_connect_error(exc):
    if _is_timeout(exc):
        return "timeout"
    if isinstance(exc, (ConnectionRefusedError, ConnectionResetError, ConnectionAbortedError)):
        return "refused"
    # No route to host, or anything else that gets no answer: the path is blocked.
    return "timeout"


def _describe_certificate(cert):
    if not cert:
        return "certificate verified"
    subject = dict(item[0] for item in cert.get("subject", ()) if item)
    issuer = dict(item[0] for item in cert.get("issuer", ()) if item)
    parts = []
    if subject.get("commonName"):
        parts.append("CN=%s" % subject["commonName"])
    if issuer.get("commonName") or issuer.get("organizationName"):
        parts.append("issuer %s" % (issuer.get("commonName") or issuer.get("organizationName")))
    if cert.get("notAfter"):
        parts.append("valid until %s" % cert["notAfter"])
    return "certificate verified (%s)" % ", ".join(parts) if parts else "certificate verified"


# ---------------------------------------------------------------------------------------------
# FTP
# ---------------------------------------------------------------------------------------------


class FtpControl:
    """A minimal FTP control channel (RFC 959 replies, multi-line included)."""

    def __init__(self, sock, timeout):
        self.timeout = timeout
        self.attach(sock)

    def attach(self, sock):
        self.sock = sock
        sock.settimeout(self.timeout)
        self.reader = sock.makefile("rb")

    def reply(self):
        lines = []
        first = self._line()
        lines.append(first)
        code = first[:3]
        if len(first) < 3 or not code.isdigit() or first[3:4] not in ("", " ", "-"):
            raise StageFailure("protocol", "not an FTP reply: %r" % first[:80])
        if first[3:4] == "-":
            while True:
                line = self._line()
                lines.append(line)
                if line[:3] == code and line[3:4] in (" ", ""):
                    break
                if len(lines) > 200:
                    raise StageFailure("protocol", "FTP reply %s never ends" % code)
        return int(code), " ".join(line[4:].strip() for line in lines).strip()

    def _line(self):
        try:
            raw = self.reader.readline(8193)
        except OSError as exc:
            if _is_timeout(exc):
                raise StageFailure("timeout", "no FTP reply within %gs" % self.timeout) from None
            raise StageFailure("protocol", "the FTP control connection failed: %s" % _error_text(exc)) from None
        if not raw:
            raise StageFailure("protocol", "the server closed the FTP control connection")
        return raw.decode("latin-1").rstrip("\r\n")

    def command(self, line):
        try:
            self.sock.sendall((line + "\r\n").encode("latin-1"))
        except OSError as exc:
            if _is_timeout(exc):
                raise StageFailure("timeout", "the FTP control connection stalled") from None
            raise StageFailure("protocol", "the FTP control connection failed: %s" % _error_text(exc)) from None
        return self.reply()


def _check_ftp(checker, sock):
    dest = checker.dest
    control = None
    if dest["mode"] == "implicit":
        sock = checker.stage("tls", lambda: checker.handshake(sock))

    def banner():
        code, text = control.reply()
        if code == 120:
            code, text = control.reply()
        if code == 421:
            raise StageFailure("refused", "the server refused service: %d %s" % (code, text))
        if code != 220:
            raise StageFailure("protocol", "expected a 220 greeting, got %d %s" % (code, text))
        return "220 %s" % text[:120], None

    control = FtpControl(sock, checker.timeout)
    checker.stage("ftp_banner", banner)

    if dest["mode"] == "explicit":
        def auth_tls():
            code, text = control.command("AUTH TLS")
            if code != 234:
                raise StageFailure("tls", "the server does not offer explicit FTPS: AUTH TLS -> %d %s" % (code, text))
            detail, tls = checker.handshake(control.sock)
            control.attach(tls)
            return "AUTH TLS -> 234; " + detail, None

        checker.stage("tls", auth_tls)

    def login():
        code, text = control.command("USER " + dest["user"])
        if code == 331:
            code, text = control.command("PASS " + dest["password"])
        if code in (230, 202):
            return "logged in as %s: %d %s" % (dest["user"], code, text[:80]), None
        if code in (530, 332):
            raise StageFailure("auth", "login as %s refused: %d %s" % (dest["user"], code, text[:120]))
        raise StageFailure("protocol", "unexpected login reply %d %s" % (code, text[:120]))

    checker.stage("ftp_login", login)
    if dest["passive"]:
        checker.stage("ftp_passive", lambda: _ftp_passive(checker, control))
    try:
        control.command("QUIT")
    except StageFailure:
        pass


def _ftp_passive(checker, control):
    peer_ip = checker.peer[0]
    advertised = None
    attempts = ("EPSV", "PASV") if ":" in peer_ip else ("PASV", "EPSV")
    replies = []
    port = None
    for verb in attempts:
        code, text = control.command(verb)
        replies.append("%s -> %d %s" % (verb, code, text[:80]))
        if code == 530:
            raise StageFailure("auth", "%s refused before login: %d %s" % (verb, code, text[:120]))
        if verb == "PASV" and code == 227:
            match = PASV_RE.search(text)
            if not match:
                raise StageFailure("protocol", "cannot parse the PASV reply: %d %s" % (code, text[:120]))
            numbers = [int(n) for n in match.groups()]
            if any(n > 255 for n in numbers):
                raise StageFailure("protocol", "bad address in the PASV reply: %d %s" % (code, text[:120]))
            advertised = ".".join(str(n) for n in numbers[:4])
            port = numbers[4] * 256 + numbers[5]
            break
        if verb == "EPSV" and code == 229:
            match = EPSV_RE.search(text)
            if not match:
                raise StageFailure("protocol", "cannot parse the EPSV reply: %d %s" % (code, text[:120]))
            port = int(match.group(2))
            break
    if port is None:
        raise StageFailure("protocol", "the server offers no passive mode: %s" % "; ".join(replies))
    if not 1 <= port <= 65535:
        raise StageFailure("protocol", "the server offered passive port %d" % port)
    checker.data_port = port
    # Like curl and Python's ftplib, connect to the control connection's address, not the one a
    # server behind NAT advertises.
    family = socket.AF_INET6 if ":" in peer_ip else socket.AF_INET
    sockaddr = (peer_ip, port, 0, 0) if family == socket.AF_INET6 else (peer_ip, port)
    data = socket.socket(family, socket.SOCK_STREAM)
    data.settimeout(checker.timeout)
    start = time.monotonic()
    try:
        data.connect(sockaddr)
    except OSError as exc:
        data.close()
        raise StageFailure("ftp_passive", "%s offered data port %d; connecting to %s: %s" % (
            replies[-1].split(" ->")[0], port, _hostport(peer_ip, port), _error_text(exc))) from None
    data.close()
    note = ""
    if advertised and advertised != peer_ip:
        note = " (the server advertised %s; used the control connection's address)" % advertised
    return "%s offered port %d; data connection opened in %.1f ms%s" % (replies[-1].split(" ->")[0], port, _ms(start), note), None


# ---------------------------------------------------------------------------------------------
# Causes
# ---------------------------------------------------------------------------------------------

PROBE_ERROR_CAUSE = "the probe itself failed (%s): this is a bug in the probe, please report it."
STAGE_WHAT = {
    "tls": "TLS handshake",
    "http": "HTTP answer",
    "ssh_banner": "SSH banner",
    "ftp_banner": "FTP greeting",
    "ftp_login": "FTP login reply",
    "ftp_passive": "FTP reply",
}


def explain(dest, stage, klass, detail, checker=None):
    """The likely cause of a failure, in words an operator can act on."""
    host, port, timeout = dest["host"], dest["port"], dest["timeout"]
    where = _hostport(host, port)
    interface = dest.get("aws") and dest["kind"] not in ("s3", "dynamodb")
    gateway = dest.get("aws") and dest["kind"] in ("s3", "dynamodb")
    if klass == "dns":
        text = ("%s does not resolve from here: check the name for a typo; that the VPC has DNS resolution enabled and its resolver "
                "(Route 53 Resolver, or the DHCP options' DNS servers) can answer it; that a private hosted zone is associated with the "
                "VPC; and that no Route 53 Resolver DNS Firewall rule blocks it") % host
        if interface:
            text += ". For an interface endpoint, enable its private DNS name"
        return text + "."
    if klass == "timeout" and stage == "tcp":
        text = ("no answer from %s within %gs: the run's security group has no egress rule for TCP %d to it, a network ACL drops the "
                "traffic (or its return traffic on ephemeral ports), or the subnet has no route to it") % (where, timeout, port)
        if gateway:
            text += (" (a %s gateway endpoint route in the subnet's route table, with egress allowed to its prefix list; or the NAT "
                     "gateway for another Region)") % dest["kind"].upper().replace("DYNAMODB", "DynamoDB")
        elif interface:
            text += " (the interface endpoint's own security group must also allow inbound TCP %d from the run's security group)" % port
        elif checker is not None and checker.peer and _scope(checker.peer[0]) == "public":
            text += " (0.0.0.0/0 to a NAT gateway in a public subnet, for an internet destination)"
        else:
            text += (" (for a private address: a route to its network, e.g. peering, Transit Gateway or VPN; and its own security group or "
                     "firewall must allow inbound TCP %d from the run's subnets)") % port
        if "unreachable" in detail.lower():
            text += "; the host reported no route"
        return text + "."
    if klass == "timeout":
        return ("the TCP connection to %s opened, so the network path is open, but no %s came within %gs: the service is hung or "
                "overloaded, or another protocol listens on this port.") % (where, STAGE_WHAT.get(stage, "answer"), timeout)
    if klass == "refused" and stage == "tcp":
        return ("%s answered but refused the connection: nothing listens on port %d (the service is down or the port is wrong), or the "
                "host's own firewall rejects it.") % (where, port)
    if klass == "refused":
        return ("the server at %s accepted the connection but refused service (%s): too many connections, or it does not accept this "
                "client's address (allow-list the NAT gateway's Elastic IP).") % (where, detail)
    if klass == "tls":
        low = detail.lower()
        if "expired" in low:
            return "the certificate of %s has expired: renew it on the server." % host
        if "hostname mismatch" in low or "ip address mismatch" in low or "doesn't match" in low:
            return "the certificate of %s is not valid for the name %s: connect with a name the certificate lists." % (where, host)
        if "did not answer with tls" in low:
            return "%s does not speak TLS: it is probably a plain-text port (wrong port, or http:// instead of https://)." % where
        if "reset" in low:
            return ("the connection to %s was reset during the TLS handshake: a firewall that filters by server name (an AWS Network "
                    "Firewall domain list, a proxy) rejected %s, or the server refuses this TLS version.") % (where, host)
        if "auth tls" in low:
            return "%s does not offer explicit FTPS (AUTH TLS): use mode implicit (port 990) if the server supports it." % where
        if "verif" in low or "certificate" in low:
            return ("the certificate of %s is not trusted (%s): if the server uses a private CA, give its CA certificate with --ca-bundle "
                    "(workflow input ca_bundle_pem).") % (where, detail)
        return "the TLS handshake with %s failed (%s): check the server's TLS configuration." % (where, detail)
    if klass == "auth":
        if dest["kind"] in ("ftp", "ftps"):
            text = ("the FTP server at %s is reachable but refused the login as %s: check the credentials or the server's allow-list (the "
                    "NAT gateway's Elastic IP)") % (where, dest["user"])
            if dest["passive"] and stage != "ftp_passive":
                text += "; the passive data connection was not tested"
            return text + "."
        return ("%s is reachable (the network path works) but refused the request (%s): it needs credentials, or it allows only listed "
                "source addresses (the NAT gateway's Elastic IP).") % (dest["target"], detail)
    if klass == "http_status":
        if dest.get("bucket"):
            if "does not exist" in detail:
                return "S3 answered, so the path works, but bucket %s does not exist: check its name." % dest["bucket"]
            if "redirects" in detail:
                return "S3 answered, so the path works, but %s: check that the endpoint is in the bucket's Region." % detail.split(": ", 1)[-1]
            if " is in " in detail:
                return ("S3 answered, so the path works, but %s: set the destination's region to the bucket's Region (a cross-region "
                        "bucket is an s3 destination with its own region).") % detail.split(": ", 1)[-1]
        return "%s is reachable but answered %s: check the URL, or set expect_status." % (dest["target"], detail)
    if klass == "protocol":
        if dest["kind"] in ("ssh", "sftp"):
            return "TCP %d on %s connects, but no SSH server answers there (%s): check the port." % (port, host, detail)
        if dest["kind"] in ("ftp", "ftps"):
            return "TCP %d on %s connects, but the FTP dialogue failed (%s): check the port and that it is an FTP server%s." % (
                port, host, detail, " with FTPS %s mode" % dest["mode"] if dest["kind"] == "ftps" else "")
        return "TCP %d on %s connects, but the server does not speak the expected protocol (%s)." % (port, host, detail)
    if klass == "ftp_passive":
        data_port = checker.data_port if checker else None
        ports = dest.get("passive_ports")
        how = "timed out" if "timed out" in detail else "was refused" if "refused" in detail.lower() else "failed"
        text = "the FTP control connection on port %d works, but the passive data connection to port %s %s" % (port, data_port, how)
        if ports:
            text += ": open the passive port range %d-%d (TCP egress to %s) in the run's security group and network ACL" % (ports[0], ports[1], host)
            if data_port and not ports[0] <= data_port <= ports[1]:
                text += ("; the server offered port %s, outside the declared range %d-%d: fix the server's passive range or the "
                         "declaration") % (data_port, ports[0], ports[1])
        else:
            text += (": declare the server's passive port range (passive_ports) and open it (TCP egress to %s) in the run's security group "
                     "and network ACL") % host
        if how == "was refused":
            text += "; a refusal means the host answered but nothing listens on that port (the server's passive range or its firewall)"
        return text + "."
    if klass == "probe_error":
        return PROBE_ERROR_CAUSE % detail
    return detail


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


def check_destination(dest, ssl_context):
    """Probe one validated destination; return its report entry (never raises)."""
    try:
        return _check_destination(dest, ssl_context)
    except Exception as exc:  # a bug in the probe: report it for this destination, keep the others
        detail = "%s: %s" % (type(exc).__name__, exc)
        return {
            "name": dest["name"], "kind": dest["kind"], "target": dest.get("target", ""), "ok": False,
            "stages": [{"stage": "dns", "ok": False, "ms": 0.0, "detail": detail}],
            "failure": {"class": "probe_error", "stage": "dns", "cause": PROBE_ERROR_CAUSE % detail},
        }


def _check_destination(dest, ssl_context):
    checker = Checker(dest, ssl_context)
    failure = None
    try:
        checker.stage("dns", checker.resolve)
        sock = checker.stage("tcp", checker.connect_tcp)
        kind = dest["kind"]
        if kind in ("ftp", "ftps"):
            _check_ftp(checker, sock)
        elif kind in ("ssh", "sftp"):
            checker.stage("ssh_banner", lambda: checker.ssh_banner(sock))
        elif kind != "tcp":
            if dest["tls"]:
                sock = checker.stage("tls", lambda: checker.handshake(sock))

            def http_stage():
                summary, response = checker.http(sock)
                checker.judge_http(response)
                return summary, None

            checker.stage("http", http_stage)
    except StageFailure as exc:
        failure = {"class": exc.klass, "stage": exc.stage, "cause": explain(dest, exc.stage, exc.klass, exc.detail, checker)}
    finally:
        checker.close()
    return {
        "name": dest["name"],
        "kind": dest["kind"],
        "target": dest["target"],
        "ok": failure is None,
        "stages": checker.stages,
        "failure": failure,
    }


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def run(destinations, timeout=DEFAULT_TIMEOUT, ca_bundle=None, jobs=DEFAULT_JOBS, warnings=None, ssl_context=None):
    """Probe validated destinations (see validate_destinations); return the report dict."""
    started = _now()
    if ssl_context is None:
        ssl_context = make_ssl_context(ca_bundle)
    workers = max(1, min(int(jobs), len(destinations)))
    if workers == 1:
        results = [check_destination(dest, ssl_context) for dest in destinations]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda dest: check_destination(dest, ssl_context), destinations))
    ok = sum(1 for r in results if r["ok"])
    return {
        "version": REPORT_VERSION,
        "probe": PROBE_NAME,
        "started": started,
        "finished": _now(),
        "host": {"hostname": socket.gethostname(), "python": "%d.%d.%d" % sys.version_info[:3]},
        "timeout_seconds": float(timeout),
        "ca_bundle": ca_bundle,
        "summary": {"total": len(results), "ok": ok, "failed": len(results) - ok},
        "warnings": list(warnings or []),
        "destinations": results,
    }


def _clip(text, width):
    return text if len(text) <= width else text[: width - 3] + "..."


def format_table(report):
    """The report as a fixed-width table followed by one line per failure."""
    rows = [("NAME", "KIND", "TARGET", "RESULT", "TIME", "STAGES")]
    for entry in report["destinations"]:
        total = sum(stage["ms"] for stage in entry["stages"])
        stages = " ".join("%s:%s" % (s["stage"], "ok" if s["ok"] else "FAIL") for s in entry["stages"])
        result = "ok" if entry["ok"] else "FAIL " + entry["failure"]["class"]
        rows.append((_clip(entry["name"], 32), entry["kind"], _clip(entry["target"], 48), result, "%.0f ms" % total, stages))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    summary = report["summary"]
    lines = ["Connectivity: %d destination(s), %d reachable, %d unreachable" % (summary["total"], summary["ok"], summary["failed"])]
    for row in rows:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])) + "  " + row[-1])
    failed = [entry for entry in report["destinations"] if not entry["ok"]]
    if failed:
        lines.append("")
        lines.append("Failures:")
        for entry in failed:
            failure = entry["failure"]
            lines.append("  %s [%s at stage %s]: %s" % (entry["name"], failure["class"], failure["stage"], failure["cause"]))
    for warning in report.get("warnings") or ():
        lines.append("warning: %s" % warning)
    return "\n".join(lines) + "\n"


def _write(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, ".%s.%d.tmp" % (os.path.basename(path), os.getpid()))
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="connectivity_probe.py",
        description="Check that each destination is reachable (DNS, TCP, TLS, HTTP, FTP, SSH) and name the likely cause of each failure.",
    )
    parser.add_argument("--destinations", required=True, help="JSON file: a list of destinations (see the top of this file)")
    parser.add_argument("--report", help="write the JSON report here (required unless --validate)")
    parser.add_argument("--table", help="also write the table to this file")
    parser.add_argument("--ca-bundle", help="PEM file of extra CA certificates to trust (added to the system's)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per stage (default %(default)s)")
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help="destinations checked at once (default %(default)s)")
    parser.add_argument("--region", help="Region of the AWS destinations that name none (the run's Region)")
    parser.add_argument("--validate", action="store_true", help="only check the destinations file, then exit")
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)

    def bad(problems):
        for problem in problems:
            sys.stderr.write("connectivity_probe: bad input: %s\n" % problem)
        return EXIT_BAD_INPUT

    if not 0 < args.timeout <= 600:
        return bad(["--timeout %s must be a number of seconds (0-600]" % args.timeout])
    if args.jobs < 1:
        return bad(["--jobs %d must be at least 1" % args.jobs])
    if args.region is not None and not REGION_RE.match(args.region):
        return bad(["--region %s is not an AWS Region name such as us-east-1" % json.dumps(args.region)])
    if not args.validate and not args.report:
        return bad(["--report is required (where to write the JSON report)"])
    for option, path in (("--report", args.report), ("--table", args.table)):
        if path and not args.validate and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            return bad(["%s %s: its directory does not exist" % (option, path)])
    warnings = []
    try:
        destinations = load_destinations(args.destinations, args.timeout, warnings, args.region)
        ssl_context = make_ssl_context(args.ca_bundle)
    except InputError as exc:
        return bad(exc.problems)
    for warning in warnings:
        sys.stderr.write("connectivity_probe: warning: %s\n" % warning)
    if args.validate:
        sys.stdout.write("%d destination(s) valid\n" % len(destinations))
        return 0
    report = run(destinations, args.timeout, args.ca_bundle, args.jobs, warnings, ssl_context)
    table = format_table(report)
    try:
        _write(args.report, json.dumps(report, indent=2) + "\n")
        if args.table:
            _write(args.table, table)
    except OSError as exc:
        return bad(["cannot write %s: %s" % (exc.filename or args.report, exc.strerror or exc)])
    sys.stdout.write(table)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
GENOMICS_AWS_PROBE_EOF
# The engine writes the two texts to files (write_lines): no shell ever reads them, whatever they hold.
cp '~{write_lines([destinations_json])}' destinations.json
cp '~{write_lines([ca_bundle_pem])}' ca_bundle.pem
if grep -q 'BEGIN CERTIFICATE' ca_bundle.pem; then
  set -- --ca-bundle ca_bundle.pem
else
  set --
fi
python3 connectivity_probe.py --destinations destinations.json --report report.json --table table.txt --timeout ~{timeout_seconds} "$@"
  >>>

  output {
    File report = "report.json"
    File table = "table.txt"
  }

  runtime {
    docker: probe_image
    cpu: 1
    memory: "2 GiB"
  }

  meta {
    description: "Runs connectivity_probe.py against the destinations; exits 0 whenever the report is written."
    # Never reuse a cached result: reachability changes with the network, not with the inputs.
    # Cromwell and HealthOmics read this attribute; miniwdl's call cache (off by default) does not.
    volatile: true
  }
}
