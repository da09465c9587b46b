"""omics_run: one run per set of inputs, waiting, failures, VPC mode and bad input."""

import pytest
from botocore.config import Config

from ansible_collections.genomics.aws.plugins.module_utils.omics import REQUEST_ID_TAG
from ansible_collections.genomics.aws.plugins.modules import omics_run
from ansible_collections.genomics.aws.plugins.modules import omics_run_info
from ansible_collections.genomics.aws.plugins.modules import omics_vpc_configuration
from tools.healthomics_emulator import FailingExecutor

from .helpers import ROLE_ARN
from .helpers import SESSION
from .helpers import BlockingExecutor
from .helpers import active_workflow
from .helpers import run_module
from .helpers import stored

OUTPUT = "s3://omics-results/runs"


@pytest.fixture(scope="module")  # not session: another test file may empty moto in between
def buckets(moto_server):
    s3 = SESSION.client("s3", endpoint_url=moto_server)
    s3.create_bucket(Bucket="omics-results")
    s3.create_bucket(Bucket="omics-results-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})


def start(capsys, emulator, **args):
    args.setdefault("role_arn", ROLE_ARN)
    args.setdefault("output_uri", OUTPUT)
    args.setdefault("wait_timeout", 30)
    return run_module(omics_run, capsys, emulator.url, **args)


def omics_of(emulator):
    return SESSION.client("omics", endpoint_url=emulator.url, config=Config(inject_host_prefix=False))


def test_idempotency_triple(capsys, emulator, omics, buckets):
    workflow_id = active_workflow(omics)
    args = dict(workflow_id=workflow_id, parameters={"who": "world", "n": 3}, tags={"team": "lab"})
    plan = start(capsys, emulator, check_mode=True, diff=True, **args)
    assert plan["changed"] and plan["run"]["id"] is None and plan["run"]["status"] == "PENDING"
    assert plan["diff"]["before"] == {}
    assert stored(emulator, "runs") == []

    applied = start(capsys, emulator, diff=True, **args)
    assert applied["changed"] and not applied.get("failed"), applied
    [run] = stored(emulator, "runs")
    result = applied["run"]
    assert result["id"] == run.id and result["status"] == "COMPLETED"
    assert result["run_output_uri"] == f"{OUTPUT}/{run.id}"
    assert result["parameters"] == {"who": "world", "n": 3}  # user keys untouched by snake_casing
    assert run.parameters == {"who": "world", "n": 3} and run.networking_mode == "RESTRICTED"
    assert run.tags == {"team": "lab", REQUEST_ID_TAG: result["request_id"]} and run.request_id == result["request_id"]
    assert result["name"] == f"hello-{result['request_id'][-64:][:12]}" == run.name

    rerun = start(capsys, emulator, diff=True, **args)
    assert not rerun["changed"] and rerun["run"]["id"] == run.id
    assert rerun["diff"]["before"] == rerun["diff"]["after"]
    assert len(stored(emulator, "runs")) == 1
    # Check mode also finds it.
    assert not start(capsys, emulator, check_mode=True, **args)["changed"]


def test_changed_inputs_start_another_run_and_tags_do_not(capsys, emulator, omics, buckets):
    workflow_id = active_workflow(omics)
    first = start(capsys, emulator, workflow_id=workflow_id, parameters={"who": "a"})["run"]
    retagged = start(capsys, emulator, workflow_id=workflow_id, parameters={"who": "a"}, tags={"new": "tag"})
    assert retagged["changed"] and retagged["run"]["id"] == first["id"]
    assert stored(emulator, "runs")[0].tags == {"new": "tag", REQUEST_ID_TAG: first["request_id"]}
    second = start(capsys, emulator, workflow_id=workflow_id, parameters={"who": "b"})
    assert second["changed"] and second["run"]["id"] != first["id"]
    assert second["run"]["request_id"] != first["request_id"]
    again = start(capsys, emulator, workflow_id=workflow_id, parameters={"who": "a"}, request_id="attempt-2")
    assert again["changed"] and again["run"]["request_id"] == "attempt-2"
    assert len(stored(emulator, "runs")) == 3


def test_a_retry_after_a_timeout_waits_for_the_same_run(capsys, start_emulator, buckets):
    executor = BlockingExecutor()
    emulator = start_emulator(executor=executor)
    workflow_id = active_workflow(omics_of(emulator))
    timed_out = start(capsys, emulator, workflow_id=workflow_id, name="long", wait_timeout=1)
    assert (
        timed_out["failed"] and "timed out after wait_timeout=1s" in timed_out["msg"] and "RUNNING" in timed_out["msg"]
    )
    [run] = stored(emulator, "runs")
    executor.release.set()
    resumed = start(capsys, emulator, workflow_id=workflow_id, name="long")
    assert not resumed["changed"] and resumed["run"]["id"] == run.id and resumed["run"]["status"] == "COMPLETED"
    assert len(stored(emulator, "runs")) == 1


def test_without_wait_the_run_is_returned_running(capsys, start_emulator, buckets):
    executor = BlockingExecutor()
    emulator = start_emulator(executor=executor)
    workflow_id = active_workflow(omics_of(emulator))
    try:
        started = start(capsys, emulator, workflow_id=workflow_id, wait=False)
        assert started["changed"] and started["run"]["status"] in ("PENDING", "STARTING", "RUNNING")
        [run] = stored(emulator, "runs")
        info = run_module(omics_run_info, capsys, emulator.url, run_id=run.id)
        assert [r["id"] for r in info["runs"]] == [run.id] and not info["changed"]
    finally:
        executor.release.set()


def test_a_failed_run_fails_with_its_reason(capsys, start_emulator, buckets):
    emulator = start_emulator(executor=FailingExecutor("OUT_OF_MEMORY", "task align used 31 GiB"))
    workflow_id = active_workflow(omics_of(emulator))
    result = start(capsys, emulator, workflow_id=workflow_id, name="doomed")
    assert result["failed"] and result["changed"]
    assert "FAILED: OUT_OF_MEMORY (task align used 31 GiB)" in result["msg"] and "another request_id" in result["msg"]
    assert result["run"]["status"] == "FAILED" and result["run"]["failure_reason"] == "OUT_OF_MEMORY"
    # Running the task again does not start a second run; it reports the same failure.
    again = start(capsys, emulator, workflow_id=workflow_id, name="doomed")
    assert again["failed"] and not again["changed"] and again["run"]["id"] == result["run"]["id"]
    assert len(stored(emulator, "runs")) == 1


def test_vpc_run_by_workflow_name(capsys, emulator, omics, shared_network, buckets):
    configured = run_module(
        omics_vpc_configuration,
        capsys,
        emulator.url,
        name="genomics-vpc",
        subnets=shared_network.private_subnets,
        security_groups=shared_network.security_groups,
    )
    assert configured["changed"]
    workflow_id = active_workflow(omics, name="connectivity")
    result = start(
        capsys, emulator, workflow_name="connectivity", networking_mode="VPC", configuration_name="genomics-vpc"
    )
    assert result["changed"] and result["run"]["status"] == "COMPLETED"
    [run] = stored(emulator, "runs")
    assert run.workflow_id == workflow_id and run.networking_mode == "VPC" and run.configuration_name == "genomics-vpc"
    assert run.vpc.vpc_id == shared_network.vpc_id
    assert result["run"]["vpc_config"]["vpc_id"] == shared_network.vpc_id
    assert result["run"]["configuration"]["name"] == "genomics-vpc"


@pytest.mark.parametrize(
    "args, named",
    [
        ({"networking_mode": "VPC"}, "networking_mode is VPC but all of the following are missing: configuration_name"),
        (
            {"configuration_name": "genomics-vpc"},
            "configuration_name 'genomics-vpc' is only used with networking_mode=VPC",
        ),
        ({"networking_mode": "VPC", "configuration_name": "nowhere"}, "configuration_name 'nowhere' does not exist"),
        (
            {"networking_mode": "VPC", "configuration_name": "bad name!"},
            "'bad name!' is not a valid HealthOmics configuration name",
        ),
        (
            {"output_uri": "https://omics-results.s3.amazonaws.com/runs"},
            "output_uri 'https://omics-results.s3.amazonaws.com/runs' is not an S3 URI",
        ),
        ({"output_uri": "s3://"}, "output_uri 's3://' is not an S3 URI"),
        ({"output_uri": "s3://omics-results-eu/runs"}, "is in a bucket of eu-west-1, but the run is in us-east-1"),
        ({"output_uri": "s3://no-such-bucket-here/runs"}, "the output bucket 'no-such-bucket-here' does not exist"),
        ({"role_arn": "omics-run"}, "role_arn 'omics-run' is not an IAM role ARN"),
        ({"workflow_id": "9999999"}, "workflow_id '9999999' does not exist"),
        ({"workflow_id": "abc"}, "workflow_id 'abc' is not a HealthOmics workflow id"),
        ({"workflow_id": None, "workflow_name": "nameless"}, "workflow_name 'nameless': no ACTIVE private workflow"),
        ({"cache_id": "x1"}, "cache_id 'x1'"),
        ({"tags": {"genomics.aws:request-id": "forged"}}, "is reserved"),
    ],
)
def test_bad_input_fails_naming_the_value_and_starts_nothing(capsys, emulator, omics, buckets, args, named):
    workflow_id = active_workflow(omics)
    args = {"workflow_id": workflow_id, **args}
    if args["workflow_id"] is None:
        del args["workflow_id"]
    result = start(capsys, emulator, **args)
    assert result["failed"] and named in result["msg"], result["msg"]
    assert stored(emulator, "runs") == []


def test_argument_rules(capsys, emulator, buckets):
    both = start(capsys, emulator, workflow_id="1", workflow_name="x")
    assert both["failed"] and "mutually exclusive" in both["msg"]
    neither = start(capsys, emulator)
    assert neither["failed"] and "workflow_id" in neither["msg"]
    behavior = start(capsys, emulator, workflow_id="1", cache_behavior="CACHE_ALWAYS")
    assert behavior["failed"] and "cache_id" in behavior["msg"]
    assert stored(emulator, "runs") == []


def test_run_info_filters(capsys, emulator, omics, buckets):
    workflow_id = active_workflow(omics)
    start(capsys, emulator, workflow_id=workflow_id, name="one")
    start(capsys, emulator, workflow_id=workflow_id, name="two")
    named = run_module(omics_run_info, capsys, emulator.url, name="two")
    assert [r["name"] for r in named["runs"]] == ["two"] and named["runs"][0]["request_id"]
    completed = run_module(omics_run_info, capsys, emulator.url, status="COMPLETED")
    assert sorted(r["name"] for r in completed["runs"]) == ["one", "two"]
    assert run_module(omics_run_info, capsys, emulator.url, run_id="1")["runs"] == []


def test_parameters_are_checked_against_the_workflow_template(capsys, emulator, omics, buckets):
    from .helpers import workflow_zip

    workflow_id = omics.create_workflow(
        name="templated",
        definitionZip=workflow_zip(),
        requestId="templated",
        parameterTemplate={"sample": {"description": "input"}, "threads": {"optional": True}},
    )["id"]
    unknown = start(capsys, emulator, workflow_id=workflow_id, parameters={"sample": "s3://x", "thread": 4})
    assert unknown["failed"] and "parameters ['thread'] are not parameters of workflow" in unknown["msg"]
    missing = start(capsys, emulator, workflow_id=workflow_id, parameters={"threads": 4})
    assert missing["failed"] and "parameters ['sample'] are required" in missing["msg"]
    assert stored(emulator, "runs") == []
    assert start(capsys, emulator, workflow_id=workflow_id, parameters={"sample": "s3://x"})["changed"]
