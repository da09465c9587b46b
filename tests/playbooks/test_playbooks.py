"""The shipped playbooks, run by ansible-playbook against moto_server on 127.0.0.1."""

import pytest

from .helpers import AGC_SERVICES
from .helpers import ROOT
from .helpers import ansible_playbook
from .helpers import client
from .helpers import mermaid_block

pytestmark = pytest.mark.playbook


def test_activate_twice_then_deactivate(moto_endpoint, tmp_path):
    report_md = tmp_path / "activation-report.md"
    report = ("-e", f"activation_report={report_md}")
    _completed, first = ansible_playbook(
        ROOT / "playbooks/activate.yml", moto_endpoint, tmp_path, "-e", '{"tags": {"team": "lab"}}', *report
    )
    assert first["changed"]
    ec2 = client("ec2", moto_endpoint)
    vpc_id = first["core_infrastructure"]["vpc"]["id"]
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"] == "10.0.0.0/16"
    nat_ids = [n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] == "available"]
    assert len(nat_ids) == 3

    # The activation report: a Mermaid diagram of what exists in moto, the ids, and the cost estimate.
    text = report_md.read_text()
    diagram = mermaid_block(text)
    assert all(f"Availability Zone us-east-1{az}" in diagram for az in "abc")
    assert all(nat_id in diagram for nat_id in nat_ids)
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    assert len(endpoints) == 9 and all(e["VpcEndpointId"] in diagram for e in endpoints)
    assert all(f'("{service}<br/>' in diagram for service in AGC_SERVICES)
    assert vpc_id in diagram and "agc-123456789012-us-east-1" in diagram
    igw_id = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])[
        "InternetGateways"
    ][0]["InternetGatewayId"]
    # every private subnet routes through its own AZ's NAT gateway, every NAT gateway to the internet gateway
    for nat in ec2.describe_nat_gateways()["NatGateways"]:
        assert f"{nat['NatGatewayId'].replace('-', '_')} --> {igw_id.replace('-', '_')}" in diagram
    assert "Estimate, not a bill" in text and "**USD 262.80**" in text
    assert "would save about **USD 262.80 a month**" in text
    assert "`team=lab`" in text and "## Drift" not in text  # the core as it stands; agc_account_info reports drift

    run, second = ansible_playbook(
        ROOT / "playbooks/activate.yml", moto_endpoint, tmp_path, "-e", '{"tags": {"team": "lab"}}', *report
    )
    assert not second["changed"] and second["changes"] == []
    assert "changed=0" in run.stdout  # the report too is unchanged: it has no timestamps
    assert report_md.read_text() == text
    # An unchanged report is not written again: no module process runs for it.
    assert task_output(run.stdout, "genomics.aws.agc_activate : Write the activation report").startswith("skipping")
    # A report edited by hand is written again.
    report_md.write_text(text.replace("USD 262.80", "USD 0"))
    run, _result = ansible_playbook(
        ROOT / "playbooks/activate.yml", moto_endpoint, tmp_path, "-e", '{"tags": {"team": "lab"}}', *report
    )
    assert task_output(run.stdout, "genomics.aws.agc_activate : Write the activation report").startswith("changed")
    assert report_md.read_text() == text

    run, third = ansible_playbook(ROOT / "playbooks/deactivate.yml", moto_endpoint, tmp_path)
    assert third["changed"] and third["retained"]["bucket"]["name"] == "agc-123456789012-us-east-1"
    assert (
        ec2.describe_vpcs(Filters=[{"Name": "tag:genomics.aws:managed-by", "Values": ["genomics.aws"]}])["Vpcs"] == []
    )
    assert ec2.describe_addresses()["Addresses"] == []
    assert "agc-123456789012-us-east-1" in [b["Name"] for b in client("s3", moto_endpoint).list_buckets()["Buckets"]]
    assert "bucket agc-123456789012-us-east-1 and its objects" in run.stdout


def test_check_mode_playbook_touches_nothing(moto_endpoint, tmp_path):
    report_md = tmp_path / "activation-report.md"
    run, result = ansible_playbook(
        ROOT / "playbooks/activate.yml", moto_endpoint, tmp_path, "--check", "-e", f"activation_report={report_md}"
    )
    assert result["changed"] and any(c.startswith("create NAT gateway") for c in result["changes"])
    ec2 = client("ec2", moto_endpoint)
    assert ec2.describe_nat_gateways()["NatGateways"] == []
    assert client("s3", moto_endpoint).list_buckets()["Buckets"] == []
    assert not report_md.exists()  # check mode writes no activation report


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
    completed, _result = ansible_playbook(playbook, "unused", tmp_path, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "failed=0" in completed.stdout


def test_bad_extra_vars_fail_clearly_and_change_nothing(moto_endpoint, tmp_path):
    completed, _result = ansible_playbook(
        ROOT / "playbooks/activate.yml",
        moto_endpoint,
        tmp_path,
        "-e",
        "vpc=vpc-12345678",
        "-e",
        "use_public_subnets=true",
        check=False,
    )
    assert completed.returncode != 0
    assert "cannot be combined with vpc_id (vpc-12345678)" in completed.stdout
    assert (
        client("ec2", moto_endpoint).describe_vpcs(Filters=[{"Name": "tag:application-name", "Values": ["agc"]}])[
            "Vpcs"
        ]
        == []
    )


def task_output(stdout, task):
    """What ansible-playbook printed for the last task named `task` (the line after its TASK banner)."""
    blocks = stdout.split(f"TASK [{task}]")
    assert len(blocks) > 1, f"no task {task!r} ran"
    return blocks[-1].split("\n", 2)[1].strip()
