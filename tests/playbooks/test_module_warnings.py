"""A module's warning, run by ansible-playbook: shown to the operator once, without ansible-core's deprecation notice.

amazon.aws's AnsibleAWSModule passes the warnings again as exit_json(warnings=...), which ansible-core 2.19
answers with "Passing `warnings` to `exit_json` or `fail_json` is deprecated" on every task that warns.
"""

import json

import pytest

from .helpers import ansible_playbook
from .helpers import client

pytestmark = pytest.mark.playbook

KEPT = "endpoint(s) for s3 were not created by this collection and are kept."


def test_a_warning_reaches_the_operator_without_a_deprecation_notice(moto_endpoint, tmp_path):
    ec2 = client("ec2", moto_endpoint)
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"][0][
        "RouteTableId"
    ]
    ec2.create_vpc_endpoint(
        VpcId=vpc_id, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway", RouteTableIds=[table]
    )
    playbook = tmp_path / "warns.yml"
    playbook.write_text(
        f"""
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Remove our s3 endpoint, where there is only someone else's (a warning)
      genomics.aws.agc_vpc_endpoints:
        region: "{{{{ aws_region }}}}"
        endpoint_url: "{{{{ aws_endpoint_url }}}}"
        vpc_id: {vpc_id}
        services: [s3]
        state: absent
      register: removed
    - ansible.builtin.copy:
        content: "{{{{ removed | to_json }}}}"
        dest: "{{{{ report_file }}}}"
        mode: "0644"
"""
    )
    completed, removed = ansible_playbook(playbook, moto_endpoint, tmp_path)
    output = completed.stdout + completed.stderr
    assert f"[WARNING]: {KEPT}" in output and output.count(KEPT) == 1, output
    assert "Passing `warnings`" not in output and "DEPRECATION" not in output, output
    assert removed["warnings"] == [KEPT] and "deprecations" not in removed, json.dumps(removed, indent=2)
