# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Activation and deactivation of the AGC core: plan, then apply.

Every run first converges in plan mode (reads only, every change recorded, nothing written). A
plan with no change ends there, so an idempotent re-run is read-only and takes no lock. Otherwise,
under the region's lock, the same converge runs again for real against fresh discovery: what
another run did meanwhile is seen, and an interrupted run is resumed rather than repeated.
"""

import re
from dataclasses import dataclass
from dataclasses import field

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_addresses

from . import api
from . import contexts as agc_contexts
from . import network as agc_network
from . import storage
from .common import DEFAULT_ENDPOINT_SERVICES
from .common import DEFAULT_VPC_CIDR
from .common import PRIVATE
from .common import PUBLIC
from .common import REQUIRED_AZ_COUNT
from .common import RESERVED_TAG_KEYS
from .common import AnsibleAGCError
from .common import ChangeLog
from .common import Deadline
from .compute import resolve_compute_image
from .endpoints import short_service_name
from .state import CREATING_BUCKET_PARAMETER
from .state import ActivationRecord
from .state import CoreLock
from .state import StateStore

_VPC_ID = re.compile(r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?$")
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?$")
_AMI_ID = re.compile(r"^ami-[0-9a-f]{8}([0-9a-f]{9})?$")


@dataclass
class ActivationRequest:
    """The module's options, normalised and checked before any AWS call."""

    state: str = "present"
    bucket: str = None
    vpc_id: str = None
    subnets: list = field(default_factory=list)
    ami: str = None
    use_public_subnets: bool = False
    tags: dict = field(default_factory=dict)
    force: bool = False
    wait: bool = True
    wait_timeout: int = 1200
    vpc_cidr: str = DEFAULT_VPC_CIDR

    @classmethod
    def from_params(cls, params):
        request = cls(
            state=params.get("state") or "present",
            bucket=params.get("bucket"),
            vpc_id=params.get("vpc_id"),
            subnets=flatten_subnets(params.get("subnets") or []),
            ami=params.get("ami"),
            use_public_subnets=bool(params.get("use_public_subnets")),
            tags={str(k): str(v) for k, v in (params.get("tags") or {}).items()},
            force=bool(params.get("force")),
            wait=params.get("wait", True) is not False,
            wait_timeout=int(params.get("wait_timeout") or 1200),
            vpc_cidr=params.get("vpc_cidr") or DEFAULT_VPC_CIDR,
        )
        request.validate()
        return request

    def validate(self):
        if self.use_public_subnets and self.vpc_id:
            raise AnsibleAGCError(
                message=f"use_public_subnets cannot be combined with vpc_id ({self.vpc_id}): public-only mode builds its own "
                "VPC. Drop one of them."
            )
        if self.subnets and not self.vpc_id:
            raise AnsibleAGCError(
                message=f"subnets ({', '.join(self.subnets)}) need their VPC: give vpc_id as well (subnets select among a "
                "customer VPC's subnets)."
            )
        if self.vpc_id and not _VPC_ID.match(self.vpc_id):
            raise AnsibleAGCError(message=f"vpc_id {self.vpc_id!r} is not a VPC id (vpc- followed by 8 or 17 hex digits).")
        bad = [s for s in self.subnets if not _SUBNET_ID.match(s)]
        if bad:
            raise AnsibleAGCError(message=f"subnets {', '.join(map(repr, bad))} are not subnet ids (subnet- followed by 8 or 17 hex digits).")
        if self.ami and not _AMI_ID.match(self.ami):
            raise AnsibleAGCError(message=f"ami {self.ami!r} is not an AMI id (ami- followed by 8 or 17 hex digits).")
        if self.bucket is not None:
            self.bucket = storage.normalize_bucket_name(self.bucket)
        self.vpc_cidr = agc_network.validate_vpc_cidr(self.vpc_cidr)
        if self.wait_timeout <= 0:
            raise AnsibleAGCError(message=f"wait_timeout {self.wait_timeout} must be a positive number of seconds.")
        for key, value in self.tags.items():
            if key in RESERVED_TAG_KEYS or key.startswith(("aws:", "agc:")):
                raise AnsibleAGCError(message=f"tag key {key!r} is reserved (set by the collection or AWS); choose another key.")
            if not 1 <= len(key) <= 128 or len(value) > 256:
                raise AnsibleAGCError(message=f"tag {key!r} is too long: keys take 1-128 characters, values up to 256.")


def flatten_subnets(values):
    """['a,b', 'c'] -> ['a', 'b', 'c'], as the CLI's repeated `--subnets a,b --subnets c`."""
    flat = []
    for value in values:
        for item in str(value).split(","):
            item = item.strip()
            if item and item not in flat:
                flat.append(item)
    return flat


class Clients:
    """boto3 clients made on first use, so a run only opens connections it needs."""

    def __init__(self, factory):
        self._factory = factory
        self._clients = {}

    def __getattr__(self, service):
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._clients:
            self._clients[service] = self._factory("cloudformation" if service == "cfn" else service)
        return self._clients[service]


@dataclass
class Outcome:
    changes: ChangeLog
    before: dict
    after: dict
    core: dict
    warnings: list = field(default_factory=list)
    retained: dict = field(default_factory=dict)

    @property
    def changed(self):
        return bool(self.changes)


def _plan_then_apply(converge, clients, request, check_mode):
    plan = converge(ChangeLog(check_mode=True))
    if check_mode or not plan.changed:
        return plan
    lock = CoreLock(clients.ssm)
    waited = lock.acquire(Deadline(request.wait_timeout))
    try:
        outcome = converge(ChangeLog(check_mode=False))
    finally:
        lock.release()
    if waited:
        outcome.warnings.insert(0, f"{waited}; then found: {'; '.join(outcome.changes.entries) or 'nothing left to change'}.")
    return outcome


def activate(clients, region, request, check_mode=False):
    account_id = api.get_caller_identity(clients.sts)["Account"]
    return _plan_then_apply(lambda changes: _Activation(clients, region, account_id, request, changes).run(), clients, request, check_mode)


def deactivate(clients, region, request, check_mode=False):
    account_id = api.get_caller_identity(clients.sts)["Account"]
    return _plan_then_apply(lambda changes: _Deactivation(clients, region, account_id, request, changes).run(), clients, request, check_mode)


class _CoreRun:
    """One converge pass (plan or apply) over a region's core."""

    def __init__(self, clients, region, account_id, request, changes):
        self.clients = clients
        self.ec2 = clients.ec2
        self.region = region
        self.account_id = account_id
        self.request = request
        self.changes = changes
        self.check_mode = changes.check_mode
        self.deadline = Deadline(request.wait_timeout)
        self.warnings = []


class _Activation(_CoreRun):

    def run(self):
        request = self.request
        store = StateStore(self.clients.ssm)
        record = store.load()
        managed_vpcs = agc_network.find_managed_vpcs(self.ec2)

        if record and record.public_subnets_only != request.use_public_subnets:
            now, asked = ("public-only", "private") if record.public_subnets_only else ("private", "public-only")
            raise AnsibleAGCError(
                message=f"the region is activated with {now} subnets and use_public_subnets asks for {asked}: changing "
                "between public-only and private subnets requires deactivation (state: absent) and then activation."
            )
        if not record and not managed_vpcs:
            self._refuse_cli_core()

        # Which VPC: the transitions table of SPEC section 2.
        active_managed = self._active_managed_vpc(record, managed_vpcs)
        customer = None
        if request.vpc_id and not (active_managed and request.vpc_id == active_managed["VpcId"]):
            customer = agc_network.CustomerVpc(self.ec2, request.vpc_id)
        elif not request.vpc_id and record and not record.vpc_managed:
            customer = agc_network.CustomerVpc(self.ec2, record.vpc_id)  # "the last VPC used will be remembered"
        leftovers = [v for v in managed_vpcs if customer or not active_managed or v["VpcId"] != active_managed["VpcId"]]
        if record and record.vpc_managed and any(v["VpcId"] == record.vpc_id for v in leftovers):
            self._refuse_while_contexts(f"switching from the managed VPC {record.vpc_id} to {request.vpc_id} destroys it")

        if customer:
            infra_subnets, warnings = customer.validate(self.ec2, request.subnets, DEFAULT_ENDPOINT_SERVICES, self.region)
            self.warnings += warnings
            network = None
        else:
            network = agc_network.ManagedNetwork.discover(self.ec2, active_managed) if active_managed else None
            azs = self._zones(network)
            self._preflight_elastic_ips(network, azs)

        compute_image = resolve_compute_image(self.ec2, self.clients.ssm, request.ami, self.account_id)
        bucket_name, bucket_managed = self._ensure_bucket(store, record)

        if not customer:
            builder = agc_network.NetworkBuilder(
                self.ec2, self.region, request.tags, self.changes, self.deadline, request.wait,
                previous_user_tags=record.custom_tags if record else {},
            )
            network = builder.ensure(network, request.vpc_cidr, azs, request.use_public_subnets)
            self.warnings += builder.deferred
            kind = PUBLIC if request.use_public_subnets else PRIVATE
            infra_subnets = [s.get("SubnetId") or f"(new {kind} subnet in {s['AvailabilityZone']})" for s in network.subnets_of(kind)]

        new_record = ActivationRecord(
            bucket=bucket_name,
            vpc_id=customer.vpc_id if customer else (network.vpc_id or "(new VPC)"),
            infra_subnets=infra_subnets,
            compute_image=compute_image,
            custom_tags=request.tags,
            artifacts_root_url=f"s3://{bucket_name}/_agc/installed-artifacts",
            vpc_managed=customer is None,
            bucket_managed=bucket_managed,
            public_subnets_only=request.use_public_subnets,
            vpc_cidr=None if customer else network.cidr,
        )
        self._record(store, record, new_record)
        for vpc in leftovers:
            leftover = agc_network.ManagedNetwork.discover(self.ec2, vpc)
            agc_network.destroy(self.ec2, leftover, self.changes, self.deadline)

        return Outcome(
            changes=self.changes,
            before=record.as_dict() if record else {},
            after=new_record.as_dict(),
            core=describe_core(self.account_id, self.region, new_record, network, customer),
            warnings=self.warnings,
        )

    # -- decisions ---------------------------------------------------------------------------------

    def _active_managed_vpc(self, record, managed_vpcs):
        """The managed VPC to keep or resume: the recorded one, else (an interrupted first activation)
        an unrecorded one built in the requested mode. Other managed VPCs are leftovers."""
        if record:
            if not record.vpc_managed:
                return None
            return next((v for v in managed_vpcs if v["VpcId"] == record.vpc_id), None)
        mode = agc_network.network_mode(self.request.use_public_subnets)
        return next((v for v in managed_vpcs if agc_network.vpc_mode(v) == mode), None)

    def _refuse_cli_core(self):
        stack = agc_contexts.cli_core_stack(self.clients.cfn)
        if stack:
            raise AnsibleAGCError(
                message=f"this region is already activated by the AGC CLI (CloudFormation stack {stack['StackName']}, "
                f"{stack['StackStatus']}); building a second core beside it is refused. Run 'agc account deactivate' "
                "first, or keep using the CLI for this region."
            )

    def _refuse_while_contexts(self, what):
        deployed = agc_contexts.deployed_contexts(self.clients.cfn)
        if deployed:
            raise AnsibleAGCError(
                message=f"{what}, but AGC contexts are deployed in it: {', '.join(deployed)}. Destroy them first "
                "('agc context destroy'), then run again."
            )

    def _zones(self, network):
        existing = network.azs() if network else []
        if len(existing) >= REQUIRED_AZ_COUNT:
            return existing[:REQUIRED_AZ_COUNT]
        zones = agc_network.available_zones(self.ec2)
        chosen = existing + [z for z in zones if z not in existing]
        if len(chosen) < REQUIRED_AZ_COUNT:
            raise AnsibleAGCError(
                message=f"region {self.region} has {len(zones)} available AZ(s) ({', '.join(zones) or 'none'}); AGC's core "
                f"needs {REQUIRED_AZ_COUNT}. Activate another region."
            )
        return sorted(chosen[:REQUIRED_AZ_COUNT])

    def _preflight_elastic_ips(self, network, azs):
        """Fail before creating anything when the NAT gateways' Elastic IPs would exceed the quota
        (AGC issue #345: the default quota is 5 per region)."""
        if self.request.use_public_subnets:
            return
        lacking = [az for az in azs if not (network and network.nat_gateway(az))]
        needed = len([az for az in lacking if not (network and network.free_address(az))])
        if not needed:
            return
        quota = api.describe_elastic_ip_quota(self.ec2)
        in_use = len(describe_addresses(self.ec2))
        if quota is not None and in_use + needed > quota:
            raise AnsibleAGCError(
                message=f"activation needs {needed} more Elastic IP(s) for its NAT gateways, but {in_use} of the region's "
                f"quota of {quota} are allocated. Release unused Elastic IPs, request a quota increase (Service Quotas: "
                "'EC2-VPC Elastic IPs'), or use use_public_subnets: true (no NAT gateways). Nothing was created."
            )

    def _ensure_bucket(self, store, record):
        name = self.request.bucket or storage.default_bucket_name(self.account_id, self.region)
        adopting = not record or record.bucket != name
        bucket = storage.inspect_bucket(self.clients.s3, name, adopting)
        default = name == storage.default_bucket_name(self.account_id, self.region)
        resuming = store.bucket_being_created == name
        if bucket.status == "missing" or resuming:
            if not (default or resuming or (record and record.bucket == name and record.bucket_managed)):
                raise AnsibleAGCError(
                    message=f"bucket {name!r} does not exist. Create it first, or omit 'bucket' to have activation create "
                    f"and harden {storage.default_bucket_name(self.account_id, self.region)}."
                )
            verb = "finish creating" if resuming else "create"
            self.changes.add(f"{verb} S3 bucket {name} (encrypted, TLS-only policy, public access blocked, owner-enforced)")
            if not self.check_mode:
                store.journal_bucket_creation(name)
                storage.create_managed_bucket(self.clients.s3, name, self.region, self.request.tags, exists=bucket.status == "owned")
            return name, True
        if adopting:
            self.changes.add(f"use existing S3 bucket {name} as it is, after proving write access")
            if not self.check_mode:
                storage.prove_write_access(self.clients.s3, name)
            return name, bucket.created_by_collection
        return name, record.bucket_managed

    def _record(self, store, record, new_record):
        changed = store.changed_parameters(new_record)
        # The bucket-creation journal is internal: its removal is part of "finish creating" the bucket.
        shown = [name for name in changed if name != CREATING_BUCKET_PARAMETER]
        if shown:
            self.changes.add(f"record activation in SSM {', '.join(shown)}")
        if changed:
            if not self.check_mode:
                store.save(new_record, self.request.tags)
        previous_tags = record.custom_tags if record else {}
        if record and previous_tags != self.request.tags:
            self.changes.add("update tags on the SSM parameters")
            if not self.check_mode:
                store.retag(previous_tags, self.request.tags)


class _Deactivation(_CoreRun):
    def run(self):
        store = StateStore(self.clients.ssm)
        record = store.load()
        managed_vpcs = agc_network.find_managed_vpcs(self.ec2)
        before = record.as_dict() if record else {}
        retained = {}
        if record:
            retained["bucket"] = {"name": record.bucket, "managed": record.bucket_managed}
            if not record.vpc_managed:
                retained["vpc_id"] = record.vpc_id
            retained["log_groups"] = "CloudWatch log groups are retained"
        if not store.exists and not managed_vpcs:
            return Outcome(changes=self.changes, before=before, after={}, core={}, retained=retained)

        deployed = agc_contexts.deployed_contexts(self.clients.cfn)
        if deployed:
            if not self.request.force:
                raise AnsibleAGCError(
                    message=f"AGC contexts are deployed in this region: {', '.join(deployed)}. Destroy them first, or "
                    "deactivate with force: true to delete them too (this interrupts their running workflows)."
                )
            self.changes.add(f"delete context stacks {', '.join(deployed)} (force)")
            if not self.changes.check_mode:
                agc_contexts.delete_contexts(self.clients.cfn, deployed, self.deadline)

        networks = [agc_network.ManagedNetwork.discover(self.ec2, vpc) for vpc in managed_vpcs]
        for network in networks:
            agc_network.destroy(self.ec2, network, self.changes, self.deadline)
        if store.exists:
            self.changes.add(f"delete the state store ({len(store.values)} SSM parameters under /agc/_common/)")
            if not self.changes.check_mode:
                store.delete()
        return Outcome(changes=self.changes, before=before, after={}, core={}, retained=retained)


def describe_core(account_id, region, record, network, customer):
    """The core_infrastructure return value: one description of what is active."""
    if network is not None:
        subnets = {
            "public": [s.get("SubnetId") for s in network.subnets_of(PUBLIC)],
            "private": [s.get("SubnetId") for s in network.subnets_of(PRIVATE)],
        }
        nat_gateways = [
            {
                "id": n.get("NatGatewayId"),
                "availability_zone": agc_network._az(n),
                "subnet_id": n.get("SubnetId"),
                "state": n.get("State"),
                "public_ip": next((a.get("PublicIp") for a in n.get("NatGatewayAddresses") or []), None),
                "allocation_id": next((a.get("AllocationId") for a in n.get("NatGatewayAddresses") or []), None),
            }
            for n in network.live_nat_gateways()
        ]
        endpoints = network.our_endpoints()
        gateway = network.internet_gateway()
        group = network.endpoint_security_group()
    else:
        subnets = customer.summary()
        nat_gateways = []
        endpoints = customer.endpoints
        gateway = None
        group = None
    return {
        "account_id": account_id,
        "region": region,
        "vpc": {
            "id": record.vpc_id,
            "cidr_block": network.cidr if network else customer.vpc.get("CidrBlock"),
            "managed": record.vpc_managed,
            "public_subnets_only": record.public_subnets_only,
        },
        "subnets": dict(subnets, infra=list(record.infra_subnets)),
        "internet_gateway_id": gateway.get("InternetGatewayId") if gateway else None,
        "nat_gateways": nat_gateways,
        "vpc_endpoints": sorted(
            (
                {
                    "service": short_service_name(e["ServiceName"], region),
                    "id": e.get("VpcEndpointId"),
                    "type": e.get("VpcEndpointType"),
                    "state": (e.get("State") or "").lower(),
                }
                for e in endpoints
            ),
            key=lambda e: e["service"],
        ),
        "endpoint_security_group_id": group.get("GroupId") if group else None,
        "bucket": {"name": record.bucket, "managed": record.bucket_managed, "url": f"s3://{record.bucket}"},
        "compute_image": record.compute_image,
        "parameters": {name: value for name, (value, _k, _d) in record.parameters().items()},
        "tags": dict(record.custom_tags),
    }
