# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Polling under a deadline: one loop for every wait that botocore's waiters do not cover."""

import time

FIRST_PAUSE = 1.0
MAX_PAUSE = 15.0


def poll_until(condition, deadline, on_timeout, sleep=time.sleep, first_pause=FIRST_PAUSE, max_pause=MAX_PAUSE):
    """Call ``condition()`` until it returns something true, and return that.

    Between calls it sleeps with exponential backoff (first_pause doubling up to max_pause), never past
    the deadline. Once the deadline has passed and the condition still fails, ``on_timeout()`` is raised.
    """
    pause = first_pause
    while True:
        result = condition()
        if result:
            return result
        if deadline.expired():
            raise on_timeout()
        sleep(min(pause, deadline.remaining()))
        pause = min(pause * 2, max_pause)
