"""`make bench`: what an idempotent re-run costs, in figures.

Against moto in-process (API calls counted by botocore events) and a moto server on 127.0.0.1
(a real module process, as ansible-playbook runs it): API calls by kind, wall time and peak
memory of a no-change re-run of agc_account, compared with the first activation.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tools.local_aws import free_port  # noqa: E402
from tools.local_aws import put_collection_on_path  # noqa: E402
from tools.local_aws import use_fake_aws_environment  # noqa: E402

# The collection importable as ansible_collections.genomics.aws, and fake credentials that never reach real AWS.
put_collection_on_path()
use_fake_aws_environment()

REGION = "us-east-1"


def in_process():
    from moto import mock_aws

    from tools.agc_harness import Account

    with mock_aws():
        account = Account()
        started = time.perf_counter()
        account.activate()
        first_seconds = time.perf_counter() - started
        first = Counter(account.recorder.calls)
        reruns = []
        for _rerun in range(5):
            account.recorder.reset()
            started = time.perf_counter()
            outcome = account.activate()
            reruns.append(time.perf_counter() - started)
            assert not outcome.changed
        rerun = Counter(account.recorder.calls)
    return first, first_seconds, rerun, reruns


def module_process(endpoint, args):
    """Run agc_account as Ansible does (a separate Python process reading its args from a file)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": dict(args, region=REGION, endpoint_url=endpoint)}, handle)
    env = dict(os.environ, PYTHONPATH=str(ROOT / ".build" / "collections"))
    # VmHWM, not ru_maxrss: ru_maxrss survives exec and would report this (moto-hosting) parent's peak.
    code = (
        "import runpy, sys; sys.argv=[sys.argv[0], sys.argv[1]];\n"
        "try:\n runpy.run_module('ansible_collections.genomics.aws.plugins.modules.agc_account', run_name='__main__')\n"
        "finally:\n sys.stderr.write([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]"
        ".replace('VmHWM:', 'MAXRSS=').replace('kB', '').replace(' ', '').replace('\\t', ''))\n"
    )
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", code, handle.name], check=False, env=env, capture_output=True, text=True, timeout=600
    )
    seconds = time.perf_counter() - started
    os.unlink(handle.name)
    result = json.loads(completed.stdout)
    maxrss_kib = int(next(line.split("=")[1] for line in completed.stderr.splitlines() if line.startswith("MAXRSS=")))
    return result, seconds, maxrss_kib


def out_of_process():
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        first, first_seconds, first_rss = module_process(endpoint, {})
        assert first["changed"], first
        runs = [module_process(endpoint, {}) for _run in range(3)]
        assert not any(r[0]["changed"] for r in runs)
        return first_seconds, first_rss, [r[1] for r in runs], max(r[2] for r in runs)
    finally:
        server.stop()


def main():
    first, first_seconds, rerun, reruns = in_process()
    writes = {k: v for k, v in rerun.items() if not k.startswith(("Describe", "Get", "List", "Head"))}
    print("agc_account, default managed core (moto in-process)")
    first_writes = sum(v for k, v in first.items() if not k.startswith(('Describe', 'Get', 'List', 'Head')))
    print(f"  first activation   {sum(first.values()):3d} API calls ({first_writes} writes), {first_seconds:.2f} s")
    print(
        f"  no-change re-run   {sum(rerun.values()):3d} API calls ({sum(writes.values())} writes), "
        f"median {statistics.median(reruns) * 1000:.0f} ms over {len(reruns)} runs"
    )
    print("  re-run calls       " + ", ".join(f"{name} x{count}" for name, count in sorted(rerun.items())))
    first_seconds, first_rss, runs, rss = out_of_process()
    print("agc_account as a module process against moto_server on 127.0.0.1")
    print(f"  first activation   {first_seconds:.2f} s, peak RSS {first_rss / 1024:.0f} MiB")
    print(
        f"  no-change re-run   median {statistics.median(runs):.2f} s over {len(runs)} runs, peak RSS {rss / 1024:.0f} "
        "MiB"
    )
    print(f"  (Python start-up and imports alone: {startup_seconds():.2f} s)")


def startup_seconds():
    env = dict(os.environ, PYTHONPATH=str(ROOT / ".build" / "collections"))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import ansible_collections.genomics.aws.plugins.modules.agc_account"],
        env=env,
        check=True,
        timeout=120,
    )
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
