"""The HealthOmics emulator, driven through boto3, raw HTTP and the real AWS CLI.

A moto server provides the EC2 network (two VPCs) the emulator checks configurations against.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tools.healthomics_emulator import ExecutionResult
from tools.healthomics_emulator import FailingExecutor
from tools.healthomics_emulator import OmicsEmulator
from tools.healthomics_emulator import OmicsProtocol
from tools.healthomics_emulator import compile_model_pattern
from tools.healthomics_emulator import inspect_definition
from tools.healthomics_emulator.backend import Run
from tools.healthomics_emulator.backend import Workflow
from tools.moto_server import empty_moto_server

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
ROLE_ARN = "arn:aws:iam::123456789012:role/omics-run"

REGION = "us-east-1"
TEST_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
# One session for all clients: it caches loaded service models, so clients are quick to create.
SESSION = boto3.session.Session(region_name=REGION, **TEST_CREDENTIALS)
# The omics model puts a host prefix ("workflows-") on every operation; a local endpoint needs it off.
OMICS_CONFIG = Config(inject_host_prefix=False, retries={"total_max_attempts": 1})


@dataclass(frozen=True)
class Network:
    """Two VPCs in moto: A with two subnets and six security groups, B with one of each."""

    vpc_a: str
    subnets_a: tuple[str, ...]
    groups_a: tuple[str, ...]
    vpc_b: str
    subnet_b: str
    group_b: str


@pytest.fixture(scope="module")
def moto_url():
    with empty_moto_server() as url:
        yield url


@pytest.fixture(scope="module")
def network(moto_url) -> Network:
    ec2 = SESSION.client("ec2", endpoint_url=moto_url)

    def build_vpc(cidr_prefix: str, subnet_count: int, group_count: int):
        vpc_id = ec2.create_vpc(CidrBlock=f"{cidr_prefix}.0.0/16")["Vpc"]["VpcId"]
        subnets = tuple(
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{cidr_prefix}.{index}.0/24")["Subnet"]["SubnetId"]
            for index in range(subnet_count)
        )
        groups = tuple(
            ec2.create_security_group(
                VpcId=vpc_id, GroupName=f"omics-{cidr_prefix}-{index}", Description="omics emulator test"
            )["GroupId"]
            for index in range(group_count)
        )
        return vpc_id, subnets, groups

    vpc_a, subnets_a, groups_a = build_vpc("10.1", 2, 6)
    vpc_b, subnets_b, groups_b = build_vpc("10.2", 1, 1)
    return Network(vpc_a, subnets_a, groups_a, vpc_b, subnets_b[0], groups_b[0])


@pytest.fixture
def start_emulator(moto_url):
    """Start an emulator with the given options; all are stopped after the test."""
    started: list[OmicsEmulator] = []

    def start(delay: float = 0.05, executor=None) -> OmicsEmulator:
        emulator = OmicsEmulator(ec2_endpoint=moto_url, delay=delay, executor=executor)
        emulator.start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


def omics_client(emulator: OmicsEmulator | str, region: str = REGION):
    url = emulator if isinstance(emulator, str) else emulator.url
    return SESSION.client("omics", endpoint_url=url, region_name=region, config=OMICS_CONFIG)


@pytest.fixture
def emulator(start_emulator) -> OmicsEmulator:
    return start_emulator()


@pytest.fixture
def omics(emulator):
    return omics_client(emulator)


def workflow_zip(files: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (files or {"main.wdl": "version 1.0\nworkflow hello {}\n"}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def wait_for(read, expected, timeout: float = 5.0, interval: float = 0.02):
    """Poll ``read()`` until it returns ``expected``; returns every distinct value seen, in order."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if not seen or seen[-1] != value:
            seen.append(value)
        if value == expected:
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value!r} after {timeout}s (seen {seen}), expected {expected!r}")
        time.sleep(interval)


def vpc_config(subnets, groups) -> dict:
    return {"vpcConfig": {"subnetIds": list(subnets), "securityGroupIds": list(groups)}}


def error_of(excinfo) -> tuple[str, str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def create_active_configuration(omics, network, name="vpc-config") -> dict:
    created = omics.create_configuration(
        name=name, runConfigurations=vpc_config(network.subnets_a, network.groups_a[:1])
    )
    wait_for(lambda: omics.get_configuration(name=name)["status"], "ACTIVE")
    return created


def create_active_workflow(omics, **extra) -> str:
    workflow_id = omics.create_workflow(name="hello", definitionZip=workflow_zip(), **extra)["id"]
    wait_for(lambda: omics.get_workflow(id=workflow_id)["status"], "ACTIVE")
    return workflow_id


def start_vpc_run(omics, workflow_id, configuration_name="vpc-config", **extra) -> dict:
    return omics.start_run(
        workflowId=workflow_id,
        roleArn=ROLE_ARN,
        outputUri="s3://results/runs",
        networkingMode="VPC",
        configurationName=configuration_name,
        **extra,
    )


class BlockingExecutor:
    """Keeps each run RUNNING until released; records what it was given."""

    def __init__(self):
        self.release = threading.Event()
        self.seen: list[tuple[Run, Workflow]] = []

    def execute(self, run, workflow):
        self.seen.append((run, workflow))
        while not self.release.wait(0.01):
            if run.cancel_requested.is_set():
                return ExecutionResult.failed("CANCELLED_BY_USER")
        return ExecutionResult.completed()


# --------------------------------------------------------------------------------------------
# Configurations
# --------------------------------------------------------------------------------------------


def test_configuration_lifecycle(start_emulator, network):
    omics = omics_client(start_emulator(delay=0.3))
    created = omics.create_configuration(
        name="genomics-vpc",
        description="runs with internet access",
        runConfigurations=vpc_config(network.subnets_a, network.groups_a[:2]),
    )

    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["status"] == "CREATING"
    assert created["arn"] == "arn:aws:omics:us-east-1:123456789012:configuration/genomics-vpc"
    vpc = created["runConfigurations"]["vpcConfig"]
    assert vpc["vpcId"] == network.vpc_a  # computed from the subnets in moto's EC2
    assert vpc["subnetIds"] == list(network.subnets_a)
    assert vpc["securityGroupIds"] == list(network.groups_a[:2])

    statuses = wait_for(lambda: omics.get_configuration(name="genomics-vpc")["status"], "ACTIVE")
    assert statuses == ["CREATING", "ACTIVE"]
    fetched = omics.get_configuration(name="genomics-vpc")
    assert fetched["uuid"] == created["uuid"]
    assert fetched["description"] == "runs with internet access"
    assert fetched["creationTime"].year >= 2024  # a timestamp botocore could parse

    listed = omics.list_configurations()["items"]
    assert [(item["name"], item["status"]) for item in listed] == [("genomics-vpc", "ACTIVE")]

    deleted = omics.delete_configuration(name="genomics-vpc")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert omics.get_configuration(name="genomics-vpc")["status"] == "DELETING"
    with pytest.raises(ClientError) as excinfo:
        wait_for(lambda: omics.get_configuration(name="genomics-vpc")["status"], "gone")
    code, message, status = error_of(excinfo)
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert "genomics-vpc" in message
    assert omics.list_configurations()["items"] == []


def test_duplicate_configuration_name_conflicts(omics, network):
    create_active_configuration(omics, network, name="twice")
    with pytest.raises(ClientError) as excinfo:
        omics.create_configuration(name="twice", runConfigurations=vpc_config(network.subnets_a, network.groups_a[:1]))
    code, message, status = error_of(excinfo)
    assert (code, status) == ("ConflictException", 409)
    assert "twice" in message


def test_configuration_request_id_is_idempotent(omics, network):
    arguments = {
        "name": "idempotent",
        "requestId": "token-1",
        "runConfigurations": vpc_config(network.subnets_a[:1], network.groups_a[:1]),
    }
    first = omics.create_configuration(**arguments)
    again = omics.create_configuration(**arguments)
    assert again["uuid"] == first["uuid"]
    with pytest.raises(ClientError) as excinfo:
        omics.create_configuration(**{**arguments, "description": "something else"})
    assert error_of(excinfo)[0] == "ConflictException"


def test_configuration_list_paginates(omics, network):
    for index in range(3):
        omics.create_configuration(
            name=f"page-{index}", runConfigurations=vpc_config(network.subnets_a[:1], network.groups_a[:1])
        )
    first_page = omics.list_configurations(maxResults=2)
    assert [item["name"] for item in first_page["items"]] == ["page-0", "page-1"]
    second_page = omics.list_configurations(maxResults=2, startingToken=first_page["nextToken"])
    assert [item["name"] for item in second_page["items"]] == ["page-2"]
    assert "nextToken" not in second_page
    paginated = omics.get_paginator("list_configurations").paginate(PaginationConfig={"PageSize": 1})
    assert [item["name"] for page in paginated for item in page["items"]] == ["page-0", "page-1", "page-2"]


def test_seventeen_subnets_rejected(omics, network):
    subnets = [f"subnet-{index:017x}" for index in range(17)]
    with pytest.raises(ClientError) as excinfo:
        omics.create_configuration(name="too-many-subnets", runConfigurations=vpc_config(subnets, network.groups_a[:1]))
    code, message, status = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert "runConfigurations.vpcConfig.subnetIds" in message
    assert "less than or equal to 16" in message


def test_six_security_groups_rejected(omics, network):
    with pytest.raises(ClientError) as excinfo:
        omics.create_configuration(
            name="too-many-groups", runConfigurations=vpc_config(network.subnets_a, network.groups_a)
        )
    code, message, _status = error_of(excinfo)
    assert code == "ValidationException"
    assert "runConfigurations.vpcConfig.securityGroupIds" in message
    assert "less than or equal to 5" in message


def test_bad_configuration_name_rejected_by_pattern(omics, network):
    with pytest.raises(ClientError) as excinfo:
        omics.create_configuration(
            name="-starts with a dash", runConfigurations=vpc_config(network.subnets_a, network.groups_a[:1])
        )
    code, message, _status = error_of(excinfo)
    assert code == "ValidationException"
    assert "at 'name'" in message and "regular expression pattern" in message


def test_unknown_subnet_and_security_group_rejected(omics, network):
    with pytest.raises(ClientError) as excinfo:
        omics.create_configuration(
            name="ghost-subnet", runConfigurations=vpc_config(["subnet-0123456789abcdef0"], network.groups_a[:1])
        )
    code, message, _status = error_of(excinfo)
    assert code == "ValidationException" and "subnet-0123456789abcdef0" in message

    with pytest.raises(ClientError) as excinfo:
        omics.create_configuration(
            name="ghost-group", runConfigurations=vpc_config(network.subnets_a, ["sg-0123456789abcdef0"])
        )
    code, message, _status = error_of(excinfo)
    assert code == "ValidationException" and "sg-0123456789abcdef0" in message
    assert omics.list_configurations()["items"] == []


def test_subnets_of_two_vpcs_rejected(omics, network):
    with pytest.raises(ClientError) as excinfo:
        omics.create_configuration(
            name="two-vpcs",
            runConfigurations=vpc_config([network.subnets_a[0], network.subnet_b], network.groups_a[:1]),
        )
    code, message, _status = error_of(excinfo)
    assert code == "ValidationException"
    assert network.vpc_a in message and network.vpc_b in message


def test_security_group_of_another_vpc_rejected(omics, network):
    with pytest.raises(ClientError) as excinfo:
        omics.create_configuration(
            name="foreign-group", runConfigurations=vpc_config(network.subnets_a, [network.group_b])
        )
    code, message, _status = error_of(excinfo)
    assert code == "ValidationException" and network.group_b in message


def test_concurrent_creates_of_one_name_make_one_configuration(omics, network):
    outcomes = []

    def create():
        try:
            omics.create_configuration(
                name="contended", runConfigurations=vpc_config(network.subnets_a, network.groups_a[:1])
            )
            outcomes.append("created")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])

    threads = [threading.Thread(target=create) for _thread_index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ConflictException"] * 5 + ["created"]
    assert len(omics.list_configurations()["items"]) == 1


def test_configurations_are_regional(omics, emulator, network):
    create_active_configuration(omics, network, name="east-only")
    assert omics_client(emulator, region="eu-west-1").list_configurations()["items"] == []


# --------------------------------------------------------------------------------------------
# Workflows
# --------------------------------------------------------------------------------------------


def test_workflow_from_zip_becomes_active(omics):
    definition = workflow_zip({"wf/main.wdl": "version 1.0\nworkflow hello {}\n", "wf/tasks.wdl": "version 1.0\n"})
    created = omics.create_workflow(
        name="hello",
        definitionZip=definition,
        parameterTemplate={"sample": {"description": "sample name", "optional": False}},
        tags={"team": "genomics"},
    )
    assert created["status"] == "CREATING"
    assert len(created["id"]) == 7 and created["id"].isdigit()
    assert created["arn"] == f"arn:aws:omics:us-east-1:123456789012:workflow/{created['id']}"

    waiter = omics.get_waiter("workflow_active")
    waiter.wait(id=created["id"], WaiterConfig={"Delay": 0.05, "MaxAttempts": 100})
    workflow = omics.get_workflow(id=created["id"])
    assert workflow["status"] == "ACTIVE"
    assert workflow["engine"] == "WDL"  # detected from the main file
    assert workflow["main"] == "wf/main.wdl"
    assert workflow["parameterTemplate"]["sample"]["optional"] is False
    assert workflow["tags"] == {"team": "genomics"}
    assert [item["id"] for item in omics.list_workflows(name="hello")["items"]] == [created["id"]]


def test_broken_workflow_definitions_fail(omics):
    not_a_zip = omics.create_workflow(name="broken", definitionZip=b"this is not a zip")["id"]
    missing_main = omics.create_workflow(name="no-main", definitionZip=workflow_zip(), main="other.wdl")["id"]
    for workflow_id, reason in ((not_a_zip, "not a valid zip"), (missing_main, "other.wdl")):
        wait_for(lambda workflow_id=workflow_id: omics.get_workflow(id=workflow_id)["status"], "FAILED")
        assert reason in omics.get_workflow(id=workflow_id)["statusMessage"]
    with pytest.raises(ClientError) as excinfo:
        omics.start_run(workflowId=not_a_zip, roleArn=ROLE_ARN, outputUri="s3://results/runs")
    assert error_of(excinfo)[0] == "ConflictException"


def test_workflow_from_definition_uri(omics, moto_url):
    s3 = SESSION.client("s3", endpoint_url=moto_url)
    s3.create_bucket(Bucket="workflow-definitions")
    s3.put_object(Bucket="workflow-definitions", Key="hello.zip", Body=workflow_zip({"hello.cwl": "cwlVersion: v1.2"}))
    from_s3 = omics.create_workflow(definitionUri="s3://workflow-definitions/hello.zip")["id"]
    missing = omics.create_workflow(definitionUri="s3://workflow-definitions/missing.zip")["id"]
    wait_for(lambda: omics.get_workflow(id=from_s3)["status"], "ACTIVE")
    assert omics.get_workflow(id=from_s3)["engine"] == "CWL"
    wait_for(lambda: omics.get_workflow(id=missing)["status"], "FAILED")
    assert "missing.zip" in omics.get_workflow(id=missing)["statusMessage"]


def test_workflow_request_id_and_delete(omics):
    first = omics.create_workflow(name="once", definitionZip=workflow_zip(), requestId="wf-token")
    again = omics.create_workflow(name="once", definitionZip=workflow_zip(), requestId="wf-token")
    assert again["id"] == first["id"]
    assert len(omics.list_workflows()["items"]) == 1
    omics.delete_workflow(id=first["id"])
    with pytest.raises(ClientError) as excinfo:
        omics.get_workflow(id=first["id"])
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


def test_inspect_definition_rules():
    assert inspect_definition(workflow_zip({"pipeline.nf": "x"}), None, None) == ("pipeline.nf", "NEXTFLOW", None)
    main, engine, failure = inspect_definition(workflow_zip({"a.wdl": "", "b.wdl": ""}), None, None)
    assert failure and "main" in failure
    assert inspect_definition(workflow_zip({"run.txt": ""}), "run.txt", "CWL")[2] is None


# --------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------


def test_vpc_run_without_configuration_name_rejected(omics):
    workflow_id = create_active_workflow(omics)
    with pytest.raises(ClientError) as excinfo:
        omics.start_run(workflowId=workflow_id, roleArn=ROLE_ARN, outputUri="s3://results/runs", networkingMode="VPC")
    code, message, _status = error_of(excinfo)
    assert code == "ValidationException" and "configurationName" in message


def test_run_with_unknown_configuration_not_found(omics):
    workflow_id = create_active_workflow(omics)
    with pytest.raises(ClientError) as excinfo:
        start_vpc_run(omics, workflow_id, configuration_name="does-not-exist")
    code, message, status = error_of(excinfo)
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert "does-not-exist" in message


def test_run_needs_active_workflow_and_configuration(start_emulator, network):
    omics = omics_client(start_emulator(delay=0.5))
    workflow_id = omics.create_workflow(name="young", definitionZip=workflow_zip())["id"]
    with pytest.raises(ClientError) as excinfo:
        omics.start_run(workflowId=workflow_id, roleArn=ROLE_ARN, outputUri="s3://results/runs")
    assert error_of(excinfo)[0] == "ConflictException"
    with pytest.raises(ClientError) as excinfo:
        omics.start_run(workflowId="7654321", roleArn=ROLE_ARN, outputUri="s3://results/runs")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"
    omics.create_configuration(
        name="young-config", runConfigurations=vpc_config(network.subnets_a, network.groups_a[:1])
    )
    wait_for(lambda: omics.get_workflow(id=workflow_id)["status"], "ACTIVE")
    omics.delete_configuration(name="young-config")
    with pytest.raises(ClientError) as excinfo:
        start_vpc_run(omics, workflow_id, configuration_name="young-config")
    assert error_of(excinfo)[0] == "ConflictException"


def test_output_uri_must_be_s3(omics):
    workflow_id = create_active_workflow(omics)
    with pytest.raises(ClientError) as excinfo:
        omics.start_run(workflowId=workflow_id, roleArn=ROLE_ARN, outputUri="https://results/runs")
    code, message, _status = error_of(excinfo)
    assert code == "ValidationException" and "s3://" in message


def test_run_request_id_is_idempotent(omics, network):
    create_active_configuration(omics, network)
    workflow_id = create_active_workflow(omics)
    first = start_vpc_run(omics, workflow_id, requestId="run-token")
    again = start_vpc_run(omics, workflow_id, requestId="run-token")
    assert again["id"] == first["id"]
    assert [item["id"] for item in omics.list_runs()["items"]] == [first["id"]]


def test_vpc_run_progresses_to_completed(start_emulator, network):
    executor = BlockingExecutor()
    executor.release.set()
    omics = omics_client(start_emulator(delay=0.25, executor=executor))
    configuration = create_active_configuration(omics, network)
    workflow_id = create_active_workflow(omics)

    started = start_vpc_run(
        omics,
        workflow_id,
        name="connectivity",
        parameters={"targets": ["https://example.org"]},
        cacheBehavior="CACHE_ON_FAILURE",
        tags={"purpose": "test"},
    )
    assert started["status"] == "PENDING"
    assert started["networkingMode"] == "VPC"
    assert started["runOutputUri"] == f"s3://results/runs/{started['id']}"
    assert started["configuration"] == {
        "name": "vpc-config",
        "arn": configuration["arn"],
        "uuid": configuration["uuid"],
    }

    statuses = wait_for(lambda: omics.get_run(id=started["id"])["status"], "COMPLETED")
    assert statuses == ["PENDING", "STARTING", "RUNNING", "COMPLETED"]
    run = omics.get_run(id=started["id"])
    assert run["name"] == "connectivity"
    assert run["parameters"] == {"targets": ["https://example.org"]}
    assert run["cacheBehavior"] == "CACHE_ON_FAILURE"
    assert run["vpcConfig"]["vpcId"] == network.vpc_a
    assert run["creationTime"] <= run["startTime"] <= run["stopTime"]
    assert run["tags"] == {"purpose": "test"}
    assert omics.list_runs(status="COMPLETED")["items"][0]["workflowName"] == "hello"

    # The executor got the run's network and the workflow's definition.
    ((seen_run, seen_workflow),) = executor.seen
    assert seen_run.vpc.vpc_id == network.vpc_a and seen_run.vpc.subnet_ids == network.subnets_a
    assert zipfile.ZipFile(io.BytesIO(seen_workflow.definition_zip)).namelist() == ["main.wdl"]


def test_run_completed_waiter_sees_failure(start_emulator):
    omics = omics_client(
        start_emulator(delay=0, executor=FailingExecutor("CONNECTIVITY_CHECK_FAILED", "2 of 5 unreachable"))
    )
    workflow_id = create_active_workflow(omics)
    run_id = omics.start_run(workflowId=workflow_id, roleArn=ROLE_ARN, outputUri="s3://results/runs")["id"]
    with pytest.raises(Exception, match="FAILED"):
        omics.get_waiter("run_completed").wait(id=run_id, WaiterConfig={"Delay": 0.02, "MaxAttempts": 200})
    run = omics.get_run(id=run_id)
    assert run["status"] == "FAILED"
    assert run["failureReason"] == "CONNECTIVITY_CHECK_FAILED"
    assert run["statusMessage"] == "2 of 5 unreachable"
    assert run["networkingMode"] == "RESTRICTED"


def test_executor_exception_fails_the_run(start_emulator):
    class ExplodingExecutor:
        def execute(self, run, workflow):
            raise RuntimeError("task container crashed")

    omics = omics_client(start_emulator(delay=0, executor=ExplodingExecutor()))
    run_id = omics.start_run(workflowId=create_active_workflow(omics), roleArn=ROLE_ARN, outputUri="s3://results/runs")[
        "id"
    ]
    wait_for(lambda: omics.get_run(id=run_id)["status"], "FAILED")
    assert "task container crashed" in omics.get_run(id=run_id)["statusMessage"]


def test_configuration_in_use_cannot_be_deleted(start_emulator, network):
    executor = BlockingExecutor()
    omics = omics_client(start_emulator(delay=0.02, executor=executor))
    create_active_configuration(omics, network)
    run_id = start_vpc_run(omics, create_active_workflow(omics))["id"]
    wait_for(lambda: omics.get_run(id=run_id)["status"], "RUNNING")

    with pytest.raises(ClientError) as excinfo:
        omics.delete_configuration(name="vpc-config")
    code, message, status = error_of(excinfo)
    assert (code, status) == ("ConflictException", 409)
    assert run_id in message

    executor.release.set()
    wait_for(lambda: omics.get_run(id=run_id)["status"], "COMPLETED")
    omics.delete_configuration(name="vpc-config")  # no active run uses it any more


def test_cancel_run(start_emulator):
    executor = BlockingExecutor()
    omics = omics_client(start_emulator(delay=0.02, executor=executor))
    run_id = omics.start_run(workflowId=create_active_workflow(omics), roleArn=ROLE_ARN, outputUri="s3://results/runs")[
        "id"
    ]
    wait_for(lambda: omics.get_run(id=run_id)["status"], "RUNNING")
    assert omics.cancel_run(id=run_id)["ResponseMetadata"]["HTTPStatusCode"] == 202
    statuses = wait_for(lambda: omics.get_run(id=run_id)["status"], "CANCELLED")
    assert "COMPLETED" not in statuses and "FAILED" not in statuses
    assert executor.seen[0][0].cancel_requested.is_set()
    with pytest.raises(ClientError) as excinfo:
        omics.cancel_run(id=run_id)
    assert error_of(excinfo)[0] == "ConflictException"


# --------------------------------------------------------------------------------------------
# Tags
# --------------------------------------------------------------------------------------------


def test_tags_round_trip_on_every_resource_type(omics, network):
    configuration = omics.create_configuration(
        name="tagged", tags={"owner": "lab"}, runConfigurations=vpc_config(network.subnets_a, network.groups_a[:1])
    )
    wait_for(lambda: omics.get_configuration(name="tagged")["status"], "ACTIVE")
    workflow_id = create_active_workflow(omics, tags={"owner": "lab"})
    run = start_vpc_run(omics, workflow_id, configuration_name="tagged", tags={"owner": "lab"})
    arns = [configuration["arn"], omics.get_workflow(id=workflow_id)["arn"], run["arn"]]

    for arn in arns:
        assert omics.list_tags_for_resource(resourceArn=arn)["tags"] == {"owner": "lab"}
        assert (
            omics.tag_resource(resourceArn=arn, tags={"cost-center": "42"})["ResponseMetadata"]["HTTPStatusCode"] == 204
        )
        omics.untag_resource(resourceArn=arn, tagKeys=["owner"])
        assert omics.list_tags_for_resource(resourceArn=arn)["tags"] == {"cost-center": "42"}
    assert omics.get_configuration(name="tagged")["tags"] == {"cost-center": "42"}
    assert omics.get_workflow(id=workflow_id)["tags"] == {"cost-center": "42"}
    assert omics.get_run(id=run["id"])["tags"] == {"cost-center": "42"}

    with pytest.raises(ClientError) as excinfo:
        omics.tag_resource(resourceArn=arns[0], tags={"aws:reserved": "x"})
    assert error_of(excinfo)[0] == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        omics.list_tags_for_resource(resourceArn="arn:aws:omics:us-east-1:123456789012:workflow/1111111")
    assert error_of(excinfo)[0] == "ResourceNotFoundException"


# --------------------------------------------------------------------------------------------
# Wire protocol and model-driven validation
# --------------------------------------------------------------------------------------------


def test_server_rejects_invalid_enum(omics):
    # With client-side validation off, only the server can refuse these values.
    unchecked = SESSION.client(
        "omics", endpoint_url=omics.meta.endpoint_url, config=OMICS_CONFIG.merge(Config(parameter_validation=False))
    )
    with pytest.raises(ClientError) as excinfo:
        unchecked.start_run(
            workflowId="1234567", roleArn=ROLE_ARN, outputUri="s3://results/runs", networkingMode="BOGUS", priority=-1
        )
    code, message, status = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert "2 validation errors" in message
    assert "'BOGUS' at 'networkingMode'" in message and "[RESTRICTED, VPC]" in message
    assert "at 'priority'" in message and "greater than or equal to 0" in message

    with pytest.raises(ClientError) as excinfo:
        unchecked.create_configuration(name="no-run-configurations")
    assert "at 'runConfigurations' failed to satisfy constraint: Member must not be null" in error_of(excinfo)[1]


def test_raw_http_error_shape(emulator):
    request = urllib.request.Request(
        f"{emulator.url}/run",
        method="POST",
        headers={"Content-Type": "application/json"},
        data=json.dumps(
            {
                "roleArn": ROLE_ARN,
                "outputUri": "s3://results/runs",
                "requestId": "raw",
                "workflowId": "not-numeric",
                "networkingMode": "BOGUS",
            }
        ).encode(),
    )
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=5)
    assert excinfo.value.code == 400
    assert excinfo.value.headers["x-amzn-ErrorType"] == "ValidationException"
    body = json.loads(excinfo.value.read())
    assert list(body) == ["message"]
    assert "'not-numeric' at 'workflowId'" in body["message"] and "[0-9]+" in body["message"]

    missing = urllib.request.Request(f"{emulator.url}/configuration/nothing-here")
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(missing, timeout=5)
    assert (excinfo.value.code, excinfo.value.headers["x-amzn-ErrorType"]) == (404, "ResourceNotFoundException")


def test_unimplemented_operation_answers_clearly(omics):
    with pytest.raises(ClientError) as excinfo:
        omics.create_run_group(name="group", requestId="group-token")
    code, message, status = error_of(excinfo)
    assert (code, status) == ("ValidationException", 501)
    assert "CreateRunGroup" in message


def test_injected_errors(emulator, omics):
    emulator.inject_error("ListRuns", "ThrottlingException", count=1)
    emulator.inject_error("CreateConfiguration", "AccessDeniedException", "not authorized: iam:CreateServiceLinkedRole")
    with pytest.raises(ClientError) as excinfo:
        omics.list_runs()
    assert error_of(excinfo)[::2] == ("ThrottlingException", 429)
    assert omics.list_runs()["items"] == []  # only the next call was throttled
    with pytest.raises(ClientError) as excinfo:
        omics.create_configuration(name="denied", runConfigurations={"vpcConfig": {}})
    assert error_of(excinfo) == ("AccessDeniedException", "not authorized: iam:CreateServiceLinkedRole", 403)
    with pytest.raises(ValueError):
        emulator.inject_error("ListRuns", "NoSuchError")


def test_model_patterns_are_java_full_matches():
    text_pattern = compile_model_pattern(r"[\p{L}||\p{M}||\p{Z}||\p{S}||\p{N}||\p{P}]+")
    assert text_pattern.fullmatch("Ünïcode text, 42 € | ok")
    assert not text_pattern.fullmatch("tab\tcontrol")  # \t is category Cc
    assert compile_model_pattern("subnet-[0-9a-f]+").fullmatch("subnet-0abc")
    assert not compile_model_pattern("subnet-[0-9a-f]+").fullmatch("my-subnet-0abc")


def test_every_modelled_pattern_compiles():
    protocol = OmicsProtocol()
    model = protocol.service_model
    patterns = {model.shape_for(name).metadata.get("pattern") for name in model.shape_names}
    for pattern in filter(None, patterns):
        compile_model_pattern(pattern)


def test_backend_answers_only_use_modelled_members(emulator, omics, network):
    """Guard against drift: every field the backend describes exists in an output shape."""
    model = emulator.protocol.service_model

    def output_members(*operations):
        members = set()
        for operation in operations:
            output = model.operation_model(operation).output_shape
            members |= set(output.members)
            if "items" in output.members:
                members |= set(output.members["items"].member.members)
        return members

    create_active_configuration(omics, network)
    start_vpc_run(omics, create_active_workflow(omics))
    resources = emulator.backend.resources(REGION)
    now = time.time()
    allowed = {
        "configurations": output_members("GetConfiguration", "ListConfigurations"),
        "workflows": output_members("GetWorkflow", "ListWorkflows"),
        "runs": output_members("GetRun", "ListRuns"),
    }
    for kind, records in resources.items():
        assert len(records) == 1
        assert set(records[0].describe(now)) <= allowed[kind], kind


# --------------------------------------------------------------------------------------------
# The AWS CLI against `python -m tools.healthomics_emulator`
# --------------------------------------------------------------------------------------------


EXECUTOR_PLUGIN = """
from tools.healthomics_emulator import FailingExecutor

def make(options):
    return FailingExecutor("PLUGGED_EXECUTOR", f"delay was {options.delay}")
"""


@pytest.fixture(scope="module")
def emulator_process(moto_url, tmp_path_factory):
    """``python -m tools.healthomics_emulator`` with an executor plugged in through ``--executor``."""
    plugin_dir = tmp_path_factory.mktemp("executor-plugin")
    (plugin_dir / "omics_test_executor.py").write_text(EXECUTOR_PLUGIN)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(plugin_dir)])}
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
            "omics_test_executor:make",
        ],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    assert "listening on http://127.0.0.1:" in line, process.stderr.read()
    yield line.rsplit(" ", 1)[-1].strip()
    process.terminate()
    assert process.wait(timeout=10) == 0


def aws_cli(endpoint_url: str, *arguments: str) -> dict:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "NO_PROXY": "127.0.0.1",
    }
    completed = subprocess.run(
        [str(VENV_BIN / "aws"), "omics", *arguments, "--endpoint-url", endpoint_url, "--output", "json"],
        check=False,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout) if completed.stdout.strip() else {}


def test_aws_cli_configuration_and_vpc_run(emulator_process, network, tmp_path):
    created = aws_cli(
        emulator_process,
        "create-configuration",
        "--name",
        "cli-config",
        "--run-configurations",
        json.dumps(vpc_config(network.subnets_a, network.groups_a[:1])),
        "--tags",
        "team=genomics",
    )
    assert created["status"] == "ACTIVE"  # --delay 0
    fetched = aws_cli(emulator_process, "get-configuration", "--name", "cli-config")
    assert fetched["runConfigurations"]["vpcConfig"]["vpcId"] == network.vpc_a
    assert fetched["tags"] == {"team": "genomics"}

    definition = tmp_path / "workflow.zip"
    definition.write_bytes(workflow_zip())
    workflow = aws_cli(
        emulator_process, "create-workflow", "--name", "cli-workflow", "--definition-zip", f"fileb://{definition}"
    )
    run = aws_cli(
        emulator_process,
        "start-run",
        "--workflow-id",
        workflow["id"],
        "--role-arn",
        ROLE_ARN,
        "--output-uri",
        "s3://results/cli",
        "--networking-mode",
        "VPC",
        "--configuration-name",
        "cli-config",
    )
    assert run["networkingMode"] == "VPC"
    assert run["configuration"]["name"] == "cli-config"
    assert run["runOutputUri"] == f"s3://results/cli/{run['id']}"

    # The executor given with --executor decided the outcome.
    omics = omics_client(emulator_process)
    wait_for(lambda: omics.get_run(id=run["id"])["status"], "FAILED")
    failed = aws_cli(emulator_process, "get-run", "--id", run["id"])
    assert (failed["failureReason"], failed["statusMessage"]) == ("PLUGGED_EXECUTOR", "delay was 0.0")
