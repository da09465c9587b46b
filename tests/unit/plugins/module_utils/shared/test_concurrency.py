"""read_together: independent reads in flight together, results by name, the first failure raised. steps_together:
converge steps made together, their changes listed as if made one after another."""

import threading
import time

import pytest

from ansible_collections.genomics.aws.plugins.module_utils._shared.concurrency import read_together
from ansible_collections.genomics.aws.plugins.module_utils._shared.concurrency import steps_together
from ansible_collections.genomics.aws.plugins.module_utils._shared.outcome import ChangeLog


def test_the_reads_are_in_flight_together():
    # Each read waits until all of them have started: made one after another, the first would time out.
    started = threading.Barrier(5, timeout=10)
    results = read_together({name: (lambda n=name: (started.wait(), n)[1]) for name in "abcde"})
    assert results == {name: name for name in "abcde"}


def test_every_read_finishes_and_the_first_failure_in_order_is_raised():
    finished = []

    def fails(message):
        def read():
            finished.append(message)
            raise ValueError(message)

        return read

    with pytest.raises(ValueError, match="first"):
        read_together({"ok": lambda: finished.append("ok"), "one": fails("first"), "two": fails("second")})
    assert sorted(finished) == ["first", "ok", "second"]


def test_a_single_read_runs_in_the_callers_thread():
    assert read_together({"only": threading.get_ident}) == {"only": threading.get_ident()}


def _step(changes, started, name, delay):
    """A step that notes its change, then (after every step has started) finishes `delay` seconds later."""

    def step():
        changes.add(f"create {name}")
        started.wait()
        time.sleep(delay)
        changes.add(f"configure {name}")
        return name

    return step


def test_steps_run_together_and_their_changes_read_in_the_steps_order():
    changes = ChangeLog(check_mode=False)
    changes.add("create the VPC")
    started = threading.Barrier(3, timeout=10)
    # The first step finishes last: listed as it finishes, its changes would come after the others'.
    steps = [_step(changes, started, name, delay) for name, delay in (("a", 0.3), ("b", 0.1), ("c", 0.0))]

    assert steps_together(changes, steps) == ["a", "b", "c"]
    assert changes.entries == [
        "create the VPC",
        "create a",
        "configure a",
        "create b",
        "configure b",
        "create c",
        "configure c",
    ]


def test_steps_within_steps_keep_their_order_too():
    changes = ChangeLog(check_mode=False)
    inner = threading.Barrier(2, timeout=10)
    outer = threading.Barrier(2, timeout=10)

    def nested():
        outer.wait()
        return steps_together(changes, [_step(changes, inner, "x", 0.2), _step(changes, inner, "y", 0.0)])

    def plain():
        outer.wait()
        changes.add("create z")
        return "z"

    assert steps_together(changes, [nested, plain]) == [["x", "y"], "z"]
    assert changes.entries == ["create x", "configure x", "create y", "configure y", "create z"]


def test_steps_in_check_mode_run_one_after_another():
    changes = ChangeLog(check_mode=True)
    threads = []

    def step(name):
        threads.append(threading.current_thread())
        changes.add(name)
        return name

    assert steps_together(changes, [lambda: step("a"), lambda: step("b")]) == ["a", "b"]
    assert changes.entries == ["a", "b"]
    assert set(threads) == {threading.current_thread()}


def test_a_failed_step_fails_the_steps_after_every_one_is_done():
    changes = ChangeLog(check_mode=False)
    finished = []

    def fails():
        raise RuntimeError("CreateSubnet failed")

    def slow():
        time.sleep(0.2)
        finished.append("slow")

    with pytest.raises(RuntimeError, match="CreateSubnet failed"):
        steps_together(changes, [fails, slow])
    assert finished == ["slow"]
