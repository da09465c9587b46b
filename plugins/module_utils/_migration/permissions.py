# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HealthOmics service role of a migrated project: the data access its AGC contexts had, and nothing broader.

- every `data` location: read its objects and list its prefix;
- a location with `readOnly: false`: write its objects too;
- s3://<AGC bucket>/healthomics/<project>/: read, write and list, the runs' output;
- the HealthOmics workflow log group, and pulling images from this account's ECR repositories in the Region.

Object statements name the location's prefix (``bucket/prefix/*``); listing is on the bucket, conditioned on the
prefix. No statement grants s3:* or a bucket's objects beyond its declared prefix.
"""

from .._shared.policy_documents import POLICY_VERSION
from .plan import output_prefix

READ_ACTIONS = ["s3:GetObject"]
WRITE_ACTIONS = ["s3:PutObject", "s3:AbortMultipartUpload"]
LIST_ACTION = "s3:ListBucket"
LOG_GROUP = "/aws/omics/WorkflowLog"
IMAGE_PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]


def _objects(partition, bucket, prefix):
    return f"arn:{partition}:s3:::{bucket}/{prefix.strip('/') + '/*' if prefix.strip('/') else '*'}"


def _listing(partition, bucket, prefix, sid):
    statement = {"Sid": sid, "Effect": "Allow", "Action": LIST_ACTION, "Resource": f"arn:{partition}:s3:::{bucket}"}
    prefix = prefix.strip("/")
    if prefix:
        statement["Condition"] = {"StringLike": {"s3:prefix": [prefix, prefix + "/*"]}}
    return statement


def _merged(locations):
    """One entry per (bucket, prefix): a location listed twice is writable if any entry says readOnly: false."""
    merged = {}
    for location in locations:
        key = (location.bucket, location.prefix)
        merged[key] = merged.get(key, True) and location.read_only
    return merged


def service_role_policy(project_name, data, bucket, partition, region, account_id):
    """The policy document of the run service role."""
    statements = []
    for index, ((data_bucket, prefix), read_only) in enumerate(sorted(_merged(data).items())):
        actions = READ_ACTIONS + ([] if read_only else WRITE_ACTIONS)
        statements.append(
            {
                "Sid": f"{'ReadWrite' if not read_only else 'Read'}Data{index}",
                "Effect": "Allow",
                "Action": actions,
                "Resource": _objects(partition, data_bucket, prefix),
            }
        )
        statements.append(_listing(partition, data_bucket, prefix, f"ListData{index}"))
    output = output_prefix(project_name)
    statements.append(
        {
            "Sid": "WriteOutput",
            "Effect": "Allow",
            "Action": READ_ACTIONS + WRITE_ACTIONS,
            "Resource": _objects(partition, bucket, output),
        }
    )
    statements.append(_listing(partition, bucket, output, "ListOutput"))
    statements.append(
        {
            "Sid": "WorkflowLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": f"arn:{partition}:logs:{region}:{account_id}:log-group:{LOG_GROUP}:*",
        }
    )
    statements.append(
        {
            "Sid": "ImagePull",
            "Effect": "Allow",
            "Action": IMAGE_PULL_ACTIONS,
            "Resource": f"arn:{partition}:ecr:{region}:{account_id}:repository/*",
        }
    )
    return {"Version": POLICY_VERSION, "Statement": statements}


def trust_policy(account_id):
    """HealthOmics, for this account's runs only (the confused-deputy guard)."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "omics.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }


def permission_summary(project_name, data, bucket):
    """What the role may do, one line per location, for the report."""
    lines = [
        f"{'read and write' if not read_only else 'read'} s3://{b}/{p + '/' if p else ''}"
        for (b, p), read_only in sorted(_merged(data).items())
    ]
    lines.append(f"read and write s3://{bucket}/{output_prefix(project_name)} (run outputs)")
    return lines
