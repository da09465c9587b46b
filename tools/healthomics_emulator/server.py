"""HTTP front end of the omics emulator and the in-process ``OmicsEmulator`` handle."""

from __future__ import annotations

import http.client
import json
import logging
import re
import threading
import traceback
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs
from urllib.parse import urlparse

from .backend import DEFAULT_ACCOUNT_ID
from .backend import DEFAULT_DELAY
from .backend import DEFAULT_REGION
from .backend import OmicsBackend
from .backend import RequestContext
from .ecr import SIGNING_NAME as ECR_SIGNING_NAME
from .ecr import EcrPullThroughCache
from .errors import InternalServerException
from .errors import OmicsError
from .errors import ValidationException
from .executor import RunExecutor
from .model import HttpAnswer
from .model import OmicsProtocol
from .network import require_loopback

LOG = logging.getLogger(__name__)
HOST = "127.0.0.1"  # never listen beyond this machine
ADMIN_PREFIX = "/_emulator/"  # emulator controls; no omics requestUri starts with "/_"
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")
OMICS_SIGNING_NAME = "omics"
# Not forwarded either way: they describe one hop, and the forwarder sets its own framing.
_HOP_HEADERS = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "host",
    "content-length",
}


class Forwarder:
    """Sends a request signed for another service (ec2, s3, iam, sts...) on to a local moto server.

    So one ``endpoint_url`` serves every service a module uses, as with real AWS and
    ``module_defaults``. The request goes out unchanged but for its hop-by-hop headers; moto
    routes it by the same SigV4 credential scope.
    """

    def __init__(self, endpoint_url: str, timeout: float = 60.0):
        parsed = urlparse(require_loopback(endpoint_url))
        if parsed.scheme != "http":
            raise ValueError(f"forward endpoint {endpoint_url!r} must be http://")
        self.host = parsed.hostname
        self.port = parsed.port or 80
        self.timeout = timeout

    def forward(self, method: str, target: str, headers: dict[str, str], body: bytes) -> HttpAnswer:
        outgoing = {key: value for key, value in headers.items() if key.lower() not in _HOP_HEADERS}
        # The client's Host, which its SigV4 signature covers: moto checks it when its IAM enforcement is on.
        host = next((value for key, value in headers.items() if key.lower() == "host"), None)
        outgoing["Host"] = host or f"{self.host}:{self.port}"
        if body or method in ("POST", "PUT", "PATCH"):
            outgoing["Content-Length"] = str(len(body))
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, target, body=body or None, headers=outgoing)
            response = connection.getresponse()
            payload = response.read()
            # The emulator's HTTP server sets its own Server and Date headers.
            answer_headers = {
                key: value
                for key, value in response.getheaders()
                if key.lower() not in _HOP_HEADERS and key.lower() not in ("server", "date")
            }
            if method == "HEAD" and response.getheader("Content-Length") is not None:
                answer_headers["Content-Length"] = response.getheader("Content-Length")
            return HttpAnswer(response.status, answer_headers, payload)
        finally:
            connection.close()


class OmicsService:
    """Turns one HTTP request into one HTTP answer: route, validate, call the backend, serialize."""

    def __init__(
        self,
        backend: OmicsBackend,
        protocol: OmicsProtocol,
        default_region: str = DEFAULT_REGION,
        forwarder: Forwarder | None = None,
        ecr: EcrPullThroughCache | None = None,
        authorize: Callable[[dict[str, str], str], None] | None = None,
    ):
        self.backend = backend
        self.authorize = authorize
        self.protocol = protocol
        self.default_region = default_region
        self.forwarder = forwarder
        self.ecr = ecr

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> HttpAnswer:
        service = self._signing_service(headers)
        if self.ecr is not None and service == ECR_SIGNING_NAME:
            denied = self._ecr_denial(method, target, headers)
            if denied is not None:
                return denied
            # The ECR operations moto lacks (pull through cache); None leaves the request to moto.
            answer = self.ecr.handle(method, target, headers, body, self._region(headers))
            if answer is not None:
                return answer
        if self.forwarder is not None and service not in (None, OMICS_SIGNING_NAME):
            try:
                return self.forwarder.forward(method, target, headers, body)
            except OSError as error:
                return HttpAnswer(
                    502,
                    {"Content-Type": "text/plain"},
                    f"omics emulator: cannot forward the {service} request: {error}".encode(),
                )
        path, _question_mark, query_string = target.partition("?")
        query = parse_qs(query_string, keep_blank_values=True)
        try:
            if path.startswith(ADMIN_PREFIX):
                answer = self._admin(method, path[len(ADMIN_PREFIX) :], body)
            else:
                answer = self._operation(method, path, query, headers, body)
        except OmicsError as error:
            answer = self.protocol.serialize_error(error)
        except Exception:  # a bug must answer 500, not drop the connection
            LOG.error("omics emulator failed on %s %s\n%s", method, target, traceback.format_exc())
            answer = self.protocol.serialize_error(
                InternalServerException(f"The omics emulator failed: {traceback.format_exc(limit=1).strip()}")
            )
        answer.headers.setdefault("x-amzn-RequestId", str(uuid.uuid4()))
        return answer

    def _operation(self, method, path, query, headers, body) -> HttpAnswer:
        operation, labels = self.protocol.match(method, path, query)
        if not self.backend.implements(operation.name):
            raise ValidationException(
                f"The omics emulator does not implement the {operation.name} operation", http_status=501
            )
        if self.authorize is not None:
            self.authorize(headers, f"omics:{operation.name}")
        params = self.protocol.parse_request(operation, labels, query, headers, body)
        if self.authorize is not None and params.get("roleArn"):
            # HealthOmics checks that the caller may pass the run's service role to it.
            self.authorize(headers, "iam:PassRole")
        context = RequestContext(region=self._region(headers), account_id=self.backend.account_id)
        result = self.backend.call(operation.name, context, params)
        return self.protocol.serialize_response(operation, result)

    def _ecr_denial(self, method, target, headers) -> HttpAnswer | None:
        """ECR's answer when `authorize` refuses the request (moto checks the ones it answers again: harmless)."""
        operation_name = self.ecr.operation_name(method, target, headers)
        if self.authorize is None or operation_name is None:
            return None
        try:
            self.authorize(headers, f"ecr:{operation_name}")
        except OmicsError as error:
            return self.ecr.error_answer(error)
        return None

    @staticmethod
    def _credential_scope(headers: dict[str, str]):
        authorization = next((value for key, value in headers.items() if key.lower() == "authorization"), "")
        return _CREDENTIAL_SCOPE.search(authorization)

    def _region(self, headers: dict[str, str]) -> str:
        """The region the client signed for (SigV4 credential scope), as AWS routes by it."""
        match = self._credential_scope(headers)
        return match.group(1) if match else self.default_region

    def _signing_service(self, headers: dict[str, str]) -> str | None:
        """The service the client signed for; None for an unsigned request."""
        match = self._credential_scope(headers)
        return match.group(2) if match else None

    def _admin(self, method: str, action: str, body: bytes) -> HttpAnswer:
        """``GET /_emulator/health`` and ``POST /_emulator/errors`` (see ``OmicsBackend.inject_error``)."""
        if method == "GET" and action == "health":
            return HttpAnswer(200, {"Content-Type": "application/json"}, b'{"status": "ok"}')
        if method == "POST" and action == "errors":
            try:
                request = json.loads(body or b"{}")
                self.backend.inject_error(
                    request["operation"], request["code"], request.get("message"), int(request.get("count", 1))
                )
            except (ValueError, KeyError, TypeError) as error:
                raise ValidationException(f"Bad error injection request: {error!r}") from None
            return HttpAnswer(204, {}, b"")
        raise OmicsError(
            f"Unknown emulator control {method} {ADMIN_PREFIX}{action}",
            code="UnknownOperationException",
            http_status=404,
        )


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    # Send headers and body in one segment: separate small writes meet the client's delayed ACK
    # and cost ~40 ms per request.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    service: OmicsService  # set on the per-server subclass
    verbose = False

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.service.handle(self.command, self.path, dict(self.headers.items()), body)
        self.send_response(answer.status)
        for key, value in answer.headers.items():
            if key.lower() != "content-length":
                self.send_header(key, value)
        # A forwarded HEAD answer keeps the upstream's Content-Length (the size of what GET would return).
        length = answer.headers.get("Content-Length") if self.command == "HEAD" else None
        self.send_header("Content-Length", length or str(len(answer.body)))
        self.end_headers()
        if answer.body and self.command != "HEAD":
            self.wfile.write(answer.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def log_message(self, format: str, *args) -> None:
        if self.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class OmicsEmulator:
    """An omics endpoint on 127.0.0.1, in this process.

    >>> with OmicsEmulator(ec2_endpoint=moto_url, delay=0.1) as emulator:
    ...     omics = boto3.client("omics", endpoint_url=emulator.url,
    ...                          config=Config(inject_host_prefix=False), region_name="us-east-1")

    Requests signed for any other service (ec2, s3, iam, sts...) are forwarded to
    ``forward_endpoint`` (by default the ``ec2_endpoint``, a moto server answering every service),
    so a client under test can use the emulator's URL as its one ``endpoint_url``. The ECR pull
    through cache operations moto lacks are answered on the way (``ecr``, see ``ecr.py``).
    """

    def __init__(
        self,
        ec2_endpoint: str | None = None,
        *,
        s3_endpoint: str | None = None,
        delay: float = DEFAULT_DELAY,
        executor: RunExecutor | None = None,
        port: int = 0,
        account_id: str = DEFAULT_ACCOUNT_ID,
        default_region: str = DEFAULT_REGION,
        verbose: bool = False,
        forward_endpoint: str | None = None,
        authorize: Callable[[dict[str, str], str], None] | None = None,
    ):
        self.protocol = OmicsProtocol()
        self.backend = OmicsBackend(
            ec2_endpoint=ec2_endpoint,
            s3_endpoint=s3_endpoint,
            delay=delay,
            executor=executor,
            account_id=account_id,
            service_model=self.protocol.service_model,
        )
        forward_to = forward_endpoint or ec2_endpoint
        self.forward_endpoint = forward_to
        forwarder = Forwarder(forward_to) if forward_to else None
        # ECR pull through cache on top of moto's ECR (see ecr.py); its repositories live in moto.
        self.ecr = EcrPullThroughCache(forwarder, account_id=account_id) if forwarder else None
        # ``authorize(headers, action)`` raises AccessDeniedException to refuse a HealthOmics or ECR request: IAM
        # for the emulator's own services (tests/iam/ asks moto's IAM); None allows everything, as before.
        self.service = OmicsService(self.backend, self.protocol, default_region, forwarder, self.ecr, authorize)
        self._port = port
        self._verbose = verbose
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return f"http://{HOST}:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else self._port

    def start(self) -> str:
        """Listen (on a free port unless one was given) and return the endpoint URL."""
        if self._server is not None:
            return self.url
        handler = type("OmicsRequestHandler", (_RequestHandler,), {"service": self.service, "verbose": self._verbose})
        self._server = _Server((HOST, self._port), handler)
        # A short poll interval makes stop() quick; idle polling costs next to nothing.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="omics-emulator", daemon=True
        )
        self._thread.start()
        return self.url

    def serve_forever(self) -> None:
        """Listen in the calling thread until interrupted (used by ``python -m``)."""
        self.start()
        self._thread.join()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = self._thread = None
        self.backend.shutdown()

    def inject_error(self, operation_name: str, code: str, message: str | None = None, count: int = 1) -> None:
        self.backend.inject_error(operation_name, code, message, count)

    def __enter__(self) -> "OmicsEmulator":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
