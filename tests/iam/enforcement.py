"""moto's IAM enforcement, as the policy proofs use it.

moto 5 evaluates a caller's identity-based policies (inline and attached, the user's and its groups') when its
authentication is on (``INITIAL_NO_AUTH_ACTION_COUNT`` reached), with these limits, which decide how a shipped
policy is shown to it:

- Actions: matched with wildcards, Allow and explicit Deny, as AWS does. Most services check ``service:Operation``,
  which is the real action name; S3 checks names of its own (HeadBucket as ``s3:HeadBucket`` where IAM wants
  ``s3:ListBucket``, PutBucketEncryption and PutPublicAccessBlock as ``s3:CreateBucket``...). ``real_actions()``
  makes moto check the real action of each S3 operation (``_shared/iam.py``'s table) for a call made in this
  process, and of a HEAD bucket from another (ansible-playbook's modules), so the policy files are evaluated as
  written.
- Resources: S3 requests carry their bucket and key ARN, and moto matches them against the policy's Resource; every
  other service is checked against ``*`` only, so a statement scoped to ARNs never matches there.
  ``moto_view()`` keeps S3 statements' resources and widens the others to ``*``: the proof shows which actions are
  needed, and for S3 that the bucket scoping holds.
- Conditions: ignored in identity policies (moto evaluates them only in role trust policies, StringEquals only):
  a conditioned Allow allows everything its action and resource allow.
- What moto skips for EC2 and SSM, scoping.py evaluates: each EC2 and SSM call of the AGC jobs is checked against
  the unwidened policy, with the resource ARNs AWS authorizes it against and the condition keys of each (resource
  tags as of the call, request tags, ``ec2:CreateAction``). Not evaluated: other services' scoping (CloudFormation,
  IAM, HealthOmics, ECR), and the EC2 calls of the HealthOmics jobs (ansible-playbook, out of process).
- ``sts:GetCallerIdentity`` is always allowed, as in AWS.

The HealthOmics emulator is ours: ``emulator_authorizer()`` makes it ask moto's IAM the same question for
HealthOmics and ECR pull through cache requests (and iam:PassRole on StartRun).
"""

import contextlib
import json
import threading

import boto3
from botocore.client import BaseClient
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam import access_control

from ansible_collections.genomics.aws.plugins.module_utils._shared.iam import iam_action

REGION = "us-east-1"
_CURRENT = threading.local()
# moto's names of S3 requests that are not IAM actions, and the action AWS checks.
_MOTO_S3_ACTIONS = {"s3:HeadBucket": "s3:ListBucket"}


@contextlib.contextmanager
def _auth_count(count):
    before = (settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count)
    settings.INITIAL_NO_AUTH_ACTION_COUNT = count
    ActionAuthenticatorMixin.request_count = 0
    try:
        yield
    finally:
        settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count = before


def enforced():
    """moto checks every request's signature and the caller's policies."""
    return _auth_count(0)


def unenforced():
    """moto lets every request through (the test's own set-up and inspection, mid-run)."""
    return _auth_count(float("inf"))


@contextlib.contextmanager
def real_actions():
    """moto checks an S3 request against the IAM action AWS checks (see the module docstring)."""
    original_check = access_control.IAMRequestBase.check_action_permitted
    original_call = BaseClient._make_api_call

    def call(client, operation_name, api_params):
        # moto in process answers in the caller's thread: the operation being checked is this one.
        _CURRENT.operation = (client.meta.service_model.service_name, operation_name)
        return original_call(client, operation_name, api_params)

    def check(self, resource):
        operation = getattr(_CURRENT, "operation", None)
        if self._action.startswith("s3:") and operation and operation[0] == "s3":
            self._action = iam_action(*operation)
        else:  # a request of another process (ansible-playbook) to moto's server: only moto's name is known
            self._action = _MOTO_S3_ACTIONS.get(self._action, self._action)
        return original_check(self, resource)

    access_control.IAMRequestBase.check_action_permitted = check
    BaseClient._make_api_call = call
    try:
        yield
    finally:
        access_control.IAMRequestBase.check_action_permitted = original_check
        BaseClient._make_api_call = original_call


@contextlib.contextmanager
def recorded_actions(access_key_id):
    """Yields the set of IAM actions moto (and the emulator's authorizer) checked meanwhile for requests signed with
    `access_key_id`, in any thread."""
    actions = set()
    original = access_control.IAMRequestBase.check_action_permitted

    def check(self, resource):
        if getattr(self._access_key, "_access_key_id", None) == access_key_id:
            actions.add(self._action)
        return original(self, resource)

    access_control.IAMRequestBase.check_action_permitted = check
    recorder = (access_key_id, actions)
    _RECORDERS.append(recorder)
    try:
        yield actions
    finally:
        _RECORDERS.remove(recorder)
        access_control.IAMRequestBase.check_action_permitted = original


_RECORDERS = []


def statement_actions(statement):
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def moto_view(document, without=()):
    """`document` as moto can evaluate it, less the actions `without`: non-S3 statements on every resource."""
    statements = []
    for statement in document["Statement"]:
        actions = [a for a in statement_actions(statement) if a not in without]
        if not actions:
            continue
        statement = dict(statement, Action=actions)
        if not all(a.startswith("s3:") for a in actions):
            statement["Resource"] = "*"
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def policy_actions(document):
    """Every action a document allows, sorted."""
    return sorted({a for s in document["Statement"] if s["Effect"] == "Allow" for a in statement_actions(s)})


def create_user(name, document, endpoint_url=None):
    """An IAM user (in moto, enforcement off) whose only permissions are `document`; its access keys."""
    with unenforced():
        iam = boto3.client("iam", region_name=REGION, endpoint_url=endpoint_url)
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName=name, PolicyDocument=json.dumps(document))
        key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def emulator_authorizer(account_id="123456789012", partition="aws"):
    """``authorize(headers, action)`` for the HealthOmics emulator: moto's IAM decides, as for moto's own services.

    Evaluated as moto does (the caller's policies on every resource) whenever moto's enforcement is on; the request's
    signature is not checked (moto checks the signatures of the requests it answers)."""
    from moto.iam.access_control import CreateAccessKeyFailure
    from moto.iam.access_control import IAMPolicy
    from moto.iam.access_control import IAMUserAccessKey
    from moto.iam.access_control import PermissionResult

    from tools.healthomics_emulator import AccessDeniedException

    def authorize(headers, action):
        if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
            return
        authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        access_key_id = authorization.partition("Credential=")[2].partition("/")[0]
        for recorded_key, actions in _RECORDERS:
            if recorded_key == access_key_id:
                actions.add(action)
        try:
            key = IAMUserAccessKey(account_id, partition, access_key_id, headers)
        except CreateAccessKeyFailure:
            raise AccessDeniedException(f"The access key {access_key_id!r} is not an IAM user's") from None
        results = [IAMPolicy(policy).is_action_permitted(action, "*") for policy in key.collect_policies()]
        if PermissionResult.DENIED in results or PermissionResult.PERMITTED not in results:
            raise AccessDeniedException(f"User: {key.arn} is not authorized to perform: {action}")

    return authorize
