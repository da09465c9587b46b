"""The destination schema lives twice by necessity: in the probe, which runs alone inside the task's
container, and in the controller-side filter of omics_vpc_networking. One list serves both roles: every
destination the filter accepts, the probe accepts (in the run's Region), and every connection the probe
opens to a server is one the filter's rules allow."""

import ipaddress
import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.genomics.aws.plugins.filter import omics_destinations
from tests.unit.plugins.filter.test_omics_destinations import CIDR, KIND_CASES, PREFIX_LISTS, REGION

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "roles" / "omics_vpc_networking" / "README.md"


def test_probe_and_filter_accept_the_same_kinds_and_fields(probe):
    assert set(probe.FIELDS) == set(omics_destinations.FIELDS)
    for kind in probe.FIELDS:
        assert set(probe.FIELDS[kind]) == set(omics_destinations.FIELDS[kind]), kind
    assert set(probe.COMMON_FIELDS) == set(omics_destinations._COMMON)


def readme_use_cases():
    """Each YAML snippet of the networking role's "Use cases" section: a list of destinations."""
    section = README.read_text().split("## Use cases", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    assert len(blocks) >= 9, "the use cases of seed 002 are no longer in the README"
    return [yaml.safe_load(block) for block in blocks]


CASES = [[case] for case, _rules in KIND_CASES] + readme_use_cases()


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
        if dest.get("aws"):
            raw = next(d for d in destinations if d["name"] == dest["name"])
            if raw.get("endpoint") is None and raw.get("host") is None:
                # The probe reaches the service's regional name; the filter opens its port to the prefix list,
                # the interface endpoints (VPC CIDR) or, for another Region, anywhere.
                assert any(r["from_port"] <= dest["port"] <= r["to_port"] for r in rules), (dest, rules)
            continue
        assert _allows(rules, dest["host"], dest["port"], dest["port"]), (dest, rules)
        if dest["kind"] in ("ftp", "ftps") and dest["passive"]:
            low, high = dest["passive_ports"]
            assert _allows(rules, dest["host"], low, high), (dest, rules)
