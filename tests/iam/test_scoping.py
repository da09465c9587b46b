"""The scoping evaluator (scoping.py) decides as AWS does: resources, tag conditions, tag-on-create, unmapped calls.

The jobs' calls are checked in test_policies.py; here, single calls whose answer is known.
"""

from types import SimpleNamespace

import pytest

from tests.unit.plugins.module_utils.agc.helpers import REGION

from .proof import rendered
from .scoping import Authorization
from .scoping import Recorder
from .scoping import Resolver
from .scoping import Unmapped
from .scoping import World
from .scoping import condition_failure
from .scoping import decide
from .scoping import refusal
from .scoping import ssm_parameter_arn

OURS = [{"Key": "genomics.aws:managed-by", "Value": "genomics.aws"}]


class Tagged(World):
    """A world whose EC2 resources carry the given tags (the jobs' tests read moto's)."""

    def __init__(self, tags):
        super().__init__()
        self.tags = tags

    def ec2_tags(self, resource_id):
        return dict(self.tags.get(resource_id, {}))


def ec2_call(recorder, operation, **params):
    model = SimpleNamespace(name=operation, service_model=SimpleNamespace(service_name="ec2"))
    recorder._before(params=params, model=model)
    return recorder.calls[-1]


@pytest.fixture(scope="module")
def calls():
    """A few EC2 calls as the recorder sees them before they are sent: ours is tagged as the collection tags."""
    recorder = Recorder(Tagged({"vpc-0a": {OURS[0]["Key"]: OURS[0]["Value"]}, "vpc-0b": {"owner": "network-team"}}))
    tagged = [{"ResourceType": "vpc", "Tags": OURS}]
    return {
        "create ours": ec2_call(recorder, "CreateVpc", CidrBlock="10.0.0.0/16", TagSpecifications=tagged),
        "create subnet": ec2_call(recorder, "CreateSubnet", VpcId="vpc-0b", CidrBlock="10.1.0.0/24"),
        "delete ours": ec2_call(recorder, "DeleteVpc", VpcId="vpc-0a"),
        "delete theirs": ec2_call(recorder, "DeleteVpc", VpcId="vpc-0b"),
        "key": ec2_call(recorder, "CreateKeyPair", KeyName="k"),
        "ours": "vpc-0a",
        "theirs": "vpc-0b",
    }


def test_a_delete_is_allowed_on_our_resource_and_refused_on_another(calls):
    policy = rendered("agc-deactivate.json")
    assert refusal(policy, [calls["delete ours"]]) is None
    refused = refusal(policy, [calls["delete theirs"]])
    vpc_arn = f"arn:aws:ec2:{REGION}:123456789012:vpc/{calls['theirs']}"
    assert "ec2:DeleteVpc" in refused and vpc_arn in refused and "TearDownOurNetwork" in refused, refused
    assert "aws:ResourceTag/genomics.aws:managed-by" in refused, refused


def test_tags_at_creation_need_create_tags_with_the_create_action(calls):
    call = calls["create ours"]
    create, tag = call.authorizations
    assert (create.action, create.arn) == ("ec2:CreateVpc", f"arn:aws:ec2:{REGION}:123456789012:vpc/*")
    assert tag.action == "ec2:CreateTags" and tag.context["ec2:CreateAction"] == "CreateVpc"
    assert tag.context["aws:RequestTag/genomics.aws:managed-by"] == "genomics.aws"
    policy = rendered("agc-activate.json")
    assert refusal(policy, [call]) is None
    without = dict(policy, Statement=[s for s in policy["Statement"] if s["Sid"] != "TagOnCreate"])
    assert "ec2:CreateTags" in refusal(without, [call])


def test_a_create_is_authorized_on_its_parent(calls):
    arns = [a.arn for a in calls["create subnet"].authorizations]
    assert arns == [
        f"arn:aws:ec2:{REGION}:123456789012:subnet/*",
        f"arn:aws:ec2:{REGION}:123456789012:vpc/{calls['theirs']}",
    ]


def test_ssm_parameters_are_authorized_by_name_and_public_ones_belong_to_no_account():
    assert ssm_parameter_arn("/agc/_common/vpc") == f"arn:aws:ssm:{REGION}:123456789012:parameter/agc/_common/vpc"
    assert ssm_parameter_arn("/agc/") == f"arn:aws:ssm:{REGION}:123456789012:parameter/agc/"
    assert ssm_parameter_arn("/aws/service/x") == f"arn:aws:ssm:{REGION}::parameter/aws/service/x"
    policy = rendered("agc-activate.json")
    for name, allowed in (("/agc/_common/vpc", True), ("/other/x", False), ("/aws/service/ecs/optimized-ami/x", True)):
        assert decide(policy, Authorization("ssm:GetParameter", ssm_parameter_arn(name)))[0] is allowed, name
    assert not decide(policy, Authorization("ssm:PutParameter", ssm_parameter_arn("/aws/service/ecs/optimized-ami/x")))[
        0
    ]


def test_a_write_without_a_mapping_fails_the_check_and_reads_are_on_every_resource(calls):
    resolver = Resolver(World())
    with pytest.raises(Unmapped, match="ec2:RunInstances"):
        resolver.authorizations("ec2", "RunInstances", {})
    with pytest.raises(Unmapped, match="ssm:LabelParameterVersion"):
        resolver.authorizations("ssm", "LabelParameterVersion", {"Name": "/agc/x", "Labels": ["a"]})
    (read,) = resolver.authorizations("ec2", "DescribeVpcs", {})
    assert read.arn == "*"
    assert "cannot be checked" in refusal(rendered("agc-activate.json"), [calls["key"]])


@pytest.mark.parametrize(
    ("conditions", "context", "holds"),
    [
        ({"StringEquals": {"aws:ResourceTag/k": "v"}}, {"aws:ResourceTag/k": "v"}, True),
        ({"StringEquals": {"aws:ResourceTag/k": "v"}}, {"aws:ResourceTag/k": "w"}, False),
        ({"StringEquals": {"aws:ResourceTag/k": "v"}}, {}, False),
        ({"StringEquals": {"aws:resourcetag/K": ["w", "v"]}}, {"aws:ResourceTag/k": "v"}, True),
        ({"StringLike": {"aws:RequestTag/k": "gen*"}}, {"aws:RequestTag/k": "genomics"}, True),
        ({"StringLike": {"aws:RequestTag/k": "gen?"}}, {"aws:RequestTag/k": "genomics"}, False),
        ({"Null": {"ec2:CreateAction": "false"}}, {"ec2:CreateAction": "CreateVpc"}, True),
        ({"Null": {"ec2:CreateAction": "false"}}, {}, False),
        ({"Null": {"ec2:CreateAction": "true"}}, {}, True),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a"]}, True),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a", "c"]}, False),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {}, True),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["b", "a"]}, True),
        ({"StringEquals": {"k": "v"}, "Null": {"j": "false"}}, {"k": "v"}, False),
    ],
)
def test_conditions(conditions, context, holds):
    assert (condition_failure(conditions, context) is None) is holds


def test_an_explicit_deny_refuses():
    allow = {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}
    deny = {"Sid": "No", "Effect": "Deny", "Action": "ec2:DeleteVpc", "Resource": "arn:aws:ec2:*:*:vpc/*"}
    authorization = Authorization("ec2:DeleteVpc", "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1")
    assert decide({"Statement": [allow]}, authorization) == (True, None)
    assert decide({"Statement": [allow, deny]}, authorization) == (False, "No denies it")
