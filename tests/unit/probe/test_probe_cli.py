"""The probe as a program: report schema, table, exit codes, and bad input named clearly."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tools.loopback_servers import closed_port

from .conftest import PROBE_PATH

LOOP = "127.0.0.1"
STAGE_NAMES = {"dns", "tcp", "tls", "http", "ssh_banner", "ftp_banner", "ftp_login", "ftp_passive"}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def run_probe(tmp_path, destinations, *extra, write=True):
    path = tmp_path / "destinations.json"
    if write:
        path.write_text(destinations if isinstance(destinations, str) else json.dumps(destinations))
    report = tmp_path / "report.json"
    table = tmp_path / "table.txt"
    completed = subprocess.run(
        [
            sys.executable,
            str(PROBE_PATH),
            "--destinations",
            str(path),
            "--report",
            str(report),
            "--table",
            str(table),
            *extra,
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return completed, report, table


def assert_schema(report, probe):
    assert set(report) == {
        "version",
        "probe",
        "started",
        "finished",
        "host",
        "timeout_seconds",
        "ca_bundle",
        "summary",
        "warnings",
        "destinations",
    }
    assert report["version"] == 1
    assert ISO.match(report["started"]) and ISO.match(report["finished"]) and report["started"] <= report["finished"]
    assert set(report["host"]) == {"hostname", "python"}
    assert isinstance(report["timeout_seconds"], float)
    assert isinstance(report["warnings"], list)
    entries = report["destinations"]
    assert report["summary"] == {
        "total": len(entries),
        "ok": sum(e["ok"] for e in entries),
        "failed": sum(not e["ok"] for e in entries),
    }
    for entry in entries:
        assert set(entry) == {"name", "kind", "target", "ok", "stages", "failure"}
        assert entry["kind"] in probe.destination_schema.KINDS
        assert entry["stages"], entry
        for stage in entry["stages"]:
            assert set(stage) == {"stage", "ok", "ms", "detail"}
            assert stage["stage"] in STAGE_NAMES and isinstance(stage["ok"], bool)
            assert isinstance(stage["ms"], (int, float)) and isinstance(stage["detail"], str)
        if entry["ok"]:
            assert entry["failure"] is None and all(s["ok"] for s in entry["stages"])
        else:
            assert set(entry["failure"]) == {"class", "stage", "cause"}
            assert entry["failure"]["class"] in probe.FAILURE_CLASSES
            assert entry["failure"]["stage"] == entry["stages"][-1]["stage"]
            assert entry["failure"]["cause"]


def test_full_run_writes_the_report_and_table_and_exits_0_despite_failures(tmp_path, probe, pki, loopback):
    destinations = [
        {"name": "web", "kind": "https", "url": "https://%s:%d/ok" % (LOOP, loopback.https.port)},
        {"name": "sentieon-license", "kind": "tcp", "host": LOOP, "port": loopback.license.port},
        {
            "name": "ncbi-ftp",
            "kind": "ftp",
            "host": LOOP,
            "port": loopback.ftp_closed_passive.port,
            "passive_ports": [50000, 50100],
        },
        {"name": "sftp", "kind": "sftp", "host": "localhost", "port": loopback.ssh.port},
        {"name": "down", "kind": "tcp", "host": LOOP, "port": closed_port()},
        {
            "name": "refs-eu",
            "kind": "s3",
            "region": "eu-west-1",
            "bucket": "existing-bucket",
            "endpoint": "https://%s:%d" % (LOOP, loopback.https.port),
        },
    ]
    completed, report_path, table_path = run_probe(
        tmp_path, destinations, "--ca-bundle", str(pki.ca_pem), "--timeout", "1"
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(report_path.read_text())
    assert_schema(report, probe)
    assert report["ca_bundle"] == str(pki.ca_pem) and report["timeout_seconds"] == 1.0
    by_name = {e["name"]: e for e in report["destinations"]}
    assert [e["name"] for e in report["destinations"]] == [d["name"] for d in destinations]
    assert {n for n, e in by_name.items() if e["ok"]} == {"web", "sentieon-license", "sftp", "refs-eu"}
    assert by_name["ncbi-ftp"]["failure"]["class"] == "ftp_passive"
    assert by_name["down"]["failure"]["class"] == "refused"
    assert report["summary"] == {"total": 6, "ok": 4, "failed": 2}
    assert report["warnings"] == [] and completed.stderr == ""

    table = table_path.read_text()
    assert completed.stdout == table
    lines = table.splitlines()
    assert lines[0] == "Connectivity: 6 destination(s), 4 reachable, 2 unreachable"
    header = lines[1]
    assert header.split() == ["NAME", "KIND", "TARGET", "RESULT", "TIME", "STAGES"]
    rows = {line.split()[0]: line for line in lines[2:8]}
    assert set(rows) == set(by_name)
    # Fixed width: every column starts where its header does.
    for column in ("KIND", "TARGET", "RESULT", "TIME", "STAGES"):
        start = header.index(column)
        for row in rows.values():
            assert row[start - 2 : start] == "  " and row[start] != " ", (column, row)
    assert "dns:ok tcp:ok tls:ok http:ok" in rows["web"]
    assert "FAIL ftp_passive" in rows["ncbi-ftp"] and "ftp_passive:FAIL" in rows["ncbi-ftp"]
    assert "FAIL refused" in rows["down"]
    failures = table[table.index("Failures:") :]
    assert "ncbi-ftp [ftp_passive at stage ftp_passive]: " in failures and "50000-50100" in failures
    assert "down [refused at stage tcp]: " in failures and "nothing listens" in failures


def test_without_the_ca_bundle_the_private_ca_is_not_trusted(tmp_path, probe, loopback):
    destinations = [{"name": "web", "kind": "https", "url": "https://%s:%d/ok" % (LOOP, loopback.https.port)}]
    completed, report_path, _table_path = run_probe(tmp_path, destinations, "--timeout", "1")
    assert completed.returncode == 0
    report = json.loads(report_path.read_text())
    assert_schema(report, probe)
    assert report["destinations"][0]["failure"]["class"] == "tls"
    assert "web [tls at stage tls]" in completed.stdout


def test_validate_only(tmp_path):
    destinations = [{"name": "license", "kind": "tcp", "host": "10.0.0.5", "port": 27000}]
    path = tmp_path / "d.json"
    path.write_text(json.dumps(destinations))
    completed = subprocess.run(
        [sys.executable, str(PROBE_PATH), "--destinations", str(path), "--validate"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "1 destination(s) valid\n"


@pytest.mark.parametrize(
    "destinations, words",
    [
        (
            [{"name": "x", "kind": "gopher", "host": "h"}],
            ['destinations[0] "x"', 'kind "gopher" is unknown', "https, tcp"],
        ),
        ([{"name": "lic", "kind": "tcp", "host": "10.0.0.5"}], ['"lic"', "port is missing", "tcp"]),
        ([{"kind": "tcp", "host": "h", "port": 1}], ["destinations[0]", "needs a non-empty name"]),
        ([{"name": "lic", "kind": "tcp", "host": "10.0.0.5", "port": 70000}], ["port 70000 is not a port number"]),
        ([{"name": "lic", "kind": "tcp", "host": "10.0.0.5", "port": "27k"}], ['port "27k" is not a port number']),
        (
            [{"name": "ftp", "kind": "ftp", "host": "ftp.example.org", "passive_ports": [30000]}],
            ["passive_ports [30000] needs two bounds [low, high]"],
        ),
        (
            [{"name": "ftp", "kind": "ftp", "host": "ftp.example.org", "passive_ports": [30100, 30000]}],
            ["low bound is above the high bound"],
        ),
        (
            [{"name": "ftp", "kind": "ftp", "host": "ftp.example.org", "passive_ports": [0, 30000]}],
            ["passive_ports low bound 0"],
        ),
        ([{"name": "web", "kind": "https", "url": "https://exa mple.org/"}], ['url "https://exa mple.org/"']),
        (
            [{"name": "web", "kind": "https", "url": "https://example.org:99999/"}],
            ['url "https://example.org:99999/" is malformed'],
        ),
        (
            [{"name": "web", "kind": "https", "url": "ftp://example.org/"}],
            ['url "ftp://example.org/" must start with https:// or http://'],
        ),
        ([{"name": "web", "kind": "https", "url": "https:///path"}], ["has no host"]),
        (
            [{"name": "web", "kind": "https", "url": "https://example.org/", "expect_status": "6xx"}],
            ['expect_status "6xx"'],
        ),
        (
            [{"name": "b", "kind": "s3", "region": "eu-west-1", "bucket": "My_Bucket"}],
            ['bucket "My_Bucket" is not a valid S3 bucket name'],
        ),
        ([{"name": "b", "kind": "s3", "region": "eu-west-1", "bucket": "192.168.1.1"}], ['bucket "192.168.1.1"']),
        ([{"name": "b", "kind": "s3", "region": "Europe", "bucket": "refs"}], ['region "Europe" is not an AWS Region']),
        ([{"name": "b", "kind": "s3", "bucket": "refs"}], ["region is missing"]),
        (
            [{"name": "e", "kind": "endpoint", "service": "ecr.dkr", "region": "us-east-1"}],
            ['service "ecr.dkr" has no single regional host name', "dkr.ecr.us-east-1"],
        ),
        ([{"name": "e", "kind": "endpoint", "region": "us-east-1"}], ["service is missing"]),
        ([{"name": "h", "kind": "ssh", "host": "https://sftp.example.org"}], ["looks like a URL"]),
        ([{"name": "f", "kind": "ftps", "host": "ftp.example.org", "mode": "sometimes"}], ['mode "sometimes"']),
        (
            [
                {"name": "a", "kind": "tcp", "host": "h", "port": 1},
                {"name": "a", "kind": "tcp", "host": "h", "port": 2},
            ],
            ['destinations[1] "a": name "a" is used by destinations[0] too'],
        ),
        ({"name": "a"}, ["destinations must be a list of dicts"]),
        ([], ["destinations is empty"]),
        # The rules settled with the networking filter (one schema): unknown fields, passive ports, active FTP.
        (
            [{"name": "ncbi-ftp", "kind": "ftp", "host": "ftp.example.org", "passive_port": [50000, 50100]}],
            ['destinations[0] "ncbi-ftp": field(s) passive_port are not fields of kind ftp'],
        ),
        (
            [{"name": "ncbi-ftp", "kind": "ftp", "host": "ftp.example.org"}],
            ['destinations[0] "ncbi-ftp": passive_ports is missing'],
        ),
        (
            [{"name": "ncbi-ftp", "kind": "ftp", "host": "ftp.example.org", "passive_ports": [1, 2], "passive": False}],
            ["passive false: active FTP"],
        ),
        ("[{not json", ["is not valid JSON"]),
    ],
)
def test_bad_input_exits_2_naming_the_value(tmp_path, destinations, words):
    completed, report_path, _table_path = run_probe(tmp_path, destinations)
    assert completed.returncode == 2, completed
    for word in words:
        assert word in completed.stderr, completed.stderr
    assert completed.stderr.startswith("connectivity_probe: bad input: ")
    assert not report_path.exists()


def test_every_problem_is_reported_at_once(tmp_path):
    destinations = [
        {"name": "ok", "kind": "tcp", "host": "10.0.0.5", "port": 27000},
        {"name": "one", "kind": "tcp", "host": "10.0.0.5", "port": 0},
        {"name": "two", "kind": "nfs", "host": "10.0.0.6"},
    ]
    completed, _report_path, _table_path = run_probe(tmp_path, destinations)
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 2
    assert 'destinations[1] "one": port 0' in lines[0] and 'destinations[2] "two": kind "nfs"' in lines[1]


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--ca-bundle", "/nonexistent/ca.pem"], ["cannot load the CA bundle /nonexistent/ca.pem"]),
        (["--timeout", "0"], ["--timeout 0.0"]),
        (["--region", "Virginia"], ['--region "Virginia" is not an AWS Region']),
    ],
)
def test_bad_options_exit_2(tmp_path, extra, words):
    completed, report_path, _table_path = run_probe(
        tmp_path, [{"name": "lic", "kind": "tcp", "host": "10.0.0.5", "port": 27000}], *extra
    )
    assert completed.returncode == 2
    for word in words:
        assert word in completed.stderr
    assert not report_path.exists()


def test_region_option_places_aws_destinations_without_one(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"name": "status", "kind": "dynamodb"}]))
    argv = [sys.executable, str(PROBE_PATH), "--destinations", str(path), "--validate"]
    refused = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2 and 'destinations[0] "status": region is missing' in refused.stderr
    accepted = subprocess.run(argv + ["--region", "eu-west-1"], check=False, capture_output=True, text=True, timeout=30)
    assert accepted.returncode == 0 and accepted.stdout == "1 destination(s) valid\n", accepted.stderr


def test_missing_destinations_file_exits_2(tmp_path):
    completed, _report_path, _table_path = run_probe(tmp_path, None, write=False)
    assert completed.returncode == 2 and "cannot read the destinations file" in completed.stderr


def test_report_directory_must_exist(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"name": "lic", "kind": "tcp", "host": "10.0.0.5", "port": 27000}]))
    completed = subprocess.run(
        [sys.executable, str(PROBE_PATH), "--destinations", str(path), "--report", str(tmp_path / "no" / "r.json")],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert completed.returncode == 2 and "its directory does not exist" in completed.stderr


def test_a_bug_in_one_check_is_reported_for_that_destination_only(probe, ssl_context, loopback, monkeypatch):
    destinations = probe.validate_destinations(
        [
            {"name": "ssh", "kind": "ssh", "host": LOOP, "port": loopback.ssh.port},
            {"name": "license", "kind": "tcp", "host": LOOP, "port": loopback.license.port},
        ],
        1.0,
    )

    def broken(self, sock):
        raise KeyError("boom")

    monkeypatch.setattr(probe.Checker, "ssh_banner", broken)
    report = probe.run(destinations, 1.0, ssl_context=ssl_context)
    ssh, license_server = report["destinations"]
    assert (
        ssh["failure"]["class"] == "probe_error"
        and ssh["failure"]["stage"] == "ssh_banner"
        and "KeyError" in ssh["failure"]["cause"]
    )
    assert license_server["ok"]
