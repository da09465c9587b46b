"""Input normalisation without the network: AWS host names, defaults, expected statuses."""

from __future__ import annotations

import pytest


def one(probe, raw):
    return probe.validate_destinations([dict(raw, name="d")])[0]


@pytest.mark.parametrize(
    "raw, host, target",
    [
        ({"kind": "s3", "region": "us-east-1"}, "s3.us-east-1.amazonaws.com", "https://s3.us-east-1.amazonaws.com/"),
        (
            {"kind": "s3", "region": "eu-west-1", "bucket": "my.refs-bucket"},
            "s3.eu-west-1.amazonaws.com",
            "https://s3.eu-west-1.amazonaws.com/my.refs-bucket",
        ),
        ({"kind": "dynamodb", "region": "us-west-2"}, "dynamodb.us-west-2.amazonaws.com", None),
        ({"kind": "secretsmanager", "region": "us-east-1"}, "secretsmanager.us-east-1.amazonaws.com", None),
        ({"kind": "license-manager", "region": "us-east-1"}, "license-manager.us-east-1.amazonaws.com", None),
        ({"kind": "s3tables", "region": "us-east-1"}, "s3tables.us-east-1.amazonaws.com", None),
        ({"kind": "endpoint", "service": "com.amazonaws.eu-central-1.logs"}, "logs.eu-central-1.amazonaws.com", None),
        ({"kind": "endpoint", "service": "ecr.api", "region": "us-east-1"}, "api.ecr.us-east-1.amazonaws.com", None),
        (
            {"kind": "endpoint", "service": "com.amazonaws.us-east-1.workflows-omics"},
            "workflows-omics.us-east-1.amazonaws.com",
            None,
        ),
        ({"kind": "s3", "region": "cn-north-1"}, "s3.cn-north-1.amazonaws.com.cn", None),
        (
            {
                "kind": "endpoint",
                "service": "ecr.dkr",
                "region": "us-east-1",
                "host": "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            },
            "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            None,
        ),
    ],
)
def test_aws_kinds_check_the_regional_host_on_443(probe, raw, host, target):
    dest = one(probe, raw)
    assert (dest["host"], dest["port"], dest["tls"]) == (host, 443, True)
    if target:
        assert dest["target"] == target


def test_cross_region_bucket_is_an_unsigned_head_of_the_bucket(probe):
    dest = one(probe, {"kind": "s3", "region": "ap-southeast-2", "bucket": "refs"})
    assert (dest["method"], dest["path"], dest["region"]) == ("HEAD", "/refs", "ap-southeast-2")


def test_endpoint_service_region_must_agree(probe):
    with pytest.raises(probe.InputError, match='is in eu-west-1 but region is "us-east-1"'):
        one(probe, {"kind": "endpoint", "service": "com.amazonaws.eu-west-1.logs", "region": "us-east-1"})


def test_endpoint_override_keeps_the_region_optional(probe):
    dest = one(
        probe, {"kind": "secretsmanager", "endpoint": "https://vpce-0abc.secretsmanager.us-east-1.vpce.amazonaws.com"}
    )
    assert dest["host"] == "vpce-0abc.secretsmanager.us-east-1.vpce.amazonaws.com" and dest["port"] == 443


@pytest.mark.parametrize(
    "raw, port",
    [
        ({"kind": "ftp", "host": "ftp.ncbi.nlm.nih.gov", "passive_ports": [50000, 50100]}, 21),
        ({"kind": "ftps", "host": "ftp.example.org", "passive_ports": [50000, 50100]}, 990),
        ({"kind": "ftps", "host": "ftp.example.org", "mode": "explicit", "passive_ports": [50000, 50100]}, 21),
        ({"kind": "sftp", "host": "s-1234.server.transfer.us-east-1.amazonaws.com"}, 22),
        ({"kind": "ssh", "host": "10.0.1.20"}, 22),
        ({"kind": "https", "url": "https://ftp.ncbi.nlm.nih.gov/pub/clinvar/"}, 443),
        ({"kind": "https", "url": "http://example.org"}, 80),
    ],
)
def test_default_ports(probe, raw, port):
    assert one(probe, raw)["port"] == port


def test_ftp_defaults_to_anonymous_with_passive_check(probe):
    dest = one(probe, {"kind": "ftp", "host": "ftp.example.org", "passive_ports": ["50000", 50100]})
    assert (dest["user"], dest["password"], dest["passive"], dest["passive_ports"]) == (
        "anonymous",
        "anonymous@",
        True,
        [50000, 50100],
    )


@pytest.mark.parametrize(
    "value, ranges",
    [
        (200, [(200, 200)]),
        ([200, 204], [(200, 200), (204, 204)]),
        ("2xx", [(200, 299)]),
        ("200-399", [(200, 399)]),
        ("200, 3xx", [(200, 200), (300, 399)]),
        (None, [(200, 399)]),  # the default for https
    ],
)
def test_expect_status_forms(probe, value, ranges):
    dest = one(probe, {"kind": "https", "url": "https://example.org/", "expect_status": value})
    assert dest["expect_status"] == ranges


@pytest.mark.parametrize("value", [True, 99, 600, "abc", "399-200", [], ["200"], {"min": 200}])
def test_expect_status_rejects(probe, value):
    with pytest.raises(probe.InputError, match='destinations\\[0\\] "d": expect_status'):
        one(probe, {"kind": "https", "url": "https://example.org/", "expect_status": value})


def test_url_target_hides_credentials(probe):
    dest = one(probe, {"kind": "https", "url": "https://user:secret@example.org:8443/path?q=1"})
    assert dest["target"] == "https://example.org:8443/path?q=1"
    assert (dest["host"], dest["port"], dest["path"]) == ("example.org", 8443, "/path?q=1")


def test_ipv6_literal_host(probe):
    dest = one(probe, {"kind": "tcp", "host": "[fd00::5]", "port": 27000})
    assert dest["host"] == "fd00::5" and dest["target"] == "[fd00::5]:27000"


def test_destinations_may_be_wrapped(probe):
    assert (
        len(probe.validate_destinations({"destinations": [{"name": "a", "kind": "tcp", "host": "h", "port": 1}]})) == 1
    )


def test_timeout_cause_for_a_public_address_names_the_nat_gateway(probe):
    dest = one(probe, {"kind": "https", "url": "https://ftp.ncbi.nlm.nih.gov/pub/"})

    class Checked:
        peer = ("130.14.250.7", 443)

    cause = probe.explain(dest, "tcp", "timeout", "130.14.250.7:443: timed out", Checked())
    assert "NAT gateway in a public subnet" in cause and "egress rule for TCP 443" in cause


@pytest.mark.parametrize(
    "raw, region",
    [
        ({"kind": "dynamodb"}, "eu-west-2"),  # the run's Region
        ({"kind": "s3", "region": "ap-southeast-2", "bucket": "refs"}, "ap-southeast-2"),  # its own wins
        ({"kind": "endpoint", "service": "com.amazonaws.eu-central-1.logs"}, "eu-central-1"),  # so does the service's
    ],
)
def test_aws_destinations_without_a_region_are_in_the_default_one(probe, raw, region):
    (dest,) = probe.validate_destinations({"region": "eu-west-2", "destinations": [dict(raw, name="d")]})
    assert dest["region"] == region
    assert dest["host"].endswith(".%s.amazonaws.com" % region)
    (same,) = probe.validate_destinations([dict(raw, name="d")], default_region="eu-west-2")
    assert same == dest


def test_the_wrapper_region_must_be_a_region(probe):
    with pytest.raises(probe.InputError, match='region "Europe" is not an AWS Region'):
        probe.validate_destinations({"region": "Europe", "destinations": [{"name": "d", "kind": "dynamodb"}]})


def test_a_port_given_as_its_digits_is_that_port(probe):
    # What Ansible templating makes of "{{ license_port }}"; the networking filter accepts it too.
    assert one(probe, {"kind": "tcp", "host": "10.0.0.5", "port": "27000"})["port"] == 27000
    assert one(probe, {"kind": "ftp", "host": "10.0.0.5", "passive_ports": ["50000", 50100]})["passive_ports"] == [
        50000,
        50100,
    ]
