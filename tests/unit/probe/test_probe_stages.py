"""The probe against real loopback servers: each stage passing, and each failure class for real."""

from __future__ import annotations

import pytest

SHORT = 0.5  # for the checks that must wait for a timeout

LOOP = "127.0.0.1"


def stages(entry):
    return [(s["stage"], s["ok"]) for s in entry["stages"]]


def assert_ok(entry, expected_stages):
    assert entry["ok"], entry
    assert entry["failure"] is None
    assert [name for name, _ok in stages(entry)] == expected_stages
    assert all(ok for _name, ok in stages(entry))
    for stage in entry["stages"]:
        assert isinstance(stage["ms"], float) and stage["ms"] >= 0
        assert stage["detail"]


def assert_failed(entry, klass, stage, *cause_words):
    assert not entry["ok"], entry
    assert entry["failure"]["class"] == klass, entry
    assert entry["failure"]["stage"] == stage, entry
    assert entry["stages"][-1]["stage"] == stage and entry["stages"][-1]["ok"] is False
    assert all(ok for _name, ok in stages(entry)[:-1])
    for word in cause_words:
        assert word in entry["failure"]["cause"], entry["failure"]["cause"]
    return entry["failure"]["cause"]


# -- passing ----------------------------------------------------------------------------------


def test_https_all_stages_pass_with_the_ca_bundle(check, loopback):
    entry = check({"name": "web", "kind": "https", "url": "https://%s:%d/ok" % (LOOP, loopback.https.port)})
    assert_ok(entry, ["dns", "tcp", "tls", "http"])
    assert entry["target"] == "https://127.0.0.1:%d/ok" % loopback.https.port
    assert "TLSv1" in entry["stages"][2]["detail"] and "certificate verified" in entry["stages"][2]["detail"]
    assert "HTTP 200" in entry["stages"][3]["detail"]


def test_https_by_name_sends_sni_and_verifies_the_host_name(check, loopback):
    before = len(loopback.sni)
    entry = check({"name": "web", "kind": "https", "url": "https://localhost:%d/ok" % loopback.https.port})
    assert_ok(entry, ["dns", "tcp", "tls", "http"])
    assert "localhost -> 127.0.0.1 (loopback)" in entry["stages"][0]["detail"]
    assert "localhost" in loopback.sni[before:]
    method, path, host, agent = loopback.https.requests[-1]
    assert (method, path, host) == ("GET", "/ok", "localhost:%d" % loopback.https.port)
    assert agent.startswith("genomics.aws-connectivity-probe/")


def test_plain_http_url_has_no_tls_stage_and_a_redirect_is_reachable(check, loopback):
    entry = check({"name": "web", "kind": "https", "url": "http://%s:%d/redirect" % (LOOP, loopback.http.port)})
    assert_ok(entry, ["dns", "tcp", "http"])
    assert "HTTP 302" in entry["stages"][-1]["detail"] and "Location: /ok" in entry["stages"][-1]["detail"]


@pytest.mark.parametrize("expect", [404, [200, 404], "4xx", "400-404", "200,404"])
def test_expect_status_accepts_what_it_names(check, loopback, expect):
    entry = check(
        {
            "name": "web",
            "kind": "https",
            "url": "https://%s:%d/missing" % (LOOP, loopback.https.port),
            "expect_status": expect,
        }
    )
    assert_ok(entry, ["dns", "tcp", "tls", "http"])


def test_tcp_license_server(check, loopback):
    entry = check({"name": "sentieon", "kind": "tcp", "host": LOOP, "port": loopback.license.port})
    assert_ok(entry, ["dns", "tcp"])
    assert entry["target"] == "127.0.0.1:%d" % loopback.license.port


@pytest.mark.parametrize("kind", ["ssh", "sftp"])
def test_ssh_banner_after_a_pre_banner_line(check, loopback, kind):
    entry = check({"name": "transfer", "kind": kind, "host": LOOP, "port": loopback.ssh.port})
    assert_ok(entry, ["dns", "tcp", "ssh_banner"])
    assert "SSH-2.0-OpenSSH_9.6 probe-test" in entry["stages"][-1]["detail"]


def test_ftp_control_login_and_passive_data_connection(check, loopback):
    entry = check(
        {"name": "ncbi", "kind": "ftp", "host": LOOP, "port": loopback.ftp.port, "passive_ports": [1024, 65535]}
    )
    assert_ok(entry, ["dns", "tcp", "ftp_banner", "ftp_login", "ftp_passive"])
    detail = entry["stages"][-1]["detail"]
    assert "PASV offered port" in detail and "data connection opened" in detail
    assert "advertised 127.0.0.2" in detail  # and the probe used the control connection's address
    assert loopback.ftp.commands[-1] == "QUIT"


def test_ftp_named_user_and_the_password_stays_out_of_the_report(check, loopback):
    entry = check(
        {
            "name": "ftp",
            "kind": "ftp",
            "host": LOOP,
            "port": loopback.ftp.port,
            "user": "alice",
            "password": "s3cret-pw",
            "passive_ports": [1024, 65535],
        }
    )
    assert_ok(entry, ["dns", "tcp", "ftp_banner", "ftp_login", "ftp_passive"])
    assert "s3cret-pw" not in repr(entry)


def test_ftp_falls_back_to_epsv(check, loopback):
    entry = check(
        {"name": "ftp", "kind": "ftp", "host": LOOP, "port": loopback.ftp_epsv.port, "passive_ports": [1024, 65535]}
    )
    assert_ok(entry, ["dns", "tcp", "ftp_banner", "ftp_login", "ftp_passive"])
    assert "EPSV offered port" in entry["stages"][-1]["detail"]


def test_ftps_implicit(check, loopback):
    entry = check(
        {
            "name": "ftps",
            "kind": "ftps",
            "host": LOOP,
            "port": loopback.ftps_implicit.port,
            "passive_ports": [1024, 65535],
        }
    )
    assert_ok(entry, ["dns", "tcp", "tls", "ftp_banner", "ftp_login", "ftp_passive"])


def test_ftps_explicit_auth_tls(check, loopback):
    entry = check(
        {
            "name": "ftps",
            "kind": "ftps",
            "mode": "explicit",
            "host": LOOP,
            "port": loopback.ftps_explicit.port,
            "passive_ports": [1024, 65535],
        }
    )
    assert_ok(entry, ["dns", "tcp", "ftp_banner", "tls", "ftp_login", "ftp_passive"])
    assert entry["stages"][3]["detail"].startswith("AUTH TLS -> 234")


@pytest.mark.parametrize(
    "raw",
    [
        {"kind": "s3", "region": "us-east-1"},
        {"kind": "s3", "region": "eu-west-1", "bucket": "existing-bucket"},
        {"kind": "dynamodb", "region": "us-east-1"},
        {"kind": "secretsmanager", "region": "us-east-1"},
        {"kind": "license-manager", "region": "us-east-1"},
        {"kind": "s3tables", "region": "us-east-1"},
        {"kind": "endpoint", "service": "com.amazonaws.us-east-1.logs"},
    ],
    ids=lambda raw: raw["kind"] + ("-bucket" if "bucket" in raw else ""),
)
def test_aws_kinds_reach_the_endpoint_and_an_unsigned_4xx_proves_it(check, loopback, raw):
    entry = check(dict(raw, name="aws", endpoint="https://%s:%d" % (LOOP, loopback.https.port)))
    assert_ok(entry, ["dns", "tcp", "tls", "http"])
    assert "HTTP 403" in entry["stages"][-1]["detail"]


def test_aws_kind_with_host_and_port_override(check, loopback):
    entry = check(
        {"name": "ddb", "kind": "dynamodb", "region": "us-east-1", "host": "localhost", "port": loopback.https.port}
    )
    assert_ok(entry, ["dns", "tcp", "tls", "http"])


# -- failure classes --------------------------------------------------------------------------


def test_refused_closed_port(check):
    from tools.loopback_servers import closed_port

    port = closed_port()
    entry = check({"name": "license", "kind": "tcp", "host": LOOP, "port": port})
    assert_failed(entry, "refused", "tcp", "nothing listens on port %d" % port)


@pytest.mark.parametrize(
    "raw",
    [
        {"kind": "https", "url": "https://no-such-host.invalid/"},
        {"kind": "tcp", "host": "license.example.invalid", "port": 27000},
    ],
)
def test_dns_unresolvable_name(check, raw):
    entry = check(dict(raw, name="typo"))
    cause = assert_failed(entry, "dns", "dns", "does not resolve", "DNS Firewall", "typo")
    assert ".invalid" in cause


def test_timeout_when_nothing_answers_the_connect(check, loopback):
    entry = check({"name": "blocked", "kind": "tcp", "host": LOOP, "port": loopback.blackhole_port}, timeout=SHORT)
    assert_failed(entry, "timeout", "tcp", "security group", "network ACL", "no route", "for a private address")
    assert entry["stages"][-1]["ms"] >= SHORT * 1000 * 0.9


def test_timeout_for_an_interface_endpoint_names_its_security_group(check, loopback):
    entry = check(
        {"name": "sm", "kind": "secretsmanager", "region": "us-east-1", "host": LOOP, "port": loopback.blackhole_port},
        timeout=SHORT,
    )
    assert_failed(entry, "timeout", "tcp", "interface endpoint's own security group")


def test_timeout_for_s3_names_the_gateway_endpoint(check, loopback):
    entry = check(
        {"name": "s3", "kind": "s3", "region": "us-east-1", "host": LOOP, "port": loopback.blackhole_port},
        timeout=SHORT,
    )
    assert_failed(entry, "timeout", "tcp", "S3 gateway endpoint", "prefix list")


@pytest.mark.parametrize(
    "raw, stage",
    [
        ({"kind": "ssh"}, "ssh_banner"),
        ({"kind": "https", "url": "https://127.0.0.1:{port}/"}, "tls"),
        ({"kind": "https", "url": "http://127.0.0.1:{port}/"}, "http"),
        ({"kind": "ftp", "passive_ports": [1024, 65535]}, "ftp_banner"),
    ],
    ids=["ssh", "tls", "http", "ftp"],
)
def test_timeout_on_a_silent_host_after_connect(check, loopback, raw, stage):
    port = loopback.silent.port
    raw = (
        dict(raw, name="hung", host=LOOP, port=port)
        if "url" not in raw
        else {"name": "hung", "kind": "https", "url": raw["url"].format(port=port)}
    )
    entry = check(raw, timeout=SHORT)
    assert_failed(entry, "timeout", stage, "network path is open")


def test_tls_untrusted_without_the_ca_bundle(check, loopback):
    entry = check(
        {"name": "web", "kind": "https", "url": "https://%s:%d/ok" % (LOOP, loopback.https.port)}, trust_test_ca=False
    )
    assert_failed(entry, "tls", "tls", "not trusted", "--ca-bundle", "ca_bundle_pem")


def test_tls_expired_certificate(check, loopback):
    entry = check({"name": "web", "kind": "https", "url": "https://%s:%d/ok" % (LOOP, loopback.https_expired.port)})
    assert_failed(entry, "tls", "tls", "expired")


def test_tls_certificate_for_another_host(check, loopback):
    entry = check({"name": "web", "kind": "https", "url": "https://localhost:%d/ok" % loopback.https_other_host.port})
    assert_failed(entry, "tls", "tls", "not valid for the name localhost")


def test_tls_on_a_plain_text_port(check, loopback):
    entry = check({"name": "web", "kind": "https", "url": "https://%s:%d/ok" % (LOOP, loopback.http.port)})
    assert_failed(entry, "tls", "tls", "does not speak TLS")


@pytest.mark.parametrize("path, status", [("/missing", 404), ("/error", 503)])
def test_http_status_unexpected(check, loopback, path, status):
    entry = check({"name": "web", "kind": "https", "url": "https://%s:%d%s" % (LOOP, loopback.https.port, path)})
    assert_failed(entry, "http_status", "http", "HTTP %d" % status, "expect_status")


def test_http_status_when_a_redirect_is_not_expected(check, loopback):
    entry = check(
        {
            "name": "web",
            "kind": "https",
            "url": "https://%s:%d/redirect" % (LOOP, loopback.https.port),
            "expect_status": 200,
        }
    )
    assert_failed(entry, "http_status", "http", "HTTP 302", "expected 200")


@pytest.mark.parametrize("path, status", [("/forbidden", 403), ("/unauthorized", 401)])
def test_auth_http(check, loopback, path, status):
    entry = check({"name": "web", "kind": "https", "url": "https://%s:%d%s" % (LOOP, loopback.https.port, path)})
    assert_failed(entry, "auth", "http", "HTTP %d" % status, "network path works", "Elastic IP")


def test_auth_ftp_login_refused(check, loopback):
    entry = check(
        {
            "name": "ftp",
            "kind": "ftp",
            "host": LOOP,
            "port": loopback.ftp.port,
            "user": "alice",
            "password": "wrong",
            "passive_ports": [1024, 65535],
        }
    )
    assert_failed(entry, "auth", "ftp_login", "refused the login as alice", "passive data connection was not tested")
    assert "wrong" not in repr(entry)


def test_auth_ftp_passive_before_login(check, loopback):
    # Login refused for an unknown user is auth too, and nothing after it runs.
    entry = check(
        {
            "name": "ftp",
            "kind": "ftp",
            "host": LOOP,
            "port": loopback.ftp.port,
            "user": "mallory",
            "passive_ports": [1024, 65535],
        }
    )
    assert_failed(entry, "auth", "ftp_login")


def test_protocol_no_ssh_banner(check, loopback):
    entry = check({"name": "sftp", "kind": "sftp", "host": LOOP, "port": loopback.not_ssh.port})
    assert_failed(entry, "protocol", "ssh_banner", "no SSH server answers")
    assert "220 this is not ssh" in entry["stages"][-1]["detail"]


def test_protocol_ssh_version_1_only(check, loopback):
    entry = check({"name": "sftp", "kind": "sftp", "host": LOOP, "port": loopback.ssh_v1.port})
    assert_failed(entry, "protocol", "ssh_banner")


def test_protocol_ftp_against_an_ssh_server(check, loopback):
    entry = check(
        {"name": "ftp", "kind": "ftp", "host": LOOP, "port": loopback.ssh.port, "passive_ports": [1024, 65535]}
    )
    assert_failed(entry, "protocol", "ftp_banner", "FTP dialogue failed")


def test_ftp_passive_port_refused(check, loopback):
    entry = check(
        {
            "name": "ftp",
            "kind": "ftp",
            "host": LOOP,
            "port": loopback.ftp_closed_passive.port,
            "passive_ports": [1024, 65535],
        }
    )
    cause = assert_failed(
        entry,
        "ftp_passive",
        "ftp_passive",
        "control connection on port %d works" % loopback.ftp_closed_passive.port,
        "open the passive port range 1024-65535",
    )
    assert "was refused" in cause


def test_ftp_passive_port_blocked_times_out(check, loopback):
    port = loopback.blackhole_port
    entry = check(
        {
            "name": "ftp",
            "kind": "ftp",
            "host": LOOP,
            "port": loopback.ftp_blocked_passive.port,
            "passive_ports": [port, port],
        },
        timeout=SHORT,
    )
    cause = assert_failed(
        entry, "ftp_passive", "ftp_passive", "timed out", "open the passive port range %d-%d" % (port, port)
    )
    assert "outside the declared range" not in cause


def test_ftp_passive_port_outside_the_declared_range(check, loopback):
    port = loopback.blackhole_port
    low, high = (port + 1, port + 2) if port < 65000 else (1024, 1025)
    entry = check(
        {
            "name": "ftp",
            "kind": "ftp",
            "host": LOOP,
            "port": loopback.ftp_blocked_passive.port,
            "passive_ports": [low, high],
        },
        timeout=SHORT,
    )
    assert_failed(entry, "ftp_passive", "ftp_passive", "outside the declared range %d-%d" % (low, high))


def test_explicit_ftps_against_a_server_without_auth_tls(check, loopback):
    entry = check(
        {
            "name": "ftps",
            "kind": "ftps",
            "mode": "explicit",
            "host": LOOP,
            "port": loopback.ftp.port,
            "passive_ports": [1024, 65535],
        }
    )
    assert_failed(entry, "tls", "tls", "does not offer explicit FTPS", "implicit")


@pytest.mark.parametrize(
    "bucket, region, words",
    [
        (
            "bucket-elsewhere",
            "eu-west-1",
            ("bucket bucket-elsewhere is in us-west-2, not eu-west-1", "set the destination's region"),
        ),
        (
            "bucket-elsewhere",
            "us-west-2",
            ("redirects requests for bucket bucket-elsewhere", "endpoint is in the bucket's Region"),
        ),
        ("no-such-bucket", "eu-west-1", ("bucket no-such-bucket does not exist",)),
    ],
)
def test_s3_bucket_missing_or_in_another_region(check, loopback, bucket, region, words):
    entry = check(
        {
            "name": "refs",
            "kind": "s3",
            "region": region,
            "bucket": bucket,
            "endpoint": "https://%s:%d" % (LOOP, loopback.https.port),
        }
    )
    assert_failed(entry, "http_status", "http", *words)
    assert loopback.https.requests[-1][:2] == ("HEAD", "/" + bucket)


def test_stages_are_checked_in_parallel_and_reported_in_order(probe, ssl_context, loopback):
    raws = [
        {"name": "blocked-%d" % i, "kind": "tcp", "host": LOOP, "port": loopback.blackhole_port} for i in range(3)
    ] + [{"name": "ok", "kind": "tcp", "host": LOOP, "port": loopback.license.port}]
    destinations = probe.validate_destinations(raws, SHORT)
    report = probe.run(destinations, SHORT, jobs=4, ssl_context=ssl_context)
    assert [d["name"] for d in report["destinations"]] == [r["name"] for r in raws]
    assert report["summary"] == {"total": 4, "ok": 1, "failed": 3}
