"""playbooks/agc_project_to_healthomics.yml end to end: an AGC project moved into the VPC of an AGC CLI activation.

The region was activated by the AGC CLI (only its names under /agc/_common/, no record of this collection) over a VPC
whose private subnets go out through a NAT gateway. moto and the HealthOmics emulator run on 127.0.0.1 and the
emulator's LocalWdlExecutor really runs the workflows. The AGC bucket has no TLS-only policy here: moto enforces Deny
statements but ignores their Conditions (SPEC section 6).

The project has a workflow whose sourceURL is an S3 prefix and a Nextflow one (registered, not run: the local executor
runs WDL only). The re-run's API calls are counted where they enter (the emulator's endpoint) and none may write. A
last migration runs on a bring-your-own-VPC activation (agc_account on a customer VPC with a NAT gateway per AZ).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections import Counter
from urllib.parse import parse_qs

import boto3
import pytest
from botocore.config import Config

from tools import loopback_servers as servers
from tools.customer_vpc import create_customer_vpc
from tools.healthomics_emulator import OmicsEmulator
from tools.healthomics_emulator.local_executor import LocalWdlExecutor
from tools.latency import READ_PREFIXES
from tools.latency import api_call
from tools.moto_server import empty_moto_server

from .helpers import ROOT
from .helpers import ansible_playbook

pytestmark = pytest.mark.playbook

PLAYBOOK = ROOT / "playbooks" / "agc_project_to_healthomics.yml"
REGION = "us-east-1"
AGC_BUCKET = "agc-123456789012-us-east-1"
DATA_BUCKET = "agc-demo-inputs"
SOURCES_BUCKET = "agc-demo-workflow-sources"
SESSION = boto3.session.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
OMICS_CONFIG = Config(inject_host_prefix=False, retries={"total_max_attempts": 1})

HELLO_WDL = """version 1.0
workflow hello {
  call say
  output { String message = say.message }
}
task say {
  command <<< echo hello from HealthOmics >>>
  output { String message = read_string(stdout()) }
  runtime { docker: "public.ecr.aws/docker/library/python:3.12-slim" }
}
"""
READ_WDL = """version 1.0
workflow read {
  input { File greeting }
  call count { input: greeting = greeting }
  output { Int lines = count.lines }
}
task count {
  input { File greeting }
  command <<< wc -l < ~{greeting} >>>
  output { Int lines = read_int(stdout()) }
  runtime { docker: "public.ecr.aws/docker/library/python:3.12-slim" }
}
"""
GREET_WDL = """version 1.0
workflow greet {
  input { String name = "HealthOmics" }
  output { String greeting = "hello " + name }
}
"""
# Registered, not run: the emulator's local executor runs WDL only.
HELLO_NF = """nextflow.enable.dsl = 2
process sayHello {
  output: stdout
  script: "echo hello from Nextflow"
}
workflow { sayHello() | view }
"""
PROJECT = f"""---
name: Demo
schemaVersion: 1
workflows:
  hello:
    type: {{language: wdl, version: 1.0}}
    sourceURL: workflows/hello/hello.wdl
  read:
    type: {{language: wdl, version: 1.0}}
    sourceURL: workflows/read
  assembly:
    type: {{language: snakemake, version: 1.0}}
    sourceURL: workflows/assembly
  greet:
    type: {{language: wdl, version: 1.0}}
    sourceURL: s3://{SOURCES_BUCKET}/greet/
  nfhello:
    type: {{language: nextflow, version: dsl2}}
    sourceURL: workflows/nfhello
data:
  - location: s3://{DATA_BUCKET}/greetings
    readOnly: true
contexts:
  ctx:
    engines: [{{type: wdl, engine: miniwdl}}]
  nfctx:
    engines: [{{type: nextflow, engine: nextflow}}]
"""


def write_project(root):
    files = {
        "agc-project.yaml": PROJECT,
        "workflows/hello/hello.wdl": HELLO_WDL,
        "workflows/read/MANIFEST.json": json.dumps(
            {"mainWorkflowURL": "read.wdl", "inputFileURLs": ["read.inputs.json"]}
        ),
        "workflows/read/read.wdl": READ_WDL,
        "workflows/read/read.inputs.json": json.dumps({"read.greeting": f"s3://{DATA_BUCKET}/greetings/hello.txt"}),
        "workflows/assembly/Snakefile": "rule all:\n",
        "workflows/nfhello/main.nf": HELLO_NF,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


class FrontDoorCounter:
    """Every AWS call the playbook makes, counted where it enters: the emulator's endpoint, the playbook's only
    endpoint_url (HealthOmics answered there, every other service forwarded to moto). The emulator's own calls to
    moto (its EC2 look-ups, the executor's S3 exports) are not the playbook's and are not counted.

    A write is any call whose name does not start with Describe, Get, List or Head (S3's REST calls: any method
    but GET and HEAD)."""

    def __init__(self, emulator):
        self.protocol, self.service = emulator.protocol, emulator.service
        self._handle = emulator.service.handle
        self._lock = threading.Lock()
        self.reads, self.writes = Counter(), Counter()
        emulator.service.handle = self._count_and_handle

    def _name(self, method, target, headers, body):
        lowered = {key.lower(): value for key, value in headers.items()}
        if self.service._signing_service(headers) == "omics":
            path, _mark, query = target.partition("?")
            try:
                name = self.protocol.match(method, path, parse_qs(query, keep_blank_values=True))[0].name
            except Exception:  # unknown to the model: counted under its HTTP shape, as a write
                return f"omics {method} {path}", True
            return f"omics:{name}", not name.startswith(READ_PREFIXES)
        environ = {
            "HTTP_X_AMZ_TARGET": lowered.get("x-amz-target", ""),
            "QUERY_STRING": target.partition("?")[2],
            "CONTENT_TYPE": lowered.get("content-type", ""),
            "REQUEST_METHOD": method,
        }
        return api_call(environ, body)

    def _count_and_handle(self, method, target, headers, body):
        name, write = self._name(method, target, headers, body)
        with self._lock:
            (self.writes if write else self.reads)[name] += 1
        return self._handle(method, target, headers, body)

    def reset(self):
        with self._lock:
            self.reads.clear()
            self.writes.clear()


def network_snapshot(ec2, vpc_id):
    """The VPC as the AGC CLI left it: subnets, route tables, endpoints; security groups apart."""
    by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    return {
        "subnets": sorted((s["SubnetId"], s["CidrBlock"]) for s in ec2.describe_subnets(Filters=by_vpc)["Subnets"]),
        "routes": sorted(
            json.dumps(t["Routes"], sort_keys=True) for t in ec2.describe_route_tables(Filters=by_vpc)["RouteTables"]
        ),
        "endpoints": ec2.describe_vpc_endpoints(Filters=by_vpc)["VpcEndpoints"],
    }


@pytest.fixture(autouse=True)
def quiet_moto():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    site = servers.DestinationSite(tmp_path_factory.mktemp("pki"))
    with empty_moto_server() as moto_url:
        executor = LocalWdlExecutor(
            moto_url, run_timeout=60, drop_timeout=1.0, work_dir=tmp_path_factory.mktemp("runs")
        )
        with OmicsEmulator(ec2_endpoint=moto_url, delay=0.02, executor=executor) as emulator:
            s3 = SESSION.client("s3", endpoint_url=moto_url)
            s3.create_bucket(Bucket=AGC_BUCKET)
            s3.create_bucket(Bucket=DATA_BUCKET)
            s3.put_object(Bucket=DATA_BUCKET, Key="greetings/hello.txt", Body=b"one\ntwo\nthree\n")
            # A workflow whose sourceURL is an S3 prefix (not a data location: read by the controller, not the runs).
            s3.create_bucket(Bucket=SOURCES_BUCKET)
            s3.put_object(Bucket=SOURCES_BUCKET, Key="greet/main.wdl", Body=GREET_WDL.encode())
            s3.put_object(
                Bucket=SOURCES_BUCKET,
                Key="greet/parameter-template.json",
                Body=json.dumps({"name": {"description": "who to greet", "optional": True}}).encode(),
            )
            vpc = create_customer_vpc(moto_url, cidr_prefix="10.70", azs=2, nat_gateways=1)
            ssm = SESSION.client("ssm", endpoint_url=moto_url)
            for name, value, kind in (
                ("bucket", AGC_BUCKET, "String"),
                ("vpc", vpc["vpc_id"], "String"),
                ("InfraSubnets", ",".join(vpc["private_subnets"]), "StringList"),
            ):
                ssm.put_parameter(Name=f"/agc/_common/{name}", Value=value, Type=kind)
            counter = FrontDoorCounter(emulator)
            yield {"url": emulator.url, "moto": moto_url, "vpc": vpc, "site": site, "ssm": ssm, "calls": counter}
    site.stop()


def migrate(stack, tmp_path, *args, check=True, **extra):
    variables = dict(
        project=extra.pop("project", None) or str(write_project(tmp_path / "project")),
        destinations=[d for d in stack["site"].destinations() if d["name"] == "results-portal"],
        connectivity_destinations=["results-portal"],
        ca_bundle=str(stack["site"].pki.ca_pem),
        timeout_seconds=3,
        wait_timeout=120,
        report_markdown=str(tmp_path / "report.md"),
        report_dir=str(tmp_path / "connectivity"),
        download_dir=str(tmp_path / "agc-sources"),
        **extra,
    )
    vars_file = tmp_path / f"vars-{len(list(tmp_path.iterdir()))}.json"
    vars_file.write_text(json.dumps(variables))
    return ansible_playbook(PLAYBOOK, stack["url"], tmp_path, "-e", f"@{vars_file}", *args, check=check)


def parameters(ssm):
    return {p["Name"]: p["Value"] for p in ssm.get_parameters_by_path(Path="/agc", Recursive=True)["Parameters"]}


def test_a_public_only_activation_is_refused_with_the_reason(stack, tmp_path):
    ssm, vpc = stack["ssm"], stack["vpc"]
    ssm.put_parameter(
        Name="/agc/_common/InfraSubnets", Value=",".join(vpc["public_subnets"]), Overwrite=True, Type="StringList"
    )
    try:
        completed, _report = migrate(stack, tmp_path, check=False)
    finally:
        ssm.put_parameter(
            Name="/agc/_common/InfraSubnets", Value=",".join(vpc["private_subnets"]), Overwrite=True, Type="StringList"
        )
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0
    assert "uses public subnets only" in output and "NAT gateway" in output


# The playbook's full runs take minutes on a loaded 2-core machine: make test-migrate runs them, make test only the
# refusal above.
FULL_RUNS = pytest.mark.skipif(not os.environ.get("GENOMICS_AWS_MIGRATE_E2E"), reason="make test-migrate runs it")


@FULL_RUNS
def test_check_mode_shows_the_whole_plan_and_changes_nothing(stack, tmp_path):
    ec2 = SESSION.client("ec2", endpoint_url=stack["moto"])
    iam = SESSION.client("iam", endpoint_url=stack["moto"])
    omics = SESSION.client("omics", endpoint_url=stack["url"], config=OMICS_CONFIG)
    groups_before = ec2.describe_security_groups()["SecurityGroups"]
    state_before = parameters(stack["ssm"])

    _completed, plan = migrate(stack, tmp_path, "--check", run_workflows=True)
    assert plan["check_mode"] and plan["changed"]
    rows = {w["agc_name"]: w for w in plan["workflows"]}
    assert rows["hello"]["healthomics_name"] == "Demo-hello" and rows["hello"]["workflow_id"] is None
    assert not rows["assembly"]["migratable"] and "snakemake" in rows["assembly"]["reason"]
    # Check mode reads S3 to show the plan of an S3 sourceURL.
    assert rows["greet"]["healthomics_name"] == "Demo-greet" and rows["greet"]["workflow_id"] is None
    assert rows["nfhello"]["healthomics_name"] == "Demo-nfhello" and rows["nfhello"]["workflow_id"] is None
    assert plan["configuration"]["subnets"] == stack["vpc"]["private_subnets"]
    assert plan["activation"]["source"] == "agc-cli" and not plan["activation"]["use_endpoints"]
    assert omics.list_workflows()["items"] == [] and omics.list_configurations()["items"] == []
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == []
    assert ec2.describe_security_groups()["SecurityGroups"] == groups_before
    assert parameters(stack["ssm"]) == state_before
    assert plan["service_role"]["permissions"] == [
        f"read s3://{DATA_BUCKET}/greetings/",
        f"read and write s3://{AGC_BUCKET}/healthomics/Demo/ (run outputs)",
    ]
    assert plan["connectivity"]["verdict"] == "not run (check mode)"
    assert "check mode: the plan, nothing changed" in (tmp_path / "report.md").read_text()


@FULL_RUNS
def test_the_migration_runs_in_the_vpc_then_a_rerun_changes_nothing(stack, tmp_path):
    ec2 = SESSION.client("ec2", endpoint_url=stack["moto"])
    iam = SESSION.client("iam", endpoint_url=stack["moto"])
    omics = SESSION.client("omics", endpoint_url=stack["url"], config=OMICS_CONFIG)
    vpc_id = stack["vpc"]["vpc_id"]
    before, groups_before = network_snapshot(ec2, vpc_id), ec2.describe_security_groups()["SecurityGroups"]
    state_before = parameters(stack["ssm"])

    _completed, report = migrate(stack, tmp_path, run_workflows=True)
    assert report["changed"] and not report["check_mode"]
    rows = {w["agc_name"]: w for w in report["workflows"]}
    workflow = omics.get_workflow(id=rows["read"]["workflow_id"])
    assert workflow["status"] == "ACTIVE" and workflow["engine"] == "WDL" and workflow["main"] == "read.wdl"
    run = omics.get_run(id=rows["read"]["run"]["id"])
    assert run["status"] == "COMPLETED" and run["networkingMode"] == "VPC"
    assert run["configuration"]["name"] == "agc-demo" and run["parameters"] == {
        "greeting": f"s3://{DATA_BUCKET}/greetings/hello.txt"
    }
    assert run["outputUri"].startswith(f"s3://{AGC_BUCKET}/healthomics/Demo/runs/read/")
    assert rows["hello"]["run"] is None  # no inputs file: registered, not run
    # The S3 prefix, downloaded and packaged as a local directory; the Nextflow workflow registered (not run).
    greet = omics.get_workflow(id=rows["greet"]["workflow_id"])
    assert greet["status"] == "ACTIVE" and greet["engine"] == "WDL" and greet["main"] == "main.wdl"
    assert greet["parameterTemplate"] == {"name": {"description": "who to greet", "optional": True}}
    nextflow = omics.get_workflow(id=rows["nfhello"]["workflow_id"])
    assert nextflow["status"] == "ACTIVE" and nextflow["engine"] == "NEXTFLOW" and nextflow["main"] == "main.nf"
    assert rows["greet"]["run"] is None and rows["nfhello"]["run"] is None
    assert report["connectivity"]["verdict"] == "passed" and report["connectivity"]["summary"]["ok"] == 1
    # The role holds exactly the rendered policy.
    role = iam.get_role(RoleName="healthomics-Demo-runs")["Role"]
    document = iam.get_role_policy(RoleName=role["RoleName"], PolicyName="agc-project-data")["PolicyDocument"]
    assert document == report["service_role"]["policy"]
    # Read-only on the activation; the VPC got one security group and nothing else.
    assert network_snapshot(ec2, vpc_id) == before and parameters(stack["ssm"]) == state_before
    added = [g for g in ec2.describe_security_groups()["SecurityGroups"] if g not in groups_before]
    assert [g["GroupId"] for g in added] == [report["configuration"]["security_group"]]
    markdown = (tmp_path / "report.md").read_text()
    assert "| read | wdl 1.0 | Demo-read (WDL) |" in markdown and "not migratable" in markdown
    assert "| nfhello | nextflow dsl2 | Demo-nfhello (NEXTFLOW) |" in markdown, markdown
    assert rows["nfhello"]["workflow_id"] in markdown and rows["greet"]["workflow_id"] in markdown

    stack["calls"].reset()
    _completed, again = migrate(stack, tmp_path, run_workflows=True, connectivity_test=False)
    assert not again["changed"], again
    # Zero writes, counted at the API: what the re-run sent to AWS, not only what the modules reported.
    reads, writes = dict(stack["calls"].reads), dict(stack["calls"].writes)
    print(f"re-run: {sum(reads.values())} reads, {sum(writes.values())} writes; reads by call: {sorted(reads.items())}")
    assert writes == {}, writes
    assert sum(reads.values()) > 0
    assert {w["agc_name"]: w["workflow_id"] for w in again["workflows"]} == {
        w["agc_name"]: w["workflow_id"] for w in report["workflows"]
    }


def vpc_snapshot(ec2, vpc_id):
    """Everything of a customer's VPC a migration must leave as it is (security groups apart): the VPC and its DNS
    attributes, subnets, route tables and their routes, gateways, network ACLs and endpoints."""
    by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    (vpc,) = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    return {
        "vpc": vpc,
        "attributes": {
            name: {
                k: v
                for k, v in ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=name).items()
                if k != "ResponseMetadata"
            }
            for name in ("enableDnsSupport", "enableDnsHostnames")
        },
        # The free address count moves with the network interfaces of runs; the rest of a subnet may not.
        "subnets": sorted(
            (
                {k: v for k, v in s.items() if k != "AvailableIpAddressCount"}
                for s in ec2.describe_subnets(Filters=by_vpc)["Subnets"]
            ),
            key=lambda s: s["SubnetId"],
        ),
        "route_tables": sorted(
            ec2.describe_route_tables(Filters=by_vpc)["RouteTables"], key=lambda t: t["RouteTableId"]
        ),
        "internet_gateways": ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
        )["InternetGateways"],
        "nat_gateways": sorted(
            (n["NatGatewayId"], n["SubnetId"], n["State"])
            for n in ec2.describe_nat_gateways(Filters=by_vpc)["NatGateways"]
        ),
        "network_acls": ec2.describe_network_acls(Filters=by_vpc)["NetworkAcls"],
        "endpoints": ec2.describe_vpc_endpoints(Filters=by_vpc)["VpcEndpoints"],
    }


@FULL_RUNS
def test_a_customer_vpc_activation_is_used_and_left_as_it_was_but_for_the_security_group(stack, tmp_path):
    """Bring-your-own VPC: activated with agc_account on a customer's VPC whose private subnets go out through a NAT
    gateway per AZ; the migration runs on those subnets and adds nothing to the VPC but the runs' security group."""
    ec2 = SESSION.client("ec2", endpoint_url=stack["moto"])
    ssm, omics = stack["ssm"], SESSION.client("omics", endpoint_url=stack["url"], config=OMICS_CONFIG)
    vpc = create_customer_vpc(stack["moto"], cidr_prefix="10.80", azs=3, nat_gateways="per_az")
    cli_names = parameters(ssm)
    for name in cli_names:  # the AGC CLI's activation of the other tests makes way for this one
        ssm.delete_parameter(Name=name)
    before, groups_before = vpc_snapshot(ec2, vpc["vpc_id"]), ec2.describe_security_groups()["SecurityGroups"]
    try:
        ansible_playbook(
            ROOT / "playbooks" / "activate.yml",
            stack["url"],
            tmp_path,
            "-e",
            f"vpc={vpc['vpc_id']}",
            "-e",
            f"activation_report={tmp_path / 'activation.md'}",
        )
        assert vpc_snapshot(ec2, vpc["vpc_id"]) == before  # the activation itself leaves a customer's VPC alone
        project = tmp_path / "byo"
        write_project(project)
        (project / "agc-project.yaml").write_text(PROJECT.replace("name: Demo", "name: Byo"))
        _completed, report = migrate(stack, tmp_path, project=str(project), connectivity_test=False)
        assert report["activation"]["source"] == "genomics.aws" and not report["activation"]["managed"]
        assert not report["activation"]["use_endpoints"]
        assert report["configuration"]["vpc_id"] == vpc["vpc_id"]
        assert sorted(report["configuration"]["subnets"]) == sorted(vpc["private_subnets"])
        configuration = omics.get_configuration(name="agc-byo")
        assert sorted(configuration["runConfigurations"]["vpcConfig"]["subnetIds"]) == sorted(vpc["private_subnets"])
        rows = {w["agc_name"]: w for w in report["workflows"]}
        assert omics.get_workflow(id=rows["read"]["workflow_id"])["status"] == "ACTIVE"
        # Unmodified but for the new security group.
        assert vpc_snapshot(ec2, vpc["vpc_id"]) == before
        added = [g for g in ec2.describe_security_groups()["SecurityGroups"] if g not in groups_before]
        assert [(g["GroupId"], g["VpcId"]) for g in added] == [
            (report["configuration"]["security_group"], vpc["vpc_id"])
        ]
    finally:
        ansible_playbook(ROOT / "playbooks" / "deactivate.yml", stack["url"], tmp_path, check=False)
        for name, value in cli_names.items():
            kind = "StringList" if name.endswith("InfraSubnets") else "String"
            ssm.put_parameter(Name=name, Value=value, Type=kind, Overwrite=True)


@FULL_RUNS
def test_make_demo_moves_its_project_from_the_activation_it_just_made(tmp_path):
    completed = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "demo" / "run_demo.py"), "--part", "migrate", "--reports", str(tmp_path)],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-5000:]
    assert "moved          2 of 3 workflows; not migratable: assembly" in output
    assert "connectivity   passed" in output and " COMPLETED" in output.split("runs           ", 1)[1]
    markdown = (tmp_path / "agc-migration.md").read_text()
    assert (
        "| count-lines | wdl 1.0 | DemoProject-count-lines (WDL) |" in markdown
        and "- Activation: genomics.aws" in markdown
    )
