"""playbooks/connectivity_test.yml and the genomics.aws.omics_connectivity_test role, end to end.

moto and the HealthOmics emulator run on 127.0.0.1; the emulator's URL is the playbooks' only endpoint
(it forwards EC2, S3 and IAM to moto) and its LocalWdlExecutor really runs the connectivity-test WDL task
on this machine, under the configuration's security group egress rules and subnet routes. Two real
servers on loopback stand for the outside world: an HTTPS server with a private CA, the only destination
given to the omics_vpc_networking role (so the only one its security group opens), and a TCP "license
server" that the connectivity test also checks but nobody opened. The output bucket has no TLS-only policy:
moto enforces Deny statements but ignores their Conditions.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tools import loopback_servers as servers
from tools.customer_vpc import create_customer_vpc
from tools.healthomics_emulator import OmicsEmulator
from tools.healthomics_emulator.local_executor import LocalWdlExecutor
from tools.moto_server import empty_moto_server

from .helpers import ROOT
from .helpers import ansible_playbook

pytestmark = pytest.mark.playbook

PLAYBOOK = ROOT / "playbooks" / "connectivity_test.yml"
NETWORKING_PLAYBOOK = ROOT / "playbooks" / "omics_vpc_networking_example.yml"
REGION = "us-east-1"
BUCKET = "omics-connectivity-results"  # no bucket policy: see the module docstring
CONFIGURATION = "connectivity-vpc"  # opened to the HTTPS server only
OPEN_CONFIGURATION = "connectivity-open"  # opened to every destination of the site
SESSION = boto3.session.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
OMICS_CONFIG = Config(inject_host_prefix=False, retries={"total_max_attempts": 1})


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The outside world on 127.0.0.1: HTTPS with a private CA, a TCP license server, FTP with a passive range, SSH."""
    site = servers.DestinationSite(tmp_path_factory.mktemp("pki"))
    yield site
    site.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, site):
    """moto + the emulator with a LocalWdlExecutor, a VPC whose private subnets go out through an available NAT
    gateway, and, from the omics_vpc_networking role, a security group opened to the HTTPS server only and the
    HealthOmics configuration."""
    with empty_moto_server() as moto_url:
        executor = LocalWdlExecutor(
            moto_url, run_timeout=60, drop_timeout=1.0, work_dir=tmp_path_factory.mktemp("runs")
        )
        with OmicsEmulator(ec2_endpoint=moto_url, delay=0.02, executor=executor) as emulator:
            SESSION.client("s3", endpoint_url=moto_url).create_bucket(Bucket=BUCKET)
            subnets = create_customer_vpc(moto_url, cidr_prefix="10.60", azs=2, nat_gateways=1)["private_subnets"]
            networking = open_network(
                emulator.url,
                tmp_path_factory.mktemp("networking"),
                CONFIGURATION,
                subnets,
                [destination(site, "results-portal")],
            )
            omics = SESSION.client("omics", endpoint_url=emulator.url, config=OMICS_CONFIG)
            yield {"url": emulator.url, "moto": moto_url, "omics": omics, "networking": networking, "subnets": subnets}


@pytest.fixture(scope="module")
def open_configuration(stack, site, tmp_path_factory):
    """A second configuration, over the same subnets, whose security group opens every destination of the site."""
    return open_network(
        stack["url"],
        tmp_path_factory.mktemp("networking-open"),
        OPEN_CONFIGURATION,
        stack["subnets"],
        site.destinations(),
    )


def destination(site, name):
    return next(item for item in site.destinations() if item["name"] == name)


def open_network(endpoint, tmp_path, name, subnets, destinations):
    """The omics_vpc_networking role (through its example playbook): a security group with exactly the egress rules
    of ``destinations`` and the HealthOmics configuration ``name``; returns the role's result."""
    variables = tmp_path / "networking.json"
    variables.write_text(
        json.dumps(
            {
                "omics_vpc_networking_name": name,
                "omics_vpc_networking_subnets": subnets,
                "omics_vpc_networking_destinations": destinations,
                "omics_vpc_networking_poll_interval": 1,
            }
        )
    )
    _completed, result = ansible_playbook(NETWORKING_PLAYBOOK, endpoint, tmp_path, "-e", f"@{variables}")
    return result


def run_playbook(stack, tmp_path, extra_vars):
    """Run the playbook with extra vars from a JSON file; it is expected to fail here (unreachable or bad input)."""
    vars_file = tmp_path / "extra-vars.json"
    vars_file.write_text(json.dumps(extra_vars))
    completed, _result = ansible_playbook(PLAYBOOK, stack["url"], tmp_path, "-e", f"@{vars_file}", check=False)
    return completed, completed.stdout + completed.stderr


def role_exists(stack, name):
    try:
        SESSION.client("iam", endpoint_url=stack["moto"]).get_role(RoleName=name)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NoSuchEntity"
        return False
    return True


def test_bad_destinations_fail_before_anything_is_created(stack, tmp_path):
    destinations_file = (
        tmp_path / "destinations.yml"
    )  # the playbook's other way in: a file, list or {destinations: [...]}
    destinations_file.write_text(
        json.dumps(
            {
                "destinations": [
                    {"name": "mystery", "kind": "gopher", "host": "127.0.0.1"},
                    {"name": "sentieon", "kind": "tcp", "host": "127.0.0.1", "port": 70000},
                    # Valid: an AWS destination without a region is in the configuration's, as omics_vpc_networking
                    # reads it.
                    {"name": "sample-status", "kind": "dynamodb"},
                    # One schema with omics_vpc_networking: a misspelt field is an error here too, and the passive
                    # range required.
                    {"name": "ncbi-ftp", "kind": "ftp", "host": "127.0.0.1", "passive_port": [50000, 50100]},
                    {"name": "ebi-ftp", "kind": "ftp", "host": "127.0.0.1"},
                ]
            }
        )
    )
    completed, output = run_playbook(
        stack,
        tmp_path,
        {
            "destinations_file": str(destinations_file),
            # Checked with the omics_destinations filter before any AWS call: not even the configuration is read.
            "configuration": "connectivity-typo",
            "output_uri": f"s3://{BUCKET}/bad/",
            "workflow_name": "connectivity-bad",
            "role_name": "connectivity-bad-role",
            "report_dir": str(tmp_path / "reports"),
        },
    )

    assert completed.returncode != 0
    assert '"Bad connectivity-test destinations, nothing was created:",' in output, output[-3000:]
    problems = output.split("Bad connectivity-test destinations", 1)[1]
    assert '"destinations[0] \\"mystery\\": kind \\"gopher\\" is unknown' in problems
    assert '"destinations[1] \\"sentieon\\": port 70000 is not a port number' in problems
    assert '"destinations[3] \\"ncbi-ftp\\": field(s) passive_port are not fields of kind ftp' in problems
    assert '"destinations[4] \\"ebi-ftp\\": passive_ports is missing' in problems
    assert "sample-status" not in problems and "does not exist" not in output, output[-3000:]
    assert not role_exists(stack, "connectivity-bad-role")
    assert [w for w in stack["omics"].list_workflows()["items"] if w["name"] == "connectivity-bad"] == []
    assert stack["omics"].list_runs()["items"] == []
    assert not (tmp_path / "reports").exists()


def test_a_configuration_that_does_not_exist_fails_before_anything_is_created(stack, site, tmp_path):
    completed, output = run_playbook(
        stack,
        tmp_path,
        {
            "destinations": [destination(site, "results-portal")],
            "configuration": "connectivity-typo",
            "output_uri": f"s3://{BUCKET}/typo/",
            "workflow_name": "connectivity-typo",
            "role_name": "connectivity-typo-role",
            "report_dir": str(tmp_path / "reports"),
        },
    )

    assert completed.returncode != 0
    assert (
        'HealthOmics configuration \\"connectivity-typo\\" does not exist in this Region, nothing was created' in output
    ), output[-3000:]
    assert not role_exists(stack, "connectivity-typo-role")
    assert [w for w in stack["omics"].list_workflows()["items"] if w["name"] == "connectivity-typo"] == []
    assert not (tmp_path / "reports").exists()


def test_connectivity_test_names_the_destination_the_security_group_blocks(stack, site, tmp_path):
    https, license_server, pki = site.https, site.license_server, site.pki
    # Down everywhere: nothing listens there. Its name holds what XML and Markdown must escape.
    retired, retired_port = 'retired <mirror> & "v1"', servers.closed_port()
    # The network is open to the HTTPS server only: one egress rule, to 127.0.0.1/32 on its port.
    group = SESSION.client("ec2", endpoint_url=stack["moto"]).describe_security_groups(
        GroupIds=[stack["networking"]["security_group"]["id"]]
    )["SecurityGroups"][0]
    assert [
        (rule["IpProtocol"], rule["FromPort"], rule["ToPort"], [r["CidrIp"] for r in rule["IpRanges"]])
        for rule in group["IpPermissionsEgress"]
    ] == [("tcp", https.port, https.port, ["127.0.0.1/32"])]
    reports = tmp_path / "reports"
    # A bundle as they come: a comment, the certificate, other text. Only the certificate may reach the run.
    bundle = tmp_path / "corporate-bundle.pem"
    bundle.write_text("# corporate CA bundle, do not share\n" + pki.ca_pem.read_text() + "issuer notes: internal\n")
    completed, output = run_playbook(
        stack,
        tmp_path,
        {
            "destinations": [
                {"name": "results-portal", "kind": "https", "url": f"https://127.0.0.1:{https.port}/ok"},
                {
                    "name": "sentieon-license",
                    "kind": "tcp",
                    "host": "127.0.0.1",
                    "port": license_server.port,
                    "description": "license server <primary> & \"backup\"",
                },
                {"name": retired, "kind": "tcp", "host": "127.0.0.1", "port": retired_port},
            ],
            "configuration": CONFIGURATION,
            "output_uri": f"s3://{BUCKET}/connectivity/",
            "ca_bundle": str(bundle),
            "timeout_seconds": 3,
            "wait_timeout": 120,
            "report_dir": str(reports),
            "probe_from_controller": True,
        },
    )

    # The play fails naming the blocked destination, its failure class and likely cause, and not the allowed one.
    assert completed.returncode != 0, output[-4000:]
    failure = [
        line for line in output.splitlines() if "destinations unreachable from HealthOmics configuration" in line
    ]
    assert failure, output[-4000:]
    assert "2 of 3 destinations unreachable from HealthOmics configuration connectivity-vpc" in output
    assert f"sentieon-license (tcp 127.0.0.1:{license_server.port}): timeout at tcp:" in output
    assert "security group" in output
    assert "reachable from the controller: the VPC path (security group, route, NAT) blocks it" in output
    # Failing from the controller too (refused there): the destination itself, not the VPC path.
    assert f"(tcp 127.0.0.1:{retired_port}): timeout at tcp:" in output
    assert "the destination itself is down or unreachable" in output
    assert "results-portal (https" not in output
    assert https.requests, "the allowed HTTPS server was never reached from the run"
    # Progress while the run is waited for, then the probe's table as the run wrote it.
    assert "ASYNC POLL on localhost" in output
    assert "Connectivity: 3 destination(s), 1 reachable, 2 unreachable" in output

    # The JSON report, the JUnit XML and the Markdown summary.
    report = json.loads((reports / "connectivity-report.json").read_text())
    assert report["summary"] == {"total": 3, "ok": 1, "failed": 2}
    by_name = {item["name"]: item for item in report["destinations"]}
    assert by_name["results-portal"]["ok"] is True
    assert [stage["stage"] for stage in by_name["results-portal"]["stages"]] == ["dns", "tcp", "tls", "http"]
    assert by_name["sentieon-license"]["failure"]["class"] == "timeout"
    assert report["run"]["status"] == "COMPLETED"
    assert "blocks it" in report["controller"]["sentieon-license"]
    assert report["controller"][retired] == "the destination itself is down or unreachable"

    suites = ET.parse(reports / "connectivity-report.xml").getroot()
    suite = suites.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "2", "0")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"results-portal", "sentieon-license", retired}
    assert cases["results-portal"].find("failure") is None
    failed = cases["sentieon-license"].find("failure")
    assert failed.get("type") == "timeout"
    assert "security group" in failed.get("message")
    assert cases[retired].find("failure").get("type") == "timeout"
    assert "down or unreachable" in ET.tostring(cases[retired], encoding="unicode")

    markdown = (reports / "connectivity-report.md").read_text()
    assert "1 of 3 destinations reachable" in markdown
    assert "| retired &lt;mirror&gt; &amp; &#34;v1&#34; | tcp |" in markdown
    assert "| sentieon-license | tcp |" in markdown and "**timeout** at tcp" in markdown
    assert "| results-portal | https |" in markdown and "reachable |" in markdown

    # The run's service role: trusted by HealthOmics, with the least-privilege inline policy.
    iam = SESSION.client("iam", endpoint_url=stack["moto"])
    role = iam.get_role(RoleName="genomics-aws-omics-connectivity-test")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "omics.amazonaws.com"}
    assert trust["Statement"][0]["Action"] == "sts:AssumeRole"
    policy = iam.get_role_policy(RoleName=role["RoleName"], PolicyName="connectivity-test-run")["PolicyDocument"]
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert statements["OutputObjects"]["Resource"] == f"arn:aws:s3:::{BUCKET}/connectivity/*"
    assert statements["OutputListing"]["Condition"] == {"StringLike": {"s3:prefix": ["connectivity", "connectivity/*"]}}
    assert (
        statements["WorkflowLogs"]["Resource"]
        == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/omics/WorkflowLog:*"
    )

    # The probe image: the default public image, served through the ECR pull-through cache the role set up
    # (HealthOmics cannot pull public.ecr.aws), imported into a repository HealthOmics may pull from; the service
    # role may pull from that repository only.
    repository = "genomics-aws-public/docker/library/python"
    private_image = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}:3.12-slim"
    assert statements["ImagePull"]["Resource"] == f"arn:aws:ecr:us-east-1:123456789012:repository/{repository}"
    ecr = SESSION.client("ecr", endpoint_url=stack["url"])
    rule = ecr.describe_pull_through_cache_rules(ecrRepositoryPrefixes=["genomics-aws-public"])[
        "pullThroughCacheRules"
    ][0]
    assert rule["upstreamRegistryUrl"] == "public.ecr.aws"
    pull = json.loads(ecr.get_repository_policy(repositoryName=repository)["policyText"])["Statement"]
    assert [(s["Principal"], sorted(s["Action"])) for s in pull] == [
        (
            {"Service": "omics.amazonaws.com"},
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        )
    ]
    assert [image["imageTags"] for image in ecr.describe_images(repositoryName=repository)["imageDetails"]] == [
        ["3.12-slim"]
    ]

    # The run: VPC mode in the configuration, no run cache.
    run = stack["omics"].get_run(id=report["run"]["id"])
    assert (run["networkingMode"], run["configuration"]["name"]) == ("VPC", CONFIGURATION)
    assert "cacheId" not in run
    assert run["roleArn"] == role["Arn"]
    assert run["parameters"]["probe_image"] == private_image
    assert run["parameters"]["ca_bundle_pem"] == pki.ca_pem.read_text()
    probe_input = json.loads(run["parameters"]["destinations_json"])
    assert probe_input["region"] == REGION and [d["name"] for d in probe_input["destinations"]] == list(by_name)


def test_a_ca_bundle_without_certificates_fails_before_anything_is_created(stack, site, tmp_path):
    bundle = tmp_path / "not-a-bundle.pem"
    bundle.write_text("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n")
    completed, output = run_playbook(
        stack,
        tmp_path,
        {
            "destinations": [destination(site, "results-portal")],
            "configuration": CONFIGURATION,
            "output_uri": f"s3://{BUCKET}/no-ca/",
            "workflow_name": "connectivity-no-ca",
            "role_name": "connectivity-no-ca-role",
            "ca_bundle": str(bundle),
            "report_dir": str(tmp_path / "reports"),
        },
    )

    assert completed.returncode != 0
    assert f"omics_connectivity_test_ca_bundle ({bundle}) holds no PEM certificate" in output, output[-3000:]
    assert not role_exists(stack, "connectivity-no-ca-role")
    assert [w for w in stack["omics"].list_workflows()["items"] if w["name"] == "connectivity-no-ca"] == []


def test_connectivity_test_passes_when_the_network_is_opened_for_every_destination(
    stack, site, open_configuration, tmp_path
):
    ftp_low, ftp_high = site.passive_ports
    # omics_vpc_networking opened exactly what the four destinations need, to 127.0.0.1/32 only.
    group = SESSION.client("ec2", endpoint_url=stack["moto"]).describe_security_groups(
        GroupIds=[open_configuration["security_group"]["id"]]
    )["SecurityGroups"][0]
    assert group["IpPermissions"] == []
    egress = sorted(
        (rule["IpProtocol"], rule["FromPort"], rule["ToPort"], tuple(r["CidrIp"] for r in rule["IpRanges"]))
        for rule in group["IpPermissionsEgress"]
    )
    assert egress == sorted(
        [
            ("tcp", site.https.port, site.https.port, ("127.0.0.1/32",)),
            ("tcp", site.license_server.port, site.license_server.port, ("127.0.0.1/32",)),
            ("tcp", site.ftp.port, site.ftp.port, ("127.0.0.1/32",)),
            ("tcp", ftp_low, ftp_high, ("127.0.0.1/32",)),
            ("tcp", site.ssh.port, site.ssh.port, ("127.0.0.1/32",)),
        ]
    )
    data_connections_before = len(site.ftp.data_connections)
    reports = tmp_path / "reports"
    completed, output = run_playbook(
        stack,
        tmp_path,
        {
            "destinations": site.destinations(),
            "configuration": OPEN_CONFIGURATION,
            "output_uri": f"s3://{BUCKET}/connectivity-open/",
            "workflow_name": "connectivity-open",
            "ca_bundle": str(site.pki.ca_pem),
            "timeout_seconds": 3,
            "wait_timeout": 120,
            "report_dir": str(reports),
        },
    )

    assert completed.returncode == 0, output[-4000:]
    assert "4 of 4 destinations reachable from configuration connectivity-open" in output
    assert "destinations unreachable from HealthOmics configuration" not in output
    report = json.loads((reports / "connectivity-report.json").read_text())
    assert report["summary"] == {"total": 4, "ok": 4, "failed": 0}
    stages = {item["name"]: [stage["stage"] for stage in item["stages"]] for item in report["destinations"]}
    assert stages == {
        "results-portal": ["dns", "tcp", "tls", "http"],
        "sentieon-license": ["dns", "tcp"],
        "reference-ftp": ["dns", "tcp", "ftp_banner", "ftp_login", "ftp_passive"],
        "partner-sftp": ["dns", "tcp", "ssh_banner"],
    }, stages
    # The FTP check opened a real data connection inside the passive range, and the run reached each server.
    assert len(site.ftp.data_connections) > data_connections_before
    suite = ET.parse(reports / "connectivity-report.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "0", "0")
    assert [case.find("failure") for case in suite.iter("testcase")] == [None] * 4
    assert "4 of 4 destinations reachable" in (reports / "connectivity-report.md").read_text()


def test_connectivity_test_reports_without_failing_when_told_not_to(stack, site, tmp_path):
    reports = tmp_path / "reports"
    completed, output = run_playbook(
        stack,
        tmp_path,
        {
            "destinations": [destination(site, "results-portal"), destination(site, "sentieon-license")],
            "configuration": CONFIGURATION,
            "output_uri": f"s3://{BUCKET}/connectivity-report-only/",
            "ca_bundle": str(site.pki.ca_pem),
            "timeout_seconds": 2,
            "wait_timeout": 120,
            "report_dir": str(reports),
            "fail_on_unreachable": False,
        },
    )

    # The play succeeds, and still says what is unreachable and why, in its output and in every report.
    assert completed.returncode == 0, output[-4000:]
    assert "1 of 2 destinations reachable from configuration connectivity-vpc" in output
    assert "sentieon-license" in output and "timeout" in output
    report = json.loads((reports / "connectivity-report.json").read_text())
    assert report["summary"] == {"total": 2, "ok": 1, "failed": 1}
    assert [item["name"] for item in report["destinations"] if not item["ok"]] == ["sentieon-license"]
    suite = ET.parse(reports / "connectivity-report.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")


def task_results(output, name):
    """The results ("ok", "changed", ...) the default callback printed for the role's tasks called ``name``."""
    pattern = r"TASK \[genomics\.aws\.omics_connectivity_test : %s\] \**\n(ok|changed|skipping|fatal): " % re.escape(
        name
    )
    return re.findall(pattern, output)


def test_a_second_run_finds_the_workflow_unchanged(stack, site, tmp_path):
    """The workflow is built at run time (never committed), byte for byte the same each time: the second run registers
    nothing new, and its run uses the same workflow."""
    reports = tmp_path / "reports"
    workflow_ids = []
    for attempt in ("first", "second"):
        (tmp_path / attempt).mkdir()
        completed, output = run_playbook(
            stack,
            tmp_path / attempt,
            {
                "destinations": [destination(site, "results-portal")],
                "configuration": CONFIGURATION,
                "output_uri": f"s3://{BUCKET}/connectivity-rerun/",
                "workflow_name": "connectivity-rerun",
                "ca_bundle": str(site.pki.ca_pem),
                "timeout_seconds": 2,
                "wait_timeout": 120,
                "report_dir": str(reports),
            },
        )
        assert completed.returncode == 0, output[-4000:]
        assert task_results(output, "Build the connectivity-test workflow") == ["ok"], output[-4000:]
        assert task_results(output, "Register the connectivity-test workflow") == [
            "changed" if attempt == "first" else "ok"
        ], output[-4000:]
        workflow_ids.append(json.loads((reports / "connectivity-report.json").read_text())["run"]["workflow_id"])
    assert workflow_ids[0] == workflow_ids[1]
    assert [
        w["id"] for w in stack["omics"].list_workflows()["items"] if w["name"] == "connectivity-rerun"
    ] == workflow_ids[:1]


@pytest.mark.parametrize(
    "image",
    [
        "public.ecr.aws/docker/library/python:3.12-slim",  # public: HealthOmics cannot pull it
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/python:3.12-slim",  # private, but of another Region
    ],
)
def test_a_probe_image_healthomics_cannot_pull_fails_before_anything_is_created(stack, site, tmp_path, image):
    completed, output = run_playbook(
        stack,
        tmp_path,
        {
            "destinations": [destination(site, "results-portal")],
            "configuration": CONFIGURATION,
            "output_uri": f"s3://{BUCKET}/bad-image/",
            "workflow_name": "connectivity-bad-image",
            "role_name": "connectivity-bad-image-role",
            "probe_image": image,
            "report_dir": str(tmp_path / "reports"),
        },
    )

    assert completed.returncode != 0
    assert f'omics_connectivity_test_probe_image \\"{image}\\" is not a private ECR image of us-east-1' in output, (
        output[-3000:]
    )
    assert not role_exists(stack, "connectivity-bad-image-role")
    assert [w for w in stack["omics"].list_workflows()["items"] if w["name"] == "connectivity-bad-image"] == []
