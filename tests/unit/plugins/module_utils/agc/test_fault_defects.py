"""The defects an independent fault-injection run found, each reproduced: an interruption between creating a
resource and setting its attributes, a zero wait_timeout, a time budget not shared, an expired lock left behind, a
hard-coded partition. (Throttling: test_throttling.py; endpoints from the environment: the omics client tests.)"""

import json
import time

import pytest
from moto import mock_aws

from ansible_collections.genomics.aws.plugins.module_utils._agc import state as agc_state
from ansible_collections.genomics.aws.plugins.module_utils._agc import storage
from ansible_collections.genomics.aws.plugins.module_utils.agc import AnsibleGenomicsError

from .helpers import Account
from .helpers import Interrupted


def interrupted_before(operation, params, short_leases_seconds=0.2):
    """An account whose activation crashed before its first call of `operation` (calls in flight at that moment in
    other threads are answered, later ones never sent), its lease expired."""
    account = Account()
    account.recorder.interrupt_before = operation
    with pytest.raises(Interrupted):  # the crash, or (from the lock release) what the dead process cannot send
        account.activate(**params)
    time.sleep(short_leases_seconds)
    return account


def test_endpoint_group_interrupted_before_its_rule_gets_it_on_the_next_run(short_leases):
    with mock_aws():
        account = interrupted_before("AuthorizeSecurityGroupIngress", {})
        (group,) = account.ec2.describe_security_groups(
            Filters=[{"Name": "group-name", "Values": ["agc-vpc-endpoints"]}]
        )["SecurityGroups"]
        assert group["IpPermissions"] == []  # the interruption left the group without its rule
        resumed = account.activate()
        assert any("allow TCP 443 from 10.0.0.0/16" in change for change in resumed.changes.entries)
        (group,) = account.ec2.describe_security_groups(GroupIds=[group["GroupId"]])["SecurityGroups"]
        assert [(p["FromPort"], [r["CidrIp"] for r in p["IpRanges"]]) for p in group["IpPermissions"]] == [
            (443, ["10.0.0.0/16"])
        ]
        assert not account.activate().changed


@pytest.mark.parametrize("params", [{}, {"use_public_subnets": True}], ids=["private", "public-only"])
def test_public_subnet_interrupted_before_auto_assign_gets_it_on_the_next_run(params, short_leases):
    with mock_aws():
        account = interrupted_before("ModifySubnetAttribute", params)
        public = account.ec2.describe_subnets(Filters=[{"Name": "tag:genomics.aws:role", "Values": ["public-subnet"]}])[
            "Subnets"
        ]
        assert not public[0]["MapPublicIpOnLaunch"]
        account.activate(**params)
        public = account.ec2.describe_subnets(Filters=[{"Name": "tag:genomics.aws:role", "Values": ["public-subnet"]}])[
            "Subnets"
        ]
        assert len(public) == 3 and all(s["MapPublicIpOnLaunch"] for s in public)
        assert not account.activate(**params).changed


@pytest.mark.parametrize("value", [0, -5])
def test_a_wait_timeout_that_leaves_no_time_is_refused_before_any_call(account, value):
    with pytest.raises(AnsibleGenomicsError, match=f"wait_timeout {value} must be a positive number of seconds"):
        account.activate(wait_timeout=value)
    assert account.recorder.calls == []


def test_the_lock_wait_and_every_later_wait_share_one_wait_timeout(account, monkeypatch):
    """A run that waited 2 s of its 6 s for the lock has about 4 s left for NAT gateways and endpoints, not 6 again.

    Measured against the clock rather than a fixed threshold, so a slow machine cannot fail it: with one deadline,
    time already spent plus time left stays at the budget; with a fresh deadline per wait it exceeds it by the lock
    wait.
    """
    monkeypatch.setattr(agc_state.CoreLock, "POLL_SECONDS", 0.1)
    holder = {"owner": "other-run:1:abcd", "acquired_at": "now", "expires_at": time.time() + 2}
    account.ssm.put_parameter(Name=agc_state.LOCK_PARAMETER, Value=json.dumps(holder), Type="String")
    observed = []

    from ansible_collections.genomics.aws.plugins.module_utils._agc import network_builder

    wait_for = network_builder.waiters.wait_for

    def observed_wait_for(ec2, deadline, *args, **kwargs):
        observed.append((time.monotonic() - started, deadline.remaining()))
        return wait_for(ec2, deadline, *args, **kwargs)

    monkeypatch.setattr(network_builder.waiters, "wait_for", observed_wait_for)
    started = time.monotonic()
    assert account.activate(wait_timeout=6).changed
    assert observed, "activation never waited"
    for elapsed, left in observed:
        assert elapsed >= 1.5, f"the run did not wait for the lock first: {observed}"
        # 1 s of slack for the run's own start-up before its deadline is created
        assert elapsed + left < 7, f"a wait got a fresh budget after the lock wait: {observed}"


def test_a_lock_expired_after_a_crash_is_removed_by_a_run_with_nothing_else_to_do(account):
    account.activate()
    dead = {"owner": "crashed:9:dead", "acquired_at": "earlier", "expires_at": time.time() - 1}
    account.ssm.put_parameter(Name=agc_state.LOCK_PARAMETER, Value=json.dumps(dead), Type="String")

    plan = account.activate(check_mode=True)
    assert plan.changed and plan.changes.entries == [
        "remove the expired lock /agc/_locks/core of crashed:9:dead (a run that ended early)"
    ]
    assert account.ssm.get_parameters(Names=[agc_state.LOCK_PARAMETER])["Parameters"] != []  # check mode keeps it

    account.recorder.reset()
    removed = account.activate()
    assert removed.changed and account.recorder.writes == ["DeleteParameter"]  # no lock taken, nothing else written
    assert account.ssm.get_parameters(Names=[agc_state.LOCK_PARAMETER])["Parameters"] == []
    assert not account.activate().changed


def test_a_live_lock_is_never_removed_by_a_run_with_nothing_to_do(account):
    account.activate()
    live = {"owner": "running:9:alive", "acquired_at": "now", "expires_at": time.time() + 300}
    account.ssm.put_parameter(Name=agc_state.LOCK_PARAMETER, Value=json.dumps(live), Type="String")
    account.recorder.reset()
    assert not account.activate().changed and account.recorder.writes == []
    assert account.ssm.get_parameters(Names=[agc_state.LOCK_PARAMETER])["Parameters"] != []


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_the_tls_only_policy_names_the_bucket_in_the_accounts_partition(partition):
    policy = json.loads(storage.tls_only_policy("genomics-results", partition))
    assert policy["Statement"][0]["Resource"] == [
        f"arn:{partition}:s3:::genomics-results",
        f"arn:{partition}:s3:::genomics-results/*",
    ]


def test_activation_takes_the_partition_from_the_callers_identity(account, monkeypatch):
    from ansible_collections.genomics.aws.plugins.module_utils._agc import api

    get_caller_identity = api.get_caller_identity
    get_parameters_by_path = api.get_parameters_by_path

    def in_china(client):
        identity = dict(get_caller_identity(client))
        identity["Arn"] = identity["Arn"].replace("arn:aws:", "arn:aws-cn:")
        return identity

    def parameters_in_china(client, path):
        # The state store's ARNs name the partition too (a run takes it from them once the store exists).
        return [dict(p, ARN=p["ARN"].replace("arn:aws:", "arn:aws-cn:")) for p in get_parameters_by_path(client, path)]

    monkeypatch.setattr(api, "get_caller_identity", in_china)
    monkeypatch.setattr(api, "get_parameters_by_path", parameters_in_china)
    bucket = account.activate(use_public_subnets=True).resource["bucket"]["name"]
    policy = json.loads(account.s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"][0]["Resource"][0] == f"arn:aws-cn:s3:::{bucket}"
