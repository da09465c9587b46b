"""purge_tags on agc_account and agc_vpc_endpoints: amazon.aws semantics over the tags the collection applied.

`tags` omitted leaves the user tags alone; with purge_tags (the default) a key left out of `tags` goes; without it
nothing goes; a key set by another tool stays in every case, unless the user takes it over by listing it in `tags`.
"""

import json

from ansible_collections.genomics.aws.plugins.module_utils.agc import EndpointsRequest
from ansible_collections.genomics.aws.plugins.module_utils.agc import manage_endpoints

from .helpers import ACCOUNT
from .helpers import REGION

BUCKET = f"agc-{ACCOUNT}-{REGION}"
KEYS_TAG = "genomics.aws:user-tag-keys"


def tags_of(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags") or []}


def user_tags(tags):
    return {k: v for k, v in tags.items() if not k.startswith(("genomics.aws:", "application-name", "Name"))}


def core_user_tags(account):
    """The user tags of the managed VPC, the bucket and one SSM parameter, and the recorded customTags."""
    [vpc] = account.managed_vpcs()
    bucket = {t["Key"]: t["Value"] for t in account.s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]}
    parameter = account.ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/agc/_common/vpc")["TagList"]
    recorded = json.loads(account.parameters()["customTags"]["Value"])
    return user_tags(tags_of(vpc)), user_tags(bucket), user_tags(tags_of({"Tags": parameter})), recorded


def test_agc_account_purge_tags(account):
    account.activate(tags={"team": "a", "old": "x"})
    [vpc] = account.managed_vpcs()
    account.ec2.create_tags(Resources=[vpc["VpcId"]], Tags=[{"Key": "finops", "Value": "keep"}])

    def everywhere(tags):  # finops is on the VPC only
        return dict(tags, finops="keep"), tags, tags, tags

    # tags omitted: nothing changes, whatever purge_tags says.
    assert not account.activate().changed
    assert not account.activate(purge_tags=False).changed
    assert core_user_tags(account) == everywhere({"team": "a", "old": "x"})

    # purge_tags false: added and updated, nothing removed (and the record keeps both, so a later purge can remove).
    plan = account.activate(check_mode=True, tags={"team": "b"}, purge_tags=False)
    assert plan.changed and core_user_tags(account) == everywhere({"team": "a", "old": "x"})
    assert account.activate(tags={"team": "b"}, purge_tags=False).changed
    assert core_user_tags(account) == everywhere({"team": "b", "old": "x"})
    assert not account.activate(tags={"team": "b"}, purge_tags=False).changed

    # purge_tags true (the default): the keys the collection applied and tags no longer lists go; finops stays.
    assert account.activate(tags={"team": "b"}).changed
    assert core_user_tags(account) == everywhere({"team": "b"})
    assert account.activate(tags={}).changed
    assert core_user_tags(account) == everywhere({})

    # Taking another tool's key over, then leaving it out, removes it: the one explicit way to purge it.
    account.activate(tags={"finops": "ours"})
    assert account.activate(tags={}).changed
    assert core_user_tags(account) == ({}, {}, {}, {})


def endpoints(account, check_mode=False, **params):
    request = EndpointsRequest.from_params(dict(params, wait_timeout=60))
    return manage_endpoints(account.clients().ec2, REGION, request, check_mode=check_mode)


def test_agc_vpc_endpoints_purge_tags(account):
    world = account.customer_vpc()
    vpc_id = world["vpc_id"]
    account.ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    services = ["s3", "logs"]  # a gateway and an interface endpoint (with the collection's security group)

    def ours():
        found = account.ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
        groups = account.ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:genomics.aws:managed-by", "Values": ["*"]}]
        )["SecurityGroups"]
        return {
            r.get("VpcEndpointId") or r["GroupId"]: tags_of(r) for r in found + groups if r.get("State") != "deleted"
        }

    def users():
        return {resource_id: user_tags(tags) for resource_id, tags in ours().items()}

    created = endpoints(account, vpc_id=vpc_id, services=services, tags={"team": "a", "old": "x"})
    assert created.changed
    assert len(ours()) == 3 and all(t[KEYS_TAG] == "old,team" for t in ours().values())
    some_endpoint = created.resource[0]["id"]
    account.ec2.create_tags(Resources=[some_endpoint], Tags=[{"Key": "finops", "Value": "keep"}])

    assert not endpoints(account, vpc_id=vpc_id, services=services).changed  # tags omitted
    assert not endpoints(account, vpc_id=vpc_id, services=services, tags={"team": "a", "old": "x"}).changed

    before = users()
    plan = endpoints(account, check_mode=True, vpc_id=vpc_id, services=services, tags={"team": "b"})
    assert plan.changed and users() == before
    assert endpoints(account, vpc_id=vpc_id, services=services, tags={"team": "b"}, purge_tags=False).changed
    assert all(t["team"] == "b" and t["old"] == "x" for t in users().values())

    outcome = endpoints(account, vpc_id=vpc_id, services=services, tags={"team": "b"})
    assert outcome.changed and "finops" not in outcome.changes.entries[0]
    after = users()
    assert all({k: v for k, v in t.items() if k != "finops"} == {"team": "b"} for t in after.values())
    assert after[some_endpoint]["finops"] == "keep"  # another tool's tag stays
    assert all(t[KEYS_TAG] == "team" for t in ours().values())
    assert not endpoints(account, vpc_id=vpc_id, services=services, tags={"team": "b"}).changed

    assert endpoints(account, vpc_id=vpc_id, services=services, tags={}).changed
    assert all(KEYS_TAG not in t for t in ours().values())
    assert users()[some_endpoint] == {"finops": "keep"}
