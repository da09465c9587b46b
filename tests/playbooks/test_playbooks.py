"""The shipped playbooks, run by ansible-playbook against moto_server on 127.0.0.1."""

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.playbook


def ansible_playbook(playbook, endpoint, tmp_path, *args, check=True):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"), ANSIBLE_FORCE_COLOR="false")
    report = tmp_path / f"{Path(playbook).stem}-{len(list(tmp_path.iterdir()))}.json"
    command = [str(BIN / "ansible-playbook"), str(playbook), "-e", f"aws_endpoint_url={endpoint}", "-e", "aws_region=us-east-1", "-e", f"report_file={report}", *args]
    completed = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if check:
        assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    result = json.loads(report.read_text()) if report.exists() else None
    return completed, result


def client(service, endpoint):
    return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint)


def test_activate_twice_then_deactivate(moto_endpoint, tmp_path):
    _, first = ansible_playbook(ROOT / "playbooks/activate.yml", moto_endpoint, tmp_path, "-e", '{"tags": {"team": "lab"}}')
    assert first["changed"]
    ec2 = client("ec2", moto_endpoint)
    vpc_id = first["core_infrastructure"]["vpc"]["id"]
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"] == "10.0.0.0/16"
    assert len([n for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] == "available"]) == 3

    run, second = ansible_playbook(ROOT / "playbooks/activate.yml", moto_endpoint, tmp_path, "-e", '{"tags": {"team": "lab"}}')
    assert not second["changed"] and second["changes"] == []
    assert "changed=0" in run.stdout

    run, third = ansible_playbook(ROOT / "playbooks/deactivate.yml", moto_endpoint, tmp_path)
    assert third["changed"] and third["retained"]["bucket"]["name"] == "agc-123456789012-us-east-1"
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:agc:managed-by", "Values": ["genomics.aws"]}])["Vpcs"] == []
    assert ec2.describe_addresses()["Addresses"] == []
    assert "agc-123456789012-us-east-1" in [b["Name"] for b in client("s3", moto_endpoint).list_buckets()["Buckets"]]


def test_check_mode_playbook_touches_nothing(moto_endpoint, tmp_path):
    run, result = ansible_playbook(ROOT / "playbooks/activate.yml", moto_endpoint, tmp_path, "--check")
    assert result["changed"] and any(c.startswith("create NAT gateway") for c in result["changes"])
    ec2 = client("ec2", moto_endpoint)
    assert ec2.describe_nat_gateways()["NatGateways"] == []
    assert client("s3", moto_endpoint).list_buckets()["Buckets"] == []


def test_one_module_defaults_group_feeds_our_modules_and_amazon_aws(moto_endpoint, tmp_path):
    playbook = tmp_path / "group.yml"
    playbook.write_text(
        f"""
- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/genomics.aws.aws:
      region: us-east-1
      endpoint_url: {moto_endpoint}
  tasks:
    - genomics.aws.agc_account:
        use_public_subnets: true
      register: activation
    - amazon.aws.ec2_vpc_net_info:
        vpc_ids: ["{{{{ activation.core_infrastructure.vpc.id }}}}"]
      register: found
    - ansible.builtin.assert:
        that:
          - found.vpcs | length == 1
          - found.vpcs[0].tags['application-name'] == 'agc'
"""
    )
    completed, _ = ansible_playbook(playbook, "unused", tmp_path, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "failed=0" in completed.stdout


def test_bad_extra_vars_fail_clearly_and_change_nothing(moto_endpoint, tmp_path):
    completed, _ = ansible_playbook(
        ROOT / "playbooks/activate.yml", moto_endpoint, tmp_path, "-e", "vpc=vpc-12345678", "-e", "use_public_subnets=true", check=False
    )
    assert completed.returncode != 0
    assert "cannot be combined with vpc_id (vpc-12345678)" in completed.stdout
    assert client("ec2", moto_endpoint).describe_vpcs(Filters=[{"Name": "tag:application-name", "Values": ["agc"]}])["Vpcs"] == []
