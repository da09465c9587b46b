# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Polling under a deadline: one loop for every wait that botocore's waiters do not cover."""

import time

# The pause between two polls grows with the time already waited: a fortieth of it, between these bounds. A resource
# that is ready after T seconds is then seen by about 1.025 T, whether T is 4 s or 4 minutes, at the cost of a few
# more (cheap, batched) reads: about 110 looks in a two-minute wait, under one call a second per kind, where EC2
# refills an account's bucket for each describe action at twenty calls a second. A fixed doubling backoff would
# overshoot by up to its longest pause.
FIRST_PAUSE = 0.5
MAX_PAUSE = 15.0
PAUSE_FRACTION = 0.025


def poll_until(condition, deadline, on_timeout, sleep=time.sleep, first_pause=FIRST_PAUSE, max_pause=MAX_PAUSE):
    """Call ``condition()`` until it returns something true, and return that.

    Between calls it sleeps a fortieth of the time waited so far, at least first_pause and at most max_pause,
    never past the deadline. Once the deadline has passed and the condition still fails, ``on_timeout()`` is
    raised.
    """
    started = time.monotonic()
    while True:
        result = condition()
        if result:
            return result
        if deadline.expired():
            raise on_timeout()
        waited = time.monotonic() - started
        sleep(min(max(first_pause, waited * PAUSE_FRACTION), max_pause, deadline.remaining()))
