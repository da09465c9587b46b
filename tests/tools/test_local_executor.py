"""The emulator's LocalWdlExecutor: WDL runs for real on this machine, under HealthOmics' networking.

Runs are started through boto3 against the emulator, as a module would. The workflows' tasks run
``python3`` snippets against TCP servers this test starts on 127.0.0.1; loopback addresses stand for
the outside world (internet or on-premises servers), so in VPC mode the configuration's security
group egress rules and its subnets' routes decide what the task reaches, as on AWS.

The output bucket has no bucket policy on purpose: moto enforces Deny statements but ignores their
Conditions, so the usual TLS-only policy would deny every write the executor makes, HTTPS or not.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from tools.customer_vpc import build_customer_vpc
from tools.healthomics_emulator import OmicsEmulator
from tools.healthomics_emulator.egress import NetworkSettings
from tools.healthomics_emulator.egress import decide
from tools.healthomics_emulator.egress import vpc_policy
from tools.healthomics_emulator.local_executor import LocalWdlExecutor
from tools.healthomics_emulator.network import ResolvedVpc
from tools.healthomics_emulator.task_sitecustomize import POLICY_ENV
from tools.moto_server import empty_moto_server

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/omics-run"
BUCKET = "omics-local-executor-results"  # no bucket policy: see the module docstring
BANNER = f"s3://{BUCKET}/inputs/banner.txt"
SESSION = boto3.session.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
OMICS_CONFIG = Config(inject_host_prefix=False, retries={"total_max_attempts": 1})
DROP_TIMEOUT = 1.0  # what a blocked connect costs here; the task's own connect timeout is longer
CONNECT_TIMEOUT = 5.0

PROBE_WDL = """\
version 1.1

workflow connectivity {
  input {
    Array[String] destinations
    Float connect_timeout = 5.0
  }
  call probe { input: destinations = destinations, connect_timeout = connect_timeout }
  output {
    File report = probe.report
  }
}

task probe {
  input {
    Array[String] destinations
    Float connect_timeout
  }
  command <<<
    set -euo pipefail
    echo "probing ~{length(destinations)} destinations" >&2
    python3 -c '
    import json, socket, sys, time
    results = {}
    for target in sys.argv[2:]:
        host, port = target.rsplit(":", 1)
        started = time.monotonic()
        try:
            socket.create_connection((host, int(port)), timeout=float(sys.argv[1])).close()
            outcome = "connected"
        except socket.timeout:
            outcome = "timeout"
        except OSError as error:
            outcome = "error: %s" % error
        results[target] = {"outcome": outcome, "seconds": round(time.monotonic() - started, 2)}
    json.dump(results, open("result.json", "w"), indent=2)
    ' ~{connect_timeout} ~{sep(" ", destinations)}
  >>>
  output {
    File report = "result.json"
  }
  runtime {
    docker: "123456789012.dkr.ecr.us-east-1.amazonaws.com/python:3.12-slim"
  }
  meta {
    volatile: true
  }
}
"""

PIPELINE_WDL = """\
version 1.0

workflow pipeline {
  input {
    String greeting
    Int repeat
    Array[String] names
    File banner
  }
  call greet { input: greeting = greeting, repeat = repeat, names = names }
  call summarize { input: lines = greet.lines, expected = length(names) * repeat, banner = banner }
  output {
    File greetings = greet.lines
    Array[File] per_name = greet.per_name
    String first_line = summarize.first
    Int count = summarize.count
    Map[String, String] facts = summarize.facts
    String banner_text = summarize.banner_text
  }
}

task greet {
  input {
    String greeting
    Int repeat
    Array[String] names
  }
  command <<<
    for name in ~{sep=" " names}; do
      for i in $(seq ~{repeat}); do echo "~{greeting}, $name ($i)"; done | tee "$name.greeting"
    done > lines.txt
  >>>
  output {
    File lines = "lines.txt"
    Array[File] per_name = glob("*.greeting")
  }
}

task summarize {
  input {
    File lines
    Int expected
    File banner
  }
  command <<<
    head -n 1 ~{lines}
    printf '{"lines": "%s", "expected": "~{expected}"}' "$(wc -l < ~{lines} | tr -d ' ')" > facts.json
  >>>
  output {
    String first = read_string(stdout())
    Int count = length(read_lines(lines))
    Map[String, String] facts = read_json("facts.json")
    String banner_text = read_string(banner)
  }
}
"""

FAILING_WDL = """\
version 1.1

workflow failing {
  call align
}

task align {
  command <<<
    echo "loading the reference" >&2
    echo "fatal: reference genome index missing" >&2
    exit 3
  >>>
}
"""

SCATTER_WDL = """\
version 1.0

workflow fan_out {
  scatter (i in [1, 2]) {
    call one { input: i = i }
  }
}

task one {
  input { Int i }
  command <<< echo ~{i} >>>
}
"""

SLOW_WDL = """\
version 1.0

workflow slow {
  call wait
}

task wait {
  command <<<
    sleep 30
    echo finished
  >>>
}
"""


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moto_url():
    with empty_moto_server() as url:
        s3 = SESSION.client("s3", endpoint_url=url)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="inputs/banner.txt", Body=b"Genomics run\n")
        yield url


@pytest.fixture
def start_emulator(moto_url, tmp_path):
    """An emulator running runs with a LocalWdlExecutor (keyword arguments go to the executor)."""
    started: list[OmicsEmulator] = []

    def start(**executor_options) -> OmicsEmulator:
        options = {"run_timeout": 30, "drop_timeout": DROP_TIMEOUT, "work_dir": tmp_path / "runs", **executor_options}
        emulator = OmicsEmulator(ec2_endpoint=moto_url, delay=0.02, executor=LocalWdlExecutor(moto_url, **options))
        emulator.start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


class CountingServer:
    """A TCP server on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def destination(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve(self):
        while not self._stop.is_set():
            try:
                connection, _address = self.socket.accept()
            except (socket.timeout, OSError):
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.socket.close()


@pytest.fixture
def servers():
    """Two servers: ``allowed`` (its port gets an egress rule) and ``blocked``."""
    allowed, blocked = CountingServer(), CountingServer()
    yield allowed, blocked
    allowed.close()
    blocked.close()


@dataclass(frozen=True)
class Vpc:
    vpc_id: str
    private_subnets: tuple[str, ...]
    public_subnet: str
    security_group: str
    private_route_table: str
    nat_gateway: str


def build_vpc(ec2, second_octet: int, allowed_port: int | None = None) -> Vpc:
    """Private subnets in 2 AZs routed to an available NAT gateway in a public subnet (IGW route), one security
    group whose only egress rule is ``tcp <allowed_port> 127.0.0.1/32`` (moto's allow-all rule removed)."""
    vpc = build_customer_vpc(ec2, f"10.{second_octet}", azs=2, nat_gateways=1)
    group = ec2.create_security_group(
        VpcId=vpc["vpc_id"], GroupName=f"omics-run-{second_octet}", Description="omics runs"
    )["GroupId"]
    ec2.revoke_security_group_egress(
        GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    if allowed_port is not None:
        ec2.authorize_security_group_egress(
            GroupId=group,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": allowed_port,
                    "ToPort": allowed_port,
                    "IpRanges": [{"CidrIp": "127.0.0.1/32", "Description": "license server"}],
                }
            ],
        )
    return Vpc(
        vpc["vpc_id"],
        tuple(vpc["private_subnets"]),
        vpc["public_subnets"][0],
        group,
        vpc["private_route_tables"][0],
        vpc["nat_gateways"][0],
    )


_octets = iter(range(100, 250))


def workflow_zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def omics_client(emulator: OmicsEmulator | str):
    url = emulator if isinstance(emulator, str) else emulator.url
    return SESSION.client("omics", endpoint_url=url, config=OMICS_CONFIG)


def wait_until(read, done, timeout: float = 20.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value!r} after {timeout}s")
        time.sleep(interval)


def create_workflow(omics, wdl: str, name: str) -> str:
    workflow_id = omics.create_workflow(name=name, definitionZip=workflow_zip({"main.wdl": wdl}))["id"]
    wait_until(lambda: omics.get_workflow(id=workflow_id)["status"], lambda status: status == "ACTIVE")
    return workflow_id


def create_configuration(omics, name: str, vpc: Vpc) -> str:
    omics.create_configuration(
        name=name,
        runConfigurations={
            "vpcConfig": {"subnetIds": list(vpc.private_subnets), "securityGroupIds": [vpc.security_group]}
        },
    )
    wait_until(lambda: omics.get_configuration(name=name)["status"], lambda status: status == "ACTIVE")
    return name


def run_to_end(omics, workflow_id: str, prefix: str, **start) -> dict:
    run_id = omics.start_run(workflowId=workflow_id, roleArn=ROLE_ARN, outputUri=f"s3://{BUCKET}/{prefix}", **start)[
        "id"
    ]
    return wait_until(
        lambda: omics.get_run(id=run_id), lambda run: run["status"] in ("COMPLETED", "FAILED", "CANCELLED")
    )


def s3_text(moto_url: str, key: str) -> str:
    return SESSION.client("s3", endpoint_url=moto_url).get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()


def flow_records(moto_url: str, run: dict) -> list[dict]:
    text = s3_text(moto_url, f"{run_key(run)}/logs/network-flow.jsonl")
    return [json.loads(line) for line in text.splitlines()]


def run_key(run: dict) -> str:
    """The S3 key prefix of ``runOutputUri``."""
    return run["runOutputUri"].split("/", 3)[3]


def probe(moto_url, omics, servers, prefix: str, **start) -> tuple[dict, dict]:
    """Run the probe workflow against both servers; returns the run and its report."""
    workflow_id = create_workflow(omics, PROBE_WDL, f"probe-{prefix}")
    allowed, blocked = servers
    run = run_to_end(
        omics,
        workflow_id,
        prefix,
        parameters={"destinations": [allowed.destination, blocked.destination], "connect_timeout": CONNECT_TIMEOUT},
        **start,
    )
    assert run["status"] == "COMPLETED", run.get("statusMessage")
    report = json.loads(s3_text(moto_url, f"{run_key(run)}/out/report/result.json"))
    return run, {target: result["outcome"] for target, result in report.items()}


# --------------------------------------------------------------------------------------------
# VPC and RESTRICTED networking, end to end
# --------------------------------------------------------------------------------------------


def test_vpc_run_reaches_allowed_destination_and_times_out_on_blocked(start_emulator, moto_url, servers):
    allowed, blocked = servers
    vpc = build_vpc(SESSION.client("ec2", endpoint_url=moto_url), next(_octets), allowed_port=allowed.port)
    omics = omics_client(start_emulator())
    configuration = create_configuration(omics, "probe-vpc", vpc)

    run, outcomes = probe(moto_url, omics, servers, "vpc", networkingMode="VPC", configurationName=configuration)

    assert outcomes == {allowed.destination: "connected", blocked.destination: "timeout"}
    assert allowed.connections == 1 and blocked.connections == 0
    # HealthOmics' layout under runOutputUri: the output summary, the task's logs, the engine log.
    summary = json.loads(s3_text(moto_url, f"{run_key(run)}/logs/outputs.json"))
    assert summary == {"connectivity.report": f"{run['runOutputUri']}/out/report/result.json"}
    assert "probing 2 destinations" in s3_text(moto_url, f"{run_key(run)}/logs/tasks/probe/stderr.txt")
    engine_log = s3_text(moto_url, f"{run_key(run)}/logs/engine.log")
    assert "volatile: never cached" in engine_log and "python:3.12-slim ignored" in engine_log
    decisions = {(record["port"], record["action"]): record["reason"] for record in flow_records(moto_url, run)}
    assert f"{vpc.security_group} allows tcp/{allowed.port}-{allowed.port}" in decisions[(allowed.port, "ACCEPT")]
    assert decisions[(blocked.port, "REJECT")].startswith("security group: no egress rule")


def test_vpc_run_without_default_route_times_out_everywhere(start_emulator, moto_url, servers):
    allowed, blocked = servers
    ec2 = SESSION.client("ec2", endpoint_url=moto_url)
    vpc = build_vpc(ec2, next(_octets), allowed_port=allowed.port)
    ec2.delete_route(RouteTableId=vpc.private_route_table, DestinationCidrBlock="0.0.0.0/0")
    omics = omics_client(start_emulator())
    configuration = create_configuration(omics, "probe-no-route", vpc)

    run, outcomes = probe(moto_url, omics, servers, "no-route", networkingMode="VPC", configurationName=configuration)

    assert outcomes == {allowed.destination: "timeout", blocked.destination: "timeout"}
    assert allowed.connections == 0 and blocked.connections == 0
    reasons = {record["port"]: record["reason"] for record in flow_records(moto_url, run)}
    assert (
        reasons[allowed.port]
        == f"route: subnet {vpc.private_subnets[0]} (route table {vpc.private_route_table}) has no route to 127.0.0.1"
    )


def test_restricted_run_reaches_nothing(start_emulator, moto_url, servers):
    allowed, blocked = servers
    omics = omics_client(start_emulator())

    run, outcomes = probe(moto_url, omics, servers, "restricted")

    assert run["networkingMode"] == "RESTRICTED"
    assert outcomes == {allowed.destination: "timeout", blocked.destination: "timeout"}
    assert allowed.connections == 0 and blocked.connections == 0
    assert {record["reason"] for record in flow_records(moto_url, run)} == {
        "RESTRICTED networking mode: no outbound network access"
    }


def test_probe_workflow_passes_miniwdl_check(tmp_path):
    for name, wdl in (("probe.wdl", PROBE_WDL), ("pipeline.wdl", PIPELINE_WDL)):
        (tmp_path / name).write_text(wdl)
        completed = subprocess.run(
            [str(VENV_BIN / "miniwdl"), "check", str(tmp_path / name)],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr


# --------------------------------------------------------------------------------------------
# WDL execution
# --------------------------------------------------------------------------------------------


def test_parameters_and_call_outputs_flow_through_the_workflow(start_emulator, moto_url):
    omics = omics_client(start_emulator())
    workflow_id = create_workflow(omics, PIPELINE_WDL, "pipeline")

    run = run_to_end(
        omics,
        workflow_id,
        "pipeline",
        parameters={"greeting": "Hello", "repeat": 2, "pipeline.names": ["ada", "grace"], "banner": BANNER},
    )

    assert run["status"] == "COMPLETED", run.get("statusMessage")
    base = run["runOutputUri"]
    summary = json.loads(s3_text(moto_url, f"{run_key(run)}/logs/outputs.json"))
    assert summary == {
        "pipeline.greetings": f"{base}/out/greetings/lines.txt",
        "pipeline.per_name": [f"{base}/out/per_name/0/ada.greeting", f"{base}/out/per_name/1/grace.greeting"],
        "pipeline.first_line": "Hello, ada (1)",
        "pipeline.count": 4,
        "pipeline.facts": {"lines": "4", "expected": "4"},
        "pipeline.banner_text": "Genomics run",
    }
    assert s3_text(moto_url, f"{run_key(run)}/out/per_name/1/grace.greeting") == "Hello, grace (1)\nHello, grace (2)\n"
    assert "head -n 1 " in s3_text(moto_url, f"{run_key(run)}/logs/tasks/summarize/command.sh")


def test_failing_task_fails_the_run_naming_the_task_and_its_stderr(start_emulator, moto_url):
    omics = omics_client(start_emulator())
    run = run_to_end(omics, create_workflow(omics, FAILING_WDL, "failing"), "failing")

    assert run["status"] == "FAILED"
    assert run["failureReason"] == "WORKFLOW_RUN_FAILED"
    assert run["statusMessage"] == (
        "Task align failed: its command exited with status 3. stderr tail: "
        "loading the reference | fatal: reference genome index missing"
    )
    assert "fatal: reference genome index missing" in s3_text(moto_url, f"{run_key(run)}/logs/tasks/align/stderr.txt")


def test_unsupported_construct_fails_the_run_clearly(start_emulator):
    omics = omics_client(start_emulator())
    run = run_to_end(omics, create_workflow(omics, SCATTER_WDL, "fan-out"), "scatter")

    assert (run["status"], run["failureReason"]) == ("FAILED", "WORKFLOW_RUN_FAILED")
    assert run["statusMessage"] == (
        "The omics emulator's local executor does not support scatter (line 4) "
        "(it runs workflows made of declarations and task calls)"
    )


def test_run_time_limit_kills_the_task(start_emulator, moto_url):
    omics = omics_client(start_emulator(run_timeout=1.5))
    started = time.monotonic()
    run = run_to_end(omics, create_workflow(omics, SLOW_WDL, "slow"), "slow")

    assert time.monotonic() - started < 10
    assert (run["status"], run["failureReason"]) == ("FAILED", "RUN_TIMED_OUT")
    assert run["statusMessage"] == (
        "The run timed out after 1.5 s (the local executor's run time limit) while task wait was running"
    )
    assert s3_text(moto_url, f"{run_key(run)}/logs/tasks/wait/stdout.txt") == ""


def test_cancel_run_stops_the_task(start_emulator, tmp_path):
    omics = omics_client(start_emulator())
    workflow_id = create_workflow(omics, SLOW_WDL, "slow-cancelled")
    run_id = omics.start_run(workflowId=workflow_id, roleArn=ROLE_ARN, outputUri=f"s3://{BUCKET}/cancelled")["id"]
    scratch = tmp_path / "runs"
    wait_until(lambda: list(scratch.glob("*/calls/wait/stdout.txt")), bool)  # the task is running

    omics.cancel_run(id=run_id)

    wait_until(lambda: omics.get_run(id=run_id)["status"], lambda status: status == "CANCELLED", timeout=5)
    wait_until(lambda: list(scratch.iterdir()), lambda left: left == [], timeout=5)  # killed and cleaned up


def test_bad_parameters_fail_the_run(start_emulator):
    omics = omics_client(start_emulator())
    workflow_id = create_workflow(omics, PIPELINE_WDL, "pipeline-bad-parameters")

    run = run_to_end(omics, workflow_id, "missing", parameters={"greeting": "Hi", "repeat": 1, "banner": BANNER})
    assert (run["status"], run["failureReason"]) == ("FAILED", "WORKFLOW_RUN_FAILED")
    assert run["statusMessage"] == (
        "The run parameters do not fit the workflow inputs: missing required inputs/outputs: names"
    )

    missing = f"s3://{BUCKET}/inputs/no-such-banner.txt"
    run = run_to_end(
        omics, workflow_id, "no-input", parameters={"greeting": "Hi", "repeat": 1, "names": ["a"], "banner": missing}
    )
    assert (run["status"], run["failureReason"]) == ("FAILED", "INPUT_URI_NOT_FOUND")
    assert run["statusMessage"].startswith(f"The provided URI does not exist: {missing}.")


# --------------------------------------------------------------------------------------------
# The network policy on its own
# --------------------------------------------------------------------------------------------


POLICY_CHECK = """
import errno, os, select, socket, sys, time
import sitecustomize
print("chained", os.environ.get("CHAINED_SITECUSTOMIZE"))
blocked = int(sys.argv[1])
started = time.monotonic()
try:
    socket.create_connection(("127.0.0.1", blocked), timeout=30)
except socket.timeout as error:
    print("timeout", error, round(time.monotonic() - started))
sock = socket.socket()
try:
    sock.connect(("localhost", blocked))  # resolved as connect() would, then policed
except TimeoutError as error:
    print("no timeout", errno.errorcode[error.errno])
sock = socket.socket()
sock.settimeout(0.1)
print("connect_ex", errno.errorcode[sock.connect_ex(("127.0.0.1", blocked))])
sock = socket.socket()
sock.setblocking(False)
code = errno.errorcode[sock.connect_ex(("127.0.0.1", blocked))]
print("non-blocking", code, select.select([], [sock], [], 0.3)[1] == [])
own = socket.socket()
own.bind(("127.0.0.1", 0))
own.listen()
socket.create_connection(own.getsockname(), timeout=1).close()
print("own server reachable")
"""


def test_policy_drops_like_the_network_and_chains_sitecustomize(tmp_path):
    """What the task's Python sees, without the emulator: drops, not refusals; an existing
    sitecustomize still runs; the test process itself is untouched."""
    original_connect = socket.socket.connect
    policy_dir, other_dir = tmp_path / "policy", tmp_path / "other"
    policy_dir.mkdir()
    other_dir.mkdir()
    source = REPO / "tools" / "healthomics_emulator" / "task_sitecustomize.py"
    (policy_dir / "sitecustomize.py").write_text(source.read_text())
    (other_dir / "sitecustomize.py").write_text("import os\nos.environ['CHAINED_SITECUSTOMIZE'] = 'yes'\n")
    (policy_dir / "policy.json").write_text(
        json.dumps(
            {
                "mode": "RESTRICTED",
                "drop_timeout": 1,
                "flow_log": str(tmp_path / "flow.jsonl"),
                "listeners_path": str(tmp_path / "listeners"),
            }
        )
    )
    server = CountingServer()
    try:
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(policy_dir), str(other_dir)]),
            POLICY_ENV: str(policy_dir / "policy.json"),
        }
        completed = subprocess.run(
            ["python3", "-c", POLICY_CHECK, str(server.port)],
            check=False,
            env=environment,
            capture_output=True,
            text=True,
            timeout=30,
            cwd=tmp_path,
        )
    finally:
        server.close()
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == [
        "chained yes",
        "timeout timed out 1",
        "no timeout ETIMEDOUT",
        "connect_ex EAGAIN",
        "non-blocking EINPROGRESS True",
        "own server reachable",
    ]
    assert server.connections == 0
    records = [json.loads(line) for line in (tmp_path / "flow.jsonl").read_text().splitlines()]
    assert [(record["action"], record["host"]) for record in records] == [
        ("REJECT", "127.0.0.1"),
        ("REJECT", "localhost"),
        ("REJECT", "127.0.0.1"),
        ("REJECT", "127.0.0.1"),
        ("ACCEPT", "127.0.0.1"),
    ]
    assert {record["destination"] for record in records} == {"127.0.0.1"}
    assert socket.socket.connect is original_connect


def _policy_for(ec2, vpc: Vpc, placement: str = "all") -> dict:
    resolved = ResolvedVpc(vpc.vpc_id, vpc.private_subnets, (vpc.security_group,), None)
    return vpc_policy(ec2, resolved, NetworkSettings(drop_timeout=1, placement=placement))


def test_policy_follows_security_groups_and_routes(moto_url):
    ec2 = SESSION.client("ec2", endpoint_url=moto_url)
    vpc = build_vpc(ec2, next(_octets), allowed_port=443)
    policy = _policy_for(ec2, vpc)
    assert decide(policy, "127.0.0.1", 443)[0]
    assert decide(policy, "127.0.0.1", 22) == (
        False,
        f"security group: no egress rule of {vpc.security_group} allows tcp/22 to 127.0.0.1",
    )

    # All traffic to anywhere; inside the VPC the local route always delivers.
    ec2.authorize_security_group_egress(
        GroupId=vpc.security_group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    policy = _policy_for(ec2, vpc)
    assert decide(policy, "127.0.0.2", 22)[0]
    inside = policy["vpc_cidrs"][0].replace("0.0/16", "9.9")
    assert decide(policy, inside, 5432) == (
        True,
        f"{vpc.security_group} allows all traffic; "
        + ", ".join(f"{subnet} via local" for subnet in vpc.private_subnets),
    )

    # A more specific route wins: 127.0.0.0/8 to a peering connection (not emulated) drops loopback.
    peer_vpc = ec2.create_vpc(CidrBlock="10.250.0.0/16")["Vpc"]["VpcId"]
    peering = ec2.create_vpc_peering_connection(VpcId=vpc.vpc_id, PeerVpcId=peer_vpc)["VpcPeeringConnection"]
    ec2.create_route(
        RouteTableId=vpc.private_route_table,
        DestinationCidrBlock="127.0.0.0/8",
        VpcPeeringConnectionId=peering["VpcPeeringConnectionId"],
    )
    allowed, reason = decide(_policy_for(ec2, vpc), "127.0.0.1", 443)
    assert not allowed and "127.0.0.0/8 via pcx-" in reason and "a VPC peering connection: not emulated" in reason
    ec2.delete_route(RouteTableId=vpc.private_route_table, DestinationCidrBlock="127.0.0.0/8")

    # A NAT gateway whose subnet has no internet gateway route reaches nothing.
    ec2.delete_route(RouteTableId=_table_of(ec2, vpc.public_subnet), DestinationCidrBlock="0.0.0.0/0")
    allowed, reason = decide(_policy_for(ec2, vpc), "127.0.0.1", 443)
    assert not allowed and f"NAT gateway {vpc.nat_gateway} sits in subnet {vpc.public_subnet}" in reason


def test_policy_refuses_public_subnets_and_honours_placement(moto_url):
    ec2 = SESSION.client("ec2", endpoint_url=moto_url)
    vpc = build_vpc(ec2, next(_octets), allowed_port=443)
    # The second private subnet moves to the public route table: a run placed there gets no internet.
    association = _association_of(ec2, vpc.private_subnets[1])
    ec2.replace_route_table_association(AssociationId=association, RouteTableId=_table_of(ec2, vpc.public_subnet))

    allowed, reason = decide(_policy_for(ec2, vpc), "127.0.0.1", 443)
    assert not allowed
    assert reason.startswith(f"route: subnet {vpc.private_subnets[1]}") and "has no public IP" in reason
    assert decide(_policy_for(ec2, vpc, placement="first"), "127.0.0.1", 443)[0]


def _table_of(ec2, subnet_id: str) -> str:
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])[
        "RouteTables"
    ]
    return tables[0]["RouteTableId"]


def _association_of(ec2, subnet_id: str) -> str:
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])[
        "RouteTables"
    ]
    return next(
        association["RouteTableAssociationId"]
        for association in tables[0]["Associations"]
        if association.get("SubnetId") == subnet_id
    )


# --------------------------------------------------------------------------------------------
# From the command line
# --------------------------------------------------------------------------------------------


def test_cli_executor_local_runs_workflows(moto_url, tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.healthomics_emulator",
            "--port",
            "0",
            "--delay",
            "0",
            "--ec2-endpoint",
            moto_url,
            "--executor",
            "local",
            "--run-timeout",
            "30",
            "--connect-drop-timeout",
            "1",
            "--work-dir",
            str(tmp_path),
        ],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, process.stderr.read()
        omics = omics_client(line.rsplit(" ", 1)[-1].strip())
        run = run_to_end(
            omics,
            create_workflow(omics, PIPELINE_WDL, "cli-pipeline"),
            "cli",
            parameters={"greeting": "Hi", "repeat": 1, "names": ["linus"], "banner": BANNER},
        )
        assert run["status"] == "COMPLETED", run.get("statusMessage")
        assert s3_text(moto_url, f"{run_key(run)}/out/greetings/lines.txt") == "Hi, linus (1)\n"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
    assert list(tmp_path.iterdir()) == []  # scratch directories are removed after each run
