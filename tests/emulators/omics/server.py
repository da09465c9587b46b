"""HTTP front end of the omics emulator and the in-process ``OmicsEmulator`` handle."""

from __future__ import annotations

import json
import logging
import re
import threading
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from .backend import DEFAULT_ACCOUNT_ID, DEFAULT_DELAY, DEFAULT_REGION, OmicsBackend, RequestContext
from .errors import InternalServerException, OmicsError, ValidationException
from .executor import RunExecutor
from .model import HttpAnswer, OmicsProtocol

LOG = logging.getLogger(__name__)
HOST = "127.0.0.1"  # never listen beyond this machine
ADMIN_PREFIX = "/_emulator/"  # emulator controls; no omics requestUri starts with "/_"
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([a-z0-9-]+)/")


class OmicsService:
    """Turns one HTTP request into one HTTP answer: route, validate, call the backend, serialize."""

    def __init__(self, backend: OmicsBackend, protocol: OmicsProtocol, default_region: str = DEFAULT_REGION):
        self.backend = backend
        self.protocol = protocol
        self.default_region = default_region

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> HttpAnswer:
        path, _, query_string = target.partition("?")
        query = parse_qs(query_string, keep_blank_values=True)
        try:
            if path.startswith(ADMIN_PREFIX):
                answer = self._admin(method, path[len(ADMIN_PREFIX):], body)
            else:
                answer = self._operation(method, path, query, headers, body)
        except OmicsError as error:
            answer = self.protocol.serialize_error(error)
        except Exception:  # a bug must answer 500, not drop the connection
            LOG.error("omics emulator failed on %s %s\n%s", method, target, traceback.format_exc())
            answer = self.protocol.serialize_error(
                InternalServerException(f"The omics emulator failed: {traceback.format_exc(limit=1).strip()}"))
        answer.headers.setdefault("x-amzn-RequestId", str(uuid.uuid4()))
        return answer

    def _operation(self, method, path, query, headers, body) -> HttpAnswer:
        operation, labels = self.protocol.match(method, path, query)
        if not self.backend.implements(operation.name):
            raise ValidationException(f"The omics emulator does not implement the {operation.name} operation",
                                      http_status=501)
        params = self.protocol.parse_request(operation, labels, query, headers, body)
        context = RequestContext(region=self._region(headers), account_id=self.backend.account_id)
        result = self.backend.call(operation.name, context, params)
        return self.protocol.serialize_response(operation, result)

    def _region(self, headers: dict[str, str]) -> str:
        """The region the client signed for (SigV4 credential scope), as AWS routes by it."""
        authorization = next((value for key, value in headers.items() if key.lower() == "authorization"), "")
        match = _CREDENTIAL_SCOPE.search(authorization)
        return match.group(1) if match else self.default_region

    def _admin(self, method: str, action: str, body: bytes) -> HttpAnswer:
        """``GET /_emulator/health`` and ``POST /_emulator/errors`` (see ``OmicsBackend.inject_error``)."""
        if method == "GET" and action == "health":
            return HttpAnswer(200, {"Content-Type": "application/json"}, b'{"status": "ok"}')
        if method == "POST" and action == "errors":
            try:
                request = json.loads(body or b"{}")
                self.backend.inject_error(request["operation"], request["code"], request.get("message"),
                                          int(request.get("count", 1)))
            except (ValueError, KeyError, TypeError) as error:
                raise ValidationException(f"Bad error injection request: {error!r}") from None
            return HttpAnswer(204, {}, b"")
        raise OmicsError(f"Unknown emulator control {method} {ADMIN_PREFIX}{action}",
                         code="UnknownOperationException", http_status=404)


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
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.body)))
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
    """

    def __init__(self, ec2_endpoint: str | None = None, *, s3_endpoint: str | None = None,
                 delay: float = DEFAULT_DELAY, executor: RunExecutor | None = None, port: int = 0,
                 account_id: str = DEFAULT_ACCOUNT_ID, default_region: str = DEFAULT_REGION,
                 verbose: bool = False):
        self.protocol = OmicsProtocol()
        self.backend = OmicsBackend(ec2_endpoint=ec2_endpoint, s3_endpoint=s3_endpoint, delay=delay,
                                    executor=executor, account_id=account_id,
                                    service_model=self.protocol.service_model)
        self.service = OmicsService(self.backend, self.protocol, default_region)
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
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="omics-emulator", daemon=True)
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
