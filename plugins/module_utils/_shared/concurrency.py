# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Independent calls made at once, so a run waits for one round trip to AWS instead of one per call."""

from concurrent.futures import ThreadPoolExecutor

# A handful of calls at a time: AWS's API rate limits are per account, and every call retries its throttling.
MAX_CONCURRENT_CALLS = 8


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
