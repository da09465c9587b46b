"""With AWS's latency (NAT gateways and endpoints pending, deletions as long, Elastic IPs held by their NAT gateway),
scaled down 50 times: every slow resource is started before any is waited on, each poll reads each kind once, and
the run reports what it waited for. The figures of the wall time are `make bench`'s; these check the order."""

import time

import pytest
from moto import mock_aws

from tools.agc_harness import Account
from tools.agc_harness import Interrupted
from tools.latency import Latency
from tools.latency import patched_moto

from .sweep import LEASE_SECONDS

SCALE = 1 / 50  # NAT gateway 1.8 s, interface endpoint 2.4 s, deletions 1.2 s


@pytest.fixture
def slow_account():
    latency = Latency(scale=SCALE, call_min=0, call_max=0)
    with patched_moto(latency), mock_aws():
        yield Account(), latency


def _first(calls, names):
    return min(i for i, call in enumerate(calls) if call in names)


def _last(calls, names):
    return max(i for i, call in enumerate(calls) if call in names)


def test_activation_starts_every_nat_gateway_and_endpoint_before_waiting_and_polls_each_kind_once_per_round(
    slow_account,
):
    account, latency = slow_account
    outcome = account.activate()
    calls = account.recorder.calls

    assert calls.count("CreateNatGateway") == 3 and calls.count("CreateVpcEndpoint") == 9
    first_poll = _first(calls[_last(calls, {"CreateVpcEndpoint"}) :], {"DescribeNatGateways"})
    first_poll += _last(calls, {"CreateVpcEndpoint"})
    assert _last(calls, {"CreateNatGateway", "CreateVpcEndpoint"}) < first_poll
    # The default routes through the NAT gateways come once they are available, after the wait.
    nat_routes = [i for i, call in enumerate(calls) if call == "CreateRoute"][1:]
    assert len(nat_routes) == 3 and min(nat_routes) > first_poll

    waiting = calls[first_poll : min(nat_routes)]
    nat_polls, endpoint_polls = waiting.count("DescribeNatGateways"), waiting.count("DescribeVpcEndpoints")
    assert nat_polls >= 2, "the NAT gateways were pending: the wait must have polled more than once"
    # One batched describe per kind per round; a kind leaves the rounds once all of it is available.
    assert endpoint_polls >= nat_polls and set(waiting) == {"DescribeNatGateways", "DescribeVpcEndpoints"}

    waited = {entry["resource"].split()[-1]: entry for entry in outcome.extra["waited"]}
    nat_ids = [n["id"] for n in outcome.resource["network"]["nat_gateways"]]
    endpoint_ids = [e["id"] for e in outcome.resource["vpc_endpoints"] if e["type"] == "Interface"]
    assert set(nat_ids + endpoint_ids) <= set(waited)
    assert all(waited[i]["reached"] == "available" for i in nat_ids + endpoint_ids)
    # The run really waited (the endpoints were created just before), and the waits overlapped: the last one was
    # seen well before the sum of the waits (3 x 1.8 s + 9 x 2.4 s) would have passed.
    slowest = latency.seconds(latency.endpoint_available)
    longest = max(entry["seconds"] for entry in waited.values())
    assert slowest / 2 < longest < 3 * slowest + 1

    # The result shows them as the wait left them, not as they were created.
    assert {n["state"] for n in outcome.resource["network"]["nat_gateways"]} == {"available"}
    assert {e["state"] for e in outcome.resource["vpc_endpoints"]} == {"available"}

    again = account.activate()
    assert not again.changed and again.extra["waited"] == [], "a re-run has nothing to wait for"


def test_deactivation_deletes_endpoints_and_nat_gateways_together_and_releases_addresses_once_they_are_gone(
    slow_account,
):
    account, _latency = slow_account
    account.activate()
    account.recorder.reset()
    outcome = account.deactivate()
    calls = account.recorder.calls

    deletions = [i for i, call in enumerate(calls) if call in {"DeleteVpcEndpoints", "DeleteNatGateway"}]
    polls = [i for i, call in enumerate(calls) if call == "DescribeNatGateways" and i > deletions[0]]
    assert len(deletions) == 4 and polls and max(deletions) < min(polls)
    # moto, like AWS here, refuses to release an address its NAT gateway still holds: the run released all three.
    releases = [i for i, call in enumerate(calls) if call == "ReleaseAddress"]
    assert len(releases) == 3 and min(releases) > min(polls)
    gone = [entry for entry in outcome.extra["waited"] if entry["reached"] == "deleted"]
    assert len([e for e in gone if e["resource"].startswith("NAT gateway")]) == 3


def test_deactivation_releases_each_address_as_its_nat_gateway_goes_while_endpoints_are_still_deleting(slow_account):
    account, latency = slow_account
    account.activate()
    # NAT gateways go in a sixth of the endpoints' time (on AWS they often go first).
    latency.nat_gateway_deleted = latency.endpoint_deleted / 6
    account.recorder.reset()
    outcome = account.deactivate()
    calls = account.recorder.calls

    releases = [i for i, call in enumerate(calls) if call == "ReleaseAddress"]
    endpoint_polls = [i for i, call in enumerate(calls) if call == "DescribeVpcEndpoints"]
    assert len(releases) == 3
    # The addresses went while the wait for the endpoints went on, not after it.
    assert max(releases) < max(endpoint_polls), calls
    gone = {entry["resource"].split()[0] for entry in outcome.extra["waited"] if entry["reached"] == "deleted"}
    assert gone == {"NAT", "VPC"}


def test_a_deactivation_resumed_while_its_nat_gateways_are_deleting_waits_for_them_before_releasing_addresses(
    short_leases,
):
    # NAT gateways that take 5 s to go: still deleting when the resumed run looks.
    latency = Latency(scale=SCALE, call_min=0, call_max=0, nat_gateway_deleted=250)
    with patched_moto(latency):
        # Where the last DeleteNatGateway falls among a deactivation's writes.
        with mock_aws():
            account = Account()
            account.activate()
            account.recorder.reset()
            account.deactivate()
            writes = account.recorder.writes
            last_nat_deletion = max(i for i, call in enumerate(writes) if call == "DeleteNatGateway")
        with mock_aws():
            account = Account()
            account.activate()
            account.recorder.reset()
            # Every deletion is sent, then the process dies: the NAT gateways are deleting, still holding addresses.
            account.recorder.lose_answer_at_write = last_nat_deletion
            with pytest.raises(Interrupted):
                account.deactivate()
            account.recorder.reset()
            time.sleep(LEASE_SECONDS)  # the crashed run's lock expires, as for the operator's next run
            outcome = account.deactivate()
            ec2 = account.clients().ec2
            assert ec2.describe_addresses()["Addresses"] == []
    assert account.recorder.calls.count("ReleaseAddress") == 3
    waited = [e["resource"] for e in outcome.extra["waited"] if e["resource"].startswith("NAT gateway")]
    assert len(waited) == 3, "the resumed run must wait for the NAT gateways the first one deleted"
