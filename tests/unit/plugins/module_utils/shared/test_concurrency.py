"""read_together: independent reads in flight together, results by name, the first failure raised."""

import threading

import pytest

from ansible_collections.genomics.aws.plugins.module_utils._shared.concurrency import read_together


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
