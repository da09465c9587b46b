"""One destination schema for both roles: the connectivity probe (inside the run, and on the controller) and the
omics_destinations filters (the networking role, and the connectivity-test role's check before anything is created)
read destinations with plugins/module_utils/destination_schema.py alone. So they accept and refuse exactly the same
destinations, with the same messages, and every connection the probe opens is one the filter's rules allow."""

import ipaddress
import re
from pathlib import Path

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.genomics.aws.plugins.filter import omics_destinations
from ansible_collections.genomics.aws.plugins.module_utils import destination_schema
from tests.unit.plugins.filter.test_omics_destinations import BAD_DESTINATIONS
from tests.unit.plugins.filter.test_omics_destinations import CIDR
from tests.unit.plugins.filter.test_omics_destinations import KIND_CASES
from tests.unit.plugins.filter.test_omics_destinations import PREFIX_LISTS
from tests.unit.plugins.filter.test_omics_destinations import REGION

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "roles" / "omics_vpc_networking" / "README.md"


def readme_use_cases():
    """Each YAML snippet of the networking role's "Use cases" section: a list of destinations."""
    section = README.read_text().split("## Use cases", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert len(blocks) >= 9, "the use cases are no longer in the networking role's README"
    return [yaml.safe_load(block) for block in blocks]


CASES = [[case] for case, _rules in KIND_CASES] + readme_use_cases()

# Accepted by both: the edges of the settled rules.
GOOD = CASES + [
    [{"name": "licence", "kind": "tcp", "host": "10.0.0.5", "port": "27000"}],  # digits: Ansible templating
    [{"name": "ftp", "kind": "ftp", "host": "ftp.example.org", "passive_ports": ["50000", "50100"]}],
    [
        {
            "name": "ftp",
            "kind": "ftps",
            "host": "ftp.example.org",
            "passive_ports": [1, 2],
            "passive": True,
            "mode": None,
        }
    ],
    [
        {"name": "nulls", "kind": "tcp", "host": "10.0.0.5", "port": 1, "timeout": None, "passive_port": None}
    ],  # null: not given
    [{"name": "dkr", "kind": "endpoint", "service": "ecr.dkr", "host": "123456789012.dkr.ecr.us-east-1.amazonaws.com"}],
    [
        {
            "name": "web",
            "kind": "https",
            "url": "https://example.org/",
            "expect_status": "2xx,404",
            "timeout": 2.5,
            "description": "a mirror",
        }
    ],
    [
        {
            "name": "ftp-user",
            "kind": "ftp",
            "host": "192.0.2.21",
            "user": "reader",
            "password": "pw",
            "passive_ports": [1, 2],
        }
    ],
]

# Refused by both, with the same message: the filter's table of bad input, and what the probe used to check alone.
BAD = [bad for bad, _message in BAD_DESTINATIONS] + [
    [{"name": "a", "kind": "tcp", "host": "h", "port": 0}, {"name": "b", "kind": "gopher"}],  # every problem, at once
]


def test_every_problem_is_named_by_both(probe):
    both = BAD[-1]
    message = (
        'destinations[0] "a": port 0 is not a port number (an integer from 1 to 65535) | destinations[1] "b": '
        'kind "gopher"'
    )
    assert through_the_filter(both, region=REGION).startswith(message)
    assert through_the_probe(probe, both, default_region=REGION).startswith(message)


def through_the_filter(destinations, **region):
    try:
        return [d["name"] for d in omics_destinations.destinations(destinations, **region)]
    except AnsibleFilterError as error:
        return str(error)


def through_the_probe(probe, destinations, **region):
    try:
        return [d["name"] for d in probe.validate_destinations(destinations, **region)]
    except probe.InputError as error:
        return " | ".join(error.problems)


def test_the_probe_and_the_filter_use_one_module(probe):
    assert probe.destination_schema is destination_schema
    assert omics_destinations.validate is destination_schema.validate
    assert omics_destinations.DestinationError is destination_schema.DestinationError
    # No second copy of the schema in either of them.
    for module in (probe, omics_destinations):
        assert not {"FIELDS", "KINDS", "_validate_one", "REGION", "BUCKET"} & set(vars(module)), module.__name__


@pytest.mark.parametrize("destinations", GOOD + BAD, ids=lambda case: str(case)[:80])
def test_the_probe_and_the_filter_accept_and_refuse_the_same_destinations(probe, destinations):
    # As the roles hand them over: the filter with the VPC's Region, the probe with the run's in the list's wrapper.
    by_filter = through_the_filter(destinations, region=REGION)
    by_probe = through_the_probe(probe, destinations, default_region=REGION)
    assert by_probe == by_filter
    if not isinstance(destinations, dict):
        wrapped = {"region": REGION, "destinations": destinations}
        assert through_the_probe(probe, wrapped) == through_the_filter(wrapped) == by_filter
    if destinations in GOOD:
        assert by_filter == [d["name"] for d in destinations]
    else:
        assert isinstance(by_filter, str) and by_filter.startswith(("destinations", "the destinations")), by_filter


def test_without_any_region_only_the_probe_needs_one(probe):
    # The networking role checks its list before it knows the VPC's Region (how the service is reached is then
    # undecided); the probe must connect somewhere, and the connectivity-test role always gives it the run's Region.
    same_region = [{"name": "status", "kind": "dynamodb"}]
    assert [d["via"] for d in omics_destinations.destinations(same_region)] == [None]
    assert through_the_probe(probe, same_region) == (
        'destinations[0] "status": region is missing (required for kind dynamodb without endpoint or host, when the '
        'list '
        "has no default Region)"
    )


def _allows(rules, host, low, high):
    """Whether one egress rule lets TCP to host on every port low-high out."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None  # a name: only a rule to anywhere lets it out, whatever it resolves to
    for rule in rules:
        if rule["proto"] != "tcp" or not rule["from_port"] <= low <= high <= rule["to_port"]:
            continue
        target = rule.get("cidr_ip") or rule.get("cidr_ipv6")
        if target is None:
            continue
        network = ipaddress.ip_network(target)
        if (address is None and network.prefixlen == 0) or (address is not None and address in network):
            return True
    return False


@pytest.mark.parametrize("destinations", CASES, ids=lambda case: ",".join(d["name"] for d in case))
def test_what_the_filter_opens_is_what_the_probe_checks(probe, destinations):
    rules = omics_destinations.egress_rules(destinations, vpc_cidr=CIDR, region=REGION, prefix_lists=PREFIX_LISTS)
    # As the connectivity-test role hands them to the run: in the run's Region.
    checked = probe.validate_destinations({"region": REGION, "destinations": destinations})
    assert [d["name"] for d in checked] == [d["name"] for d in destinations]
    for dest in checked:
        if dest["aws"]:
            if dest["endpoint"] is None:
                # The probe reaches the service's regional name (or the given host); the filter opens its port to the
                # prefix list, the interface endpoint's group or, for another Region, anywhere.
                assert any(r["from_port"] <= dest["port"] <= r["to_port"] for r in rules), (dest, rules)
            continue
        assert _allows(rules, dest["host"], dest["port"], dest["port"]), (dest, rules)
        if dest["kind"] in ("ftp", "ftps"):
            low, high = dest["passive_ports"]
            assert _allows(rules, dest["host"], low, high), (dest, rules)
