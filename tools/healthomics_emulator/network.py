"""The emulator's view of the other AWS services it depends on, always a local moto server.

A configuration's subnets and security groups are looked up in EC2 (to compute ``vpcId`` and
refuse what the real service refuses), and a workflow's ``definitionUri`` is read from S3.
Endpoints must be loopback addresses, so no request can ever reach real AWS.
"""

from __future__ import annotations

import ipaddress
import threading
from dataclasses import dataclass
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError
from botocore.exceptions import ClientError

from .errors import InternalServerException
from .errors import ValidationException

# Not a service error the real API would give; a ValidationException so that clients report it at
# once instead of retrying as they would a 500.
_NO_ENDPOINT = "The omics emulator was started without an endpoint for {service} (see --ec2-endpoint)"

# moto accepts any credentials; these never leave the machine.
_TEST_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
_CLIENT_CONFIG = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30)


def require_loopback(endpoint_url: str) -> str:
    """Return the URL unchanged if it points at this machine; refuse anything else."""
    host = urlparse(endpoint_url).hostname or ""
    if host != "localhost":
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError(f"endpoint {endpoint_url!r} is not on 127.0.0.1; the emulator only talks to local servers")
    return endpoint_url


@dataclass(frozen=True)
class ResolvedVpc:
    """A configuration's network as EC2 knows it."""

    vpc_id: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    owner_account_id: str | None


# One boto3 session for every emulator in the process: it caches the loaded service models, which
# makes creating clients cheap. Sessions are not thread-safe, hence the lock around client creation.
_SESSION: boto3.session.Session | None = None
_SESSION_LOCK = threading.Lock()


def _new_client(service: str, region: str, endpoint_url: str):
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is None:
            _SESSION = boto3.session.Session(**_TEST_CREDENTIALS)
        return _SESSION.client(service, region_name=region, endpoint_url=endpoint_url, config=_CLIENT_CONFIG)


class LocalAws:
    """boto3 clients against a local moto endpoint, one per service and region."""

    def __init__(self, endpoint_url: str | None):
        self.endpoint_url = require_loopback(endpoint_url) if endpoint_url else None
        self._clients: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str):
        if self.endpoint_url is None:
            raise ValidationException(_NO_ENDPOINT.format(service=service))
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = _new_client(service, region, self.endpoint_url)
            return self._clients[key]


class Ec2Network:
    def __init__(self, endpoint_url: str | None):
        self._aws = LocalAws(endpoint_url)

    def resolve(
        self, region: str, subnet_ids: list[str], security_group_ids: list[str], vpc_owner_account_id: str | None
    ) -> ResolvedVpc:
        """Check a VPC config as HealthOmics does; raises ValidationException naming the culprit."""
        if not subnet_ids:
            raise ValidationException("runConfigurations.vpcConfig.subnetIds must name at least one subnet")
        if not security_group_ids:
            raise ValidationException(
                "runConfigurations.vpcConfig.securityGroupIds must name at least one security group"
            )
        ec2 = self._aws.client("ec2", region)
        try:
            subnets = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": subnet_ids}])["Subnets"]
            groups = ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": security_group_ids}])[
                "SecurityGroups"
            ]
        except (BotoCoreError, ClientError) as error:
            raise InternalServerException(f"could not read the network from EC2: {error}") from None

        vpc_of_subnet = {subnet["SubnetId"]: subnet["VpcId"] for subnet in subnets}
        owner_of_subnet = {subnet["SubnetId"]: subnet.get("OwnerId") for subnet in subnets}
        missing = [subnet_id for subnet_id in subnet_ids if subnet_id not in vpc_of_subnet]
        if missing:
            raise ValidationException(f"The subnet ID '{missing[0]}' does not exist in {region}")
        vpc_ids = sorted({vpc_of_subnet[subnet_id] for subnet_id in subnet_ids})
        if len(vpc_ids) > 1:
            placement = ", ".join(f"{subnet_id} in {vpc_of_subnet[subnet_id]}" for subnet_id in subnet_ids)
            raise ValidationException(f"All subnets must belong to the same VPC ({placement})")
        vpc_id = vpc_ids[0]

        vpc_of_group = {group["GroupId"]: group["VpcId"] for group in groups}
        missing = [group_id for group_id in security_group_ids if group_id not in vpc_of_group]
        if missing:
            raise ValidationException(f"The security group '{missing[0]}' does not exist in {region}")
        for group_id in security_group_ids:
            if vpc_of_group[group_id] != vpc_id:
                raise ValidationException(
                    f"Security group {group_id} belongs to {vpc_of_group[group_id]}, not to the subnets' VPC {vpc_id}"
                )

        if vpc_owner_account_id is not None:
            for subnet_id in subnet_ids:
                if owner_of_subnet[subnet_id] not in (None, vpc_owner_account_id):
                    raise ValidationException(
                        f"Subnet {subnet_id} is owned by account {owner_of_subnet[subnet_id]}, "
                        f"not by vpcOwnerAccountId {vpc_owner_account_id}"
                    )
        return ResolvedVpc(vpc_id, tuple(subnet_ids), tuple(security_group_ids), vpc_owner_account_id)


class S3Objects:
    def __init__(self, endpoint_url: str | None):
        self._aws = LocalAws(endpoint_url)

    def read(self, region: str, uri: str) -> bytes:
        """The object at ``s3://bucket/key``; raises ValueError with the reason when unreadable."""
        parsed = urlparse(uri)
        if parsed.scheme != "s3" or not parsed.netloc or not parsed.path.strip("/"):
            raise ValueError(f"{uri} is not an s3://bucket/key URI")
        try:
            s3 = self._aws.client("s3", region)
            return s3.get_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"))["Body"].read()
        except ValidationException as error:
            raise ValueError(error.message) from None
        except (BotoCoreError, ClientError) as error:
            raise ValueError(f"could not read {uri}: {error}") from None
