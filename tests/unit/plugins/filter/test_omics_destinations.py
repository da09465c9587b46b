"""The destinations filters: every kind's egress rules and endpoints, merging, and every bad input named."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.genomics.aws.plugins.filter.omics_destinations import FilterModule
from ansible_collections.genomics.aws.plugins.filter.omics_destinations import destinations
from ansible_collections.genomics.aws.plugins.filter.omics_destinations import egress_rules
from ansible_collections.genomics.aws.plugins.filter.omics_destinations import endpoint_services
from ansible_collections.genomics.aws.plugins.filter.omics_destinations import gateway_prefix_lists
from ansible_collections.genomics.aws.plugins.filter.omics_destinations import interface_endpoint_groups

ROOT = Path(__file__).resolve().parents[4]
REGION = "us-east-1"
CIDR = "10.0.0.0/16"
PREFIX_LISTS = {"s3": "pl-63a5400a", "dynamodb": "pl-02cd2c6b"}
ENDPOINT_SG = "sg-0e0e0e0e0e0e0e0e0"  # the group agc_vpc_endpoints gives the interface endpoints it creates
ENDPOINT_GROUPS = {service: [ENDPOINT_SG] for service in ("secretsmanager", "license-manager", "s3tables", "ecr.api")}
ENDPOINT_GROUPS["transfer.server"] = ["sg-0ffffffffffffffff", "sg-0aaaaaaaaaaaaaaaa"]  # someone else's, two groups


def rules(*dests, **kwargs):
    kwargs.setdefault("vpc_cidr", CIDR)
    kwargs.setdefault("region", REGION)
    kwargs.setdefault("prefix_lists", PREFIX_LISTS)
    kwargs.setdefault("endpoint_groups", ENDPOINT_GROUPS)
    return egress_rules(list(dests), **kwargs)


def rule(from_port, target, desc=None, to_port=None, target_type="cidr_ip"):
    found = {"proto": "tcp", "from_port": from_port, "to_port": to_port or from_port, target_type: target}
    if desc is not None:
        found["rule_desc"] = desc
    return found


# --- every kind --------------------------------------------------------------------------------------------


# Also the connectivity probe's cases (tests/unit/probe/test_schema_agreement.py): every destination here must be
# one the probe accepts and checks through exactly these rules.
KIND_CASES = [
    # https: the URL's port (443 by default, 80 for http) to the host; a name opens 0.0.0.0/0, an IP that address
    (
        {"name": "ncbi", "kind": "https", "url": "https://ftp.ncbi.nlm.nih.gov/genomes/"},
        [rule(443, "0.0.0.0/0", "ncbi (https)")],
    ),
    (
        {"name": "mirror", "kind": "https", "url": "http://mirror.example.org/x"},
        [rule(80, "0.0.0.0/0", "mirror (https)")],
    ),
    (
        {"name": "ensembl", "kind": "https", "url": "https://rest.ensembl.org:8443/info"},
        [rule(8443, "0.0.0.0/0", "ensembl (https)")],
    ),
    ({"name": "lab", "kind": "https", "url": "https://192.0.2.10/data"}, [rule(443, "192.0.2.10/32", "lab (https)")]),
    (
        {"name": "v6", "kind": "https", "url": "https://[2001:db8::10]:8443/"},
        [rule(8443, "2001:db8::10/128", "v6 (https)", target_type="cidr_ipv6")],
    ),
    # tcp: a license server by IP or by name
    (
        {"name": "sentieon", "kind": "tcp", "host": "10.0.42.10", "port": 8990},
        [rule(8990, "10.0.42.10/32", "sentieon (tcp)")],
    ),
    (
        {"name": "flexlm", "kind": "tcp", "host": "licence.example.org", "port": "27000"},
        [rule(27000, "0.0.0.0/0", "flexlm (tcp)")],
    ),
    # ftp: the control port and the passive range, to the same host
    (
        {"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": [50000, 50100]},
        [rule(21, "0.0.0.0/0", "ebi (ftp control)"), rule(50000, "0.0.0.0/0", "ebi (ftp passive data)", to_port=50100)],
    ),
    (
        {
            "name": "ftp-ip",
            "kind": "ftp",
            "host": "198.51.100.5",
            "port": 2121,
            "passive_ports": [40000, 40000],
            "passive": True,
        },
        [
            rule(2121, "198.51.100.5/32", "ftp-ip (ftp control)"),
            rule(40000, "198.51.100.5/32", "ftp-ip (ftp passive data)"),
        ],
    ),
    # ftps: implicit (990) by default, explicit (21); the passive range, as for ftp
    (
        {"name": "secure", "kind": "ftps", "host": "198.51.100.8", "passive_ports": [60000, 60010]},
        [
            rule(990, "198.51.100.8/32", "secure (ftps control)"),
            rule(60000, "198.51.100.8/32", "secure (ftps passive data)", to_port=60010),
        ],
    ),
    (
        {"name": "secure", "kind": "ftps", "host": "198.51.100.8", "mode": "explicit", "passive_ports": [60000, 60010]},
        [
            rule(21, "198.51.100.8/32", "secure (ftps control)"),
            rule(60000, "198.51.100.8/32", "secure (ftps passive data)", to_port=60010),
        ],
    ),
    (
        {
            "name": "secure",
            "kind": "ftps",
            "host": "ftps.example.org",
            "mode": "implicit",
            "port": 1990,
            "passive_ports": [2000, 2000],
        },
        [rule(1990, "0.0.0.0/0", "secure (ftps control)"), rule(2000, "0.0.0.0/0", "secure (ftps passive data)")],
    ),
    # sftp and ssh: 22 by default
    ({"name": "partner", "kind": "sftp", "host": "203.0.113.7"}, [rule(22, "203.0.113.7/32", "partner (sftp)")]),
    (
        {"name": "partner", "kind": "ssh", "host": "sftp.example.org", "port": 2222},
        [rule(2222, "0.0.0.0/0", "partner (ssh)")],
    ),
    # gateway services of the VPC's Region: their prefix list (no description: the list names its service)
    ({"name": "refs", "kind": "s3", "bucket": "my-references"}, [rule(443, "pl-63a5400a", target_type="ip_prefix")]),
    ({"name": "status", "kind": "dynamodb", "region": REGION}, [rule(443, "pl-02cd2c6b", target_type="ip_prefix")]),
    # another Region: through the NAT gateway
    (
        {"name": "eu-refs", "kind": "s3", "region": "eu-west-1", "bucket": "my.eu-references"},
        [rule(443, "0.0.0.0/0", "eu-refs (s3 in eu-west-1 via NAT)")],
    ),
    (
        {"name": "eu-status", "kind": "dynamodb", "region": "eu-west-1"},
        [rule(443, "0.0.0.0/0", "eu-status (dynamodb in eu-west-1 via NAT)")],
    ),
    (
        {"name": "eu-secret", "kind": "secretsmanager", "region": "eu-west-1"},
        [rule(443, "0.0.0.0/0", "eu-secret (secretsmanager in eu-west-1 via NAT)")],
    ),
    # interface endpoint services: a security group of the endpoint, which names its network interfaces only
    (
        {"name": "token", "kind": "secretsmanager"},
        [rule(443, ENDPOINT_SG, "token (secretsmanager interface endpoint)", target_type="group_id")],
    ),
    (
        {"name": "licences", "kind": "license-manager"},
        [rule(443, ENDPOINT_SG, "licences (license-manager interface endpoint)", target_type="group_id")],
    ),
    (
        {"name": "variants", "kind": "s3tables"},
        [rule(443, ENDPOINT_SG, "variants (s3tables interface endpoint)", target_type="group_id")],
    ),
    (
        {"name": "ecr", "kind": "endpoint", "service": "ecr.api"},
        [rule(443, ENDPOINT_SG, "ecr (ecr.api interface endpoint)", target_type="group_id")],
    ),
    (
        {"name": "ecr", "kind": "endpoint", "service": "com.amazonaws.us-east-1.ecr.api", "region": REGION},
        [rule(443, ENDPOINT_SG, "ecr (ecr.api interface endpoint)", target_type="group_id")],
    ),
    (
        {"name": "transfer", "kind": "endpoint", "service": "transfer.server", "port": 22},
        [rule(22, "sg-0aaaaaaaaaaaaaaaa", "transfer (transfer.server interface endpoint)", target_type="group_id")],
    ),
    (
        {"name": "logs-eu", "kind": "endpoint", "service": "com.amazonaws.eu-west-1.logs"},
        [rule(443, "0.0.0.0/0", "logs-eu (logs in eu-west-1 via NAT)")],
    ),
    (
        {"name": "s3-by-endpoint", "kind": "endpoint", "service": "s3"},
        [rule(443, "pl-63a5400a", target_type="ip_prefix")],
    ),
    # the probe's own fields change nothing
    (
        {
            "name": "probe-fields",
            "kind": "s3",
            "endpoint": "https://10.0.0.12:8443",
            "expect_status": "2xx",
            "timeout": 3,
            "description": "test server",
        },
        [rule(443, "pl-63a5400a", target_type="ip_prefix")],
    ),
    (
        {
            "name": "ftp-login",
            "kind": "ftp",
            "host": "192.0.2.21",
            "user": "reader",
            "password": "secret",
            "passive_ports": [1, 2],
        },
        [
            rule(21, "192.0.2.21/32", "ftp-login (ftp control)"),
            rule(1, "192.0.2.21/32", "ftp-login (ftp passive data)", to_port=2),
        ],
    ),
]


@pytest.mark.parametrize("destination, expected", KIND_CASES)
def test_each_kind_gets_its_rules(destination, expected):
    assert rules(destination) == expected


@pytest.mark.parametrize(
    "destination, services",
    [
        ({"name": "a", "kind": "s3"}, ["s3"]),
        ({"name": "a", "kind": "dynamodb"}, ["dynamodb"]),
        ({"name": "a", "kind": "secretsmanager"}, ["secretsmanager"]),
        ({"name": "a", "kind": "license-manager"}, ["license-manager"]),
        ({"name": "a", "kind": "s3tables"}, ["s3tables"]),
        ({"name": "a", "kind": "endpoint", "service": "com.amazonaws.us-east-1.transfer.server"}, ["transfer.server"]),
        ({"name": "a", "kind": "s3", "region": "eu-west-1"}, []),  # endpoints are regional
        ({"name": "a", "kind": "endpoint", "service": "com.amazonaws.eu-west-1.logs"}, []),
        ({"name": "a", "kind": "https", "url": "https://example.org"}, []),
        ({"name": "a", "kind": "tcp", "host": "10.0.0.5", "port": 27000}, []),
    ],
)
def test_each_kind_gets_its_endpoint(destination, services):
    assert endpoint_services([destination], region=REGION) == services


def test_services_are_listed_once_in_order():
    mixed = [
        {"name": "a", "kind": "secretsmanager"},
        {"name": "b", "kind": "s3"},
        {"name": "c", "kind": "s3", "region": "eu-west-1"},
        {"name": "d", "kind": "endpoint", "service": "secretsmanager"},
        {"name": "e", "kind": "dynamodb"},
        {"name": "f", "kind": "endpoint", "service": "com.amazonaws.us-east-1.s3"},
    ]
    assert endpoint_services(mixed, region=REGION) == ["secretsmanager", "s3", "dynamodb"]


def test_without_endpoints_aws_services_go_through_nat():
    mixed = [
        {"name": "refs", "kind": "s3"},
        {"name": "token", "kind": "secretsmanager"},
        {"name": "ncbi", "kind": "https", "url": "https://ncbi.nlm.nih.gov"},
    ]
    assert endpoint_services(mixed, region=REGION, use_endpoints=False) == []
    assert rules(*mixed, use_endpoints=False) == [
        rule(443, "0.0.0.0/0", "refs (s3 via NAT); token (secretsmanager via NAT); ncbi (https)")
    ]
    assert [d["via"] for d in destinations(mixed, region=REGION, use_endpoints=False)] == ["nat", "nat", "direct"]


def test_a_gateway_service_without_its_prefix_list_falls_back_to_the_vpc_cidrs():
    found = rules(
        {"name": "refs", "kind": "s3"}, vpc_cidr=[CIDR, "100.64.0.0/16", CIDR], prefix_lists={"dynamodb": "pl-02cd2c6b"}
    )
    assert found == [
        rule(443, CIDR, "refs (s3 gateway endpoint, no prefix list found: VPC CIDR)"),
        rule(443, "100.64.0.0/16", "refs (s3 gateway endpoint, no prefix list found: VPC CIDR)"),
    ]


def test_an_interface_endpoint_not_known_yet_falls_back_to_the_vpc_cidrs():
    # Check mode before the endpoint exists: its group is not known.
    assert rules({"name": "token", "kind": "secretsmanager"}, vpc_cidr=[CIDR, "100.64.0.0/16"], endpoint_groups={}) == [
        rule(443, CIDR, "token (secretsmanager interface endpoint, endpoint not found: VPC CIDR)"),
        rule(443, "100.64.0.0/16", "token (secretsmanager interface endpoint, endpoint not found: VPC CIDR)"),
    ]


# --- merging ---------------------------------------------------------------------------------------------------


def test_identical_rules_are_merged_naming_every_destination():
    found = rules(
        {"name": "ncbi", "kind": "https", "url": "https://ftp.ncbi.nlm.nih.gov/"},
        {"name": "ensembl", "kind": "https", "url": "https://ftp.ensembl.org/pub/"},
        {"name": "eu-refs", "kind": "s3", "region": "eu-west-1"},
        {"name": "licence", "kind": "tcp", "host": "10.0.42.10", "port": 8990},
        {"name": "licence-backup", "kind": "tcp", "host": "10.0.42.10", "port": 8990},
        {"name": "refs", "kind": "s3"},
        {"name": "more-refs", "kind": "s3", "bucket": "other-bucket"},
        {"name": "token", "kind": "secretsmanager"},
        {"name": "licences", "kind": "license-manager"},
        {"name": "tables", "kind": "s3tables"},
    )
    assert found == [
        rule(443, "0.0.0.0/0", "ncbi (https); ensembl (https); eu-refs (s3 in eu-west-1 via NAT)"),
        rule(8990, "10.0.42.10/32", "licence (tcp); licence-backup (tcp)"),
        rule(443, "pl-63a5400a", target_type="ip_prefix"),
        rule(
            443,
            ENDPOINT_SG,
            "token (secretsmanager interface endpoint); licences (license-manager interface endpoint); "
            "tables (s3tables interface endpoint)",
            target_type="group_id",
        ),
    ]


def test_overlapping_rules_that_differ_are_kept_apart():
    found = rules(
        {"name": "ftp", "kind": "ftp", "host": "192.0.2.1", "passive_ports": [21, 30]},
        {"name": "any-https", "kind": "https", "url": "https://example.org"},
        {"name": "ip-https", "kind": "https", "url": "https://192.0.2.1"},
    )
    assert [(r["from_port"], r["to_port"], r["cidr_ip"]) for r in found] == [
        (21, 21, "192.0.2.1/32"),
        (21, 30, "192.0.2.1/32"),
        (443, 443, "0.0.0.0/0"),
        (443, 443, "192.0.2.1/32"),
    ]


def test_host_names_and_addresses_are_canonical():
    found = rules(
        {"name": "a", "kind": "tcp", "host": "LICENCE.Example.org.", "port": 1},
        {"name": "b", "kind": "https", "url": "https://[2001:DB8:0::1]/"},
    )
    assert found == [
        rule(1, "0.0.0.0/0", "a (tcp)"),
        rule(443, "2001:db8::1/128", "b (https)", target_type="cidr_ipv6"),
    ]
    assert (
        destinations([{"name": "a", "kind": "tcp", "host": "LICENCE.Example.org.", "port": 1}])[0]["host"]
        == "licence.example.org"
    )


def test_descriptions_stay_within_what_ec2_accepts():
    many = [
        {"name": f"mirror-{i:02d}-{'x' * 20}", "kind": "https", "url": f"https://m{i}.example.org"} for i in range(20)
    ]
    many.append({"name": "données \"génomiques\" <v2>", "kind": "tcp", "host": "192.0.2.9", "port": 9})
    found = rules(*many)
    assert len(found) == 2
    merged = found[0]["rule_desc"]
    assert len(merged) <= 255 and merged.startswith("mirror-00-") and merged.endswith(" more")
    assert found[1]["rule_desc"] == "donn_es _g_nomiques_ _v2_ (tcp)"


def test_rules_are_what_ec2_security_group_accepts():
    allowed = {"proto", "from_port", "to_port", "cidr_ip", "cidr_ipv6", "ip_prefix", "group_id", "rule_desc"}
    found = rules(
        {"name": "a", "kind": "ftp", "host": "h.example.org", "passive_ports": [1000, 1010]},
        {"name": "b", "kind": "s3"},
        {"name": "c", "kind": "secretsmanager"},
    )
    assert all(set(r) <= allowed and r["proto"] == "tcp" for r in found)
    assert all(sum(k in r for k in ("cidr_ip", "cidr_ipv6", "ip_prefix", "group_id")) == 1 for r in found)


# --- explanations and prefix lists -----------------------------------------------------------------------------


def test_destinations_explain_how_each_is_reached():
    explained = destinations(
        [
            {"name": "licence", "kind": "tcp", "host": "10.0.42.10", "port": 8990},
            {"name": "refs", "kind": "s3"},
            {"name": "eu-refs", "kind": "s3", "region": "eu-west-1"},
            {"name": "token", "kind": "secretsmanager"},
            {"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": [50000, 50100]},
        ],
        region=REGION,
    )
    assert [(d["name"], d["via"], d["endpoint_service"], d["egress"]) for d in explained] == [
        ("licence", "direct", None, ["tcp 8990 to 10.0.42.10/32"]),
        ("refs", "gateway-endpoint", "s3", ["tcp 443 to prefix list of s3"]),
        ("eu-refs", "nat", None, ["tcp 443 to 0.0.0.0/0"]),
        (
            "token",
            "interface-endpoint",
            "secretsmanager",
            ["tcp 443 to the secretsmanager interface endpoint (its security group)"],
        ),
        ("ebi", "direct", None, ["tcp 21 to 0.0.0.0/0", "tcp 50000-50100 to 0.0.0.0/0"]),
    ]
    assert explained[2]["region"] == "eu-west-1" and explained[1]["region"] == REGION


def test_destinations_validate_without_a_region():
    explained = destinations({"destinations": [{"name": "refs", "kind": "s3", "region": "eu-west-1"}]})
    assert explained[0]["via"] is None and explained[0]["egress"] == ["tcp 443 to (depends on the region)"]


def test_interface_endpoint_groups_come_from_the_endpoints():
    endpoints = [
        {"service": "s3", "id": "vpce-0s3", "type": "Gateway", "security_group_ids": []},
        {"service": "secretsmanager", "id": "vpce-0sm", "type": "Interface", "security_group_ids": ["sg-0b", "sg-0a"]},
        {"service": "logs", "id": "vpce-0lg", "type": "Interface", "security_group_ids": []},
        {"service": "ecr.api", "id": None, "type": "Interface"},  # check mode: not created yet
    ]
    assert interface_endpoint_groups(endpoints) == {"secretsmanager": ["sg-0a", "sg-0b"]}
    assert interface_endpoint_groups([]) == {}


def test_prefix_lists_come_from_the_routes_to_gateway_endpoints():
    endpoints = [
        {"service": "s3", "id": "vpce-0s3", "type": "Gateway"},
        {"service": "dynamodb", "id": "vpce-0ddb", "type": "Gateway"},
        {"service": "secretsmanager", "id": "vpce-0sm", "type": "Interface"},
        {"service": "s3", "id": None, "type": "Gateway"},  # check mode: not created yet
    ]
    tables = [
        {
            "routes": [
                {"destination_cidr_block": CIDR, "gateway_id": "local"},
                {"destination_prefix_list_id": "pl-63a5400a", "gateway_id": "vpce-0s3"},
            ]
        },
        {
            "routes": [
                {"destination_prefix_list_id": "pl-63a5400a", "gateway_id": "vpce-0s3"},
                {"destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": "nat-1"},
            ]
        },
        {"routes": None},
    ]
    assert gateway_prefix_lists(endpoints, tables) == {"s3": "pl-63a5400a"}
    assert gateway_prefix_lists(endpoints, []) == {}
    assert gateway_prefix_lists([], tables) == {}


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {
        "omics_destinations",
        "omics_egress_rules",
        "omics_endpoint_services",
        "omics_gateway_prefix_lists",
        "omics_interface_endpoint_groups",
    }


# --- bad input -------------------------------------------------------------------------------------------------

BAD_DESTINATIONS = [
    # kinds, names, fields
    ([{"name": "mail", "kind": "smtp", "host": "mx.example.org"}], 'destinations[0] "mail": kind "smtp" is unknown'),
    ([{"name": "nokind"}], 'destinations[0] "nokind": kind null is unknown'),
    (["https://example.org"], 'destinations[0]: must be a dict with name and kind, not "https://example.org"'),
    ([{"kind": "s3"}], "destinations[0]: name null: every destination needs a non-empty name"),
    ([{"name": "  ", "kind": "s3"}], 'destinations[0]: name "  ": every destination needs a non-empty name'),
    (
        [{"name": "a", "kind": "s3"}, {"name": "a", "kind": "dynamodb"}],
        'destinations[1] "a": name "a" is used by destinations[0] too',
    ),
    (
        [{"name": "a", "kind": "ftps", "host": "h", "passive_port": [1, 2]}],
        'destinations[0] "a": field(s) passive_port are not fields of kind ftps',
    ),
    ([{"name": "a", "kind": "s3", "url": "https://s3.amazonaws.com"}], "field(s) url are not fields of kind s3"),
    # ports
    (
        [{"name": "licence", "kind": "tcp", "host": "10.0.0.1", "port": 70000}],
        'destinations[0] "licence": port 70000 is not a port number',
    ),
    ([{"name": "licence", "kind": "tcp", "host": "10.0.0.1", "port": 0}], "port 0 is not a port number"),
    ([{"name": "licence", "kind": "tcp", "host": "10.0.0.1", "port": -1}], "port -1 is not a port number"),
    (
        [{"name": "licence", "kind": "tcp", "host": "10.0.0.1", "port": "8990/tcp"}],
        'port "8990/tcp" is not a port number',
    ),
    ([{"name": "licence", "kind": "tcp", "host": "10.0.0.1", "port": True}], "port true is not a port number"),
    (
        [{"name": "licence", "kind": "tcp", "host": "10.0.0.1"}],
        'destinations[0] "licence": port is missing (required for kind tcp',
    ),
    ([{"name": "licence", "kind": "tcp", "port": 8990}], "host is missing (required for kind tcp)"),
    ([{"name": "x", "kind": "sftp", "host": "h.example.org", "port": 65536}], "port 65536 is not a port number"),
    ([{"name": "x", "kind": "secretsmanager", "port": 99999}], "port 99999 is not a port number"),
    # URLs and hosts
    (
        [{"name": "ncbi", "kind": "https", "url": "ftp.ncbi.nlm.nih.gov/genomes"}],
        'destinations[0] "ncbi": url "ftp.ncbi.nlm.nih.gov/genomes" must start with https:// or http://',
    ),
    (
        [{"name": "ncbi", "kind": "https", "url": "ftp://ftp.ncbi.nlm.nih.gov/"}],
        'url "ftp://ftp.ncbi.nlm.nih.gov/" must start with https://',
    ),
    (
        [{"name": "ncbi", "kind": "https", "url": "https://ftp.ncbi.nlm.nih.gov:99999/"}],
        'url "https://ftp.ncbi.nlm.nih.gov:99999/" is malformed',
    ),
    (
        [{"name": "ncbi", "kind": "https", "url": "https://ftp.ncbi.nlm.nih.gov:0/"}],
        'url "https://ftp.ncbi.nlm.nih.gov:0/": port 0',
    ),
    ([{"name": "ncbi", "kind": "https", "url": "https:///genomes"}], 'url "https:///genomes" has no host'),
    (
        [{"name": "ncbi", "kind": "https", "url": "https://ftp ncbi.org/"}],
        'url "https://ftp ncbi.org/" contains white space',
    ),
    (
        [{"name": "ncbi", "kind": "https", "url": "https://bad_host!/"}],
        'url "https://bad_host!/" has an invalid host "bad_host!"',
    ),
    ([{"name": "ncbi", "kind": "https", "url": "https://[::1/"}], 'url "https://[::1/" is malformed'),
    ([{"name": "ncbi", "kind": "https"}], 'url null must be an https:// (or http://) URL'),
    (
        [{"name": "x", "kind": "tcp", "host": "https://licence.example.org", "port": 1}],
        'host "https://licence.example.org" looks like a URL',
    ),
    ([{"name": "x", "kind": "tcp", "host": "10.0.0.0/24", "port": 1}], 'host "10.0.0.0/24" looks like a URL or a CIDR'),
    ([{"name": "x", "kind": "sftp", "host": "bad host"}], 'host "bad host" is not a valid host name or IP address'),
    ([{"name": "x", "kind": "sftp", "host": 42}], "host 42 must be a host name or an IP address"),
    # FTP
    (
        [{"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": [50000]}],
        'destinations[0] "ebi": passive_ports [50000] needs two bounds [low, high]',
    ),
    (
        [{"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": []}],
        "passive_ports [] needs two bounds",
    ),
    (
        [{"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": 50000}],
        "passive_ports 50000 needs two bounds",
    ),
    (
        [{"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": "50000-50100"}],
        'passive_ports "50000-50100" needs two bounds',
    ),
    (
        [{"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": [50000, 50100, 50200]}],
        "needs two bounds",
    ),
    (
        [{"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": [50000, None]}],
        "passive_ports high bound null is not a port number",
    ),
    (
        [{"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": [0, 10]}],
        "passive_ports low bound 0 is not a port number",
    ),
    (
        [{"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": [60000, 50000]}],
        "passive_ports [60000, 50000]: the low bound is above the high bound",
    ),
    ([{"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk"}], 'destinations[0] "ebi": passive_ports is missing'),
    (
        [{"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": [1, 2], "passive": False}],
        "passive false: active FTP (the server connects back to the run) cannot work through a NAT gateway",
    ),
    ([{"name": "sec", "kind": "ftps", "host": "h.example.org", "mode": "tls"}], 'mode "tls" must be implicit'),
    (
        [{"name": "sec", "kind": "ftps", "host": "h.example.org"}],
        'destinations[0] "sec": passive_ports is missing: FTPS transfers data over the server\'s passive port range',
    ),
    # buckets, Regions, services
    (
        [{"name": "eu-refs", "kind": "s3", "region": "eu-west-1", "bucket": "My_EU_References"}],
        'destinations[0] "eu-refs": bucket "My_EU_References" is not a valid S3 bucket name',
    ),
    (
        [{"name": "eu-refs", "kind": "s3", "region": "eu-west-1", "bucket": "ab"}],
        'bucket "ab" is not a valid S3 bucket name',
    ),
    (
        [{"name": "eu-refs", "kind": "s3", "region": "eu-west-1", "bucket": "192.168.1.10"}],
        'bucket "192.168.1.10" is not a valid',
    ),
    (
        [{"name": "eu-refs", "kind": "s3", "region": "eu-west-1", "bucket": "refs..eu"}],
        'bucket "refs..eu" is not a valid',
    ),
    (
        [{"name": "eu-refs", "kind": "s3", "region": "eu-west-1", "bucket": "xn--refs"}],
        'bucket "xn--refs" is not a valid',
    ),
    (
        [{"name": "eu-refs", "kind": "s3", "region": "eu-west-1", "bucket": "refs-s3alias"}],
        'bucket "refs-s3alias" is not a valid',
    ),
    (
        [{"name": "eu-refs", "kind": "s3", "region": "eu-west-1", "bucket": "s3://refs"}],
        'bucket "s3://refs" is not a valid',
    ),
    (
        [{"name": "eu-refs", "kind": "s3", "region": "Europe", "bucket": "refs"}],
        'destinations[0] "eu-refs": region "Europe" is not an AWS Region',
    ),
    ([{"name": "x", "kind": "dynamodb", "region": "us-east"}], 'region "us-east" is not an AWS Region'),
    ([{"name": "x", "kind": "endpoint"}], 'destinations[0] "x": service is missing (required for kind endpoint'),
    ([{"name": "x", "kind": "endpoint", "service": "ECR API"}], 'service "ECR API" is not an endpoint service name'),
    (
        [{"name": "x", "kind": "endpoint", "service": "com.amazonaws.eu-west-1.logs", "region": "us-east-1"}],
        'service "com.amazonaws.eu-west-1.logs" is in eu-west-1 but region is "us-east-1"',
    ),
    (
        [{"name": "x", "kind": "endpoint", "service": "com.amazonaws.mars.logs"}],
        'the Region in service "com.amazonaws.mars.logs", "mars"',
    ),
    ([{"name": "x", "kind": "secretsmanager", "host": "not a host"}], 'host "not a host" is not a valid host name'),
    # the list itself
    ("s3", 'destinations must be a list of dicts with name and kind, not "s3"'),
    ([], "destinations is empty"),
    # One schema with the connectivity probe (plugins/module_utils/destination_schema.py): the probe's own fields
    # are checked here too, and what only the probe refused is refused here as well.
    (
        [{"name": "web", "kind": "https", "url": "https://example.org/", "expect_status": "6xx"}],
        'destinations[0] "web": expect_status "6xx" must be a status (200), a list of statuses, or a range',
    ),
    (
        [{"name": "web", "kind": "https", "url": "https://example.org/", "expect_status": [200, "204"]}],
        'expect_status [200, "204"]',
    ),
    (
        [{"name": "web", "kind": "https", "url": "https://example.org/", "timeout": 0}],
        'destinations[0] "web": timeout 0 must be a number of seconds, more than 0 and at most 600',
    ),
    (
        [{"name": "web", "kind": "https", "url": "https://example.org/", "timeout": "5"}],
        'timeout "5" must be a number of seconds',
    ),
    (
        [{"name": "web", "kind": "https", "url": "https://example.org/", "description": ["a", "b"]}],
        'description ["a", "b"] must be text',
    ),
    (
        [{"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": [1, 2], "user": "a\nb"}],
        'destinations[0] "ebi": user "a\\nb" must be a single-line string',
    ),
    (
        [{"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": [1, 2], "user": ""}],
        "user must not be empty",
    ),
    (
        [{"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": [1, 2], "passive": "yes"}],
        'passive "yes" must be true or false',
    ),
    (
        [{"name": "vpce", "kind": "secretsmanager", "endpoint": "https://vpce.example.org/path"}],
        'destinations[0] "vpce": endpoint "https://vpce.example.org/path" must not have a path',
    ),
    (
        [{"name": "vpce", "kind": "secretsmanager", "endpoint": "vpce.example.org"}],
        'endpoint "vpce.example.org" must start with https:// or http://',
    ),
    (
        [{"name": "vpce", "kind": "secretsmanager", "endpoint": "https://vpce.example.org", "host": "10.0.0.9"}],
        "give endpoint or host, not both",
    ),
    (
        [{"name": "dkr", "kind": "endpoint", "service": "ecr.dkr"}],
        'destinations[0] "dkr": service "ecr.dkr" has no single regional host name: give host, e.g. '
        "<account>.dkr.ecr.us-east-1.amazonaws.com",
    ),
    ([{"name": "licence", "kind": "tcp", "host": "10.0.0.1", "port": "\u00b2"}], 'port "\\u00b2" is not a port number'),
    (
        {"region": "us-east-1", "destinations": [], "vpc": "vpc-1"},
        "the destinations' wrapper takes region and destinations only, not vpc",
    ),
    (
        {"region": "Virginia", "destinations": [{"name": "a", "kind": "s3"}]},
        'the destinations\' region "Virginia" is not an AWS Region',
    ),
    (
        {"name": "a", "kind": "s3"},
        'destinations must be a list of dicts with name and kind, or {"region": ..., "destinations": [...]}',
    ),
]


@pytest.mark.parametrize("bad, message", BAD_DESTINATIONS, ids=[m[:60] for _bad, m in BAD_DESTINATIONS])
def test_bad_destinations_fail_naming_the_value(bad, message):
    for call in (
        lambda: destinations(bad, region=REGION),
        lambda: egress_rules(bad, CIDR, REGION, PREFIX_LISTS),
        lambda: endpoint_services(bad, region=REGION),
    ):
        with pytest.raises(AnsibleFilterError) as failure:
            call()
        assert message in str(failure.value)


def test_every_bad_destination_is_named_at_once():
    bad = [
        {"name": "ok", "kind": "tcp", "host": "10.0.0.5", "port": 27000},
        {"name": "ebi", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_port": [50000, 50100]},
        {"name": "licence", "kind": "tcp", "host": "10.0.0.5", "port": 70000},
    ]
    with pytest.raises(AnsibleFilterError) as failure:
        destinations(bad, region=REGION)
    assert str(failure.value) == (
        'destinations[1] "ebi": field(s) passive_port are not fields of kind ftp (its fields: name, kind, description, '
        'timeout, '
        'host, port, passive_ports, passive, user, password) | destinations[2] "licence": port 70000 is not a port '
        'number '
        "(an integer from 1 to 65535)"
    )


def test_the_wrapper_region_is_the_default_region_of_aws_destinations():
    # {"region": ..., "destinations": [...]}, as the connectivity test hands the list to its probe: AWS destinations
    # that name no Region are in the wrapper's (here another one than the VPC's, so through the NAT gateway).
    wrapped = {
        "region": "eu-west-1",
        "destinations": [{"name": "refs", "kind": "s3"}, {"name": "home", "kind": "s3", "region": REGION}],
    }
    assert [(d["region"], d["via"]) for d in destinations(wrapped, region=REGION)] == [
        ("eu-west-1", "nat"),
        (REGION, "gateway-endpoint"),
    ]
    assert [d["region"] for d in destinations(wrapped)] == ["eu-west-1", REGION]


def test_fields_set_to_null_are_not_given():
    # What Ansible makes of an unset variable in a destination template: no default is lost, no typo is invented.
    (dest,) = destinations(
        [
            {
                "name": "ebi",
                "kind": "ftp",
                "host": "ftp.ebi.ac.uk",
                "port": None,
                "passive": None,
                "passive_ports": [50000, 50100],
                "timeout": None,
                "passive_port": None,
            }
        ],
        region=REGION,
    )
    assert dest["egress"] == ["tcp 21 to 0.0.0.0/0", "tcp 50000-50100 to 0.0.0.0/0"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"region": None}, "region is required"),
        ({"region": "useast1"}, 'region "useast1" is not an AWS Region'),
        ({"vpc_cidr": "10.0.0.0/33"}, 'vpc_cidr "10.0.0.0/33" is not a CIDR block'),
        ({"vpc_cidr": ["10.0.0.1/16"]}, 'vpc_cidr "10.0.0.1/16" is not a CIDR block'),
        ({"vpc_cidr": "2001:db8::/56"}, 'vpc_cidr "2001:db8::/56" is not an IPv4 CIDR block'),
        ({"vpc_cidr": None}, 'destination "token": no interface endpoint of secretsmanager is known and no vpc_cidr'),
        (
            {"endpoint_groups": {"secretsmanager": "sg-0e0e0e0e0e0e0e0e0"}},
            'endpoint_groups["secretsmanager"] "sg-0e0e0e0e0e0e0e0e0" is not a list',
        ),
        (
            {"endpoint_groups": {"secretsmanager": ["default"]}},
            'endpoint_groups["secretsmanager"] ["default"] is not a list of security group ids',
        ),
        ({"endpoint_groups": ["sg-0e0e0e0e0e0e0e0e0"]}, "endpoint_groups must map a service"),
        ({"prefix_lists": {"s3": "s3-list"}}, 'prefix_lists["s3"] "s3-list" is not a prefix list id'),
        ({"prefix_lists": ["pl-63a5400a"]}, "prefix_lists must map a service"),
    ],
)
def test_bad_filter_arguments_fail_naming_the_value(kwargs, message):
    arguments = {"vpc_cidr": CIDR, "region": REGION, "prefix_lists": {}}
    arguments.update(kwargs)
    with pytest.raises(AnsibleFilterError) as failure:
        egress_rules([{"name": "token", "kind": "secretsmanager"}], **arguments)
    assert message in str(failure.value)


def test_a_gateway_fallback_needs_a_vpc_cidr():
    with pytest.raises(AnsibleFilterError, match='destination "refs": no prefix list is known for s3 and no vpc_cidr'):
        egress_rules([{"name": "refs", "kind": "s3"}], region=REGION)
    with pytest.raises(AnsibleFilterError, match="region is required"):
        endpoint_services([{"name": "refs", "kind": "s3"}])


def test_ansible_doc_reads_every_filter():
    names = [f"genomics.aws.{name}" for name in FilterModule().filters()]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"))
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-doc"), "--json", "-t", "filter", *names],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0 and "[ERROR]" not in completed.stderr, completed.stderr
    docs = json.loads(completed.stdout)
    assert set(docs) == set(names)
    for name, doc in docs.items():
        assert doc["doc"]["name"] == name.split(".")[-1] and doc["doc"]["version_added"] == "0.1.0"
        assert "_input" in doc["doc"]["options"] and doc["examples"] and doc["return"], name
