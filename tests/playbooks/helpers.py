"""Running the shipped playbooks with ansible-playbook against moto_server, and reading the moto account."""

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ACCOUNT = "123456789012"  # moto's default account
AGC_SERVICES = {"s3", "dynamodb", "ecr.api", "ecr.dkr", "ecs", "ecs-agent", "ecs-telemetry", "logs", "ec2"}


def ansible_playbook(playbook, endpoint, tmp_path, *args, check=True, env=None):
    """Run a playbook against moto; returns (CompletedProcess, the JSON written to report_file or None)."""
    environment = dict(
        os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"), ANSIBLE_FORCE_COLOR="false"
    )
    environment.update(env or {})
    report = tmp_path / f"{Path(playbook).stem}-{len(list(tmp_path.iterdir()))}.json"
    command = [
        str(BIN / "ansible-playbook"),
        str(playbook),
        "-e",
        f"aws_endpoint_url={endpoint}",
        "-e",
        "aws_region=us-east-1",
        "-e",
        f"report_file={report}",
        "-e",
        "poll_interval=1",
        *args,
    ]
    completed = subprocess.run(
        command, check=False, env=environment, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if check:
        assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    result = json.loads(report.read_text()) if report.exists() else None
    return completed, result


def client(service, endpoint, region="us-east-1", **credentials):
    return boto3.client(service, region_name=region, endpoint_url=endpoint, **credentials)


def managed_vpcs(endpoint, region="us-east-1", **credentials):
    ec2 = client("ec2", endpoint, region, **credentials)
    return ec2.describe_vpcs(Filters=[{"Name": "tag:genomics.aws:managed-by", "Values": ["genomics.aws"]}])["Vpcs"]


def assert_account_untouched(endpoint, region="us-east-1"):
    """Nothing of AGC's exists: no tagged resource, no bucket, no Elastic IP, no state store."""
    ec2 = client("ec2", endpoint, region)
    tagged = [{"Name": "tag:application-name", "Values": ["agc"]}]
    assert ec2.describe_vpcs(Filters=tagged)["Vpcs"] == []
    assert ec2.describe_subnets(Filters=tagged)["Subnets"] == []
    assert ec2.describe_nat_gateways()["NatGateways"] == []
    assert ec2.describe_addresses()["Addresses"] == []
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == []
    assert client("s3", endpoint, region).list_buckets()["Buckets"] == []
    assert client("ssm", endpoint, region).get_parameters_by_path(Path="/agc", Recursive=True)["Parameters"] == []


def mermaid_block(report_text):
    """The Mermaid diagram of an activation report."""
    assert "```mermaid\nflowchart" in report_text, report_text[:2000]
    return report_text.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
