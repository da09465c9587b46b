"""`make demo` as a fresh machine runs it (both halves), its reports written to a temporary directory."""

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from .helpers import ROOT

pytestmark = pytest.mark.playbook


def test_make_demo_activates_deactivates_and_shows_the_connectivity_test_passing(tmp_path):
    completed = subprocess.run(
        # The migration part (minutes on 2 cores) runs in make test-migrate.
        [
            sys.executable,
            str(ROOT / "tools" / "demo" / "run_demo.py"),
            "--part",
            "agc",
            "--part",
            "omics",
            "--reports",
            str(tmp_path),
        ],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-5000:]

    # The AGC half: a real change, then none; a deactivation; the audit of a bare customer VPC.
    assert "changes        37 on the first run, 0 on the second (changed=False)" in output
    assert "missing        s3, dynamodb, ecr.api, ecr.dkr, ecs, ecs-agent, ecs-telemetry, logs, ec2" in output
    assert "```mermaid\nflowchart" in (tmp_path / "activation-report.md").read_text()

    # The HealthOmics half: the network opened to the four servers, and the run inside the VPC reaching each.
    assert "security group sg-" in output and ": 5 egress rules, 0 ingress" in output
    assert "networking mode VPC in demo-vpc-runs, run cache: none" in output
    assert "4 of 4 destinations reachable from inside the VPC" in output
    # The connectivity test's turnaround is reported: the whole playbook, and the run within it.
    turnaround = re.search(r"turnaround\s+([\d.]+) s from the playbook's start .* the run itself ([\d.]+) s", output)
    assert turnaround and 0 < float(turnaround.group(2)) < float(turnaround.group(1)), output[-3000:]
    assert (
        "probe image    "
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/genomics-aws-public/docker/library/python:3.12-slim" in output
    )
    report = json.loads((tmp_path / "connectivity-test" / "connectivity-report.json").read_text())
    assert report["summary"] == {"total": 4, "ok": 4, "failed": 0}
    assert {item["kind"] for item in report["destinations"]} == {"https", "tcp", "ftp", "sftp"}
    assert report["run"]["status"] == "COMPLETED"
    suite = ET.parse(tmp_path / "connectivity-test" / "connectivity-report.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "0", "0")
