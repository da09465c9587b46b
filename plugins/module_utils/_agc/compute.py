# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The compute-environment AMI recorded for new contexts."""

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_images

from .._shared.errors import AnsibleGenomicsError
from . import api
from .common import ECS_OPTIMIZED_AMI_PARAMETER


def resolve_compute_image(ec2, ssm, ami, account_id):
    """The given AMI after checking AGC's requirements, else the latest ECS-optimised AL2 AMI."""
    if not ami:
        parameter = api.get_parameter(ssm, ECS_OPTIMIZED_AMI_PARAMETER)
        if not parameter:
            raise AnsibleGenomicsError(
                message=f"cannot read the latest ECS-optimised AMI from the public SSM parameter "
                f"{ECS_OPTIMIZED_AMI_PARAMETER} in this region; give an AMI with 'ami'."
            )
        return parameter["Value"]
    # A filter (not ImageIds) so that a missing AMI is an empty answer rather than an API error.
    images = describe_images(ec2, Filters=[{"Name": "image-id", "Values": [ami]}])
    if not images:
        raise AnsibleGenomicsError(
            message=f"ami {ami!r} does not exist in this region or is not visible to account {account_id}."
        )
    image = images[0]
    if image.get("Public"):
        raise AnsibleGenomicsError(
            message=f"ami {ami!r} is public; AGC requires a private AMI owned by account {account_id} (copy it into "
            "the "
            "account, or omit 'ami' to use the latest ECS-optimised Amazon Linux 2 AMI)."
        )
    if image.get("OwnerId") != account_id:
        raise AnsibleGenomicsError(
            message=f"ami {ami!r} is owned by account {image.get('OwnerId')}, not {account_id}; AGC requires an AMI "
            "owned by the activated account. Copy it with 'aws ec2 copy-image'."
        )
    if image.get("State") != "available":
        raise AnsibleGenomicsError(
            message=f"ami {ami!r} is {image.get('State')}, not available; wait for it or choose another."
        )
    return ami
