"""The HealthOmics network picked from an activation: private NAT-routed infra subnets, or a refusal with the reason."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.genomics.aws.plugins.filter.agc_core_omics_network import FilterModule
from ansible_collections.genomics.aws.plugins.filter.agc_core_omics_network import core_omics_network


def info(source="genomics.aws", managed=True, public_only=False, infra=None, routes=None):
    routes = routes or {"subnet-pub1": "igw-1", "subnet-priv1": "nat-1", "subnet-priv2": "nat-2"}
    private = [s for s in routes if not routes[s].startswith("igw-")]
    return {
        "activated": True,
        "activation_source": source,
        "core_infrastructure": {
            "vpc": {"id": "vpc-1", "cidr_block": "10.0.0.0/16", "managed": managed, "public_subnets_only": public_only},
            "subnets": {"public": ["subnet-pub1"], "private": private, "infra": infra or private},
            "bucket": {"name": "agc-123456789012-us-east-1"},
            "network": {"subnets": [{"id": s, "default_route": r} for s, r in routes.items()]},
        },
    }


def test_a_managed_core_gives_its_private_nat_routed_subnets_and_may_get_endpoints():
    network = core_omics_network(info())
    assert network["usable"] and network["reason"] is None
    assert network["subnets"] == ["subnet-priv1", "subnet-priv2"] and network["use_endpoints"]
    assert network["vpc_id"] == "vpc-1" and network["bucket"] == "agc-123456789012-us-east-1"


def test_an_agc_cli_or_customer_vpc_gets_no_endpoints():
    assert not core_omics_network(info(source="agc-cli", managed=False))["use_endpoints"]
    assert core_omics_network(info(source="agc-cli", managed=False))["source"] == "agc-cli"


def test_a_public_only_activation_is_refused_with_the_reason():
    network = core_omics_network(info(public_only=True, infra=["subnet-pub1"]))
    assert not network["usable"] and network["subnets"] == []
    assert "public subnets only" in network["reason"] and "NAT gateway" in network["reason"]


def test_infra_subnets_without_a_nat_route_are_skipped_or_refused():
    routes = {"subnet-pub1": "igw-1", "subnet-priv1": "nat-1", "subnet-iso": ""}
    network = core_omics_network(info(routes=routes, infra=["subnet-priv1", "subnet-iso", "subnet-pub1"]))
    assert network["subnets"] == ["subnet-priv1"] and network["skipped_subnets"] == ["subnet-iso", "subnet-pub1"]
    refused = core_omics_network(info(routes=routes, infra=["subnet-iso"]))
    assert not refused["usable"] and "subnet-iso" in refused["reason"]


def test_no_activation_is_refused_and_a_wrong_input_fails():
    assert "not activated" in core_omics_network({"activated": False})["reason"]
    with pytest.raises(AnsibleFilterError):
        core_omics_network({"changed": False})
    assert FilterModule().filters()["agc_core_omics_network"] is core_omics_network
