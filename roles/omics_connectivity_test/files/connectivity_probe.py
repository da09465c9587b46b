#!/usr/bin/env python
"""Connectivity probe for HealthOmics VPC-connected runs (genomics.aws).

Checks, from wherever it runs (a HealthOmics task in VPC networking mode, or the controller),
that each declared destination is reachable, stage by stage, and names the likely cause of each
failure. Python standard library only; Python 3.8 or later.

Which destinations are valid (kinds, fields, defaults) is not decided here but by
destination_schema.py, the collection's plugins/module_utils/destination_schema.py, which the
genomics.aws.omics_destinations filters use too: what the networking role opens and what this probe
checks come from one list, read by one module. The probe imports it from its own directory, where the
connectivity-test workflow's task (and the role, on the controller) writes it; run from the
collection's own tree, it loads it from plugins/module_utils/. The workflow inlines both files byte for
byte (see build_workflow.py next to this file).

Usage:
    python3 connectivity_probe.py --destinations destinations.json --report report.json
        [--table table.txt] [--ca-bundle ca.pem] [--timeout 5] [--jobs 4] [--region us-east-1]
        [--validate]

Exit status: 0 once the report is written, even when destinations are unreachable (the caller
decides what a failure means); 2 for bad input (unreadable or invalid destinations, unknown kind or
field, missing or malformed field, unreadable CA bundle), with one message per problem on stderr, each
naming the destination and the value. With --validate it only checks the input (exit 0 or 2).
The probe connects directly: it does not use HTTP(S)_PROXY.

Input (destinations.json): a JSON list of objects, or {"destinations": [...]} with an optional
"region" (the default Region, as --region, which it overrides); see destination_schema.py for every
kind's fields. AWS destinations need a Region (their own, or the default one) unless they give
"endpoint" or "host".

    kind              stages checked
    https             dns tcp [tls] http
    tcp               dns tcp (a license server, e.g. Sentieon)
    ftp               dns tcp ftp_banner ftp_login ftp_passive
    ftps              dns tcp tls ftp_banner ftp_login ftp_passive (implicit: TLS from the first byte)
                      dns tcp ftp_banner tls ftp_login ftp_passive (explicit: AUTH TLS after the banner)
    sftp, ssh         dns tcp ssh_banner
    s3, dynamodb, secretsmanager, license-manager, s3tables, endpoint
                      dns tcp tls http

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
    FTP and FTPS: passive mode only, with the server's passive range declared (passive_ports);
    only the data connection is opened (no TLS and no transfer on it): the network path is
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
import importlib.util
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


def _import_schema():
    """destination_schema: the file next to this one (where the workflow's task and the role write it), or else the
    collection's (this file is roles/omics_connectivity_test/files/, the schema plugins/module_utils/). Loaded by
    path, so that neither the working directory nor python3 -P or -I changes which file is used."""
    if "destination_schema" in sys.modules:  # already loaded, by a caller that imports the probe as a module
        return sys.modules["destination_schema"]
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = (
        os.path.join(here, "destination_schema.py"),
        os.path.normpath(os.path.join(here, "..", "..", "..", "plugins", "module_utils", "destination_schema.py")),
    )
    path = next((candidate for candidate in candidates if os.path.isfile(candidate)), None)
    if path is None:
        sys.stderr.write(
            "connectivity_probe: destination_schema.py is neither next to this file nor at %s\n" % candidates[1]
        )
        sys.exit(EXIT_BAD_INPUT)
    spec = importlib.util.spec_from_file_location("destination_schema", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["destination_schema"] = module
    spec.loader.exec_module(module)
    return module


REPORT_VERSION = 1
PROBE_NAME = "genomics.aws connectivity probe"
USER_AGENT = "genomics.aws-connectivity-probe/1"
DEFAULT_TIMEOUT = 5.0
DEFAULT_JOBS = 4
EXIT_BAD_INPUT = 2

destination_schema = _import_schema()
FAILURE_CLASSES = ("dns", "timeout", "refused", "tls", "http_status", "auth", "protocol", "ftp_passive", "probe_error")
PASV_RE = re.compile(r"(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3})")
EPSV_RE = re.compile(r"\((.)\1\1(\d{1,5})\1\)")
# OpenSSL's reasons when the peer answers with something that is not TLS.
NOT_TLS_REASONS = (
    "WRONG_VERSION_NUMBER",
    "UNKNOWN_PROTOCOL",
    "PACKET_LENGTH_TOO_LONG",
    "RECORD_LAYER_FAILURE",
    "HTTP_REQUEST",
    "HTTPS_PROXY_REQUEST",
)
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
# Input: the destinations, checked by destination_schema
# ---------------------------------------------------------------------------------------------


def _plan(dest, default_timeout):
    """What to check for one validated destination: where to connect, with which request, shown as which target."""
    check = dict(dest)
    check["timeout"] = dest["timeout"] or default_timeout
    check["aws"] = dest["kind"] in destination_schema.AWS_KINDS
    if dest["kind"] == "https":
        check.update(method="GET", target=dest["url"])
    elif check["aws"]:
        if dest["endpoint"]:
            check.update(dest["endpoint"])  # host, port and tls of the endpoint URL
        if dest["bucket"]:
            check.update(method="HEAD", path="/" + dest["bucket"])
        else:
            check.update(method="GET", path="/")
        netloc = (
            _bracket(check["host"])
            if check["port"] == (443 if check["tls"] else 80)
            else _hostport(check["host"], check["port"])
        )
        check["target"] = "%s://%s%s" % ("https" if check["tls"] else "http", netloc, check["path"])
    else:
        check["target"] = _hostport(dest["host"], dest["port"])
    return check


def _describe_ranges(ranges):
    return ", ".join(str(low) if low == high else "%d-%d" % (low, high) for low, high in ranges)


def validate_destinations(raw, default_timeout=DEFAULT_TIMEOUT, default_region=None):
    """The destinations checked by destination_schema, as plans to check; raise InputError naming every bad value.

    default_region: the Region of AWS destinations that name none (the run's); the list's own wins."""
    try:
        checked = destination_schema.validate(raw, default_region, region_required=True)
    except destination_schema.DestinationError as exc:
        raise InputError(exc.problems) from None
    return [_plan(dest, default_timeout) for dest in checked]


def load_destinations(path, default_timeout=DEFAULT_TIMEOUT, default_region=None):
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise InputError("cannot read the destinations file %s: %s" % (path, exc.strerror or exc)) from None
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise InputError("the destinations file %s is not valid JSON: %s" % (path, exc)) from None
    return validate_destinations(raw, default_timeout, default_region)


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
        if destination_schema.is_ip(host):
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
            tried = "".join(
                "; %s failed first: %s" % (_hostport(a[0], a[1]), _error_text(e)) for a, e, _ms_taken in errors
            )
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
            raise StageFailure(
                "tls", "certificate verification failed: %s" % (exc.verify_message or exc.reason or exc)
            ) from None
        except ssl.SSLError as exc:
            reason = exc.reason or str(exc)
            if str(reason).upper() in NOT_TLS_REASONS:
                raise StageFailure("tls", "the server did not answer with TLS (%s)" % reason) from None
            raise StageFailure("tls", "TLS handshake failed: %s" % reason) from None
        except OSError as exc:
            if _is_timeout(exc):
                raise StageFailure("timeout", "no TLS handshake answer within %gs" % self.timeout) from None
            if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)) or exc.errno == 0:
                raise StageFailure(
                    "tls", "the connection was reset during the TLS handshake (%s)" % _error_text(exc)
                ) from None
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
            raise StageFailure(
                "protocol", "no valid HTTP answer: %s" % (type(exc).__name__ + (": %s" % exc if str(exc) else ""))
            ) from None
        except OSError as exc:
            if _is_timeout(exc):
                raise StageFailure("timeout", "no HTTP answer within %gs" % self.timeout) from None
            raise StageFailure(
                "protocol", "the connection failed during the HTTP request: %s" % _error_text(exc)
            ) from None
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
        if dest["expect_status"] is not None:
            if any(low <= status <= high for low, high in dest["expect_status"]):
                return None
            klass = "auth" if status in (401, 403) else "http_status"
            raise StageFailure(
                klass, "HTTP %d %s, expected %s" % (status, response.reason, _describe_ranges(dest["expect_status"]))
            )
        # AWS kinds: the request is unsigned, so a 4xx answer still proves the service is reachable.
        bucket_region = response.getheader("x-amz-bucket-region")
        if dest.get("bucket"):
            if bucket_region and dest.get("region") and bucket_region != dest["region"]:
                raise StageFailure(
                    "http_status",
                    "HTTP %d: bucket %s is in %s, not %s" % (status, dest["bucket"], bucket_region, dest["region"]),
                )
            if status == 404:
                raise StageFailure("http_status", "HTTP 404: bucket %s does not exist" % dest["bucket"])
            if 300 <= status < 400:
                raise StageFailure(
                    "http_status",
                    "HTTP %d: S3 redirects requests for bucket %s%s"
                    % (status, dest["bucket"], " (x-amz-bucket-region: %s)" % bucket_region if bucket_region else ""),
                )
        if status >= 500:
            raise StageFailure(
                "http_status", "HTTP %d %s: the service answered but is failing" % (status, response.reason)
            )
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
                    raise StageFailure(
                        "protocol", "the server speaks an SSH protocol version this client does not: %s" % text[:120]
                    )
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
                raise StageFailure(
                    "protocol", "the connection failed before an SSH banner: %s" % _error_text(exc)
                ) from None
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
        raise StageFailure(
            "ftp_passive",
            "%s offered data port %d; connecting to %s: %s"
            % (replies[-1].split(" ->")[0], port, _hostport(peer_ip, port), _error_text(exc)),
        ) from None
    data.close()
    note = ""
    if advertised and advertised != peer_ip:
        note = " (the server advertised %s; used the control connection's address)" % advertised
    return "%s offered port %d; data connection opened in %.1f ms%s" % (
        replies[-1].split(" ->")[0],
        port,
        _ms(start),
        note,
    ), None


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
    interface = dest["aws"] and dest["kind"] not in destination_schema.GATEWAY_SERVICES
    gateway = dest["aws"] and dest["kind"] in destination_schema.GATEWAY_SERVICES
    if klass == "dns":
        text = (
            "%s does not resolve from here: check the name for a typo; that the VPC has DNS resolution enabled and its "
            "resolver "
            "(Route 53 Resolver, or the DHCP options' DNS servers) can answer it; that a private hosted zone is "
            "associated with the "
            "VPC; and that no Route 53 Resolver DNS Firewall rule blocks it"
        ) % host
        if interface:
            text += ". For an interface endpoint, enable its private DNS name"
        return text + "."
    if klass == "timeout" and stage == "tcp":
        text = (
            "no answer from %s within %gs: the run's security group has no egress rule for TCP %d to it, a network ACL "
            "drops the "
            "traffic (or its return traffic on ephemeral ports), or the subnet has no route to it"
        ) % (where, timeout, port)
        if gateway:
            text += (
                " (a %s gateway endpoint route in the subnet's route table, with egress allowed to its prefix list; or "
                "the NAT "
                "gateway for another Region)"
            ) % dest["kind"].upper().replace("DYNAMODB", "DynamoDB")
        elif interface:
            text += (
                " (the interface endpoint's own security group must also allow inbound TCP %d from the run's security "
                "group)" % port
            )
        elif checker is not None and checker.peer and _scope(checker.peer[0]) == "public":
            text += " (0.0.0.0/0 to a NAT gateway in a public subnet, for an internet destination)"
        else:
            text += (
                " (for a private address: a route to its network, e.g. peering, Transit Gateway or VPN; and its own "
                "security group or "
                "firewall must allow inbound TCP %d from the run's subnets)"
            ) % port
        if "unreachable" in detail.lower():
            text += "; the host reported no route"
        return text + "."
    if klass == "timeout":
        return (
            "the TCP connection to %s opened, so the network path is open, but no %s came within %gs: the service is "
            "hung or "
            "overloaded, or another protocol listens on this port."
        ) % (where, STAGE_WHAT.get(stage, "answer"), timeout)
    if klass == "refused" and stage == "tcp":
        return (
            "%s answered but refused the connection: nothing listens on port %d (the service is down or the port is "
            "wrong), or the "
            "host's own firewall rejects it."
        ) % (where, port)
    if klass == "refused":
        return (
            "the server at %s accepted the connection but refused service (%s): too many connections, or it does not "
            "accept this "
            "client's address (allow-list the NAT gateway's Elastic IP)."
        ) % (where, detail)
    if klass == "tls":
        low = detail.lower()
        if "expired" in low:
            return "the certificate of %s has expired: renew it on the server." % host
        if "hostname mismatch" in low or "ip address mismatch" in low or "doesn't match" in low:
            return "the certificate of %s is not valid for the name %s: connect with a name the certificate lists." % (
                where,
                host,
            )
        if "did not answer with tls" in low:
            return (
                "%s does not speak TLS: it is probably a plain-text port (wrong port, or http:// instead of https://)."
                % where
            )
        if "reset" in low:
            return (
                "the connection to %s was reset during the TLS handshake: a firewall that filters by server name (an "
                "AWS Network "
                "Firewall domain list, a proxy) rejected %s, or the server refuses this TLS version."
            ) % (where, host)
        if "auth tls" in low:
            return (
                "%s does not offer explicit FTPS (AUTH TLS): use mode implicit (port 990) if the server supports it."
                % where
            )
        if "verif" in low or "certificate" in low:
            return (
                "the certificate of %s is not trusted (%s): if the server uses a private CA, give its CA certificate "
                "with --ca-bundle "
                "(workflow input ca_bundle_pem)."
            ) % (where, detail)
        return "the TLS handshake with %s failed (%s): check the server's TLS configuration." % (where, detail)
    if klass == "auth":
        if dest["kind"] in ("ftp", "ftps"):
            text = (
                "the FTP server at %s is reachable but refused the login as %s: check the credentials or the server's "
                "allow-list (the "
                "NAT gateway's Elastic IP)"
            ) % (where, dest["user"])
            if stage != "ftp_passive":
                text += "; the passive data connection was not tested"
            return text + "."
        return (
            "%s is reachable (the network path works) but refused the request (%s): it needs credentials, or it allows "
            "only listed "
            "source addresses (the NAT gateway's Elastic IP)."
        ) % (dest["target"], detail)
    if klass == "http_status":
        if dest.get("bucket"):
            if "does not exist" in detail:
                return "S3 answered, so the path works, but bucket %s does not exist: check its name." % dest["bucket"]
            if "redirects" in detail:
                return (
                    "S3 answered, so the path works, but %s: check that the endpoint is in the bucket's Region."
                    % detail.split(": ", 1)[-1]
                )
            if " is in " in detail:
                return (
                    "S3 answered, so the path works, but %s: set the destination's region to the bucket's Region (a "
                    "cross-region "
                    "bucket is an s3 destination with its own region)."
                ) % detail.split(": ", 1)[-1]
        return "%s is reachable but answered %s: check the URL, or set expect_status." % (dest["target"], detail)
    if klass == "protocol":
        if dest["kind"] in ("ssh", "sftp"):
            return "TCP %d on %s connects, but no SSH server answers there (%s): check the port." % (port, host, detail)
        if dest["kind"] in ("ftp", "ftps"):
            return (
                "TCP %d on %s connects, but the FTP dialogue failed (%s): check the port and that it is an FTP "
                "server%s."
                % (port, host, detail, " with FTPS %s mode" % dest["mode"] if dest["kind"] == "ftps" else "")
            )
        return "TCP %d on %s connects, but the server does not speak the expected protocol (%s)." % (port, host, detail)
    if klass == "ftp_passive":
        data_port = checker.data_port if checker else None
        low, high = dest["passive_ports"]
        how = "timed out" if "timed out" in detail else "was refused" if "refused" in detail.lower() else "failed"
        text = "the FTP control connection on port %d works, but the passive data connection to port %s %s" % (
            port,
            data_port,
            how,
        )
        text += ": open the passive port range %d-%d (TCP egress to %s) in the run's security group and network ACL" % (
            low,
            high,
            host,
        )
        if data_port and not low <= data_port <= high:
            text += (
                "; the server offered port %s, outside the declared range %d-%d: fix the server's passive range or the "
                "declaration"
            ) % (data_port, low, high)
        if how == "was refused":
            text += (
                "; a refusal means the host answered but nothing listens on that port (the server's passive range "
                "or its firewall)"
            )
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
            "name": dest["name"],
            "kind": dest["kind"],
            "target": dest.get("target", ""),
            "ok": False,
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
        failure = {
            "class": exc.klass,
            "stage": exc.stage,
            "cause": explain(dest, exc.stage, exc.klass, exc.detail, checker),
        }
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
        rows.append(
            (_clip(entry["name"], 32), entry["kind"], _clip(entry["target"], 48), result, "%.0f ms" % total, stages)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    summary = report["summary"]
    lines = [
        "Connectivity: %d destination(s), %d reachable, %d unreachable"
        % (summary["total"], summary["ok"], summary["failed"])
    ]
    for row in rows:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])) + "  " + row[-1])
    failed = [entry for entry in report["destinations"] if not entry["ok"]]
    if failed:
        lines.append("")
        lines.append("Failures:")
        for entry in failed:
            failure = entry["failure"]
            lines.append(
                "  %s [%s at stage %s]: %s" % (entry["name"], failure["class"], failure["stage"], failure["cause"])
            )
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
        description="Check that each destination is reachable (DNS, TCP, TLS, HTTP, FTP, SSH) and name the likely "
        "cause of each failure.",
    )
    parser.add_argument(
        "--destinations", required=True, help="JSON file: a list of destinations (see the top of this file)"
    )
    parser.add_argument("--report", help="write the JSON report here (required unless --validate)")
    parser.add_argument("--table", help="also write the table to this file")
    parser.add_argument("--ca-bundle", help="PEM file of extra CA certificates to trust (added to the system's)")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per stage (default %(default)s)"
    )
    parser.add_argument(
        "--jobs", type=int, default=DEFAULT_JOBS, help="destinations checked at once (default %(default)s)"
    )
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
    if args.region is not None and not destination_schema.REGION.match(args.region):
        return bad(["--region %s is not an AWS Region name such as us-east-1" % json.dumps(args.region)])
    if not args.validate and not args.report:
        return bad(["--report is required (where to write the JSON report)"])
    for option, path in (("--report", args.report), ("--table", args.table)):
        if path and not args.validate and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            return bad(["%s %s: its directory does not exist" % (option, path)])
    try:
        destinations = load_destinations(args.destinations, args.timeout, args.region)
        ssl_context = make_ssl_context(args.ca_bundle)
    except InputError as exc:
        return bad(exc.problems)
    if args.validate:
        sys.stdout.write("%d destination(s) valid\n" % len(destinations))
        return 0
    report = run(destinations, args.timeout, args.ca_bundle, args.jobs, ssl_context=ssl_context)
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
