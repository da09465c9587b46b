"""An activation interrupted at any write, by either kind of crash, in each mode, resumes to an equal core."""

import pytest

from . import sweep


@pytest.mark.parametrize("mode", sweep.MODES)
def test_an_interrupted_activation_resumes_to_the_same_core(mode, short_leases):
    expected, total = sweep.baseline("activation", mode)
    assert total > (30 if mode == "default" else 8)
    failures = []
    for kind in sweep.KINDS:
        for index in sweep.indices("activation", mode, kind, total):
            try:
                sweep.interrupt_and_resume("activation", mode, kind, index, expected)
            except AssertionError as e:
                failures.append(str(e))
    assert failures == [], f"{len(failures)} case(s) failed:\n" + "\n".join(failures)
