"""Run the integration targets (tests/integration/targets) against moto and the HealthOmics emulator on 127.0.0.1.

The targets are written for real AWS, as amazon.aws's are (ansible-test integration with cloud/aws gives them
aws_access_key, aws_secret_key, security_token, aws_region and resource_prefix). Here the same targets run as roles
with those variables pointing at local stand-ins, plus aws_endpoint_url, which the targets pass to module_defaults
when it is defined. Nothing leaves 127.0.0.1.

    python tests/integration/run_local.py [target ...]     (default: every target; exit 1 if any fails)
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ROOT / "tests" / "integration" / "targets"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))


def targets():
    """The runnable targets (setup_* targets only hold what others need)."""
    return sorted(
        p.name for p in TARGETS.iterdir() if (p / "tasks" / "main.yml").exists() and "hidden" not in aliases(p.name)
    )


def aliases(name):
    path = TARGETS / name / "aliases"
    return path.read_text().split() if path.exists() else []


class LocalAws:
    """moto plus the HealthOmics emulator (which forwards every other service to moto): one endpoint for all."""

    def __enter__(self):
        import logging

        from tools.healthomics_emulator import OmicsEmulator
        from tools.moto_server import empty_moto_server

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self._stack = contextlib.ExitStack()
        # An empty account, as a test account is (moto keeps resources per process, not per server).
        self.moto_url = self._stack.enter_context(empty_moto_server())
        self.url = self._stack.enter_context(OmicsEmulator(ec2_endpoint=self.moto_url, delay=0.05)).url
        return self

    def __exit__(self, *exc):
        self._stack.close()

    def leftovers(self):
        """What a target left behind, by kind (empty when it cleaned up). Runs stay (HealthOmics keeps them), and so
        do AWS's own service-linked roles and the default VPC."""
        import boto3
        from botocore.config import Config

        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        ec2 = session.client("ec2", endpoint_url=self.moto_url)
        omics = session.client("omics", endpoint_url=self.url, config=Config(inject_host_prefix=False))
        ecr = session.client("ecr", endpoint_url=self.url)
        found = {
            "vpcs": [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")],
            "elastic_ips": [a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]],
            "nat_gateways": [
                n["NatGatewayId"]
                for n in ec2.describe_nat_gateways()["NatGateways"]
                if n["State"] not in ("deleting", "deleted")
            ],
            "vpc_endpoints": [
                e["VpcEndpointId"]
                for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
                if e["State"].lower() not in ("deleting", "deleted")
            ],
            "buckets": [b["Name"] for b in session.client("s3", endpoint_url=self.moto_url).list_buckets()["Buckets"]],
            "iam_roles": [
                r["RoleName"]
                for r in session.client("iam", endpoint_url=self.moto_url).list_roles()["Roles"]
                if not r["Path"].startswith("/aws-service-role/")
            ],
            "ssm_parameters": [
                p["Name"]
                for p in session.client("ssm", endpoint_url=self.moto_url).get_parameters_by_path(
                    Path="/agc", Recursive=True
                )["Parameters"]
            ],
            "omics_workflows": [
                w["name"] for w in omics.list_workflows().get("items", []) if w.get("status") != "DELETED"
            ],
            "omics_configurations": [
                c["name"]
                for c in omics.list_configurations().get("items", [])
                if c.get("status") not in ("DELETING", "DELETED")
            ],
            "ecr_repositories": [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]],
            "ecr_pull_through_cache_rules": [
                r["ecrRepositoryPrefix"] for r in ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"]
            ],
        }
        return {kind: names for kind, names in found.items() if names}


def run_target(name, endpoint, work_dir):
    """Run one target as a role; returns (CompletedProcess, seconds)."""
    playbook = Path(work_dir) / f"{name}.yml"
    playbook.write_text(
        json.dumps(
            [
                {
                    "name": f"Integration target {name}",
                    "hosts": "localhost",
                    "connection": "local",
                    "gather_facts": False,
                    "roles": [{"role": str(TARGETS / name)}],
                }
            ]
        )
    )
    variables = Path(work_dir) / f"{name}-vars.json"
    variables.write_text(
        json.dumps(
            {
                "aws_access_key": "testing",
                "aws_secret_key": "testing",
                "aws_region": "us-east-1",
                "aws_endpoint_url": endpoint,
                "resource_prefix": f"ansible-test-{name.replace('_', '-')}",
                # As ansible-test gives them: resource_prefix for names, tiny_prefix where names must be short.
                "tiny_prefix": hashlib.sha256(name.encode()).hexdigest()[:12],
            }
        )
    )
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"),
        ANSIBLE_FORCE_COLOR="false",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    for leaked in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ):
        env.pop(leaked, None)
    started = time.monotonic()
    completed = subprocess.run(
        [str(BIN / "ansible-playbook"), str(playbook), "-e", f"@{variables}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return completed, time.monotonic() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("targets", nargs="*", default=None, help="targets to run (default: all)")
    args = parser.parse_args(argv)
    names = args.targets or targets()
    unknown = sorted(set(names) - set(targets()))
    if unknown:
        parser.error(f"no such target(s): {', '.join(unknown)} (have: {', '.join(targets())})")
    failed = []
    with LocalAws() as aws, tempfile.TemporaryDirectory() as work_dir:
        for name in names:
            completed, seconds = run_target(name, aws.url, work_dir)
            recap = [line for line in completed.stdout.splitlines() if line.startswith("localhost ")]
            print(
                f"{'ok  ' if completed.returncode == 0 else 'FAIL'} {name:32} {seconds:6.1f} s  "
                f"{recap[-1] if recap else ''}",
                flush=True,
            )
            left = aws.leftovers()
            if completed.returncode != 0 or left:
                failed.append(name)
                print(completed.stdout[-6000:] + completed.stderr[-3000:], flush=True)
            if left:
                print(f"     {name} left behind: {left}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
