"""omics_vpc_configuration: idempotency, replacement, tags, network preflight and bad input."""

import pytest
from botocore.config import Config

from ansible_collections.genomics.aws.plugins.modules import omics_vpc_configuration
from ansible_collections.genomics.aws.plugins.modules import omics_vpc_configuration_info

from .helpers import ROLE_ARN
from .helpers import SESSION
from .helpers import BlockingExecutor
from .helpers import active_workflow
from .helpers import run_module
from .helpers import stored


def configure(capsys, emulator, network, **args):
    args.setdefault("name", "genomics-vpc")
    args.setdefault("subnets", network.private_subnets)
    args.setdefault("security_groups", network.security_groups)
    args.setdefault("wait_timeout", 30)
    return run_module(omics_vpc_configuration, capsys, emulator.url, **args)


def test_idempotency_triple(capsys, emulator, shared_network):
    network = shared_network
    plan = configure(capsys, emulator, network, check_mode=True, diff=True, tags={"team": "lab"})
    assert plan["changed"] and plan["vpc_configuration"]["status"] == "ACTIVE"
    assert plan["network"]["vpc_id"] == network.vpc_id
    assert plan["diff"]["before"] == {}
    assert stored(emulator, "configurations") == []

    applied = configure(capsys, emulator, network, diff=True, tags={"team": "lab"})
    assert applied["changed"] and not applied.get("failed"), applied
    [configuration] = stored(emulator, "configurations")
    assert configuration.name == "genomics-vpc" and configuration.tags == {"team": "lab"}
    assert sorted(configuration.vpc.subnet_ids) == sorted(network.private_subnets)
    assert configuration.vpc.vpc_id == network.vpc_id
    result = applied["vpc_configuration"]
    assert result["status"] == "ACTIVE" and result["uuid"] == configuration.uuid
    assert result["run_configurations"]["vpc_config"]["security_group_ids"] == network.security_groups
    assert applied["network"]["availability_zones"] == ["us-east-1a", "us-east-1b"]
    assert applied["network"]["security_groups"][0]["egress"] == ["tcp 443 to 0.0.0.0/0"]
    assert all(s["nat_gateway_id"] in network.nat_gateways for s in applied["network"]["subnets"])
    assert applied["warnings"] == []
    assert applied["diff"]["after"] == result

    rerun = configure(
        capsys, emulator, network, diff=True, tags={"team": "lab"}, subnets=list(reversed(network.private_subnets))
    )
    assert not rerun["changed"]
    assert rerun["diff"]["before"] == rerun["diff"]["after"]
    assert [c.uuid for c in stored(emulator, "configurations")] == [configuration.uuid]


def test_tags_change_in_place(capsys, emulator, shared_network):
    network = shared_network
    configure(capsys, emulator, network, tags={"team": "lab", "old": "x"})
    [original] = stored(emulator, "configurations")
    plan = configure(capsys, emulator, network, check_mode=True, tags={"team": "core"})
    assert plan["changed"] and plan["vpc_configuration"]["tags"] == {"team": "core"}
    assert original.tags == {"team": "lab", "old": "x"}
    changed = configure(capsys, emulator, network, tags={"team": "core"})
    assert changed["changed"] and changed["vpc_configuration"]["tags"] == {"team": "core"}
    [after] = stored(emulator, "configurations")
    assert after.uuid == original.uuid and after.tags == {"team": "core"}
    kept = configure(capsys, emulator, network, tags={"extra": "1"}, purge_tags=False)
    assert kept["changed"] and stored(emulator, "configurations")[0].tags == {"team": "core", "extra": "1"}


def test_difference_fails_without_replacement_and_changes_nothing(capsys, emulator, shared_network):
    network = shared_network
    configure(capsys, emulator, network, subnets=network.private_subnets[:1], description="first")
    [original] = stored(emulator, "configurations")
    result = configure(capsys, emulator, network, description="second")
    assert result["failed"]
    assert "cannot update a configuration in place" in result["msg"]
    assert network.private_subnets[1] in result["msg"] and "'first' -> 'second'" in result["msg"]
    assert "allow_replacement=true" in result["msg"]
    [unchanged] = stored(emulator, "configurations")
    assert unchanged.uuid == original.uuid and unchanged.vpc.subnet_ids == tuple(network.private_subnets[:1])


def test_replace_on_change(capsys, emulator, shared_network):
    network = shared_network
    configure(capsys, emulator, network, subnets=network.private_subnets[:1], tags={"team": "lab"})
    [original] = stored(emulator, "configurations")

    plan = configure(capsys, emulator, network, allow_replacement=True, check_mode=True, diff=True)
    assert plan["changed"] and plan["diff"]["before"]["uuid"] == original.uuid
    assert plan["diff"]["after"]["run_configurations"]["vpc_config"]["subnet_ids"] == network.private_subnets
    assert [c.uuid for c in stored(emulator, "configurations")] == [original.uuid]

    replaced = configure(capsys, emulator, network, allow_replacement=True, tags={"team": "lab"})
    assert replaced["changed"] and any("is replaced" in w for w in replaced["warnings"])
    [new] = stored(emulator, "configurations")
    assert new.uuid != original.uuid and sorted(new.vpc.subnet_ids) == sorted(network.private_subnets)
    assert replaced["vpc_configuration"]["uuid"] == new.uuid
    again = configure(capsys, emulator, network, allow_replacement=True, tags={"team": "lab"})
    assert not again["changed"] and stored(emulator, "configurations")[0].uuid == new.uuid


def test_replacement_refused_while_a_run_uses_it(capsys, start_emulator, shared_network):
    executor = BlockingExecutor()
    emulator = start_emulator(executor=executor)
    omics = SESSION.client("omics", endpoint_url=emulator.url, config=Config(inject_host_prefix=False))
    network = shared_network
    configure(capsys, emulator, network, subnets=network.private_subnets[:1])
    omics.start_run(
        workflowId=active_workflow(omics),
        roleArn=ROLE_ARN,
        outputUri="s3://out-bucket/x",
        networkingMode="VPC",
        configurationName="genomics-vpc",
        requestId="busy",
    )
    try:
        result = configure(capsys, emulator, network, allow_replacement=True)
        assert result["failed"] and "in use by active runs" in result["msg"]
        [configuration] = stored(emulator, "configurations")
        assert configuration.vpc.subnet_ids == tuple(network.private_subnets[:1])
    finally:
        executor.release.set()


def test_absent(capsys, emulator, shared_network):
    network = shared_network
    configure(capsys, emulator, network)
    plan = configure(capsys, emulator, network, state="absent", check_mode=True)
    assert plan["changed"] and len(stored(emulator, "configurations")) == 1
    removed = configure(capsys, emulator, network, state="absent", diff=True)
    assert removed["changed"] and removed["vpc_configuration"] == {} and removed["diff"]["after"] == {}
    assert removed["diff"]["before"]["name"] == "genomics-vpc"
    assert stored(emulator, "configurations") == []
    again = configure(capsys, emulator, network, state="absent")
    assert not again["changed"]


# --- the network preflight ---------------------------------------------------------------------


def _no_nat_route(networks):
    network = networks.vpc()
    networks.internet_gateway(network)
    networks.private_subnet(network, None, "us-east-1a")
    networks.private_subnet(network, None, "us-east-1b")
    networks.security_group(network)
    return network, "has no default route (0.0.0.0/0)"


def _nat_in_private_subnet(networks):
    network = networks.vpc()
    networks.internet_gateway(network)
    hidden = networks.private_subnet(network, None, "us-east-1a")
    nat = networks.nat_gateway(network, hidden)
    network.private_subnets.remove(hidden)
    networks.private_subnet(network, nat, "us-east-1a")
    networks.private_subnet(network, nat, "us-east-1b")
    networks.security_group(network)
    return network, f"which sits in subnet {hidden}: a private subnet"


def _public_subnet(networks):
    network = networks.healthy()
    network.private_subnets[1] = network.public_subnets[0]
    return network, f"subnet {network.public_subnets[0]} is public"


def _group_of_another_vpc(networks):
    network = networks.healthy()
    other = networks.vpc("10.9")
    foreign = networks.security_group(other, "elsewhere")
    network.security_groups.append(foreign)
    return network, f"security group {foreign} belongs to {other.vpc_id}"


def _unknown_security_group(networks):
    network = networks.healthy()
    network.security_groups.append("sg-0123456789abcdef0")
    return network, "security groups ['sg-0123456789abcdef0'] do not exist"


def _subnets_of_two_vpcs(networks):
    network = networks.healthy()
    other = networks.healthy("10.9", azs=("us-east-1a",))
    network.private_subnets.append(other.private_subnets[0])
    return network, "the subnets are in 2 VPCs"


@pytest.mark.parametrize(
    "broken",
    [
        _no_nat_route,
        _nat_in_private_subnet,
        _public_subnet,
        _group_of_another_vpc,
        _unknown_security_group,
        _subnets_of_two_vpcs,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
@pytest.mark.parametrize("check_mode", [False, True], ids=["apply", "check"])
def test_broken_network_is_refused_before_anything_exists(capsys, emulator, networks, broken, check_mode):
    network, cause = broken(networks)
    result = configure(capsys, emulator, network, check_mode=check_mode)
    assert result.get("failed"), result
    assert cause in result["msg"] and "nothing was created" in result["msg"]
    assert stored(emulator, "configurations") == []


def test_one_availability_zone_is_a_warning(capsys, emulator, networks):
    network = networks.healthy(azs=("us-east-1b",))
    plan = configure(capsys, emulator, network, check_mode=True)
    assert plan["changed"] and not plan.get("failed")
    assert any("cover 1 Availability Zone (us-east-1b)" in w for w in plan["warnings"])
    assert stored(emulator, "configurations") == []


def test_unsupported_az_id_is_a_warning(capsys, emulator, networks):
    # moto maps us-east-1e to use1-az3, which HealthOmics does not list for VPC runs.
    network = networks.healthy(azs=("us-east-1a", "us-east-1e"))
    plan = configure(capsys, emulator, network, check_mode=True)
    assert not plan.get("failed")
    [warning] = plan["warnings"]
    assert network.private_subnets[1] in warning and "use1-az3" in warning and "best-effort" in warning


def test_a_security_group_without_egress_is_a_warning(capsys, emulator, networks):
    network = networks.healthy()
    group = network.security_groups[0]
    networks.ec2.revoke_security_group_egress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    result = configure(capsys, emulator, network)
    assert result["changed"] and result["network"]["security_groups"][0]["egress"] == []
    assert any(f"security group {group} allows no outbound traffic" in w for w in result["warnings"])


# --- bad input: the value named, nothing written ----------------------------------------------


@pytest.mark.parametrize(
    "override, named",
    [
        ({"name": "-starts-with-a-dash"}, "'-starts-with-a-dash' is not a valid HealthOmics configuration name"),
        ({"name": "has space"}, "'has space'"),
        ({"name": "x" * 129}, "not a valid HealthOmics configuration name"),
        ({"subnets": [f"subnet-{i:08x}" for i in range(17)]}, "subnets names 17 ids; HealthOmics accepts at most 16"),
        (
            {"security_groups": [f"sg-{i:08x}" for i in range(6)]},
            "security_groups names 6 ids; HealthOmics accepts at most 5",
        ),
        ({"security_groups": ["default"]}, "security_groups: 'default' is not a security group id"),
        ({"subnets": ["subnet-XYZ"]}, "subnets: 'subnet-XYZ' is not a subnet id"),
        ({"vpc_owner_account_id": "12345"}, "vpc_owner_account_id '12345'"),
        ({"tags": {"genomics.aws:mine": "x"}}, "is reserved"),
    ],
)
def test_bad_input_fails_naming_the_value(capsys, emulator, shared_network, override, named):
    network = shared_network
    result = configure(capsys, emulator, network, **override)
    assert result["failed"] and named in result["msg"]
    assert stored(emulator, "configurations") == []


def test_missing_subnets_is_an_argument_error(capsys, emulator):
    result = run_module(omics_vpc_configuration, capsys, emulator.url, name="genomics-vpc")
    assert result["failed"] and "subnets" in result["msg"] and "security_groups" in result["msg"]


def test_service_errors_are_reported_cleanly(capsys, emulator, shared_network):
    network = shared_network
    emulator.inject_error("CreateConfiguration", "AccessDeniedException", "not allowed: iam:CreateServiceLinkedRole")
    result = configure(capsys, emulator, network)
    assert result["failed"] and "Failed to create the HealthOmics configuration" in result["msg"]
    assert "iam:CreateServiceLinkedRole" in result["msg"]
    assert stored(emulator, "configurations") == []


def test_info_lists_configurations(capsys, emulator, shared_network):
    network = shared_network
    configure(capsys, emulator, network, name="one", tags={"k": "v"})
    configure(capsys, emulator, network, name="two")
    everything = run_module(omics_vpc_configuration_info, capsys, emulator.url)
    assert not everything["changed"]
    assert sorted(c["name"] for c in everything["vpc_configurations"]) == ["one", "two"]
    one = run_module(omics_vpc_configuration_info, capsys, emulator.url, name="one")
    assert [c["tags"] for c in one["vpc_configurations"]] == [{"k": "v"}]
    assert one["vpc_configurations"][0]["run_configurations"]["vpc_config"]["vpc_id"] == network.vpc_id
    none = run_module(omics_vpc_configuration_info, capsys, emulator.url, name="three")
    assert none["vpc_configurations"] == []


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_OMICS"])
def test_an_endpoint_given_only_by_the_environment_works(capsys, emulator, shared_network, monkeypatch, variable):
    """As AWX sets it in a job's environment: no endpoint_url option, and no AWS_DISABLE_HOST_PREFIX_INJECTION."""
    configure(capsys, emulator, shared_network, name="from-the-environment")
    monkeypatch.delenv("AWS_DISABLE_HOST_PREFIX_INJECTION", raising=False)
    monkeypatch.setenv(variable, emulator.url)
    from tests.unit.plugins.modules.in_process import run_main

    found = run_main(omics_vpc_configuration_info.main, capsys, {"region": "us-east-1", "name": "from-the-environment"})
    assert not found.get("failed"), found.get("msg")
    assert [c["name"] for c in found["vpc_configurations"]] == ["from-the-environment"]
