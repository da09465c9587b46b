# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One small wrapper per boto3 call.

Each retries its service's throttling and transient errors (_shared/retries.py) and raises
AnsibleGenomicsError; "get" wrappers return
None for a resource that does not exist. None touches the module. EC2 calls are used from
amazon.aws.plugins.module_utils.ec2 directly.
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule


from .._shared.errors import AnsibleGenomicsError
from .._shared.responses import strip_metadata
from .._shared.retries import retry_throttling
from .common import OmicsErrorHandler

# --- configurations ----------------------------------------------------------------------------


@OmicsErrorHandler.common_error_handler("create the HealthOmics configuration (omics:CreateConfiguration)")
@retry_throttling()
def create_configuration(client, **params):
    return strip_metadata(client.create_configuration(**params))


@OmicsErrorHandler.list_error_handler("read the HealthOmics configuration (omics:GetConfiguration)")
@retry_throttling()
def get_configuration(client, name):
    return strip_metadata(client.get_configuration(name=name))


@OmicsErrorHandler.list_error_handler("list HealthOmics configurations (omics:ListConfigurations)", default_value=[])
@retry_throttling()
def list_configurations(client):
    paginator = client.get_paginator("list_configurations")
    return paginator.paginate().build_full_result().get("items", [])


@OmicsErrorHandler.deletion_error_handler("delete the HealthOmics configuration (omics:DeleteConfiguration)")
@retry_throttling()
def delete_configuration(client, name):
    client.delete_configuration(name=name)
    return True


# --- workflows ---------------------------------------------------------------------------------


@OmicsErrorHandler.common_error_handler("create the HealthOmics workflow (omics:CreateWorkflow)")
@retry_throttling()
def create_workflow(client, **params):
    return strip_metadata(client.create_workflow(**params))


@OmicsErrorHandler.list_error_handler("read the HealthOmics workflow (omics:GetWorkflow)")
@retry_throttling()
def get_workflow(client, workflow_id):
    return strip_metadata(client.get_workflow(id=workflow_id, type="PRIVATE"))


@OmicsErrorHandler.list_error_handler("list HealthOmics workflows (omics:ListWorkflows)", default_value=[])
@retry_throttling()
def list_workflows(client, name=None):
    params = {"type": "PRIVATE"}
    if name is not None:
        params["name"] = name
    paginator = client.get_paginator("list_workflows")
    return paginator.paginate(**params).build_full_result().get("items", [])


@OmicsErrorHandler.common_error_handler("update the HealthOmics workflow (omics:UpdateWorkflow)")
@retry_throttling()
def update_workflow(client, workflow_id, **params):
    client.update_workflow(id=workflow_id, **params)


@OmicsErrorHandler.deletion_error_handler("delete the HealthOmics workflow (omics:DeleteWorkflow)")
@retry_throttling()
def delete_workflow(client, workflow_id):
    client.delete_workflow(id=workflow_id)
    return True


# --- runs --------------------------------------------------------------------------------------


@OmicsErrorHandler.common_error_handler("start the HealthOmics run (omics:StartRun)")
@retry_throttling()
def start_run(client, **params):
    return strip_metadata(client.start_run(**params))


@OmicsErrorHandler.list_error_handler("read the HealthOmics run (omics:GetRun)")
@retry_throttling()
def get_run(client, run_id):
    return strip_metadata(client.get_run(id=run_id))


@OmicsErrorHandler.list_error_handler("list HealthOmics runs (omics:ListRuns)", default_value=[])
@retry_throttling()
def list_runs(client, name=None, status=None):
    params = {}
    if name is not None:
        params["name"] = name
    if status is not None:
        params["status"] = status
    paginator = client.get_paginator("list_runs")
    return paginator.paginate(**params).build_full_result().get("items", [])


# --- tags --------------------------------------------------------------------------------------


@OmicsErrorHandler.common_error_handler("tag the HealthOmics resource (omics:TagResource)")
@retry_throttling()
def tag_resource(client, arn, tags):
    client.tag_resource(resourceArn=arn, tags=tags)


@OmicsErrorHandler.common_error_handler("untag the HealthOmics resource (omics:UntagResource)")
@retry_throttling()
def untag_resource(client, arn, keys):
    client.untag_resource(resourceArn=arn, tagKeys=list(keys))


# --- S3 (where a run writes) ---------------------------------------------------------------------


@retry_throttling()
def _get_bucket_location(client, bucket):
    return client.get_bucket_location(Bucket=bucket)


def bucket_region(client, bucket):
    """The region of a bucket; None when this caller may not ask. Raises when it does not exist."""
    try:
        location = _get_bucket_location(client, bucket).get("LocationConstraint")
    except botocore.exceptions.ClientError as e:
        code = e.response.get("Error", {}).get("Code")
        if code in ("NoSuchBucket", "404", "NotFound"):
            raise AnsibleGenomicsError(message=f"the output bucket {bucket!r} does not exist.") from e
        if code in ("AccessDenied", "403", "Forbidden", "AllAccessDisabled"):
            return None
        raise AnsibleGenomicsError(
            message=f"Failed to read the region of bucket {bucket!r} (s3:GetBucketLocation)", exception=e
        ) from e
    except botocore.exceptions.BotoCoreError as e:
        raise AnsibleGenomicsError(
            message=f"Failed to read the region of bucket {bucket!r} (s3:GetBucketLocation)", exception=e
        ) from e
    # Buckets in us-east-1 answer no constraint; the oldest eu-west-1 buckets answer "EU".
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)
