"""moto servers on 127.0.0.1 for the tests, the demo and the integration runner."""

import contextlib
import urllib.request

from moto.server import ThreadedMotoServer


def reset_moto(url):
    """Empty moto's account: every resource of every service goes."""
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30).read()


@contextlib.contextmanager
def empty_moto_server():
    """A moto server on a free port of 127.0.0.1, yielding its URL, whose account starts empty.

    moto keeps resources per process, not per server: a server started in a pytest worker that has run other test
    files would otherwise find what they left (Elastic IPs that count against the quota, VPCs, buckets)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        reset_moto(url)
        yield url
    finally:
        server.stop()
