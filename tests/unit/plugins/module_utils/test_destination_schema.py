"""plugins/module_utils/destination_schema.py: the one schema of destinations, normalised the same for every reader.

Its bad input is covered through both of its readers (tests/unit/plugins/filter, tests/unit/probe); here, what it
returns, and what it must stay to be inlined in the connectivity-test workflow and run in its task."""

import ast
from pathlib import Path

import pytest
import yaml

from ansible_collections.genomics.aws.plugins.module_utils import destination_schema as schema

PATH = Path(schema.__file__)
KEYS = {
    "name",
    "kind",
    "description",
    "timeout",
    "host",
    "port",
    "tls",
    "url",
    "path",
    "expect_status",
    "mode",
    "passive",
    "passive_ports",
    "user",
    "password",
    "service",
    "region",
    "bucket",
    "endpoint",
}


def one(raw, **kwargs):
    (dest,) = schema.validate([dict(raw, name="d")], **kwargs)
    assert set(dest) == KEYS
    return dest


@pytest.mark.parametrize(
    "raw, expected",
    [
        (
            {"kind": "https", "url": "https://user:pw@Example.ORG:8443/a/b?q=1#top"},
            {
                "host": "example.org",
                "port": 8443,
                "tls": True,
                "path": "/a/b?q=1",
                "url": "https://example.org:8443/a/b?q=1",
                "expect_status": [(200, 399)],
            },
        ),
        (
            {"kind": "https", "url": "http://[2001:DB8::1]"},
            {"host": "2001:db8::1", "port": 80, "tls": False, "url": "http://[2001:db8::1]/"},
        ),
        (
            {"kind": "tcp", "host": " LICENCE.example.org. ", "port": " 27000 "},
            {"host": "licence.example.org", "port": 27000},
        ),
        ({"kind": "ssh", "host": "[fd00::5]"}, {"host": "fd00::5", "port": 22}),
        (
            {"kind": "ftp", "host": "10.0.0.5", "passive_ports": ["50000", 50100]},
            {
                "port": 21,
                "mode": "plain",
                "tls": False,
                "passive": True,
                "passive_ports": [50000, 50100],
                "user": "anonymous",
                "password": "anonymous@",
            },
        ),
        (
            {"kind": "ftps", "host": "10.0.0.5", "passive_ports": [1, 2], "user": "reader"},
            {"port": 990, "mode": "implicit", "tls": True, "user": "reader", "password": ""},
        ),
        (
            {"kind": "ftps", "host": "10.0.0.5", "mode": "explicit", "passive_ports": [1, 2]},
            {"port": 21, "mode": "explicit", "tls": False},
        ),
        (
            {"kind": "s3", "bucket": "refs"},
            {"service": "s3", "region": None, "host": None, "port": 443, "bucket": "refs"},
        ),
        (
            {"kind": "endpoint", "service": "com.amazonaws.eu-west-1.ecr.api"},
            {"service": "ecr.api", "region": "eu-west-1", "host": "api.ecr.eu-west-1.amazonaws.com"},
        ),
        (
            {"kind": "secretsmanager", "endpoint": "http://10.0.0.9:8080", "port": 8443},
            {"host": None, "port": 8443, "endpoint": {"host": "10.0.0.9", "port": 8080, "tls": False}},
        ),
        (
            {"kind": "dynamodb", "region": "cn-north-1", "timeout": 3},
            {"host": "dynamodb.cn-north-1.amazonaws.com.cn", "timeout": 3.0},
        ),
    ],
)
def test_normalised_destinations(raw, expected):
    dest = one(raw)
    assert {key: dest[key] for key in expected} == expected


def test_the_default_region_places_aws_destinations_without_one():
    assert one({"kind": "s3"}, region="eu-west-2")["host"] == "s3.eu-west-2.amazonaws.com"
    assert one({"kind": "s3", "region": "us-east-1"}, region="eu-west-2")["region"] == "us-east-1"  # its own wins
    (dest,) = schema.validate(
        {"region": "ap-south-1", "destinations": [{"name": "d", "kind": "s3"}]}, region="eu-west-2"
    )
    assert dest["region"] == "ap-south-1"  # the list's own wins over the caller's


def test_region_required_refuses_an_aws_destination_nobody_places():
    with pytest.raises(schema.DestinationError) as failure:
        schema.validate(
            [{"name": "d", "kind": "s3"}, {"name": "e", "kind": "s3", "host": "10.0.0.1"}], region_required=True
        )
    assert failure.value.problems == [
        'destinations[0] "d": region is missing (required for kind s3 without endpoint or host, when '
        "the list has no default Region)"
    ]


def test_the_error_names_every_problem():
    with pytest.raises(schema.DestinationError) as failure:
        schema.validate([{"name": "a", "kind": "tcp"}, {"kind": "tcp"}, "x"])
    assert failure.value.problems == [
        'destinations[0] "a": host is missing (required for kind tcp)',
        "destinations[1]: name null: every destination needs a non-empty name",
        'destinations[2]: must be a dict with name and kind, not "x"',
    ]
    assert str(failure.value) == " | ".join(failure.value.problems)
    assert isinstance(failure.value, ValueError)


def test_long_values_are_shortened_in_messages():
    with pytest.raises(schema.DestinationError) as failure:
        schema.validate([{"name": "d", "kind": "tcp", "host": "h" * 1000, "port": 1}])
    assert (
        len(str(failure.value)) < 300
        and 'host "hhh' in str(failure.value)
        and "hhh... is not a valid host name" in str(failure.value)
    )


def test_the_fields_of_each_kind():
    assert set(schema.FIELDS) == set(schema.KINDS)
    assert schema.FIELDS["ftp"] == ("host", "port", "passive_ports", "passive", "user", "password")
    assert "passive_port" not in schema.FIELDS["ftps"]


def test_the_networking_role_argument_spec_documents_the_same_fields_and_kinds():
    # meta/argument_specs.yml describes each field for ansible-doc (and Ansible checks the keys against it first):
    # it must not drift from the schema.
    spec = yaml.safe_load(
        (PATH.parents[2] / "roles" / "omics_vpc_networking" / "meta" / "argument_specs.yml").read_text()
    )
    options = spec["argument_specs"]["main"]["options"]["omics_vpc_networking_destinations"]["options"]
    assert set(options) == set(schema.COMMON_FIELDS).union(*schema.FIELDS.values())
    assert tuple(options["kind"]["choices"]) == schema.KINDS


def test_python_3_8_standard_library_only_and_no_ansible():
    tree = ast.parse(PATH.read_text(), filename=str(PATH), feature_version=(3, 8))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "a relative import cannot work next to the probe"
            imported.add(node.module.split(".")[0])
    assert imported <= {"ipaddress", "json", "re", "urllib"}, imported


def test_nothing_wdl_would_read_in_a_task_command():
    # The workflow inlines this file in its task command (build_workflow.py refuses these too).
    text = PATH.read_text()
    for forbidden in ("~" + "{", "$" + "{", ">" * 3, "\r"):
        assert forbidden not in text
