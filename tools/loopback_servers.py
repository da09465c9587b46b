"""Real servers on 127.0.0.1, and a private CA for them: the outside world of the connectivity probe's
tests, of the connectivity-test playbook tests and of `make demo`.

Every server binds 127.0.0.1 and an ephemeral port; nothing here opens a connection anywhere
else. An FTP server advertises 127.0.0.2 in its PASV replies (still loopback) to show that the
probe connects to the control connection's address, as FTP clients behind NAT must.
"""

from __future__ import annotations

import datetime
import http.server
import socket
import socketserver
import ssl
import threading
import time
from pathlib import Path

LOOPBACK = "127.0.0.1"


# ---------------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------------


class Pki:
    """A private CA and server certificates (good, expired, for another host) as PEM files."""

    def __init__(self, directory: Path):
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc)
        day = datetime.timedelta(days=1)

        def name(common_name):
            return x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "genomics.aws tests"),
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                ]
            )

        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = name("genomics.aws test CA")
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - day)
            .not_valid_after(now + 30 * day)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_pem = directory / "ca.pem"
        self.ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))

        def leaf(label, common_name, sans, not_before, not_after):
            key = ec.generate_private_key(ec.SECP256R1())
            cert = (
                x509.CertificateBuilder()
                .subject_name(name(common_name))
                .issuer_name(ca_name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(not_before)
                .not_valid_after(not_after)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.SubjectAlternativeName(sans), critical=False)
                .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
                .sign(ca_key, hashes.SHA256())
            )
            cert_path = directory / ("%s.pem" % label)
            key_path = directory / ("%s.key" % label)
            cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            key_path.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
            return cert_path, key_path

        loopback = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
        self.good = leaf("good", "localhost", loopback, now - day, now + 7 * day)
        self.expired = leaf("expired", "localhost", loopback, now - 10 * day, now - day)
        self.other_host = leaf("other", "other.example", [x509.DNSName("other.example")], now - day, now + 7 * day)

    def server_context(self, which="good", sni_log=None):
        cert, key = getattr(self, which)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(key))
        if sni_log is not None:

            def remember(_sock, server_name, _context):
                sni_log.append(server_name)

            context.sni_callback = remember
        return context


# ---------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------


class LoopbackServer(socketserver.ThreadingTCPServer):
    """A threaded TCP server on 127.0.0.1; TLS (when given a context) is set up per connection."""

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, handler, ssl_context=None, **options):
        self.ssl_context = ssl_context
        self.options = options
        super().__init__((LOOPBACK, 0), handler)
        self.port = self.server_address[1]
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()

    def finish_request(self, request, client_address):
        if self.ssl_context is not None:
            request.settimeout(5)
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return  # the client gave up on the handshake: that is what some tests want
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass  # clients hang up on purpose here


def _drain(sock, limit=30.0):
    """Read until the client closes (or ``limit`` seconds pass), never answering."""
    sock.settimeout(limit)
    try:
        while sock.recv(4096):
            pass
    except OSError:
        pass


class SilentHandler(socketserver.BaseRequestHandler):
    """Accepts, then says nothing: a hung service (or a license server, for a plain TCP check)."""

    def handle(self):
        _drain(self.request)


class SshBannerHandler(socketserver.BaseRequestHandler):
    """Sends an SSH identification string, after a pre-banner line as RFC 4253 allows."""

    def handle(self):
        self.request.sendall(
            self.server.options.get("banner", b"Authorized use only\r\nSSH-2.0-OpenSSH_9.6 probe-test\r\n")
        )
        _drain(self.request, 5)


class NotSshHandler(socketserver.BaseRequestHandler):
    """Something else on the SSH port: greets like an FTP server and hangs up."""

    def handle(self):
        self.request.sendall(b"220 this is not ssh\r\n")


class HttpHandler(http.server.BaseHTTPRequestHandler):
    """Answers by path; the root answers like an AWS endpoint to an unsigned request."""

    protocol_version = "HTTP/1.1"
    ROUTES = {
        "/ok": (200, {}, b"ok\n"),
        "/redirect": (302, {"Location": "/ok"}, b""),
        "/missing": (404, {}, b"not found\n"),
        "/forbidden": (403, {}, b"forbidden\n"),
        "/unauthorized": (401, {"WWW-Authenticate": 'Basic realm="test"'}, b"unauthorized\n"),
        "/error": (503, {}, b"unavailable\n"),
        "/": (403, {"Content-Type": "application/xml"}, b"<Error><Code>MissingAuthenticationToken</Code></Error>\n"),
        # S3, HEAD /<bucket> unsigned: 403 when it exists, 404 when not, 301 when in another Region.
        "/existing-bucket": (403, {"x-amz-bucket-region": "eu-west-1"}, b""),
        "/no-such-bucket": (404, {}, b""),
        "/bucket-elsewhere": (301, {"x-amz-bucket-region": "us-west-2"}, b""),
    }

    def _answer(self, body_allowed):
        self.server.requests.append((self.command, self.path, self.headers.get("Host"), self.headers.get("User-Agent")))
        status, headers, body = self.ROUTES.get(self.path, (404, {}, b"not found\n"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if body_allowed:
            self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self._answer(True)

    def do_HEAD(self):  # noqa: N802
        self._answer(False)

    def log_message(self, *args):
        pass


class FtpHandler(socketserver.StreamRequestHandler):
    """A small FTP server: login, AUTH TLS, PASV/EPSV with a configurable data port.

    Options: ``passive``: "open" (a real data listener), "closed" (a port nobody listens on),
    or an int (that port, e.g. a listener whose backlog is full); ``passive_ports`` (low, high): where
    "open" data listeners bind, as a server behind a firewall is configured; ``epsv_only``; ``auth_tls``
    (explicit FTPS; needs ``tls_context``); ``users`` {name: password or None for any}.
    """

    timeout = 10

    def setup(self):
        super().setup()
        self.logged_in = False
        self.user = None

    def reply(self, text):
        self.wfile.write((text + "\r\n").encode("latin-1"))
        self.wfile.flush()

    def handle(self):
        options = self.server.options
        self.reply("220-genomics.aws test FTP server\r\n220 ready")
        while True:
            try:
                line = self.rfile.readline(1024)
            except OSError:
                return
            if not line:
                return
            verb, _space, argument = line.decode("latin-1").strip().partition(" ")
            verb = verb.upper()
            self.server.commands.append(verb)
            if verb == "QUIT":
                self.reply("221 bye")
                return
            if verb == "AUTH" and argument.upper() == "TLS" and options.get("auth_tls"):
                self.reply("234 proceed with TLS")
                self.request = options["tls_context"].wrap_socket(self.request, server_side=True)
                self.rfile = self.request.makefile("rb")
                self.wfile = self.request.makefile("wb")
                continue
            if verb == "USER":
                self.user = argument
                self.reply("331 password please")
            elif verb == "PASS":
                users = options.get("users", {"anonymous": None})
                if self.user in users and users[self.user] in (None, argument):
                    self.logged_in = True
                    self.reply("230 logged in")
                else:
                    self.reply("530 login incorrect")
            elif verb in ("PASV", "EPSV"):
                if not self.logged_in:
                    self.reply("530 please login with USER and PASS")
                elif verb == "PASV" and options.get("epsv_only"):
                    self.reply("502 PASV not implemented, use EPSV")
                else:
                    port = self.data_port()
                    if verb == "PASV":
                        self.reply("227 Entering Passive Mode (127,0,0,2,%d,%d)." % (port // 256, port % 256))
                    else:
                        self.reply("229 Entering Extended Passive Mode (|||%d|)" % port)
            else:
                self.reply("502 %s not implemented" % verb)

    def data_port(self):
        passive = self.server.options.get("passive", "open")
        if isinstance(passive, int):
            return passive
        if passive == "closed":
            return closed_port()
        listener = _bind_listener(self.server.options.get("passive_ports"))
        listener.settimeout(5)

        def accept_once():
            try:
                conn, _address = listener.accept()
                self.server.data_connections.append(time.monotonic())
                conn.close()
            except OSError:
                pass
            finally:
                listener.close()

        threading.Thread(target=accept_once, daemon=True).start()
        return listener.getsockname()[1]


def _bind_listener(port_range=None):
    """A listening socket on 127.0.0.1: on an ephemeral port, or on the first free port of ``port_range``."""
    candidates = range(port_range[0], port_range[1] + 1) if port_range else [0]
    for port in candidates:
        listener = socket.socket()
        try:
            listener.bind((LOOPBACK, port))
        except OSError:
            listener.close()
            continue
        listener.listen(1)
        return listener
    raise OSError(f"no free port in {port_range[0]}-{port_range[1]} on {LOOPBACK}")


def free_port_range(size, low=20000, high=32000):
    """``size`` consecutive ports free on 127.0.0.1, below Linux's ephemeral range (so that outgoing
    connections do not take them meanwhile): an FTP server's passive range."""
    for first in range(low, high - size, size):
        if all(_is_free(port) for port in range(first, first + size)):
            return first, first + size - 1
    raise OSError(f"no {size} consecutive free ports between {low} and {high}")


def _is_free(port):
    with socket.socket() as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def start(handler, ssl_context=None, **options):
    server = LoopbackServer(handler, ssl_context, **options)
    server.requests = []
    server.commands = []
    server.data_connections = []
    return server.start()


def closed_port():
    """A loopback port on which nothing listens (connecting to it is refused)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


class Blackhole:
    """A loopback port whose connects time out: a listener with a full accept queue.

    Linux drops a SYN when the listener's accept queue is full, so the client keeps retrying
    until its own timeout: the same symptom as a security group or network ACL dropping the
    traffic, without any packet leaving the machine.
    """

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen(0)
        self.port = self.listener.getsockname()[1]
        self.held = []
        for _client_index in range(64):
            client = socket.socket()
            client.settimeout(0.3)
            try:
                client.connect((LOOPBACK, self.port))
            except OSError:
                client.close()
                self.works = True
                break
            self.held.append(client)
        else:
            self.works = False

    def close(self):
        for sock in self.held:
            sock.close()
        self.listener.close()


class DestinationSite:
    """What VPC-connected runs reach in the demo and the end-to-end tests, all on 127.0.0.1: an HTTPS server
    with its own CA, a TCP "license server", an FTP server with a passive port range and an SSH server (its
    banner). ``destinations()`` declares them in the probe's schema, the list both roles take."""

    def __init__(self, pki_directory: Path, passive_range_size=10):
        self.pki = Pki(pki_directory)
        self.https = start(HttpHandler, self.pki.server_context())
        self.license_server = start(SilentHandler)
        self.passive_ports = free_port_range(passive_range_size)
        self.ftp = start(FtpHandler, passive_ports=self.passive_ports)
        self.ssh = start(SshBannerHandler)

    def destinations(self):
        return [
            {
                "name": "results-portal",
                "kind": "https",
                "url": f"https://{LOOPBACK}:{self.https.port}/ok",
                "description": "HTTPS with a private CA",
            },
            {
                "name": "sentieon-license",
                "kind": "tcp",
                "host": LOOPBACK,
                "port": self.license_server.port,
                "description": "license server",
            },
            {
                "name": "reference-ftp",
                "kind": "ftp",
                "host": LOOPBACK,
                "port": self.ftp.port,
                "passive_ports": list(self.passive_ports),
                "description": "public dataset over FTP",
            },
            {
                "name": "partner-sftp",
                "kind": "sftp",
                "host": LOOPBACK,
                "port": self.ssh.port,
                "description": "partner's SFTP server",
            },
        ]

    def stop(self):
        for server in (self.https, self.license_server, self.ftp, self.ssh):
            server.stop()
