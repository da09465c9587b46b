"""The policies of docs/iam/ are least privilege, proven with moto's IAM enforcement.

For each AGC job: a user granted exactly its policy runs the job end to end (first run, re-run with other tags,
repair of drift); without any one action the job fails, on a call moto denied for that action. Actions moto cannot
show are listed with the reason in agc_jobs.JOBS. ``make iam`` removes every action in turn (IAM_FULL_SWEEP=1);
``make test`` removes a sample, and checks that every action of each policy was called by its job.
The EC2 and SSM calls of each job are also checked against the policy as written, resources and conditions
included, which moto does not evaluate (scoping.py); and policies scoped too narrowly must fail that check.
The HealthOmics jobs are proven in test_omics_policies.py.
"""

import copy
import json
import os
import re
from pathlib import Path

import pytest
from moto import mock_aws

from ansible_collections.genomics.aws.plugins.module_utils._shared.iam import POLICY_JOBS
from ansible_collections.genomics.aws.plugins.module_utils._shared.iam import iam_action
from ansible_collections.genomics.aws.plugins.modules import agc_account
from tests.unit.plugins.module_utils.agc.helpers import REGION
from tests.unit.plugins.module_utils.agc.helpers import Account
from tests.unit.plugins.modules.in_process import run_main

from .agc_jobs import JOBS
from .agc_jobs import UserAccount
from .enforcement import create_user
from .enforcement import enforced
from .enforcement import moto_view
from .enforcement import policy_actions
from .enforcement import real_actions
from .omics_jobs import OMICS_JOBS
from .proof import demonstrable_actions
from .proof import rendered
from .proof import run_as_user
from .scoping import SERVICES as SCOPED_SERVICES
from .scoping import first_refused
from .scoping import refusal

POLICY_DIR = Path(__file__).resolve().parents[2] / "docs" / "iam"
FULL_SWEEP = os.environ.get("IAM_FULL_SWEEP") == "1"
REGISTRY_SETTINGS = {
    "ecr:CreatePullThroughCacheRule",
    "ecr:CreateRepositoryCreationTemplate",
    "ecr:PutRegistryPolicy",
    "ecr:UpdateRepositoryCreationTemplate",
}
# make test's sample of the removal sweep: one action per kind of job, and the S3 bucket scoping.
SAMPLE = [
    ("agc-activate.json", "ec2:CreateNatGateway"),
    ("agc-activate-customer-vpc.json", "s3:PutBucketPolicy"),
    ("agc-deactivate.json", "ec2:DeleteVpc"),
    ("agc-vpc-endpoints.json", "ec2:CreateVpcEndpoint"),
]
REMOVALS = [(policy, action) for policy in JOBS for action in demonstrable_actions(policy)] if FULL_SWEEP else SAMPLE


def test_every_policy_file_is_a_job_and_a_module_names_it():
    shipped = {path.name for path in POLICY_DIR.glob("*.json")}
    assert shipped == set(POLICY_JOBS) == set(JOBS) | set(OMICS_JOBS)


@pytest.mark.parametrize("policy", sorted(POLICY_JOBS))
def test_policy_renders_for_an_account_and_region(policy):
    text = (POLICY_DIR / policy).read_text()
    document = json.loads(text)
    assert set(re.findall(r"\$\{(\w+)\}", text)) <= {"Partition", "Region", "Account"}
    china = json.dumps(rendered_for(policy, "cn-north-1"))
    assert "${" not in china and "arn:aws:" not in china
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow" and statement["Action"] == sorted(set(statement["Action"]))
        assert all(re.fullmatch(r"[a-z0-9-]+:[A-Z][A-Za-z0-9]+", action) for action in statement["Action"])
        # Writes are scoped: on every resource only reads, and the settings of the ECR registry, which has no ARN.
        if statement["Resource"] == "*":
            writes = {a for a in statement["Action"] if not re.match(r"[a-z0-9-]+:(Describe|Get|List)", a)}
            assert writes <= REGISTRY_SETTINGS, statement


def rendered_for(policy, region):
    from ansible_collections.genomics.aws.plugins.filter.iam_policy import iam_policy

    return iam_policy(policy, "123456789012", region)


def narrowed(document, sid, resource=None, condition=None):
    """`document` with the statement `sid` scoped otherwise: its Resource replaced, or its condition values."""
    document = copy.deepcopy(document)
    (statement,) = [s for s in document["Statement"] if s.get("Sid") == sid]
    if resource is not None:
        statement["Resource"] = resource
    for operator, values in (condition or {}).items():
        statement["Condition"][operator].update(values)
    return document


OTHER_REGION = "arn:aws:ec2:eu-west-1:123456789012:*"
OTHER_PARAMETERS = ["arn:aws:ssm:us-east-1:123456789012:parameter/other/*"]
NOT_OURS = {"StringEquals": {"aws:ResourceTag/genomics.aws:managed-by": "someone-else"}}
# Policies scoped too narrowly for AWS, and the first call of the job's recording AWS would refuse: the scoping check
# must fail on each (a check that always passes proves nothing).
TOO_NARROW = {
    "agc-activate.json": [
        (dict(sid="BuildNetwork", resource=OTHER_REGION), "ec2:CreateVpc"),
        (dict(sid="TagOnCreate", condition={"Null": {"ec2:CreateAction": "true"}}), "ec2:CreateVpc"),
        (dict(sid="RetagOurs", condition=NOT_OURS), "ec2:CreateTags"),
        (dict(sid="StateStore", resource=OTHER_PARAMETERS), "ssm:GetParametersByPath"),
        # The public parameter belongs to no account: scoped to ours, AWS refuses it.
        (
            dict(sid="LatestEcsAmi", resource="arn:aws:ssm:us-east-1:123456789012:parameter/aws/service/*"),
            "ssm:GetParameter",
        ),
    ],
    "agc-activate-public-only.json": [(dict(sid="BuildNetwork", resource=OTHER_REGION), "ec2:CreateVpc")],
    "agc-activate-customer-vpc.json": [(dict(sid="StateStore", resource=OTHER_PARAMETERS), "ssm:GetParametersByPath")],
    "agc-deactivate.json": [
        # Endpoints and NAT gateways are deleted together: either can be the first call refused.
        (dict(sid="TearDownOurNetwork", condition=NOT_OURS), ("ec2:DeleteVpcEndpoints", "ec2:DeleteNatGateway")),
        (dict(sid="StateStore", resource=OTHER_PARAMETERS), "ssm:GetParametersByPath"),
    ],
    "agc-vpc-endpoints.json": [
        (dict(sid="CreateEndpoints", resource=OTHER_REGION), "ec2:CreateSecurityGroup"),
        (dict(sid="TagOnCreate", condition={"Null": {"ec2:CreateAction": "true"}}), "ec2:CreateSecurityGroup"),
        (dict(sid="RetagOurs", condition=NOT_OURS), "ec2:CreateTags"),
        (dict(sid="RemoveOurEndpoints", condition=NOT_OURS), "ec2:DeleteVpcEndpoints"),
    ],
    "read-only.json": [(dict(sid="StateStore", resource=OTHER_PARAMETERS), "ssm:GetParametersByPath")],
}


@pytest.mark.parametrize("policy", sorted(JOBS))
def test_job_succeeds_with_exactly_its_policy_and_calls_every_action(policy):
    job = JOBS[policy]
    with mock_aws():
        admin = Account()
        world = job.setup(admin)
        user = UserAccount(create_user("operator", moto_view(rendered(policy))))
        with enforced(), real_actions():
            job.run(user, admin, world)
    assert user.denied == []
    called = {iam_action(*call) for call in user.operations}
    # Nothing granted that the job does not call, except what is listed with its reason.
    assert set(demonstrable_actions(policy)) <= called, set(demonstrable_actions(policy)) - called
    assert set(job.not_demonstrable) <= set(policy_actions(rendered(policy)))
    # What moto does not evaluate: each EC2 and SSM call against the policy's resources and conditions, as AWS does.
    calls = user.scoping.calls
    assert {(c.service, c.operation) for c in calls} == {op for op in user.operations if op[0] in SCOPED_SERVICES}
    refused = refusal(rendered(policy), calls)
    assert refused is None, refused
    for change, operations in TOO_NARROW.get(policy, []):
        found = first_refused(narrowed(rendered(policy), **change), calls)
        assert found is not None, f"{policy} with {change}: the scoping check allowed every call"
        call, authorization = found
        operation = f"{call.service}:{call.operation}"
        assert operation in ((operations,) if isinstance(operations, str) else operations), (change, authorization)
        first_of_kind = next(c for c in calls if f"{c.service}:{c.operation}" == operation)
        assert call is first_of_kind, (change, "refused later than the first call of its kind")


@pytest.mark.parametrize(("policy", "action"), REMOVALS)
def test_job_fails_without_any_one_action(policy, action):
    error, denied = run_as_user(policy, without={action})
    assert error is not None, f"{policy} without {action}: the job succeeded"
    assert action in denied, (error, denied)


def test_access_denied_names_the_action_and_the_policy_that_grants_it(capsys, monkeypatch):
    # The user's keys alone: a session token of the environment would make moto look for an assumed role.
    for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        access_key, secret_key = create_user(
            "operator", moto_view(rendered("agc-activate.json"), without={"ec2:CreateNatGateway"})
        )
        args = dict(region=REGION, access_key=access_key, secret_key=secret_key, wait_timeout=60)
        with enforced(), real_actions():
            result = run_main(agc_account.main, capsys, args)
    assert result["failed"]
    assert result["msg"].startswith(
        "AccessDenied for ec2:CreateNatGateway: grant it with docs/iam/agc-activate.json"
    ), result["msg"]
    assert result["missing_permission"] == "ec2:CreateNatGateway"


def test_the_networking_role_names_the_actions_of_each_amazon_aws_module_it_uses():
    """amazon.aws's modules report a refused call without AWS's error; the role's rescue names what the task needs
    from this table, so every amazon.aws module the role uses is in it, with actions its policy grants."""
    import yaml

    role = Path(__file__).resolve().parents[2] / "roles" / "omics_vpc_networking"
    table = yaml.safe_load((role / "vars" / "main.yml").read_text())
    actions_by_module = table["__omics_vpc_networking_stock_module_actions"]
    used = set()
    for tasks_file in (role / "tasks").glob("*.yml"):
        used |= set(re.findall(r"^\s*(amazon\.aws\.[a-z0-9_]+):", tasks_file.read_text(), re.M))
    assert used and used == set(actions_by_module), used ^ set(actions_by_module)
    granted = set(policy_actions(rendered(table["__omics_vpc_networking_iam_policy"].rpartition("/")[2])))
    for module, actions in actions_by_module.items():
        assert set(actions) <= granted, (module, set(actions) - granted)
