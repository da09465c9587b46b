"""A run waits for round trips, not for calls: reads that do not depend on one another are in flight together.

Each call of the measured run takes CALL_SECONDS, and the test counts the round trips the run waited for: the longest
chain of calls each sent after the one before it was answered."""

import gc
import threading
import time

import pytest
from moto import mock_aws

from ansible_collections.genomics.aws.plugins.module_utils._shared.concurrency import EarlyRead
from ansible_collections.genomics.aws.plugins.module_utils._shared.concurrency import read_together
from tools.agc_harness import Account

# Longer than moto, in this process, can hold a call's thread back from sending it (the threads share one
# interpreter): a round trip's calls are all sent before the first of them is answered.
CALL_SECONDS = 0.25


class TimedAccount(Account):
    """An account whose every call takes CALL_SECONDS, each call's (name, sent, answered) recorded."""

    def __init__(self):
        super().__init__()
        self.timed = []
        self.measuring = False
        self._sent = threading.local()
        self._lock = threading.Lock()

    def clients(self):
        clients = super().clients()
        factory = clients._factory  # pylint: disable=protected-access

        def timed_factory(service):
            client = factory(service)
            client.meta.events.register("before-call", self._before)
            client.meta.events.register("after-call", self._after)
            return client

        clients._factory = timed_factory  # pylint: disable=protected-access
        # Made before the run: a client made on first use, in a thread, would delay that thread's first call by
        # its making, and the count would see a round trip where there is none.
        for service in ("ssm", "ec2", "s3", "sts"):
            getattr(clients, service)
        return clients

    def _before(self, model, **_kwargs):
        self._sent.at = time.monotonic()
        if self.measuring:
            time.sleep(CALL_SECONDS)

    def _after(self, model, **_kwargs):
        if not self.measuring:
            return
        with self._lock:
            self.timed.append((model.name, self._sent.at, time.monotonic()))

    def measure(self):
        """From now on, each call takes CALL_SECONDS and is recorded. The objects moto holds so far are frozen out of
        the garbage collector's reach: a full collection over them holds every thread for a good part of a second, and
        a round trip's call held back by it would be counted as sent after the others."""
        gc.freeze()
        self.measuring = True

    def depths(self):
        """[(round trip, call name)] in the order the calls were answered: a call's round trip is one more than the
        latest of those answered before it was sent."""
        calls = sorted(self.timed, key=lambda call: call[2])
        depth = []
        for _name, sent, _answered in calls:
            before = [depth[i] for i, other in enumerate(calls[: len(depth)]) if other[2] <= sent]
            depth.append(1 + max(before, default=0))
        return [(round_trip, call[0]) for round_trip, call in zip(depth, calls)]

    def round_trips(self):
        """The longest chain of calls, each sent after the previous one was answered."""
        return max((round_trip for round_trip, _name in self.depths()), default=0)

    def round_trip_of(self, name, which=min):
        """The first (or, with which=max, the last) round trip in which a call of `name` was made."""
        return which(round_trip for round_trip, called in self.depths() if called == name)


@pytest.fixture
def timed_account():
    with mock_aws():
        yield TimedAccount()
    gc.unfreeze()


def test_a_no_change_rerun_reads_in_three_round_trips(timed_account):
    timed_account.activate()
    timed_account.recorder.reset()
    timed_account.measure()

    again = timed_account.activate()

    assert not again.changed
    names = [name for name, _sent, _answered in timed_account.timed]
    assert timed_account.recorder.writes == []
    # Every attribute the core sets is still read back (the VPC's network, the AMI, the bucket's five settings)...
    for read in ("DescribeSubnets", "DescribeVpcAttribute", "GetParameter", "GetBucketTagging", "GetBucketPolicy"):
        assert read in names
    # ...in three round trips: the state store; then the VPCs, with the recorded VPC's network, the AMI and the
    # bucket's tags; then the bucket's other settings (read once its tags show it is there). One after another, the
    # same reads take six.
    assert timed_account.round_trips() == 3, sorted(timed_account.timed, key=lambda call: call[1])


def test_a_first_activation_creates_its_endpoints_three_round_trips_after_its_vpc(timed_account):
    """The endpoints are what a first activation waits for (minutes): what they need is made together, in the round
    trips between the VPC and them, and the bucket beside the network. One after another, the same writes put the
    endpoints 21 round trips after the VPC."""
    timed_account.measure()

    done = timed_account.activate()

    assert done.changed
    names = [name for name, _sent, _answered in timed_account.timed]
    assert names.count("CreateVpcEndpoint") == 9 and names.count("CreateSubnet") == 6
    vpc = timed_account.round_trip_of("CreateVpc")
    # The VPC; the subnets, route tables and the endpoints' security group; the group's rule; the endpoints.
    assert timed_account.round_trip_of("CreateVpcEndpoint") - vpc == 3, sorted(timed_account.depths())
    assert timed_account.round_trip_of("CreateVpcEndpoint", max) - vpc == 3
    assert timed_account.round_trip_of("CreateSubnet", max) == vpc + 1
    # The NAT gateways with them, each after its Elastic IP (and the internet gateway, which a NAT gateway needs).
    assert timed_account.round_trip_of("CreateNatGateway", max) - vpc == 4
    # The bucket is made beside the network, not before it.
    assert timed_account.round_trip_of("CreateBucket") <= vpc + 2
    # The state store: the record alone, then the AGC CLI's seven names together.
    saves = [depth for depth, name in timed_account.depths() if name == "PutParameter"]
    record, projections = saves[-8], saves[-7:]
    assert projections == [record + 1] * 7, saves


def test_the_recorded_network_read_ahead_is_not_used_when_the_vpc_is_no_longer_ours(timed_account):
    """The record names a VPC whose tags no longer make it the managed one: what was read ahead for it is dropped,
    and the run builds a new network instead of adopting it."""
    # Public subnets only: the new network's NAT gateways would not fit the Elastic IP quota beside the old ones.
    first = timed_account.activate(use_public_subnets=True)
    timed_account.measure()
    vpc_id = first.resource["vpc"]["id"]
    ec2 = timed_account.clients().ec2
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": "genomics.aws:managed-by"}])

    plan = timed_account.activate(check_mode=True, use_public_subnets=True)

    assert plan.changed
    assert any(entry.startswith("create VPC") for entry in plan.changes.entries), plan.changes.entries


def test_an_early_read_fails_where_its_result_is_used():
    def denied():
        raise PermissionError("AccessDenied")

    found = read_together({"ok": lambda: "value", "early": EarlyRead(denied)})

    assert found["ok"] == "value"
    with pytest.raises(PermissionError, match="AccessDenied"):
        found["early"].result()
    assert read_together({"early": EarlyRead(lambda: 42)})["early"].result() == 42


def test_a_deactivation_releases_the_addresses_of_nat_gateways_gone_together_at_once(timed_account):
    timed_account.activate()
    timed_account.measure()

    timed_account.deactivate()

    releases = [depth for depth, name in timed_account.depths() if name == "ReleaseAddress"]
    # The three NAT gateways are deleted together and found gone by the same poll.
    assert len(releases) == 3 and len(set(releases)) == 1, sorted(timed_account.depths())
