"""genomics.aws.activate and genomics.aws.connectivity_test run through ansible-runner, as AWX/AAP run a job: a
private data dir with the credentials in env/envvars and the survey's answers in env/extravars, the playbook by its
FQCN (the collection installed: here the .build symlink of make test), against moto and the HealthOmics emulator on
127.0.0.1. The job events, the artifacts, the set_stats data AWX shows, and the reports kept in the job's artifact
directory are checked.

Both run in make test (the connectivity test is a real WDL run of the probe); `make test-awx` runs this file alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import ansible_runner
import boto3
import pytest
import yaml
from botocore.config import Config

from tools import loopback_servers as servers
from tools.customer_vpc import create_customer_vpc
from tools.healthomics_emulator import OmicsEmulator
from tools.healthomics_emulator.local_executor import LocalWdlExecutor
from tools.moto_server import empty_moto_server

from .helpers import BIN
from .helpers import ROOT

pytestmark = pytest.mark.playbook

REGION = "us-east-1"
BUCKET = "awx-connectivity-results"  # no bucket policy: moto ignores a Deny's Conditions (SPEC section 6)
SESSION = boto3.session.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """moto + the emulator (running WDL tasks here), one endpoint URL for both, as in the other playbook tests."""
    with empty_moto_server() as moto_url:
        executor = LocalWdlExecutor(
            moto_url, run_timeout=60, drop_timeout=1.0, work_dir=tmp_path_factory.mktemp("runs")
        )
        with OmicsEmulator(ec2_endpoint=moto_url, delay=0.02, executor=executor) as emulator:
            yield {"url": emulator.url, "moto": moto_url}


def private_data_dir(root: Path, endpoint: str, extravars: dict) -> Path:
    """What AWX writes for a job: env/envvars (the AWS credential's environment), env/extravars (the survey)."""
    (root / "env").mkdir(parents=True)
    (root / "project").mkdir()
    envvars = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".build" / "collections"),
        "PATH": f"{BIN}:/usr/bin:/bin",
    }
    (root / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    (root / "env" / "extravars").write_text(yaml.safe_dump(dict(extravars, aws_endpoint_url=endpoint)))
    return root


def run_job(root: Path, playbook: str):
    runner = ansible_runner.run(private_data_dir=str(root), playbook=playbook, quiet=True, ident="job")
    events = list(runner.events)
    output = runner.stdout.read()
    return runner, events, output


def stats_of(events):
    [stats] = [e for e in events if e["event"] == "playbook_on_stats"]
    return stats["event_data"]


def test_activate_through_ansible_runner(stack, tmp_path):
    root = private_data_dir(
        tmp_path / "activate",
        stack["url"],
        # AWX passes survey answers as strings; a blank optional question as an empty string.
        {"aws_region": REGION, "use_public_subnets": "true", "bucket": "", "wait_timeout": 600, "poll_interval": 1},
    )
    runner, events, output = run_job(root, "genomics.aws.activate")
    assert (runner.status, runner.rc) == ("successful", 0), output[-4000:]

    artifacts = root / "artifacts" / "job"
    assert (artifacts / "rc").read_text() == "0" and (artifacts / "status").read_text() == "successful"
    assert sorted(artifacts.joinpath("job_events").glob("*.json")), "no job events written"
    assert "Activate the region" in (artifacts / "stdout").read_text()
    # The agc_account tasks' events carry their results, as AWX shows them: the plan, then the activation it planned.
    plan, account = [
        e
        for e in events
        if e["event"] == "runner_on_ok" and e["event_data"]["task_action"] == "genomics.aws.agc_account"
    ]
    assert plan["event_data"]["res"]["changes"] == account["event_data"]["res"]["changes"]
    core = account["event_data"]["res"]["core_infrastructure"]
    assert core["vpc"]["managed"] and core["region"] == REGION
    vpc = SESSION.client("ec2", endpoint_url=stack["moto"]).describe_vpcs(VpcIds=[core["vpc"]["id"]])["Vpcs"]
    assert len(vpc) == 1
    stats = stats_of(events)
    assert stats["failures"] == {} and stats["changed"]

    # The report is kept in the job's artifact directory and published with set_stats.
    [report_file] = artifacts.glob("activation-report-*.md")
    assert report_file.name == f"activation-report-123456789012-{REGION}.md"
    published = stats["artifact_data"]["agc_activation_report"]
    assert published["path"] == str(report_file) and published["markdown"] == report_file.read_text().rstrip("\n")
    assert "```mermaid" in published["markdown"]


def test_connectivity_test_through_ansible_runner(stack, tmp_path):
    moto, emulator = stack["moto"], stack["url"]
    SESSION.client("s3", endpoint_url=moto).create_bucket(Bucket=BUCKET)
    subnets = create_customer_vpc(moto, cidr_prefix="10.70", azs=2, nat_gateways=1)["private_subnets"]
    license_server = servers.start(servers.SilentHandler)
    try:
        ec2 = SESSION.client("ec2", endpoint_url=moto)
        vpc_id = ec2.describe_subnets(SubnetIds=subnets[:1])["Subnets"][0]["VpcId"]
        group = ec2.create_security_group(GroupName="awx-runs", Description="runs", VpcId=vpc_id)["GroupId"]
        ec2.revoke_security_group_egress(
            GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        )
        port = license_server.server_address[1]
        ec2.authorize_security_group_egress(
            GroupId=group,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "127.0.0.1/32"}]}
            ],
        )
        omics = SESSION.client("omics", endpoint_url=emulator, config=Config(inject_host_prefix=False))
        omics.create_configuration(
            name="awx-vpc",
            runConfigurations={"vpcConfig": {"subnetIds": subnets, "securityGroupIds": [group]}},
            requestId="awx-vpc",
        )
        destinations = [{"name": "license", "kind": "tcp", "host": "127.0.0.1", "port": port}]
        root = private_data_dir(
            tmp_path / "connectivity",
            emulator,
            {
                "aws_region": REGION,
                "configuration": "awx-vpc",
                "output_uri": f"s3://{BUCKET}/awx/",
                "destinations": json.dumps(destinations),  # a survey textarea: JSON text
                "timeout_seconds": 3,
                "wait_timeout": 120,
                "poll_interval": 1,
            },
        )
        runner, events, output = run_job(root, "genomics.aws.connectivity_test")
    finally:
        license_server.stop()
    assert (runner.status, runner.rc) == ("successful", 0), output[-4000:]
    assert "1 of 1 destinations reachable from configuration awx-vpc" in output

    artifacts = root / "artifacts" / "job"
    kept = artifacts / "connectivity-test"
    report = json.loads((kept / "connectivity-report.json").read_text())
    assert report["summary"] == {"total": 1, "ok": 1, "failed": 0}
    assert (kept / "connectivity-report.xml").is_file() and (kept / "connectivity-report.md").is_file()
    published = stats_of(events)["artifact_data"]["connectivity_test"]
    assert published["report"]["summary"] == report["summary"] and published["unreachable"] == []
    assert published["files"]["json"] == str(kept / "connectivity-report.json")
    runs = [
        e for e in events if e["event"] == "runner_on_ok" and e["event_data"]["task_action"] == "genomics.aws.omics_run"
    ]
    assert runs and runs[-1]["event_data"]["res"]["run"]["networking_mode"] == "VPC"
