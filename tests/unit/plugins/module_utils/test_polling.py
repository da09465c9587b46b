"""The one polling rule: the pause grows with the time already waited, so a resource ready after T seconds is seen by
about 1.025 T whatever T is, and no pause runs past the deadline."""

import pytest

from ansible_collections.genomics.aws.plugins.module_utils._shared import outcome
from ansible_collections.genomics.aws.plugins.module_utils._shared import polling


class Clock:
    """A monotonic clock that only sleeping moves."""

    def __init__(self):
        self.now = 1000.0
        self.pauses = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.pauses.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(polling.time, "monotonic", fake.monotonic)
    monkeypatch.setattr(outcome.time, "monotonic", fake.monotonic)
    return fake


def _ready_after(clock, seconds):
    start = clock.now
    return lambda: clock.now - start >= seconds


@pytest.mark.parametrize("ready_after", [0.7, 4, 12, 60, 90, 120, 300])
def test_a_resource_is_seen_within_a_fortieth_of_its_own_time_plus_the_first_pause(clock, ready_after):
    started = clock.now
    polling.poll_until(_ready_after(clock, ready_after), outcome.Deadline(1200), RuntimeError, sleep=clock.sleep)
    seen_after = clock.now - started
    assert ready_after <= seen_after <= 1.025 * ready_after + polling.FIRST_PAUSE
    assert max(clock.pauses) <= polling.MAX_PAUSE


def test_a_two_minute_wait_polls_a_bounded_number_of_times(clock):
    polling.poll_until(_ready_after(clock, 120), outcome.Deadline(1200), RuntimeError, sleep=clock.sleep)
    # A fixed 0.5 s pause (the first one) would poll 240 times; the growing pause about 110.
    assert 90 < len(clock.pauses) < 120


def test_no_pause_runs_past_the_deadline_and_the_timeout_is_raised(clock):
    deadline = outcome.Deadline(30)
    with pytest.raises(TimeoutError):
        polling.poll_until(lambda: False, deadline, lambda: TimeoutError("late"), sleep=clock.sleep)
    assert clock.now == pytest.approx(deadline.expires_at)


def test_a_deadline_keeps_what_its_waits_took():
    deadline = outcome.Deadline(60)
    deadline.note_wait("NAT gateway nat-1", "available", 91.26)
    assert deadline.waited == [{"resource": "NAT gateway nat-1", "reached": "available", "seconds": 91.3}]
