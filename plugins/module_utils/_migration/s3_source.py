# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A workflow's S3 sourceURL, downloaded to the controller so that it is packaged exactly as a local one.

``s3://bucket/key`` is one object when that object exists: a main file (kept under its own name), or a ``.zip``
(unpacked; when everything in it sits under one top-level directory, that directory is the definition). Otherwise it
is a prefix: every object under ``key/`` is downloaded, with its path relative to the prefix (keys ending with ``/``,
folder markers, are skipped). ``s3://bucket`` alone is the whole bucket.

The download goes to ``<download_dir>/<project>/<workflow>/``, emptied first, so the same objects always give the
same files and the same definition digest. Only reads: s3:GetObject (HeadObject included) and s3:ListBucket. Every
error names the key path (``workflows.<name>.sourceURL``) and, on access denied, the missing permission.
"""

import io
import os
import posixpath
import shutil
import tempfile
import zipfile

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from .._shared.errors import AnsibleGenomicsError
from .._shared.retries import retry_throttling
from .agc_project import split_s3_url

# A workflow definition is small (HealthOmics takes 4 MiB zipped inline): a prefix that holds more is a mistake.
MAX_OBJECTS = 1000
MAX_BYTES = 64 * 1024 * 1024
# Never unpacked from a zip: macOS resource forks.
_ZIP_DEBRIS = ("__MACOSX/",)
_DENIED = ("AccessDenied", "403", "AllAccessDisabled")
_MISSING = ("NoSuchKey", "404", "NotFound")


@retry_throttling()
def head_object(client, bucket, key):
    return client.head_object(Bucket=bucket, Key=key)


@retry_throttling()
def get_object_bytes(client, bucket, key):
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


@retry_throttling()
def list_objects(client, bucket, prefix):
    paginator = client.get_paginator("list_objects_v2")
    return paginator.paginate(Bucket=bucket, Prefix=prefix).build_full_result().get("Contents", [])


def _code(error):
    return str(error.response.get("Error", {}).get("Code", ""))


class S3Source:
    """Downloads the S3 sourceURLs of one project, and unpacks its zips. `s3` is a boto3 S3 client (None when only
    local zips are unpacked); `partition` names the ARNs."""

    def __init__(self, s3, download_dir, project_name, partition="aws"):
        self.s3, self.partition = s3, partition
        self.root = os.path.join(os.path.expanduser(download_dir), project_name)

    def fetch(self, spec):
        """(local path of the definition - a file or a directory -, what was downloaded as a note)."""
        where = f"workflows.{spec.name}.sourceURL"
        bucket, prefix = split_s3_url(spec.source_url, where)
        target = os.path.join(self.root, spec.name)
        single = self._single_object(bucket, prefix, spec.source_url, where)
        staging = tempfile.mkdtemp(prefix=f".{spec.name}-", dir=self._ensure_root(where))
        try:
            if single == "object":
                content = self._get(bucket, prefix, spec.source_url, where)
                name = posixpath.basename(prefix)
                if name.lower().endswith(".zip"):
                    count = self._unzip(content, staging, spec.source_url, where)
                    what = f"{spec.source_url} (a zip of {count} file(s))"
                else:
                    self._write(staging, name, content, where)
                    what = spec.source_url
            else:
                count = self._download_prefix(bucket, prefix, staging, spec.source_url, where, single == "denied")
                what = f"{count} object(s) under {spec.source_url.rstrip('*').rstrip('/')}/"
            shutil.rmtree(target, ignore_errors=True)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return self._definition_path(target, one_object=single == "object"), f"downloaded from S3: {what}"

    def unpack_zip_file(self, spec, path):
        """(local path of the definition, note) of a local .zip sourceURL: unpacked as an S3 zip is, under the same
        download directory, so that the package holds the definition's files and not the zip itself."""
        where = f"workflows.{spec.name}.sourceURL"
        try:
            with open(path, "rb") as handle:
                content = handle.read()
        except OSError as e:
            raise AnsibleGenomicsError(message=f"agc-project.yaml: {where}: cannot read {path!r}: {e}.") from None
        target = os.path.join(self.root, spec.name)
        staging = tempfile.mkdtemp(prefix=f".{spec.name}-", dir=self._ensure_root(where))
        try:
            count = self._unzip(content, staging, spec.source_url, where)
            shutil.rmtree(target, ignore_errors=True)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return self._definition_path(target, one_object=True), f"unpacked {spec.source_url} ({count} file(s))"

    @staticmethod
    def _definition_path(target, one_object):
        """A prefix is a directory. One object is the main file itself, as a local file is; a zip is the directory it
        unpacks to, or the one top-level directory (or file) everything in it sits in."""
        entries = os.listdir(target)
        if one_object and len(entries) == 1:
            return os.path.join(target, entries[0])
        return target

    def _ensure_root(self, where):
        try:
            os.makedirs(self.root, exist_ok=True)
        except OSError as e:
            raise AnsibleGenomicsError(
                message=f"agc-project.yaml: {where}: cannot create the download directory {self.root!r}: {e}."
            ) from None
        return self.root

    def _arn(self, bucket, key=None):
        return f"arn:{self.partition}:s3:::{bucket}" + (f"/{key}" if key is not None else "")

    def _single_object(self, bucket, key, url, where):
        """ "object" when `key` names one object, "denied" when S3 would not say, None when it does not."""
        if not key or key.endswith("/"):
            return None
        try:
            head_object(self.s3, bucket, key)
            return "object"
        except botocore.exceptions.ClientError as e:
            code = _code(e)
            if code in _MISSING:
                return None
            if code in _DENIED:
                # Without s3:ListBucket, S3 answers 403 for a missing key too: the listing tells which it is.
                return "denied"
            if code == "NoSuchBucket":
                raise self._no_bucket(bucket, url, where) from None
            raise AnsibleGenomicsError(message=f"agc-project.yaml: {where}: cannot read {url}: {e}.") from None

    def _no_bucket(self, bucket, url, where):
        return AnsibleGenomicsError(message=f"agc-project.yaml: {where} {url!r}: the bucket {bucket!r} does not exist.")

    def _get(self, bucket, key, url, where):
        try:
            return get_object_bytes(self.s3, bucket, key)
        except botocore.exceptions.ClientError as e:
            code = _code(e)
            if code in _DENIED:
                raise AnsibleGenomicsError(
                    message=f"agc-project.yaml: {where} {url!r}: access denied reading s3://{bucket}/{key}; the "
                    f"caller needs s3:GetObject on {self._arn(bucket, key)}."
                ) from None
            if code in _MISSING:
                raise AnsibleGenomicsError(
                    message=f"agc-project.yaml: {where} {url!r}: the object s3://{bucket}/{key} does not exist."
                ) from None
            if code == "NoSuchBucket":
                raise self._no_bucket(bucket, url, where) from None
            raise AnsibleGenomicsError(
                message=f"agc-project.yaml: {where}: cannot read s3://{bucket}/{key}: {e}."
            ) from None

    def _download_prefix(self, bucket, prefix, staging, url, where, head_denied=False):
        listed_prefix = f"{prefix}/" if prefix else ""
        try:
            objects = list_objects(self.s3, bucket, listed_prefix)
        except botocore.exceptions.ClientError as e:
            code = _code(e)
            if code == "NoSuchBucket":
                raise self._no_bucket(bucket, url, where) from None
            if code in _DENIED:
                single = f" (or s3:GetObject on {self._arn(bucket, prefix)} if it is one object)" if prefix else ""
                raise AnsibleGenomicsError(
                    message=f"agc-project.yaml: {where} {url!r}: access denied listing s3://{bucket}/{listed_prefix}; "
                    f"the caller needs s3:ListBucket on {self._arn(bucket)}{single}."
                ) from None
            raise AnsibleGenomicsError(message=f"agc-project.yaml: {where}: cannot list {url}: {e}.") from None
        objects = [o for o in objects if not o["Key"].endswith("/")]
        if not objects and head_denied:
            raise AnsibleGenomicsError(
                message=f"agc-project.yaml: {where} {url!r}: access denied reading s3://{bucket}/{prefix}; the caller "
                f"needs s3:GetObject on {self._arn(bucket, prefix)}."
            )
        if not objects:
            shown = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"
            raise AnsibleGenomicsError(
                message=f"agc-project.yaml: {where} {url!r} does not exist: no object {shown} and no object under "
                f"{shown.rstrip('/')}/."
            )
        if len(objects) > MAX_OBJECTS or sum(o.get("Size", 0) for o in objects) > MAX_BYTES:
            raise AnsibleGenomicsError(
                message=f"agc-project.yaml: {where} {url!r} holds {len(objects)} objects "
                f"({sum(o.get('Size', 0) for o in objects)} bytes); a workflow definition is at most {MAX_OBJECTS} "
                f"objects and {MAX_BYTES} bytes: point sourceURL at the workflow's own prefix."
            )
        for item in objects:
            relative = item["Key"][len(listed_prefix) :]
            self._write(staging, relative, self._get(bucket, item["Key"], url, where), where)
        return len(objects)

    def _unzip(self, content, staging, url, where):
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
            members = [m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith(_ZIP_DEBRIS)]
            for member in members:
                self._write(staging, member.filename, archive.read(member), where)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as e:
            raise AnsibleGenomicsError(
                message=f"agc-project.yaml: {where} {url!r} is not a readable zip: {e}."
            ) from None
        if not members:
            raise AnsibleGenomicsError(message=f"agc-project.yaml: {where} {url!r} is an empty zip.")
        return len(members)

    @staticmethod
    def _write(staging, relative, content, where=None):
        normalized = posixpath.normpath(relative.replace("\\", "/"))
        if normalized.startswith(("/", "../")) or normalized in ("..", "."):
            raise AnsibleGenomicsError(
                message=f"agc-project.yaml: {where}: {relative!r} would be written outside the definition directory."
            )
        path = os.path.join(staging, *normalized.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(content)
