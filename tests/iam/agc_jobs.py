"""The AGC jobs whose policies docs/iam/ ships, run in process (tools/agc_harness.py) as an IAM user.

Each job is what its policy promises: not only a first run, but a re-run with other tags and the repair of drift,
since those are the calls a second run of the same job makes.
"""

from dataclasses import dataclass
from dataclasses import field
from typing import Callable

from ansible_collections.genomics.aws.plugins.module_utils._shared.iam import denies_access
from ansible_collections.genomics.aws.plugins.module_utils.agc import EndpointsRequest
from ansible_collections.genomics.aws.plugins.module_utils.agc import describe_activation
from ansible_collections.genomics.aws.plugins.module_utils.agc import manage_endpoints
from tests.unit.plugins.module_utils.agc import test_drift
from tests.unit.plugins.module_utils.agc.helpers import REGION
from tests.unit.plugins.module_utils.agc.helpers import Account

from .enforcement import unenforced
from .scoping import Recorder

# Drift a core without NAT gateways or endpoints can have.
PUBLIC_ONLY_DRIFT = (
    "a public subnet stops assigning public IPs",
    "the VPC's DNS hostnames are turned off",
    "the bucket policy is deleted",
    "the bucket's public access block is removed",
    "the bucket's object ownership is relaxed",
    "the bucket's default encryption is deleted",
    "the bucket loses its tags",
    "a state store value is edited",
)
# A customer's VPC is never modified: only the bucket and the state store can drift.
CUSTOMER_VPC_DRIFT = PUBLIC_ONLY_DRIFT[2:]


class UserAccount(Account):
    """The account seen through an IAM user's keys: every call's (service, operation), and those denied; and the EC2
    and SSM calls with what AWS authorizes each against (scoping.py)."""

    def __init__(self, credentials):
        super().__init__(credentials)
        self.operations = set()
        self.denied = []
        self.scoping = Recorder()

    def clients(self):
        clients = super().clients()
        factory = clients._factory

        def observed(service):
            client = factory(service)
            events = client.meta.events
            events.register("before-call", lambda model, **_kw: self.operations.add((service, model.name)))
            events.register("after-call", lambda parsed, model, **_kw: self._note(service, parsed, model))
            return self.scoping.observe(client)

        clients._factory = observed
        return clients

    def _note(self, service, parsed, model):
        if isinstance(parsed, dict) and denies_access(parsed):
            self.denied.append((service, model.name))


def drift(admin, names):
    with unenforced():
        for name in names:
            test_drift.CASES[name][0](admin)


def customer_vpc(admin):
    world = admin.customer_vpc()
    admin.ec2.modify_vpc_attribute(VpcId=world["vpc_id"], EnableDnsHostnames={"Value": True})
    return world


def endpoints(user, check_mode=False, **params):
    request = EndpointsRequest.from_params(dict(params, wait_timeout=60))
    return manage_endpoints(user.clients().ec2, REGION, request, check_mode=check_mode)


# A re-run with other tags: one changed, one added, one removed.
TAGS = {"team": "lab", "project": "pilot"}
NEW_TAGS = {"team": "genomics", "cost-center": "42"}


# -- the jobs: set-up as the test (enforcement off), then the job as the user -------------------------------------


def activate(user, admin, _world):
    user.activate(tags=TAGS)
    user.activate(tags=NEW_TAGS)
    drift(admin, test_drift.CASES)
    user.activate(tags=NEW_TAGS)


def activate_public_only(user, admin, _world):
    user.activate(use_public_subnets=True, tags=TAGS)
    user.activate(use_public_subnets=True, tags=NEW_TAGS)
    drift(admin, PUBLIC_ONLY_DRIFT)
    user.activate(use_public_subnets=True, tags=NEW_TAGS)


def activate_customer_vpc(user, admin, world):
    place = dict(vpc_id=world["vpc_id"], subnets=world["private"])
    user.activate(tags=TAGS, **place)
    user.activate(tags=NEW_TAGS, **place)
    drift(admin, CUSTOMER_VPC_DRIFT)
    user.activate(tags=NEW_TAGS, **place)


def with_core_and_a_context(admin):
    admin.activate(tags=TAGS)
    admin.context_stack()


def deactivate(user, _admin, _world):
    user.deactivate(force=True)
    user.deactivate()


def audit_endpoints(user, _admin, world):
    endpoints(user, check_mode=True, vpc_id=world["vpc_id"])


def manage_vpc_endpoints(user, _admin, world):
    endpoints(user, vpc_id=world["vpc_id"], tags=TAGS)
    endpoints(user, vpc_id=world["vpc_id"], tags=NEW_TAGS)
    endpoints(user, vpc_id=world["vpc_id"], state="absent")


def describe(user, _admin, _world):
    # A denied read shows as drift ("bucket ... not accessible"), not as an error: the job is a description without.
    info = describe_activation(user.clients(), REGION)
    assert info.activated and not info.drift, info


@dataclass(frozen=True)
class Job:
    policy: str  # the file under docs/iam/
    run: Callable  # run(user, admin, world): the job, as the user
    setup: Callable = lambda admin: None  # setup(admin) -> world, as the test
    # Actions of the policy whose need moto cannot show, and why (the proof skips their removal).
    not_demonstrable: dict = field(default_factory=dict)


# The same actions recur in several jobs' policies.
CUSTOM_AMI = "only with the ami option (a private AMI of the account), which the job does not use"
EXISTING_BUCKET = (
    "only for a bucket that already exists: activation puts and deletes a marker object under _agc/ to prove it can "
    "write there; the job creates its bucket"
)
ACTIVATE_UNSHOWN = {
    "ec2:DescribeImages": CUSTOM_AMI,
    "s3:PutObject": EXISTING_BUCKET,
    "s3:DeleteObject": EXISTING_BUCKET,
}
OMICS_INFO = "HealthOmics is served by the project's emulator, which does not evaluate IAM policies"


def _activated(admin):
    admin.activate(tags=TAGS)


JOBS = {
    job.policy: job
    for job in (
        Job("agc-activate.json", activate, not_demonstrable=ACTIVATE_UNSHOWN),
        Job("agc-activate-public-only.json", activate_public_only, not_demonstrable=ACTIVATE_UNSHOWN),
        Job("agc-activate-customer-vpc.json", activate_customer_vpc, customer_vpc, not_demonstrable=ACTIVATE_UNSHOWN),
        Job("agc-deactivate.json", deactivate, with_core_and_a_context),
        Job("agc-vpc-endpoints-audit.json", audit_endpoints, customer_vpc),
        Job("agc-vpc-endpoints.json", manage_vpc_endpoints, customer_vpc),
        Job(
            "read-only.json",
            describe,
            _activated,
            not_demonstrable={
                action: OMICS_INFO
                for action in ("omics:GetConfiguration", "omics:GetRun", "omics:ListConfigurations", "omics:ListRuns")
            },
        ),
    )
}
