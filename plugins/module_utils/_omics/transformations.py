# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""boto3 omics answers as Ansible results: snake_case keys, API field names kept.

Omics returns tags as a plain dict under ``tags`` (not an EC2 tag list), and user-defined maps
(run ``parameters``, a workflow's ``parameterTemplate``, ``metadata``...) whose keys are data: none
of those are converted.
"""

from ansible_collections.amazon.aws.plugins.module_utils.transformation import boto3_resource_to_ansible_dict

from .common import DIGEST_TAG
from .common import REQUEST_ID_TAG

# Maps whose keys belong to the user or the workflow, not to the API.
_DATA_MAPS = [
    "tags",
    "parameters",
    "parameterTemplate",
    "metadata",
    "resourceDigests",
    "engineSettings",
    "profileParameterTemplates",
]


def _to_ansible(resource):
    if not resource:
        return {}
    resource = {k: v for k, v in resource.items() if k != "ResponseMetadata"}
    result = boto3_resource_to_ansible_dict(resource, transform_tags=False, force_tags=False, ignore_list=_DATA_MAPS)
    result["tags"] = dict(resource.get("tags") or {})
    return result


def normalize_configuration(raw):
    """GetConfiguration as a result: name, arn, uuid, status, description, run_configurations, tags."""
    return _to_ansible(raw)


def normalize_workflow(raw):
    """GetWorkflow as a result, plus definition_digest (the digest this collection recorded)."""
    result = _to_ansible(raw)
    if result:
        result["definition_digest"] = result["tags"].get(DIGEST_TAG)
    return result


def normalize_run(raw):
    """GetRun as a result, plus request_id (the StartRun token this collection recorded)."""
    result = _to_ansible(raw)
    if result:
        result["request_id"] = result["tags"].get(REQUEST_ID_TAG)
    return result


def vpc_config_of(configuration):
    """(subnets, security groups, vpc id, owner) of a boto3 configuration answer."""
    vpc = ((configuration or {}).get("runConfigurations") or {}).get("vpcConfig") or {}
    return (
        list(vpc.get("subnetIds") or []),
        list(vpc.get("securityGroupIds") or []),
        vpc.get("vpcId"),
        vpc.get("vpcOwnerAccountId"),
    )
