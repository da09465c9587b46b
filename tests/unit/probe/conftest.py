"""Fixtures for the connectivity probe tests: the probe module and real servers on 127.0.0.1.

The probe imports ``destination_schema`` from its own directory at run time; here that name is the collection's
module_utils module itself, the one the genomics.aws.omics_destinations filters import, so that the tests
exercise one module under both names."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from ansible_collections.genomics.aws.plugins.module_utils import destination_schema
from tools import loopback_servers as servers

ROOT = Path(__file__).resolve().parents[3]
FILES = ROOT / "roles" / "omics_connectivity_test" / "files"
PROBE_PATH = FILES / "connectivity_probe.py"
BUILD_PATH = FILES / "build_workflow.py"
TEMPLATE_PATH = FILES / "main.wdl.in"
SCHEMA_PATH = ROOT / "plugins" / "module_utils" / "destination_schema.py"
TIMEOUT = 1.0


def load(name, path):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def schema():
    return destination_schema


@pytest.fixture(scope="session")
def probe():
    sys.modules.setdefault("destination_schema", destination_schema)
    module = load("connectivity_probe", PROBE_PATH)
    assert module.destination_schema is destination_schema
    return module


@pytest.fixture(scope="session")
def builder():
    return load("build_workflow", BUILD_PATH)


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    return servers.Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def blackhole():
    hole = servers.Blackhole()
    if not hole.works:
        hole.close()
        pytest.fail("a listener with a full accept queue did not make connects time out on this system")
    yield hole
    hole.close()


class Servers:
    """The session's loopback servers, by role; each has ``port``."""


@pytest.fixture(scope="session")
def loopback(pki, blackhole):
    s = Servers()
    s.sni = []
    started = []

    def start(handler, ssl_context=None, **options):
        server = servers.start(handler, ssl_context, **options)
        started.append(server)
        return server

    s.https = start(servers.HttpHandler, pki.server_context("good", s.sni))
    s.http = start(servers.HttpHandler)
    s.https_expired = start(servers.HttpHandler, pki.server_context("expired"))
    s.https_other_host = start(servers.HttpHandler, pki.server_context("other_host"))
    s.silent = start(servers.SilentHandler)
    s.license = start(servers.SilentHandler)
    s.ssh = start(servers.SshBannerHandler)
    s.ssh_v1 = start(servers.SshBannerHandler, banner=b"SSH-1.5-ancient\r\n")
    s.not_ssh = start(servers.NotSshHandler)
    s.ftp = start(servers.FtpHandler, passive="open", users={"anonymous": None, "alice": "s3cret-pw"})
    s.ftp_epsv = start(servers.FtpHandler, passive="open", epsv_only=True)
    s.ftp_closed_passive = start(servers.FtpHandler, passive="closed")
    s.ftp_blocked_passive = start(servers.FtpHandler, passive=blackhole.port)
    s.ftps_implicit = start(servers.FtpHandler, pki.server_context("good"), passive="open")
    s.ftps_explicit = start(servers.FtpHandler, passive="open", auth_tls=True, tls_context=pki.server_context("good"))
    s.blackhole_port = blackhole.port
    yield s
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def ssl_context(probe, pki):
    return probe.make_ssl_context(str(pki.ca_pem))


@pytest.fixture
def check(probe, ssl_context):
    """Validate one destination and probe it (trusting the test CA unless told otherwise)."""

    def run(raw, trust_test_ca=True, timeout=TIMEOUT):
        dest = probe.validate_destinations([raw], timeout)[0]
        context = ssl_context if trust_test_ca else probe.make_ssl_context(None)
        return probe.check_destination(dest, context)

    return run
