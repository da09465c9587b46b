"""Workflows whose sourceURL is on S3: downloaded, then packaged as a local file or directory (moto in process)."""

import io
import json
import zipfile

import boto3
import botocore
import pytest
from moto import mock_aws

from ansible_collections.genomics.aws.plugins.module_utils.migration import AnsibleGenomicsError
from ansible_collections.genomics.aws.plugins.module_utils.migration import describe_project
from ansible_collections.genomics.aws.plugins.module_utils.migration import map_project
from ansible_collections.genomics.aws.plugins.module_utils.migration import read_project

from .conftest import HELLO_WDL
from .conftest import READ_WDL
from .conftest import write_tree

SOURCES = "agc-workflow-sources"
MINIMAL = "name: P\ncontexts:\n  ctx:\n    engines:\n      - type: wdl\n        engine: cromwell\n"


@pytest.fixture
def aws(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=SOURCES)
        yield s3, boto3.client("sts", region_name="us-east-1")


def project_with(tmp_path, source_url, language="wdl"):
    return write_tree(
        tmp_path / "project",
        {
            "agc-project.yaml": MINIMAL + f"workflows:\n  w:\n    type: {{language: {language}, version: 1.0}}\n"
            f"    sourceURL: {source_url}\n"
        },
    )


def plan(aws, tmp_path, source_url, download_dir=None):
    s3, sts = aws
    result = describe_project(
        sts,
        "us-east-1",
        str(project_with(tmp_path, source_url)),
        "agc-123456789012-us-east-1",
        s3=s3,
        download_dir=str(download_dir or tmp_path / "downloads"),
    )
    (entry,) = result["workflows"]
    return entry


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def local_twin(tmp_path, files, source_url="workflows/w"):
    """The same definition as a local sourceURL: what it packages to."""
    root = write_tree(tmp_path / "twin", {f"workflows/w/{k}": v for k, v in files.items()})
    (root / "agc-project.yaml").write_text(
        MINIMAL + f"workflows:\n  w:\n    type: {{language: wdl, version: 1.0}}\n    sourceURL: {source_url}\n"
    )
    (entry,) = map_project(read_project(str(root)))
    return entry


def test_a_single_s3_object_is_the_main_file_as_a_local_file_is(aws, tmp_path):
    aws[0].put_object(Bucket=SOURCES, Key="hello/hello.wdl", Body=HELLO_WDL.encode())
    entry = plan(aws, tmp_path, f"s3://{SOURCES}/hello/hello.wdl")
    twin = local_twin(tmp_path, {"hello.wdl": HELLO_WDL}, "workflows/w/hello.wdl")
    assert entry["migratable"], entry
    assert entry["healthomics"]["files"] == ["hello.wdl"] and entry["healthomics"]["main"] is None
    assert entry["healthomics"]["definition_path"] == str(tmp_path / "downloads" / "P" / "w" / "hello.wdl")
    assert entry["healthomics"]["definition_digest"] == twin["healthomics"]["definition_digest"]
    assert f"downloaded from S3: s3://{SOURCES}/hello/hello.wdl" in entry["notes"]


DIRECTORY = {
    "MANIFEST.json": json.dumps({"mainWorkflowURL": "read.wdl", "inputFileURLs": ["read.inputs.json"]}),
    "read.wdl": READ_WDL,
    "read.inputs.json": json.dumps({"read.file": "s3://data/a.txt"}),
    "parameter-template.json": json.dumps({"file": {"description": "a file"}}),
    "lib/tasks.wdl": "version 1.0\ntask t {}\n",
}


def test_a_prefix_is_a_directory_with_the_same_main_template_and_digest_as_a_local_one(aws, tmp_path):
    for name, text in DIRECTORY.items():
        aws[0].put_object(Bucket=SOURCES, Key=f"read/{name}", Body=text.encode())
    aws[0].put_object(Bucket=SOURCES, Key="read/", Body=b"")  # a console "folder" marker: skipped
    aws[0].put_object(Bucket=SOURCES, Key="reader/other.wdl", Body=b"not under read/")
    entry = plan(aws, tmp_path, f"s3://{SOURCES}/read/")
    twin = local_twin(tmp_path, DIRECTORY)
    assert entry["migratable"], entry
    healthomics = entry["healthomics"]
    assert healthomics["files"] == [
        "MANIFEST.json",
        "lib/tasks.wdl",
        "parameter-template.json",
        "read.inputs.json",
        "read.wdl",
    ]
    assert healthomics["main"] == "read.wdl" and healthomics["parameter_template"] == {
        "file": {"description": "a file"}
    }
    assert healthomics["inputs_file"].endswith("/P/w/read.inputs.json")
    assert healthomics["definition_digest"] == twin["healthomics"]["definition_digest"]
    assert "downloaded from S3: 5 object(s) under s3://agc-workflow-sources/read/" in entry["notes"]


def test_a_zip_is_unpacked_and_its_one_top_level_directory_is_the_definition(aws, tmp_path):
    aws[0].put_object(
        Bucket=SOURCES,
        Key="zips/read.zip",
        Body=zipped({f"read/{k}": v for k, v in DIRECTORY.items()} | {"__MACOSX/read/._read.wdl": "x"}),
    )
    entry = plan(aws, tmp_path, f"s3://{SOURCES}/zips/read.zip")
    assert entry["migratable"], entry
    assert entry["healthomics"]["main"] == "read.wdl"
    assert (
        entry["healthomics"]["definition_digest"] == local_twin(tmp_path, DIRECTORY)["healthomics"]["definition_digest"]
    )
    again = plan(aws, tmp_path / "again", f"s3://{SOURCES}/zips/read.zip")
    assert again["healthomics"]["definition_digest"] == entry["healthomics"]["definition_digest"]


def test_the_same_content_downloaded_twice_packages_to_the_same_digest(aws, tmp_path):
    for name, text in DIRECTORY.items():
        aws[0].put_object(Bucket=SOURCES, Key=f"read/{name}", Body=text.encode())
    first = plan(aws, tmp_path, f"s3://{SOURCES}/read")
    # A stale file left in the download directory does not count: it is emptied before each download.
    (tmp_path / "downloads" / "P" / "w" / "stale.wdl").write_text("old")
    second = plan(aws, tmp_path, f"s3://{SOURCES}/read")
    elsewhere = plan(aws, tmp_path / "again", f"s3://{SOURCES}/read", download_dir=tmp_path / "elsewhere")
    digests = {e["healthomics"]["definition_digest"] for e in (first, second, elsewhere)}
    assert len(digests) == 1 and "stale.wdl" not in second["healthomics"]["files"]


@pytest.mark.parametrize(
    "source_url, expected",
    [
        (f"s3://{SOURCES}/missing/main.wdl", f"no object s3://{SOURCES}/missing/main.wdl and no object under"),
        (f"s3://{SOURCES}/missing/", f"no object s3://{SOURCES}/missing and no object under"),
        ("s3://no-such-agc-bucket/w.wdl", "the bucket 'no-such-agc-bucket' does not exist"),
    ],
)
def test_a_missing_object_or_prefix_is_refused_naming_the_key(aws, tmp_path, source_url, expected):
    with pytest.raises(AnsibleGenomicsError) as caught:
        plan(aws, tmp_path, source_url)
    assert "workflows.w.sourceURL" in caught.value.message and expected in caught.value.message
    assert not (tmp_path / "downloads" / "P" / "w").exists()


class Denying:
    """The S3 client, answering AccessDenied to the named operations, as S3 does without the permission."""

    def __init__(self, client, *operations):
        self._client, self._operations = client, operations

    def _deny(self, operation):
        def call(*_args, **_kwargs):
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "AccessDenied" if operation != "HeadObject" else "403", "Message": "denied"}},
                operation,
            )

        return call

    def __getattr__(self, name):
        operation = "".join(part.title() for part in name.split("_"))  # list_objects_v2: ListObjectsV2
        if operation in self._operations:
            return self._deny(operation)
        if name == "get_paginator" and "ListObjectsV2" in self._operations:
            return lambda _name: type(
                "Paginator", (), {"paginate": lambda _self, **kw: self._deny("ListObjectsV2")()}
            )()
        return getattr(self._client, name)


@pytest.mark.parametrize(
    "denied, source_url, expected",
    [
        (("GetObject",), f"s3://{SOURCES}/hello/hello.wdl", f"s3:GetObject on arn:aws:s3:::{SOURCES}/hello/hello.wdl"),
        (("HeadObject", "GetObject"), f"s3://{SOURCES}/hello/hello.wdl", f"s3:GetObject on arn:aws:s3:::{SOURCES}"),
        (("ListObjectsV2",), f"s3://{SOURCES}/hello", f"s3:ListBucket on arn:aws:s3:::{SOURCES}"),
        (("GetObject",), f"s3://{SOURCES}/hello", f"s3:GetObject on arn:aws:s3:::{SOURCES}/hello/hello.wdl"),
    ],
)
def test_access_denied_names_the_missing_permission(aws, tmp_path, denied, source_url, expected):
    s3, sts = aws
    s3.put_object(Bucket=SOURCES, Key="hello/hello.wdl", Body=HELLO_WDL.encode())
    with pytest.raises(AnsibleGenomicsError) as caught:
        plan((Denying(s3, *denied), sts), tmp_path, source_url)
    assert "workflows.w.sourceURL" in caught.value.message and expected in caught.value.message, caught.value.message


def test_without_an_s3_client_an_s3_source_is_listed_as_not_migratable(tmp_path):
    project = project_with(tmp_path, f"s3://{SOURCES}/w.zip")
    (entry,) = map_project(read_project(str(project)))
    assert not entry["migratable"] and "without reading S3" in entry["reason"]


def test_a_zip_entry_outside_the_definition_is_refused(aws, tmp_path):
    aws[0].put_object(Bucket=SOURCES, Key="evil.zip", Body=zipped({"../escape.wdl": HELLO_WDL}))
    with pytest.raises(AnsibleGenomicsError, match="outside the definition directory"):
        plan(aws, tmp_path, f"s3://{SOURCES}/evil.zip")
    assert not (tmp_path / "downloads" / "P" / "escape.wdl").exists()


def test_a_local_zip_is_unpacked_as_an_s3_one_is(aws, tmp_path):
    project = project_with(tmp_path, "workflows/read.zip")
    (project / "workflows").mkdir()
    (project / "workflows" / "read.zip").write_bytes(zipped({f"read/{k}": v for k, v in DIRECTORY.items()}))
    s3, sts = aws
    result = describe_project(
        sts, "us-east-1", str(project), "agc-123456789012-us-east-1", download_dir=str(tmp_path / "downloads")
    )
    (entry,) = result["workflows"]
    assert entry["migratable"], entry
    assert entry["healthomics"]["main"] == "read.wdl" and "read.zip" not in entry["healthomics"]["files"]
    assert entry["healthomics"]["definition_path"] == str(tmp_path / "downloads" / "P" / "w" / "read")
    assert (
        entry["healthomics"]["definition_digest"] == local_twin(tmp_path, DIRECTORY)["healthomics"]["definition_digest"]
    )
    assert "unpacked workflows/read.zip (5 file(s))" in entry["notes"]
    # Planned without a place to unpack it, a zip is listed, not packaged as one file.
    (listed,) = map_project(read_project(str(project)))
    assert not listed["migratable"] and "zip" in listed["reason"]
