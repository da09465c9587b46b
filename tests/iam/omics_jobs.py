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

from tools.customer_vpc import create_customer_vpc
from tools.healthomics_emulator import OmicsEmulator
from tools.moto_server import empty_moto_server

from ..playbooks.helpers import ACCOUNT
from ..playbooks.helpers import ROOT
from ..playbooks.helpers import ansible_playbook
from ..playbooks.helpers import client
from .enforcement import create_user
from .enforcement import emulator_authorizer
from .enforcement import enforced

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
def omics_account():
    """moto and the emulator, IAM enforced, the process acting as an administrator user; yields the emulator."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    token = os.environ.pop("AWS_SESSION_TOKEN", None)  # the administrator's keys are a user's: no session token
    boto3.DEFAULT_SESSION = None  # it keeps the credentials it found first
    try:
        with empty_moto_server() as moto_url:
            administrator_has_the_test_keys(moto_url)
            with OmicsEmulator(ec2_endpoint=moto_url, delay=0, authorize=emulator_authorizer()) as emulator:
                with enforced():
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


@dataclass(frozen=True)
class OmicsJob:
    policy: str  # the file under docs/iam/
    run: Callable  # run(emulator, tmp_path, operator's keys, check) -> the last ansible-playbook CompletedProcess
    # Actions of the policy whose need the emulators cannot show, and why (the proof skips their removal).
    not_demonstrable: dict = field(default_factory=dict)


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
    )
}
