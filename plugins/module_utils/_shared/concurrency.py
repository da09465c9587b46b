# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Independent reads made at once, so a run waits for one round trip to AWS instead of one per read."""

from concurrent.futures import ThreadPoolExecutor

# A handful of describes at a time: AWS's API rate limits are per account, and every read retries its throttling.
MAX_CONCURRENT_READS = 8


def read_together(reads):
    """Runs `reads` (name -> zero-argument callable), which must not depend on one another, at the same time.

    Returns name -> result. botocore's clients are thread-safe and the reads mostly wait on the network, so threads
    overlap their round trips. Every read is waited for; the first failure in `reads`'s order is raised, as
    reading one after another would.
    """
    if len(reads) < 2:
        return {name: read() for name, read in reads.items()}
    with ThreadPoolExecutor(max_workers=min(len(reads), MAX_CONCURRENT_READS)) as pool:
        futures = {name: pool.submit(read) for name, read in reads.items()}
    return {name: future.result() for name, future in futures.items()}
