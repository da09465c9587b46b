"""The roles and the playbooks built on them (endpoints audit, several regions and accounts), against moto_server."""

import json

import pytest

from tools.customer_vpc import create_customer_vpc

from .helpers import ACCOUNT
from .helpers import AGC_SERVICES
from .helpers import ROOT
from .helpers import ansible_playbook
from .helpers import assert_account_untouched
from .helpers import client
from .helpers import managed_vpcs
from .helpers import mermaid_block

pytestmark = pytest.mark.playbook

BAD_ROLE_VARIABLES = """
- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/genomics.aws.aws:
      region: us-east-1
      endpoint_url: {endpoint}
  vars:
    failures: []
  tasks:
    - name: Activate with variables of the wrong type
      block:
        - ansible.builtin.include_role:
            name: genomics.aws.agc_activate
          vars:
            agc_activate_use_public_subnets: maybe
            agc_activate_tags: x
            agc_activate_wait_timeout: soon
      rescue:
        - ansible.builtin.set_fact:
            failures: "{{{{ failures + [{{'task': ansible_failed_task.name, 'msg': ansible_failed_result.msg}}] }}}}"
    - name: Activate with a number for subnets
      block:
        - ansible.builtin.include_role:
            name: genomics.aws.agc_activate
          vars:
            agc_activate_vpc_id: vpc-0123456789abcdef0
            agc_activate_subnets: 42
      rescue:
        - ansible.builtin.set_fact:
            failures: "{{{{ failures + [{{'task': ansible_failed_task.name, 'msg': ansible_failed_result.msg}}] }}}}"
    - name: Deactivate with a bad force
      block:
        - ansible.builtin.include_role:
            name: genomics.aws.agc_deactivate
          vars:
            agc_deactivate_force: maybe
      rescue:
        - ansible.builtin.set_fact:
            failures: "{{{{ failures + [{{'task': ansible_failed_task.name, 'msg': ansible_failed_result.msg}}] }}}}"
    - ansible.builtin.copy:
        content: "{{{{ failures | to_json }}}}"
        dest: {out}
        mode: "0644"
"""


def test_bad_role_variables_fail_before_anything_is_created(moto_endpoint, tmp_path):
    out = tmp_path / "failures.json"
    playbook = tmp_path / "bad_role_variables.yml"
    playbook.write_text(BAD_ROLE_VARIABLES.format(endpoint=moto_endpoint, out=out))
    completed, _result = ansible_playbook(playbook, moto_endpoint, tmp_path)
    assert "rescued=3" in completed.stdout
    wrong_types, subnets, force = json.loads(out.read_text())
    # the argument specification stops the role at its first task, naming each bad variable
    assert wrong_types["task"].startswith("Validating arguments against arg spec 'main'")
    for name in ("agc_activate_use_public_subnets", "agc_activate_tags", "agc_activate_wait_timeout"):
        assert f"argument '{name}'" in wrong_types["msg"]
    # Ansible's list type would accept 42 as ["42"]: the role's first check refuses it
    assert subnets["task"] == "Check that agc_activate_subnets is a list of subnet ids or a comma-separated string"
    assert "agc_activate_subnets must be" in subnets["msg"] and "not 42 (int)" in subnets["msg"]
    assert (
        force["task"].startswith("Validating arguments against arg spec 'main'")
        and "argument 'agc_deactivate_force'" in force["msg"]
    )

    # The playbook passes its extra vars to the role unconverted, so the same validation applies there.
    completed, result = ansible_playbook(
        ROOT / "playbooks/activate.yml",
        moto_endpoint,
        tmp_path,
        "-e",
        "use_public_subnets=maybe",
        "-e",
        '{"tags": "x"}',
        check=False,
    )
    assert completed.returncode != 0 and result is None
    assert "Validation of arguments failed" in completed.stdout
    assert (
        "argument 'agc_activate_use_public_subnets'" in completed.stdout
        and "argument 'agc_activate_tags'" in completed.stdout
    )
    assert_account_untouched(moto_endpoint)


def test_endpoints_audit_ensure_and_customer_vpc_activation_report(moto_endpoint, tmp_path):
    vpc = create_customer_vpc(moto_endpoint)
    ec2 = client("ec2", moto_endpoint)

    def endpoints():
        return ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc["vpc_id"]]}])["VpcEndpoints"]

    audit_playbook = ROOT / "playbooks/endpoints_audit.yml"
    run, audit = ansible_playbook(audit_playbook, moto_endpoint, tmp_path, "-e", f"vpc={vpc['vpc_id']}")
    assert (
        set(audit["audit"]["missing"]) == AGC_SERVICES and audit["audit"]["present"] == [] and audit["ensure"] is None
    )
    assert endpoints() == []  # an audit changes nothing
    assert "changed=0" in run.stdout

    _completed, ensured = ansible_playbook(
        audit_playbook, moto_endpoint, tmp_path, "-e", f"vpc={vpc['vpc_id']}", "-e", "ensure=true"
    )
    assert set(ensured["ensure"]["missing"]) == AGC_SERVICES
    found = {e["ServiceName"].removeprefix("com.amazonaws.us-east-1."): e for e in endpoints()}
    assert set(found) == AGC_SERVICES
    main_table = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc["vpc_id"]]}, {"Name": "association.main", "Values": ["true"]}]
    )
    assert found["s3"]["VpcEndpointType"] == "Gateway" and found["s3"]["RouteTableIds"] == [
        main_table["RouteTables"][0]["RouteTableId"]
    ]
    assert sorted(found["logs"]["SubnetIds"]) == sorted(
        vpc["private_subnets"]
    )  # interface endpoints: the private subnet of each AZ

    # Activation with the customer VPC: the role audits its endpoints, creates the one still missing, and reports.
    report_md = tmp_path / "activation-report.md"
    _completed, activation = ansible_playbook(
        ROOT / "playbooks/activate.yml",
        moto_endpoint,
        tmp_path,
        "-e",
        f"vpc={vpc['vpc_id']}",
        "-e",
        "ensure_endpoints=true",
        "-e",
        f"activation_report={report_md}",
        "-e",
        json.dumps({"endpoint_services": sorted(AGC_SERVICES) + ["secretsmanager"]}),
    )
    core = activation["core_infrastructure"]
    assert core["vpc"] == {
        "id": vpc["vpc_id"],
        "cidr_block": "10.20.0.0/16",
        "managed": False,
        "public_subnets_only": False,
    }
    assert (
        "com.amazonaws.us-east-1.secretsmanager" in [e["ServiceName"] for e in endpoints()] and len(endpoints()) == 10
    )
    assert ec2.describe_nat_gateways()["NatGateways"] == [] and managed_vpcs(moto_endpoint) == []
    assert ec2.describe_vpcs(VpcIds=[vpc["vpc_id"]])["Vpcs"][0]["Tags"] == [
        {"Key": "Name", "Value": "customer-network"}
    ]  # never tagged

    text = report_md.read_text()
    diagram = mermaid_block(text)
    assert "customer's VPC" in diagram and "nat_" not in diagram  # no NAT gateways of ours, none drawn
    assert all(f"Availability Zone {az}" in diagram for az in vpc["azs"])
    assert all(subnet in diagram for subnet in vpc["private_subnets"] + vpc["public_subnets"])
    assert f"{vpc['internet_gateway_id'].replace('-', '_')} --- internet" in diagram
    assert all(e["VpcEndpointId"] in diagram for e in endpoints())
    assert "None of ours: the VPC is the customer's" in text
    assert "| missing before the run | secretsmanager |" in text and "| created by this run | secretsmanager |" in text
    assert "**USD 0.00**" in text and "are not counted above" in text


def test_activate_many_regions_and_accounts_in_parallel(moto_endpoint, tmp_path):
    # A second account, reached through a profile: credentials of a role assumed in 222222222222
    # (moto keeps accounts apart).
    assumed = client("sts", moto_endpoint).assume_role(
        RoleArn="arn:aws:iam::222222222222:role/agc-admin", RoleSessionName="agc-admin"
    )
    keys = assumed["Credentials"]
    credentials_file = tmp_path / "credentials"
    credentials_file.write_text(
        f"[prod]\naws_access_key_id = {keys['AccessKeyId']}\naws_secret_access_key = {keys['SecretAccessKey']}\n"
        f"aws_session_token = {keys['SessionToken']}\n"
    )
    prod = dict(
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )
    targets = [
        {"region": "us-east-1", "activation_report": str(tmp_path / "us.md")},
        {
            "region": "eu-west-1",
            "profile": "prod",
            "use_public_subnets": True,
            "activation_report": str(tmp_path / "eu.md"),
        },
    ]
    run, _result = ansible_playbook(
        ROOT / "playbooks/activate_many.yml",
        moto_endpoint,
        tmp_path,
        "-e",
        json.dumps({"targets": targets}),
        "-e",
        f"report_dir={tmp_path}",
        env={"AWS_SHARED_CREDENTIALS_FILE": str(credentials_file)},
    )
    assert (
        "agc-default-us-east-1 (us-east-1): changed" in run.stdout
        and "agc-prod-eu-west-1 (eu-west-1): changed" in run.stdout
    )

    # us-east-1 of the default account: a private core; eu-west-1 of account 222222222222: a public-only core.
    us = json.loads((tmp_path / "agc-default-us-east-1.json").read_text())["core_infrastructure"]
    eu = json.loads((tmp_path / "agc-prod-eu-west-1.json").read_text())["core_infrastructure"]
    assert (us["account_id"], us["region"], eu["account_id"], eu["region"]) == (
        ACCOUNT,
        "us-east-1",
        "222222222222",
        "eu-west-1",
    )
    assert [v["VpcId"] for v in managed_vpcs(moto_endpoint, "us-east-1")] == [us["vpc"]["id"]]
    assert len(client("ec2", moto_endpoint).describe_nat_gateways()["NatGateways"]) == 3
    assert [v["VpcId"] for v in managed_vpcs(moto_endpoint, "eu-west-1", **prod)] == [eu["vpc"]["id"]]
    assert client("ec2", moto_endpoint, "eu-west-1", **prod).describe_nat_gateways()["NatGateways"] == []
    assert (
        client("ssm", moto_endpoint, "eu-west-1", **prod).get_parameter(Name="/agc/_common/vpc")["Parameter"]["Value"]
        == eu["vpc"]["id"]
    )
    # each target went to its own account and region only
    assert managed_vpcs(moto_endpoint, "eu-west-1") == [] and managed_vpcs(moto_endpoint, "us-east-1", **prod) == []

    # the public-only core's report: no NAT gateways, no endpoints, and what public-only saves
    text = (tmp_path / "eu.md").read_text()
    diagram = mermaid_block(text)
    assert "public subnets only" in diagram and "nat_" not in diagram and "vpce_" not in diagram
    assert all(f"Availability Zone eu-west-1{az}" in diagram for az in "abc")
    assert (
        "None: the core is public-only" in text
        and "**USD 0.00**" in text
        and "saves about **USD 262.80 a month**" in text
    )
