# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Independent calls made at once, so a run waits for one round trip to AWS instead of one per call."""

from concurrent.futures import ThreadPoolExecutor
from functools import partial

# At most this many calls at a time. AWS's API rate limits are per account and region, as token buckets: EC2's holds
# 200 tokens for changes and 100 for reads, far more than a run ever has in flight (a first activation's widest step
# is its 13 creations after the VPC, and all its EC2 writes come to about 50); every call retries its throttling.
MAX_CONCURRENT_CALLS = 16


def read_together(reads):
    """Runs `reads` (name -> zero-argument callable), which must not depend on one another, at the same time.

    Returns name -> result. botocore's clients are thread-safe and the reads mostly wait on the network, so threads
    overlap their round trips. Every read is waited for; the first failure in `reads`'s order is raised, as
    reading one after another would.
    """
    return run_together(reads)


def run_together(calls):
    """read_together for calls that change something (deletions that do not depend on one another): each is made,
    and waited for, even when another fails; the first failure in `calls`'s order is raised. What a failure left
    undone, the next run finds and finishes."""
    if len(calls) < 2:
        return {name: call() for name, call in calls.items()}
    with ThreadPoolExecutor(max_workers=min(len(calls), MAX_CONCURRENT_CALLS)) as pool:
        futures = {name: pool.submit(call) for name, call in calls.items()}
    return {name: future.result() for name, future in futures.items()}


def steps_together(changes, steps):
    """Runs converge steps that do not depend on one another (each may make several calls, one after another) at
    once, and returns their results in `steps`' order. The changes they note are listed in that order too, as if
    they had run one after another. In check mode they run one after another: they make no call."""
    if changes.check_mode or len(steps) < 2:
        return [step() for step in steps]
    done = run_together({index: partial(changes.noting_apart, step) for index, step in enumerate(steps)})
    results = []
    for index in range(len(steps)):
        result, noted = done[index]
        changes.extend(noted)
        results.append(result)
    return results


class EarlyRead:
    """A read made early, with others in one round trip, whose failure is raised where the run uses its result: a run
    that reads ahead fails with the same error, at the same step, as one that reads when it needs to."""

    def __init__(self, read):
        self._read = read
        self._value = self._error = None

    def __call__(self):
        try:
            self._value = self._read()
        except Exception as error:  # pylint: disable=broad-exception-caught  # raised again by result()
            self._error = error
        return self

    def result(self):
        if self._error is not None:
            raise self._error
        return self._value
