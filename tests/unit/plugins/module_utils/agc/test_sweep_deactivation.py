"""A deactivation interrupted at any write, by either kind of crash, in each mode, resumes to what an uninterrupted
deactivation leaves: nothing of the core, every bucket and the customer's VPC as they were."""

import pytest

from . import sweep


@pytest.mark.parametrize("mode", sweep.MODES)
def test_an_interrupted_deactivation_resumes_to_the_same_end(mode, short_leases):
    expected, total = sweep.baseline("deactivation", mode)
    assert total > (12 if mode == "default" else 2)
    failures = []
    for kind in sweep.KINDS:
        for index in sweep.indices("deactivation", mode, kind, total):
            try:
                sweep.interrupt_and_resume("deactivation", mode, kind, index, expected)
            except AssertionError as e:
                failures.append(str(e))
    assert failures == [], f"{len(failures)} case(s) failed:\n" + "\n".join(failures)
