"""agc_project_info's main(): a plan in check mode as in a real run, and a bad project failing with the key named."""

import boto3
import pytest
from moto import mock_aws

from ansible_collections.genomics.aws.plugins.modules import agc_project_info
from tests.unit.plugins.module_utils.migration.conftest import make_demo_project
from tests.unit.plugins.modules.in_process import run_main

BUCKET = "agc-123456789012-us-east-1"


@pytest.fixture
def aws(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield


def test_check_mode_gives_the_same_plan_and_nothing_is_changed(aws, capsys, tmp_path):
    demo_project = make_demo_project(tmp_path / "demo")
    args = {"region": "us-east-1", "project_path": str(demo_project), "bucket": BUCKET}
    checked = run_main(agc_project_info.main, capsys, dict(args, _ansible_check_mode=True))
    real = run_main(agc_project_info.main, capsys, args)
    assert not checked["changed"] and not real["changed"]
    assert checked["workflows"] == real["workflows"]
    assert [w["healthomics"]["name"] for w in real["workflows"] if w["migratable"]] == [
        "Demo-hello",
        "Demo-read",
        "Demo-words-with-vowels",
    ]
    assert real["not_migratable"][0]["agc_name"] == "assembly"
    assert real["service_role"]["policy"]["Statement"]


def test_a_bad_project_fails_naming_the_key(aws, capsys, tmp_path):
    (tmp_path / "agc-project.yaml").write_text(
        "name: P\ncontexts: {ctx: {engines: [{type: wdl, engine: snakemake}]}}\n"
    )
    result = run_main(
        agc_project_info.main, capsys, {"region": "us-east-1", "project_path": str(tmp_path), "bucket": BUCKET}
    )
    assert result["failed"] and "contexts.ctx.engines[0].engine" in result["msg"]


def test_an_s3_source_is_downloaded_under_download_dir_in_check_mode_too(aws, capsys, tmp_path):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="workflow-sources")
    s3.put_object(Bucket="workflow-sources", Key="hello/main.wdl", Body=b"version 1.0\nworkflow hello {}\n")
    (tmp_path / "agc-project.yaml").write_text(
        "name: P\nworkflows:\n  hello:\n    type: {language: wdl, version: 1.0}\n"
        "    sourceURL: s3://workflow-sources/hello\n"
        "contexts: {ctx: {engines: [{type: wdl, engine: miniwdl}]}}\n"
    )
    args = {
        "region": "us-east-1",
        "project_path": str(tmp_path),
        "bucket": BUCKET,
        "download_dir": str(tmp_path / "sources"),
    }
    checked = run_main(agc_project_info.main, capsys, dict(args, _ansible_check_mode=True))
    real = run_main(agc_project_info.main, capsys, args)
    assert checked["workflows"] == real["workflows"]
    (hello,) = real["workflows"]
    assert hello["migratable"] and hello["healthomics"]["main"] == "main.wdl"
    assert hello["healthomics"]["definition_path"] == str(tmp_path / "sources" / "P" / "hello")

    s3.delete_object(Bucket="workflow-sources", Key="hello/main.wdl")
    failed = run_main(agc_project_info.main, capsys, args)
    assert failed["failed"] and "workflows.hello.sourceURL" in failed["msg"] and "does not exist" in failed["msg"]
