# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""agc_project_info: an AGC project read, checked and planned for HealthOmics, with the service role it needs.

Read-only: sts:GetCallerIdentity (the account and partition of the policy's ARNs), and s3:GetObject and s3:ListBucket
for the workflows whose sourceURL is on S3 (downloaded to the controller, see s3_source).
"""

from .._shared.arns import partition_of
from .._shared.errors import AnsibleGenomicsError
from .._shared.validation import bucket_name_problem
from . import api
from .agc_project import read_project
from .permissions import permission_summary
from .permissions import service_role_policy
from .permissions import trust_policy
from .plan import map_project
from .plan import output_prefix
from .s3_source import S3Source

DEFAULT_DOWNLOAD_DIR = "~/.genomics-aws/agc-sources"


def normalize_bucket(bucket):
    """The AGC bucket's name; s3://name and s3://name/ mean name, as in agc_account."""
    name = (bucket or "").strip()
    if name.lower().startswith("s3://"):
        name = name[5:]
    name = name.rstrip("/")
    problem = bucket_name_problem(name) if name else "it is empty"
    if problem or "/" in name:
        raise AnsibleGenomicsError(message=f"bucket {bucket!r} is not an S3 bucket name: {problem or 'it has a /'}.")
    return name


def project_destinations(project, bucket):
    """What the runs reach in S3, as omics_vpc_networking destinations: the AGC bucket and each data bucket."""
    destinations = [
        {"name": "agc-bucket", "kind": "s3", "bucket": bucket, "description": "the AGC bucket (run outputs)"}
    ]
    for data_bucket in sorted({d.bucket for d in project.data} - {bucket}):
        destinations.append(
            {"name": f"data-{data_bucket}", "kind": "s3", "bucket": data_bucket, "description": "a data location"}
        )
    return destinations


def describe_project(sts, region, project_path, bucket, tags=None, s3=None, download_dir=DEFAULT_DOWNLOAD_DIR):
    """The whole plan: project, workflows (each mapped or refused), the service role's policies, the output URI.

    `s3` (a client, or a function making one) reads the S3 sourceURLs, downloaded under `download_dir`."""
    bucket = normalize_bucket(bucket)
    project = read_project(project_path)
    identity = api.get_caller_identity(sts)
    account_id, partition = identity["Account"], partition_of(identity.get("Arn"))
    fetch_s3 = None
    if s3 is not None and any(w.source_url.lower().startswith("s3://") for w in project.workflows):
        client = s3() if callable(s3) else s3
        fetch_s3 = S3Source(client, download_dir, project.name, partition).fetch
    unpack_zip = S3Source(None, download_dir, project.name, partition).unpack_zip_file
    workflows = map_project(project, tags, fetch_s3, unpack_zip)
    return {
        "project": {
            "name": project.name,
            "schema_version": project.schema_version,
            "directory": project.directory,
            "data": [d.as_dict() for d in project.data],
            "contexts": [c.as_dict() for c in project.contexts],
        },
        "workflows": workflows,
        "not_migratable": [
            {"agc_name": w["agc_name"], "reason": w["reason"]} for w in workflows if not w["migratable"]
        ],
        "output_uri": f"s3://{bucket}/{output_prefix(project.name)}",
        "service_role": {
            "policy": service_role_policy(project.name, project.data, bucket, partition, region, account_id),
            "trust_policy": trust_policy(account_id),
            "permissions": permission_summary(project.name, project.data, bucket),
        },
        "destinations": project_destinations(project, bucket),
        "account_id": account_id,
        "partition": partition,
    }
