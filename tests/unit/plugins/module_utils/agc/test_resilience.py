"""Concurrent runs, the region lock, retries of throttling and of dependencies, and waits left for later.

The interruption sweep is in test_sweep_*.py, throttling of a share of all calls in test_throttling.py."""

import json
import threading
import time

import botocore
import pytest

from ansible_collections.genomics.aws.plugins.module_utils._agc import state as agc_state
from ansible_collections.genomics.aws.plugins.module_utils.agc import AnsibleGenomicsError


def _ours(resources):
    return [
        r for r in resources if {"Key": "genomics.aws:managed-by", "Value": "genomics.aws"} in (r.get("Tags") or [])
    ]


def assert_single_core(account):
    """Exactly one complete managed core, and nothing of ours outside it."""
    ec2 = account.ec2
    (vpc,) = account.managed_vpcs()
    by_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    assert len(_ours(ec2.describe_subnets()["Subnets"])) == 6
    assert len(ec2.describe_subnets(Filters=by_vpc)["Subnets"]) == 6
    live_nats = [n for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] in ("pending", "available")]
    assert len(live_nats) == 3 and all(n["VpcId"] == vpc["VpcId"] for n in live_nats)
    addresses = ec2.describe_addresses()["Addresses"]
    assert len(addresses) == 3 and all(a.get("AssociationId") for a in addresses), addresses  # no orphaned Elastic IP
    igws = _ours(ec2.describe_internet_gateways()["InternetGateways"])
    assert len(igws) == 1 and igws[0]["Attachments"][0]["VpcId"] == vpc["VpcId"]
    endpoints = [e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"] if e["State"].lower() != "deleted"]
    assert len(endpoints) == 9
    assert len(_ours(ec2.describe_route_tables()["RouteTables"])) == 4
    assert len(_ours(ec2.describe_security_groups()["SecurityGroups"])) == 1
    assert len(account.parameters()) == 8


def test_two_activations_at_once_build_one_core(account, monkeypatch):
    monkeypatch.setattr(agc_state.CoreLock, "POLL_SECONDS", 0.2)
    # The worst case, made deterministic: both runs have planned the whole core; the second asks for
    # the lock only once the first holds it, and the first lets go only after the second was refused.
    both_planned = threading.Barrier(2, timeout=60)
    first_in, held, refused = threading.Lock(), threading.Event(), threading.Event()
    acquire, try_acquire, release = (
        agc_state.CoreLock.acquire,
        agc_state.CoreLock._try_acquire,
        agc_state.CoreLock.release,
    )

    def ordered_acquire(lock, deadline):
        both_planned.wait()
        if not first_in.acquire(blocking=False):
            held.wait(60)
        return acquire(lock, deadline)

    def observed_try_acquire(lock):
        got = try_acquire(lock)
        (held if got else refused).set()
        return got

    def release_after_contention(lock):
        if lock.held and not refused.is_set():
            refused.wait(60)
        return release(lock)

    monkeypatch.setattr(agc_state.CoreLock, "acquire", ordered_acquire)
    monkeypatch.setattr(agc_state.CoreLock, "_try_acquire", observed_try_acquire)
    monkeypatch.setattr(agc_state.CoreLock, "release", release_after_contention)
    results, errors = [], []

    def run():
        try:
            results.append(account.activate())
        except Exception as e:  # pylint: disable=broad-except
            errors.append(e)

    threads = [threading.Thread(target=run) for _thread_index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(r.changed for r in results) == [False, True]  # the second found it built
    (waiter,) = [r for r in results if not r.changed]
    assert (
        waiter.warnings and "for another run" in waiter.warnings[0] and "nothing left to change" in waiter.warnings[0]
    )
    assert_single_core(account)
    assert account.ssm.get_parameters(Names=[agc_state.LOCK_PARAMETER])["Parameters"] == []


def test_a_live_lock_makes_the_other_run_wait_then_fail_clearly(account, monkeypatch):
    monkeypatch.setattr(agc_state.CoreLock, "POLL_SECONDS", 0.2)
    holder = {"owner": "ci-runner:4242:abcd", "acquired_at": "now", "expires_at": time.time() + 300}
    account.ssm.put_parameter(Name=agc_state.LOCK_PARAMETER, Value=json.dumps(holder), Type="String")
    before = account.inventory()
    with pytest.raises(AnsibleGenomicsError) as error:
        account.activate(wait_timeout=1)
    assert "ci-runner:4242:abcd" in error.value.message and "in progress" in error.value.message
    assert account.inventory() == before


def test_the_lock_of_a_killed_run_is_taken_over_once_expired(account):
    holder = {"owner": "killed:1:dead", "acquired_at": "earlier", "expires_at": time.time() - 1}
    account.ssm.put_parameter(Name=agc_state.LOCK_PARAMETER, Value=json.dumps(holder), Type="String")
    assert account.activate(use_public_subnets=True).changed
    assert account.ssm.get_parameters(Names=[agc_state.LOCK_PARAMETER])["Parameters"] == []


def test_the_lease_is_renewed_while_the_holder_runs(account):
    lock = agc_state.CoreLock(account.ssm, lease_seconds=0.6)
    from ansible_collections.genomics.aws.plugins.module_utils._shared.outcome import Deadline

    lock.acquire(Deadline(5))
    first = json.loads(account.ssm.get_parameter(Name=agc_state.LOCK_PARAMETER)["Parameter"]["Value"])["expires_at"]
    time.sleep(0.9)
    renewed = json.loads(account.ssm.get_parameter(Name=agc_state.LOCK_PARAMETER)["Parameter"]["Value"])["expires_at"]
    lock.release()
    assert renewed > first
    assert account.ssm.get_parameters(Names=[agc_state.LOCK_PARAMETER])["Parameters"] == []


def test_throttling_is_retried_with_backoff(account, monkeypatch):
    sleeps = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    throttled = {"CreateVpc": 2, "CreateNatGateway": 1, "PutParameter": 1}

    def throttle(model, **_kwargs):
        if throttled.get(model.name):
            throttled[model.name] -= 1
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, model.name
            )

    clients = account.clients()
    for service in ("ec2", "ssm"):
        getattr(clients, service).meta.events.register("before-call", throttle)
    from ansible_collections.genomics.aws.plugins.module_utils.agc import ActivationRequest
    from ansible_collections.genomics.aws.plugins.module_utils.agc import activate

    outcome = activate(clients, "us-east-1", ActivationRequest.from_params({"wait_timeout": 60}))
    assert outcome.changed and throttled == {"CreateVpc": 0, "CreateNatGateway": 0, "PutParameter": 0}
    assert len([s for s in sleeps if s > 0]) >= 4  # one backoff per throttled call
    assert_single_core(account)


def test_deletions_are_retried_while_aws_reports_a_dependency():
    from ansible_collections.amazon.aws.plugins.module_utils.ec2 import AnsibleEC2Error

    from ansible_collections.genomics.aws.plugins.module_utils._agc import waiters
    from ansible_collections.genomics.aws.plugins.module_utils._shared.outcome import Deadline
    from ansible_collections.genomics.aws.plugins.module_utils._shared.polling import FIRST_PAUSE

    attempts, pauses = [], []

    def delete_subnet(subnet_id):
        attempts.append(subnet_id)
        if len(attempts) < 3:
            error = botocore.exceptions.ClientError(
                {"Error": {"Code": "DependencyViolation", "Message": "has dependencies"}}, "DeleteSubnet"
            )
            raise AnsibleEC2Error(message="Failed to delete subnet", exception=error)
        return True

    assert waiters.retry_while_dependent(Deadline(60), delete_subnet, "subnet-1", sleep=pauses.append) is True
    # The sleeps take no time here, so each pause is the first one (it grows with the time waited).
    assert attempts == ["subnet-1"] * 3 and pauses == [FIRST_PAUSE, FIRST_PAUSE]

    def denied(_subnet_id):
        error = botocore.exceptions.ClientError(
            {"Error": {"Code": "UnauthorizedOperation", "Message": "no"}}, "DeleteSubnet"
        )
        raise AnsibleEC2Error(message="Failed to delete subnet", exception=error)

    with pytest.raises(AnsibleEC2Error):  # anything else is not retried
        waiters.retry_while_dependent(Deadline(60), denied, "subnet-1", sleep=pauses.append)
    assert pauses == [FIRST_PAUSE, FIRST_PAUSE]


def test_without_wait_routes_to_pending_nat_gateways_are_left_for_the_next_run(account, monkeypatch):
    # moto makes NAT gateways available at once; report them pending as AWS would for minutes.
    from ansible_collections.genomics.aws.plugins.module_utils._agc import managed_network
    from ansible_collections.genomics.aws.plugins.module_utils._agc import network_builder

    discover = managed_network.ManagedNetwork.discover.__func__

    def pending_nats(cls, ec2, vpc):
        found = discover(cls, ec2, vpc)
        for nat in found.nat_gateways:
            nat["State"] = "pending"
        return found

    create_nat = network_builder.create_nat_gateway

    def create_pending(*args, **kwargs):
        return dict(create_nat(*args, **kwargs), State="pending")

    monkeypatch.setattr(managed_network.ManagedNetwork, "discover", classmethod(pending_nats))
    monkeypatch.setattr(network_builder, "create_nat_gateway", create_pending)
    outcome = account.activate(wait=False)
    assert sum("waits for NAT gateway" in w for w in outcome.warnings) == 3
    tables = account.ec2.describe_route_tables(
        Filters=[{"Name": "tag:genomics.aws:role", "Values": ["private-route-table"]}]
    )["RouteTables"]
    assert len(tables) == 3 and not any(r.get("NatGatewayId") for t in tables for r in t["Routes"])
    monkeypatch.undo()
    assert account.activate().changed  # the next run adds the three routes
    tables = account.ec2.describe_route_tables(
        Filters=[{"Name": "tag:genomics.aws:role", "Values": ["private-route-table"]}]
    )["RouteTables"]
    assert all(any(r.get("NatGatewayId") for r in t["Routes"]) for t in tables)
