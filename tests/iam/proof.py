"""Running a job as an IAM user whose only permissions are one policy of docs/iam/, with moto's IAM enforcement on."""

import itertools

from moto import mock_aws

from ansible_collections.genomics.aws.plugins.filter.iam_policy import iam_policy
from ansible_collections.genomics.aws.plugins.module_utils._shared.iam import iam_action
from tests.unit.plugins.module_utils.agc.helpers import ACCOUNT
from tests.unit.plugins.module_utils.agc.helpers import REGION
from tests.unit.plugins.module_utils.agc.helpers import Account

from .agc_jobs import JOBS
from .agc_jobs import UserAccount
from .enforcement import create_user
from .enforcement import enforced
from .enforcement import moto_view
from .enforcement import policy_actions
from .enforcement import real_actions

_USERS = itertools.count()


def rendered(policy):
    """The shipped policy `policy` for moto's account and Region."""
    return iam_policy(policy, ACCOUNT, REGION)


def run_as_user(policy, without=()):
    """Runs the job of `policy` in a new moto account as a user granted the policy less the actions `without`.

    Returns (the error the job stopped with or None, the IAM actions of the calls moto denied).
    """
    job = JOBS[policy]
    with mock_aws():
        admin = Account()
        world = job.setup(admin)
        keys = create_user(f"job-{next(_USERS)}", moto_view(rendered(policy), without=without))
        user = UserAccount(keys)
        error = None
        with enforced(), real_actions():
            try:
                job.run(user, admin, world)
            except Exception as e:  # noqa: BLE001 - any failure of the job is the answer
                error = e
    return error, sorted({iam_action(*call) for call in user.denied})


def demonstrable_actions(policy):
    """The policy's actions whose removal the proof checks: all but those listed as not demonstrable in moto."""
    return [a for a in policy_actions(rendered(policy)) if a not in JOBS[policy].not_demonstrable]
