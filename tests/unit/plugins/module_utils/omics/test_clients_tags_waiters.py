"""The omics client against a custom endpoint, tag reconciliation and waiters, with botocore's Stubber."""

from datetime import datetime

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.botocore import _boto3_conn

from ansible_collections.genomics.aws.plugins.module_utils._omics import waiters
from ansible_collections.genomics.aws.plugins.module_utils._shared.clients import module_client
from ansible_collections.genomics.aws.plugins.module_utils.omics import AnsibleGenomicsError
from ansible_collections.genomics.aws.plugins.module_utils.omics import ensure_omics_tags

ARN = "arn:aws:omics:us-east-1:123456789012:run/1234567"


class FakeModule:
    """What module_client uses of AnsibleAWSModule: params and client(), built as amazon.aws builds it."""

    def __init__(self, **params):
        self.params = params

    def client(self, service, **extra):
        return _boto3_conn(
            conn_type="client",
            resource=service,
            region="us-east-1",
            endpoint=self.params.get("endpoint_url"),
            aws_config=self.params.get("aws_config"),
            **extra,
        )


def test_custom_endpoint_turns_off_the_host_prefix_and_keeps_the_rest_of_the_config(monkeypatch):
    monkeypatch.delenv("AWS_DISABLE_HOST_PREFIX_INJECTION", raising=False)
    from botocore.config import Config

    client = module_client(
        FakeModule(endpoint_url="http://127.0.0.1:5000", aws_config=Config(connect_timeout=7)), "omics"
    )
    assert client.meta.config.inject_host_prefix is False
    assert client.meta.config.connect_timeout == 7
    assert client.meta.config.user_agent.startswith("APN/1.0 Ansible/")  # amazon.aws's config is still the base
    real = module_client(FakeModule(), "omics")
    assert real.meta.config.inject_host_prefix is True


@pytest.fixture
def omics():
    client = boto3.client("omics", region_name="us-east-1")
    with Stubber(client) as stubber:
        client.stubber = stubber
        yield client


def test_tags_are_reconciled_without_purging_reserved_keys(omics):
    current = {"keep": "1", "drop": "2", "genomics.aws:request-id": "r", "aws:cloudformation:stack-name": "s"}
    omics.stubber.add_response("untag_resource", {}, {"resourceArn": ARN, "tagKeys": ["drop"]})
    omics.stubber.add_response("tag_resource", {}, {"resourceArn": ARN, "tags": {"new": "3"}})
    changed, after = ensure_omics_tags(
        omics, ARN, current, {"keep": "1", "new": "3"}, True, False, reserved={"genomics.aws:request-id": "r"}
    )
    assert changed
    assert after == {"keep": "1", "new": "3", "genomics.aws:request-id": "r", "aws:cloudformation:stack-name": "s"}
    omics.stubber.assert_no_pending_responses()


def test_tags_in_check_mode_and_without_changes_call_nothing(omics):
    assert ensure_omics_tags(omics, ARN, {"a": "1"}, {"a": "1"}, True, False) == (False, {"a": "1"})
    assert ensure_omics_tags(omics, ARN, {"a": "1"}, None, True, False) == (False, {"a": "1"})
    assert ensure_omics_tags(omics, ARN, {"a": "1"}, {"b": "2"}, True, True) == (True, {"b": "2"})
    assert ensure_omics_tags(omics, ARN, {"a": "1"}, {"b": "2"}, False, True) == (True, {"a": "1", "b": "2"})


def _run(status):
    return {
        "arn": ARN,
        "id": "1234567",
        "status": status,
        "creationTime": datetime(2026, 1, 1),
        "statusMessage": "because",
    }


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(waiters, "POLL_PAUSE", 0.01)


def test_run_terminal_stops_at_cancelled_where_botocores_run_completed_would_not(omics, quick):
    omics.stubber.add_response("get_run", _run("RUNNING"), {"id": "1234567"})
    omics.stubber.add_response("get_run", _run("CANCELLED"), {"id": "1234567"})
    waiters.run_terminal(omics, "1234567", timeout=5)
    omics.stubber.assert_no_pending_responses()


def test_waiter_timeout_says_how_to_resume(omics, quick):
    for _attempt in range(200):
        omics.stubber.add_response("get_run", _run("RUNNING"), {"id": "1234567"})
    with pytest.raises(AnsibleGenomicsError) as raised:
        waiters.run_terminal(omics, "1234567", timeout=1)
    assert "timed out after wait_timeout=1s" in raised.value.message and "still RUNNING" in raised.value.message


def test_failed_configuration_is_reported_with_its_status(omics, quick):
    omics.stubber.add_response(
        "get_configuration",
        {"name": "vpc", "status": "FAILED", "arn": "arn:aws:omics:us-east-1:123456789012:configuration/vpc"},
        {"name": "vpc"},
    )
    with pytest.raises(AnsibleGenomicsError) as raised:
        waiters.configuration_active(omics, "vpc", timeout=5)
    assert "configuration 'vpc' to become ACTIVE failed: it is FAILED" in raised.value.message


def test_deleted_configuration_counts_as_gone(omics, quick):
    omics.stubber.add_response("get_configuration", {"name": "vpc", "status": "DELETING"}, {"name": "vpc"})
    omics.stubber.add_client_error("get_configuration", "ResourceNotFoundException", http_status_code=404)
    waiters.configuration_deleted(omics, "vpc", timeout=5)
    omics.stubber.assert_no_pending_responses()


ENDPOINT = "http://127.0.0.1:5000"


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_OMICS"])
def test_an_endpoint_from_the_environment_turns_off_the_host_prefix_too(monkeypatch, variable):
    # The tests' own environment turns injection off for every client: a user's does not.
    monkeypatch.delenv("AWS_DISABLE_HOST_PREFIX_INJECTION", raising=False)
    monkeypatch.setenv(variable, ENDPOINT)
    client = module_client(FakeModule(), "omics")
    assert client.meta.endpoint_url == ENDPOINT
    assert client.meta.config.inject_host_prefix is False


def test_an_endpoint_from_a_profile_turns_off_the_host_prefix_too(monkeypatch, tmp_path):
    monkeypatch.delenv("AWS_DISABLE_HOST_PREFIX_INJECTION", raising=False)
    config = tmp_path / "config"
    config.write_text(f"[default]\nendpoint_url = {ENDPOINT}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    client = module_client(FakeModule(), "omics")
    assert client.meta.endpoint_url == ENDPOINT and client.meta.config.inject_host_prefix is False


def test_aws_own_endpoints_keep_the_host_prefix(monkeypatch):
    monkeypatch.delenv("AWS_DISABLE_HOST_PREFIX_INJECTION", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_OMICS", "https://omics.eu-west-1.amazonaws.com")
    assert module_client(FakeModule(), "omics").meta.config.inject_host_prefix is True


def test_every_client_gets_the_collections_retry_policy_unless_the_user_sets_one():
    from botocore.config import Config

    assert module_client(FakeModule(), "ssm").meta.config.retries == {"mode": "standard", "total_max_attempts": 10}
    own = module_client(FakeModule(aws_config=Config(retries={"mode": "adaptive", "max_attempts": 3})), "ssm")
    assert own.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 4}
