"""The HealthOmics jobs whose policies docs/iam/ ships, run by ansible-playbook as an IAM user.

moto (in this process, its IAM enforcement on) answers EC2, IAM and S3; the HealthOmics emulator answers HealthOmics
and ECR's pull through cache and asks moto's IAM whether the user may (enforcement.emulator_authorizer). The test
itself, the emulator's back end and its run executor (AWS's side of HealthOmics) act as an administrator user.
"""

import contextlib
import json
import logging
import os
from dataclasses import dataclass
from dataclasses import field
from typing import Callable

import boto3
from moto.iam.models import iam_backends

from tools import loopback_servers as servers
from tools.customer_vpc import create_customer_vpc
from tools.healthomics_emulator import OmicsEmulator
from tools.healthomics_emulator.local_executor import LocalWdlExecutor
from tools.moto_server import empty_moto_server

from ..playbooks.helpers import ACCOUNT
from ..playbooks.helpers import ROOT
from ..playbooks.helpers import ansible_playbook
from ..playbooks.helpers import client
from .enforcement import create_user
from .enforcement import emulator_authorizer
from .enforcement import enforced
from .enforcement import real_actions

ADMINISTRATOR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
NETWORKING_PLAYBOOK = ROOT / "playbooks" / "omics_vpc_networking_example.yml"
# One destination of each kind of network change: an egress rule by IP, one by name, a gateway endpoint and its
# prefix list, an interface endpoint and its group.
DESTINATIONS = [
    {"name": "license", "kind": "tcp", "host": "10.40.99.10", "port": 8990},
    {"name": "ncbi", "kind": "https", "url": "https://ftp.ncbi.nlm.nih.gov/genomes/"},
    {"name": "references", "kind": "s3", "bucket": "my-references"},
    {"name": "credentials", "kind": "secretsmanager"},
]


def keys_env(keys):
    """The environment of a process signing with an IAM user's keys (no session token: they are long-term)."""
    return {"AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1], "AWS_SESSION_TOKEN": ""}


@contextlib.contextmanager
def omics_account(executor=None):
    """moto and the emulator, IAM enforced, the process acting as an administrator user; yields the emulator.

    `executor(moto_url)`: the emulator's run executor (by default runs succeed without running anything)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    token = os.environ.pop("AWS_SESSION_TOKEN", None)  # the administrator's keys are a user's: no session token
    boto3.DEFAULT_SESSION = None  # it keeps the credentials it found first
    try:
        with empty_moto_server() as moto_url:
            administrator_has_the_test_keys(moto_url)
            with OmicsEmulator(
                ec2_endpoint=moto_url,
                delay=0.02,
                authorize=emulator_authorizer(),
                executor=executor(moto_url) if executor else None,
            ) as emulator:
                with enforced(), real_actions():
                    yield emulator
    finally:
        if token is not None:
            os.environ["AWS_SESSION_TOKEN"] = token
        boto3.DEFAULT_SESSION = None


def administrator_has_the_test_keys(moto_url):
    """An administrator user whose access key is the test's own (testing/testing), which the test, the emulator's
    back end and its run executor sign with: AWS's side of HealthOmics acts with the account's full rights."""
    create_user("administrator", ADMINISTRATOR, endpoint_url=moto_url)
    (key,) = iam_backends[ACCOUNT]["aws"].get_user("administrator").access_keys
    key.access_key_id = key.secret_access_key = os.environ["AWS_ACCESS_KEY_ID"]


def operator_keys(emulator, document):
    return create_user("operator", document, endpoint_url=emulator.forward_endpoint)


def customer_network(emulator):
    vpc = create_customer_vpc(emulator.forward_endpoint, cidr_prefix="10.40", azs=2, nat_gateways="per_az")
    return {"vpc": vpc["vpc_id"], "private": vpc["private_subnets"]}


def run_networking(emulator, tmp_path, keys, subnets, tags, check=True, **more):
    variables = tmp_path / f"networking-{len(list(tmp_path.iterdir()))}.json"
    variables.write_text(
        json.dumps(
            {
                "omics_vpc_networking_name": "genomics-vpc",
                "omics_vpc_networking_subnets": subnets,
                "omics_vpc_networking_destinations": DESTINATIONS,
                "omics_vpc_networking_tags": tags,
                "omics_vpc_networking_poll_interval": 1,
                **more,
            }
        )
    )
    return ansible_playbook(
        NETWORKING_PLAYBOOK, emulator.url, tmp_path, "-e", f"@{variables}", check=check, env=keys_env(keys)
    )


def networking_job(emulator, tmp_path, keys, check=True):
    """The role, as the operator: a first run; a re-run with a tag changed and one dropped; a run with one subnet
    fewer, which replaces the configuration. Returns the last CompletedProcess."""
    subnets = customer_network(emulator)["private"]
    runs = [
        (subnets, {"team": "lab", "project": "pilot"}, {}),
        (subnets, {"team": "genomics"}, {}),
        (subnets[:1], {"team": "genomics"}, {"omics_vpc_networking_allow_replacement": True}),
    ]
    for run_subnets, tags, more in runs:
        completed, _result = run_networking(emulator, tmp_path, keys, run_subnets, tags, check, **more)
        if completed.returncode != 0:
            break
    return completed


def configuration_exists(emulator):
    omics = client("omics", emulator.url)
    return [c["name"] for c in omics.list_configurations()["items"]]


CONNECTIVITY_PLAYBOOK = ROOT / "playbooks" / "connectivity_test.yml"
RESULTS_BUCKET = "omics-connectivity-results"  # no TLS-only policy: moto would deny every object request
# A private ECR image given: the emulator's pull through cache re-sends the caller's signature with another body,
# which moto's enforcement refuses, so the job uses an image of the account (the executor runs no container).
PROBE_IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/genomics-aws-public/docker/library/python:3.12-slim"


def connectivity_job(emulator, tmp_path, keys, check=True):
    """The connectivity test, as the operator, of a configuration the administrator opened to an HTTPS server (the
    omics_vpc_networking role): a first run (workflow, service role, run, report), then a second one that finds
    them. Returns the last CompletedProcess."""
    site = servers.DestinationSite(tmp_path / "pki")
    try:
        client("s3", emulator.forward_endpoint).create_bucket(Bucket=RESULTS_BUCKET)
        subnets = create_customer_vpc(emulator.forward_endpoint, cidr_prefix="10.60", azs=2, nat_gateways=1)
        https = next(item for item in site.destinations() if item["kind"] == "https")
        variables = tmp_path / "networking.json"
        variables.write_text(
            json.dumps(
                {
                    "omics_vpc_networking_name": "connectivity-vpc",
                    "omics_vpc_networking_subnets": subnets["private_subnets"],
                    "omics_vpc_networking_destinations": [https],
                    "omics_vpc_networking_poll_interval": 1,
                }
            )
        )
        ansible_playbook(NETWORKING_PLAYBOOK, emulator.url, tmp_path, "-e", f"@{variables}")
        for attempt in range(2):
            variables = tmp_path / f"connectivity-{attempt}.json"
            variables.write_text(
                json.dumps(
                    {
                        "destinations": [https],
                        "configuration": "connectivity-vpc",
                        "output_uri": f"s3://{RESULTS_BUCKET}/connectivity/",
                        "workflow_name": "connectivity-iam",
                        "probe_image": PROBE_IMAGE,
                        "ca_bundle": str(site.pki.ca_pem),
                        "timeout_seconds": 3,
                        "wait_timeout": 120,
                        "report_dir": str(tmp_path / f"reports-{attempt}"),
                    }
                )
            )
            completed, _result = ansible_playbook(
                CONNECTIVITY_PLAYBOOK, emulator.url, tmp_path, "-e", f"@{variables}", check=check, env=keys_env(keys)
            )
            if completed.returncode != 0:
                break
        return completed
    finally:
        site.stop()


def wdl_executor(tmp_path):
    """AWS's side of a run: the LocalWdlExecutor really runs the probe, as the administrator."""
    return lambda moto_url: LocalWdlExecutor(moto_url, run_timeout=60, drop_timeout=1.0, work_dir=tmp_path / "runs")


@dataclass(frozen=True)
class OmicsJob:
    policy: str  # the file under docs/iam/
    run: Callable  # run(emulator, tmp_path, operator's keys, check) -> the last ansible-playbook CompletedProcess
    executor: Callable = lambda tmp_path: None  # executor(tmp_path) -> omics_account's executor
    # Actions of the policy whose need the emulators cannot show, and why (the proof skips their removal).
    not_demonstrable: dict = field(default_factory=dict)


GIVEN_PROBE_IMAGE = (
    "the job gives a probe image (PROBE_IMAGE): the emulator's pull through cache re-sends the caller's signature "
    "with another body, which moto's enforcement refuses"
)
ROLE_POLICY_READ = (
    "amazon.aws.iam_policy reads the service role's inline policies to compare them before it writes; denied the "
    "read, it still writes the policy and the job succeeds (make iam showed it), so moto cannot show the need"
)
ONLY_ON_CHANGE = "only when the {} changes, which the job's re-run does not do"
SERVICE_LINKED_ROLE = (
    "HealthOmics creates its service-linked role with the first configuration of an account, in AWS; the emulator "
    "does not model it"
)

OMICS_JOBS = {
    job.policy: job
    for job in (
        OmicsJob(
            "omics-vpc-networking.json",
            networking_job,
            not_demonstrable={"iam:CreateServiceLinkedRole": SERVICE_LINKED_ROLE},
        ),
        OmicsJob(
            "omics-connectivity-test.json",
            connectivity_job,
            wdl_executor,
            not_demonstrable={
                **{
                    action: GIVEN_PROBE_IMAGE
                    for action in (
                        "ecr:BatchGetImage",
                        "ecr:CreatePullThroughCacheRule",
                        "ecr:CreateRepository",
                        "ecr:CreateRepositoryCreationTemplate",
                        "ecr:DescribeImages",
                        "ecr:DescribePullThroughCacheRules",
                        "ecr:DescribeRepositoryCreationTemplates",
                        "ecr:GetRegistryPolicy",
                        "ecr:GetRepositoryPolicy",
                        "ecr:PutRegistryPolicy",
                        "ecr:SetRepositoryPolicy",
                        "ecr:UpdateRepositoryCreationTemplate",
                    )
                },
                "s3:GetBucketLocation": (
                    "the role checks that the output bucket is in the run's Region, and only warns when it cannot "
                    "read it; the job succeeds without it"
                ),
                "iam:GetRolePolicy": ROLE_POLICY_READ,
                "iam:ListRolePolicies": ROLE_POLICY_READ,
                "iam:TagRole": ONLY_ON_CHANGE.format("service role's tags (omics_connectivity_test_tags)"),
                "iam:UpdateAssumeRolePolicy": ONLY_ON_CHANGE.format("service role's trust policy"),
                "iam:UpdateRole": ONLY_ON_CHANGE.format("service role's description"),
                "omics:TagResource": ONLY_ON_CHANGE.format("workflow's tags"),
                "omics:UntagResource": ONLY_ON_CHANGE.format("workflow's tags"),
                "omics:UpdateWorkflow": ONLY_ON_CHANGE.format("workflow's name or description"),
            },
        ),
    )
}
