"""The HealthOmics policies of docs/iam/, proven by running their roles with ansible-playbook as an IAM user.

moto's IAM enforcement decides for EC2, IAM and S3; the HealthOmics emulator asks moto's IAM for HealthOmics and
ECR's pull through cache (tests/iam/omics_jobs.py). A user granted exactly the policy runs the job; without any one
action the job fails, naming that action. Each run is a few ansible-playbook runs (a minute or more on a loaded
machine), so all of this is ``make iam``'s (IAM_FULL_SWEEP=1); ``make test`` proves the AGC policies.
"""

import os

import pytest

from .enforcement import moto_view
from .enforcement import policy_actions
from .enforcement import recorded_actions
from .omics_jobs import OMICS_JOBS
from .omics_jobs import omics_account
from .omics_jobs import operator_keys
from .proof import rendered

pytestmark = [
    pytest.mark.playbook,
    pytest.mark.skipif(os.environ.get("IAM_FULL_SWEEP") != "1", reason="make iam (a minute or more per run)"),
]


def demonstrable(policy):
    return [a for a in policy_actions(rendered(policy)) if a not in OMICS_JOBS[policy].not_demonstrable]


@pytest.mark.parametrize("policy", sorted(OMICS_JOBS))
def test_job_succeeds_with_exactly_its_policy_and_calls_every_action(policy, tmp_path):
    job = OMICS_JOBS[policy]
    with omics_account(job.executor(tmp_path)) as emulator:
        keys = operator_keys(emulator, moto_view(rendered(policy)))
        with recorded_actions(keys[0]) as checked:
            completed = job.run(emulator, tmp_path, keys, check=False)
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-4000:]
    assert set(demonstrable(policy)) <= checked, set(demonstrable(policy)) - checked


@pytest.mark.parametrize(("policy", "action"), [(p, a) for p in sorted(OMICS_JOBS) for a in demonstrable(p)])
def test_job_fails_without_any_one_action(policy, action, tmp_path):
    job = OMICS_JOBS[policy]
    with omics_account(job.executor(tmp_path)) as emulator:
        keys = operator_keys(emulator, moto_view(rendered(policy), without={action}))
        completed = job.run(emulator, tmp_path, keys, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, f"{policy} without {action}: the job succeeded"
    # amazon.aws's S3 modules report S3's bare 403 without naming the action.
    named = action in output or (action.startswith("s3:") and ("403" in output or "Permission denied" in output))
    assert named, output[-4000:]
