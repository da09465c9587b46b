"""``python -m tools.healthomics_emulator``: serve the HealthOmics emulator on 127.0.0.1 until killed.

It answers AWS HealthOmics and the ECR pull through cache APIs HealthOmics needs, and forwards requests signed for
any other service to moto (``--forward-endpoint``, by default ``--ec2-endpoint``)."""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys

from .backend import DEFAULT_DELAY
from .backend import DEFAULT_REGION
from .server import OmicsEmulator

# Short names for --executor.
EXECUTORS = {
    "local": "tools.healthomics_emulator.local_executor:from_options",  # LocalWdlExecutor: runs WDL for real
}


def _load_executor(spec: str, settings: argparse.Namespace):
    """A name of ``EXECUTORS`` or ``package.module:factory``; the factory gets the parsed options."""
    spec = EXECUTORS.get(spec, spec)
    module_name, _colon, attribute = spec.partition(":")
    if not attribute:
        raise SystemExit(f"--executor expects package.module:factory, got {spec!r}")
    factory = getattr(importlib.import_module(module_name), attribute)
    return factory(settings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.healthomics_emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--ec2-endpoint", help="moto server URL used to look up subnets and security groups")
    parser.add_argument("--s3-endpoint", help="moto server URL for definitionUri (default: --ec2-endpoint)")
    parser.add_argument(
        "--forward-endpoint", help="where requests signed for other services go (default: --ec2-endpoint)"
    )
    parser.add_argument(
        "--delay",
        type=float,
        default=DEFAULT_DELAY,
        help=f"seconds each status transition takes (default {DEFAULT_DELAY}; 0 is allowed)",
    )
    parser.add_argument("--region", default=DEFAULT_REGION, help="region for unsigned requests")
    parser.add_argument(
        "--executor",
        help="'local' (run WDL workflows on this machine, with HealthOmics' "
        "networking; see local_executor.py) or package.module:factory returning "
        "the run executor; the factory is called with these parsed options. "
        "Default: every run completes without doing anything",
    )
    local = parser.add_argument_group("--executor local")
    local.add_argument(
        "--run-timeout",
        type=float,
        default=3600.0,
        help="seconds a run may take before it fails with RUN_TIMED_OUT (default 3600)",
    )
    local.add_argument(
        "--connect-drop-timeout",
        type=float,
        default=3.0,
        help="the most seconds a connect blocked by the network policy waits before it times out (default 3)",
    )
    local.add_argument(
        "--subnet-placement",
        choices=("all", "first"),
        default="all",
        help="VPC runs: 'all' configured subnets must route a destination (default), or only the 'first'",
    )
    local.add_argument("--work-dir", help="parent directory of the runs' scratch directories (default: the temp dir)")
    local.add_argument("--keep-work", action="store_true", help="keep each run's scratch directory")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    options = parser.parse_args(argv)
    if options.delay < 0:
        parser.error("--delay must be >= 0")
    if options.run_timeout <= 0 or options.connect_drop_timeout <= 0:
        parser.error("--run-timeout and --connect-drop-timeout must be > 0")

    logging.basicConfig(level=logging.INFO if options.verbose else logging.WARNING)
    try:
        executor = _load_executor(options.executor, options) if options.executor else None
        emulator = OmicsEmulator(
            ec2_endpoint=options.ec2_endpoint,
            s3_endpoint=options.s3_endpoint,
            delay=options.delay,
            executor=executor,
            port=options.port,
            default_region=options.region,
            verbose=options.verbose,
            forward_endpoint=options.forward_endpoint,
        )
    except ValueError as error:  # e.g. an endpoint that is not on this machine
        parser.error(str(error))
    # SIGTERM (what test fixtures send) stops as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    url = emulator.start()
    print(f"omics emulator listening on {url}", flush=True)
    try:
        emulator.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
