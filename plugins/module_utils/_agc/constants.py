# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The core's shape, importable without boto3: the activation report filter runs on the controller, where importing
boto3 (through amazon.aws's botocore helpers) cost every activation playbook about half a second."""

REQUIRED_AZ_COUNT = 3

# What `agc account activate` creates in its VPC, and recommends in a customer's.
DEFAULT_ENDPOINT_SERVICES = (
    "s3",
    "dynamodb",
    "ecr.api",
    "ecr.dkr",
    "ecs",
    "ecs-agent",
    "ecs-telemetry",
    "logs",
    "ec2",
)
GATEWAY_ENDPOINT_SERVICES = frozenset(["s3", "dynamodb"])
