# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Activation of the AGC core (agc_account, state=present): plan, then apply.

Every run first converges in plan mode (reads only, every change recorded, nothing written). A
plan with no change ends there, so an idempotent re-run is read-only and takes no lock. Otherwise,
under the region's lock, the same converge runs again for real against fresh discovery: what
another run did meanwhile is seen, and an interrupted run is resumed rather than repeated.

Which VPC a run uses: a given vpc_id switches to that VPC (a managed VPC then goes, refused while
contexts are deployed); without vpc_id the recorded VPC is kept, a customer's included ("the last
VPC used is remembered"), and a region with nothing recorded gets a managed VPC. Switching between
public-only and private subnets needs deactivation first.
"""

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from functools import partial

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_addresses

from .._shared.arns import partition_of
from .._shared.concurrency import EarlyRead
from .._shared.concurrency import read_together
from .._shared.concurrency import steps_together
from .._shared.errors import AnsibleGenomicsError
from .._shared.outcome import ChangeLog
from .._shared.outcome import Deadline
from .._shared.outcome import Outcome
from .._shared.tags import user_tags_after
from .._shared.validation import check_ec2_id
from .._shared.validation import check_ec2_ids
from .._shared.validation import check_user_tags
from .._shared.validation import check_wait_timeout
from .._shared.validation import string_tags
from . import api
from . import contexts
from . import endpoints
from . import storage
from .common import DEFAULT_VPC_CIDR
from .common import DEFAULT_WAIT_TIMEOUT
from .common import PRIVATE
from .common import PUBLIC
from .common import RESERVED_TAG_KEYS
from .compute import resolve_compute_image
from .constants import DEFAULT_ENDPOINT_SERVICES
from .constants import REQUIRED_AZ_COUNT
from .core_summary import describe_core
from .customer_vpc import CustomerVpc
from .layout import available_zones
from .layout import network_mode
from .layout import validate_vpc_cidr
from .managed_network import ManagedNetwork
from .managed_network import find_managed_vpcs
from .managed_network import vpc_mode
from .network_builder import NetworkBuilder
from .state import CREATING_BUCKET_PARAMETER
from .state import LOCK_PARAMETER
from .state import ActivationRecord
from .state import CoreLock
from .state import StateStore
from .teardown import destroy


@dataclass
class ActivationRequest:
    """agc_account's options, normalised and checked before any AWS call (both states use it)."""

    state: str = "present"
    bucket: str = None
    vpc_id: str = None
    subnets: list = field(default_factory=list)
    ami: str = None
    use_public_subnets: bool = False
    tags: dict = None  # None: leave the user tags applied before as they are (amazon.aws semantics)
    purge_tags: bool = True
    force: bool = False
    wait: bool = True
    wait_timeout: int = DEFAULT_WAIT_TIMEOUT
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
            tags=string_tags(params.get("tags")),
            purge_tags=params.get("purge_tags", True) is not False,
            force=bool(params.get("force")),
            wait=params.get("wait", True) is not False,
            wait_timeout=params.get("wait_timeout", DEFAULT_WAIT_TIMEOUT),
            vpc_cidr=params.get("vpc_cidr") or DEFAULT_VPC_CIDR,
        )
        request.validate()
        return request

    def validate(self):
        # Not an argument-spec mutually_exclusive: the roles always pass use_public_subnets (false included),
        # and the argument spec counts an option as given whatever its value.
        if self.use_public_subnets and self.vpc_id:
            raise AnsibleGenomicsError(
                message=f"use_public_subnets cannot be combined with vpc_id ({self.vpc_id}): public-only mode builds "
                "its "
                "own VPC. Drop one of them."
            )
        if self.subnets and not self.vpc_id:
            raise AnsibleGenomicsError(
                message=f"subnets ({', '.join(self.subnets)}) need their VPC: give vpc_id as well (subnets select "
                "among "
                "a customer VPC's subnets)."
            )
        check_ec2_id("vpc_id", self.vpc_id, "vpc")
        check_ec2_ids("subnets", self.subnets, "subnet")
        check_ec2_id("ami", self.ami, "ami")
        if self.bucket is not None:
            self.bucket = storage.normalize_bucket_name(self.bucket)
        self.vpc_cidr = validate_vpc_cidr(self.vpc_cidr)
        check_wait_timeout(self.wait_timeout)
        check_user_tags(self.tags or {}, RESERVED_TAG_KEYS)


def flatten_subnets(values):
    """['a,b', 'c'] -> ['a', 'b', 'c'], as the CLI's repeated `--subnets a,b --subnets c`."""
    flat = []
    for value in values:
        for item in str(value).split(","):
            item = item.strip()
            if item and item not in flat:
                flat.append(item)
    return flat


def plan_then_apply(converge, clients, deadline, check_mode):
    """Converge in plan mode; unless that changes nothing (or this is check mode), converge again for real under the
    region's lock, against a fresh read of the state store. One deadline bounds the lock wait and every wait after it.

    A lock left expired by a run that crashed at its last write is removed by a run that has nothing else to do
    (and reported, in check mode too), so it never lingers."""
    store = StateStore(clients.ssm)
    store.load()
    plan = converge(store, ChangeLog(check_mode=True))
    if check_mode or not plan.changed:
        _remove_expired_lock(clients.ssm, store, plan.changes, check_mode)
        return plan
    lock = CoreLock(clients.ssm)
    waited = lock.acquire(deadline)
    try:
        store = StateStore(clients.ssm)
        store.load()
        outcome = converge(store, ChangeLog(check_mode=False))
    finally:
        lock.release()
    if waited:
        outcome.warnings.insert(
            0, f"{waited}; then found: {'; '.join(outcome.changes.entries) or 'nothing left to change'}."
        )
    return outcome


def _remove_expired_lock(ssm, store, changes, check_mode):
    expired = store.expired_lock()
    if expired is None:
        return
    changes.add(f"remove the expired lock {LOCK_PARAMETER} of {expired.get('owner')} (a run that ended early)")
    if not check_mode:
        CoreLock(ssm).remove_if_expired()


class CallerIdentity:
    """The account and partition a run acts in. A region with a state store names them in its parameters' ARNs (the
    store is the caller's own), which spares a re-run its sts:GetCallerIdentity; without one, STS is asked, once."""

    def __init__(self, sts):
        self._sts = sts
        self._asked = None

    def of(self, store):
        account_id = (parse_aws_arn(store.parameter_arn or "") or {}).get("account_id")
        if account_id:
            return {"Account": account_id, "Arn": store.parameter_arn}
        if self._asked is None:
            self._asked = api.get_caller_identity(self._sts)
        return self._asked


def activate(clients, region, request, check_mode=False):
    identity = CallerIdentity(clients.sts)
    deadline = Deadline(request.wait_timeout)

    def converge(store, changes):
        return _Activation(clients, region, identity.of(store), request, changes, deadline).run(store)

    return plan_then_apply(converge, clients, deadline, check_mode)


class CoreRun:
    """One converge pass (plan or apply) over a region's core, within the run's one deadline."""

    def __init__(self, clients, region, identity, request, changes, deadline):
        self.clients = clients
        self.ec2 = clients.ec2
        self.region = region
        self.account_id = identity["Account"]
        self.partition = partition_of(identity.get("Arn"))
        self.request = request
        self.changes = changes
        self.check_mode = changes.check_mode
        self.deadline = deadline
        self.warnings = []


@dataclass
class _BucketChoice:
    """The bucket a run uses, and what it does with it: adopt it (a bucket not recorded yet), resume its creation (the
    journal names it), or keep it (steady: the recorded, managed one)."""

    name: str
    default: str
    adopting: bool
    resuming: bool
    steady: bool


@dataclass
class _VpcChoice:
    """The VPC a run uses: a managed one (to keep or resume, None to create) or a customer's, plus the
    managed VPCs that go."""

    managed: dict = None
    customer: CustomerVpc = None
    leftovers: list = field(default_factory=list)


class _Activation(CoreRun):
    def run(self, store):
        record = store.record
        # From here on request.tags is the complete set of user tags the core carries after this run.
        applied = record.custom_tags if record else {}
        self.request = replace(self.request, tags=user_tags_after(applied, self.request.tags, self.request.purge_tags))
        self._refuse_mode_switch(record)
        bucket = self._bucket_choice(store, record)
        reads = {"vpcs": lambda: find_managed_vpcs(self.ec2)}
        if not record:
            # A first activation also looks for the AGC CLI's own core, and (in a VPC of its own) for the AZs to
            # build in: read them with the VPCs, in one round trip.
            reads["cli_core"] = lambda: contexts.cli_core_stack(self.clients.cfn)
            if not self.request.vpc_id:
                reads["zones"] = lambda: available_zones(self.ec2)
        # What a run reads whatever the VPCs hold is read with them too (a re-run's reads then take two round trips
        # after the state store's, not five): the compute AMI, the managed bucket's hardening, and the network of the
        # managed VPC the record names (used once the VPCs' own tags confirm it).
        reads["compute_image"] = EarlyRead(
            lambda: resolve_compute_image(self.ec2, self.clients.ssm, self.request.ami, self.account_id)
        )
        if bucket.steady:
            reads["bucket"] = EarlyRead(lambda: storage.read_managed_bucket(self.clients.s3, bucket.name))
        else:
            reads["bucket"] = EarlyRead(lambda: storage.inspect_bucket(self.clients.s3, bucket.name, bucket.adopting))
        catalog = endpoints.LazyCatalog(self.ec2, self.region)
        if not record and not self.request.vpc_id and not self.request.use_public_subnets:
            # A first activation in a VPC of its own will build NAT gateways and endpoints: the Elastic IPs' quota and
            # the region's endpoint services are read now too.
            reads["elastic_ips"] = EarlyRead(self._elastic_ips)
            reads["endpoint_services"] = EarlyRead(catalog.get)  # kept by `catalog`; a failure is read again there
        recorded_vpc_id = self._recorded_managed_vpc_id(record)
        if recorded_vpc_id:
            reads["network"] = EarlyRead(
                lambda: ManagedNetwork.discover(self.ec2, {"VpcId": recorded_vpc_id}, dns_hostnames=True)
            )
        found = read_together(reads)
        managed_vpcs = found["vpcs"]
        if not record and not managed_vpcs:
            self._refuse_cli_core(found["cli_core"])
        choice = self._choose_vpc(record, managed_vpcs)
        if record and record.vpc_managed and any(v["VpcId"] == record.vpc_id for v in choice.leftovers):
            self._refuse_while_contexts(
                f"switching from the managed VPC {record.vpc_id} to {self.request.vpc_id} destroys it"
            )

        if choice.customer:
            infra_subnets = self._use_customer_vpc(choice.customer)
            network = None
        else:
            network = self._managed_network(choice.managed, found.get("network"))
            azs = self._zones(network, found.get("zones"))
            self._preflight_elastic_ips(network, azs, found.get("elastic_ips"))

        compute_image = found["compute_image"].result()
        bucket_name, bucket_managed, create_bucket = self._ensure_bucket(store, record, bucket, found.get("bucket"))
        # A new bucket is created while the network is built: neither needs the other, and the network's endpoints
        # are what the run waits for.
        steps = [create_bucket] if create_bucket else []
        if not choice.customer:
            steps.append(partial(self._converge_managed_network, network, azs, record, catalog))
        built = steps_together(self.changes, steps)
        if not choice.customer:
            network, infra_subnets = built[-1]

        new_record = ActivationRecord(
            bucket=bucket_name,
            vpc_id=choice.customer.vpc_id if choice.customer else (network.vpc_id or "(new VPC)"),
            infra_subnets=infra_subnets,
            compute_image=compute_image,
            custom_tags=self.request.tags,
            artifacts_root_url=f"s3://{bucket_name}/_agc/installed-artifacts",
            vpc_managed=choice.customer is None,
            bucket_managed=bucket_managed,
            public_subnets_only=self.request.use_public_subnets,
            vpc_cidr=None if choice.customer else network.cidr,
        )
        self._record(store, record, new_record)
        for vpc in choice.leftovers:
            destroy(
                self.ec2, ManagedNetwork.discover(self.ec2, vpc, network_interfaces=True), self.changes, self.deadline
            )

        return Outcome(
            changes=self.changes,
            resource=describe_core(self.account_id, self.region, new_record, network, choice.customer),
            before=record.as_dict() if record else {},
            after=new_record.as_dict(),
            warnings=self.warnings,
            waited=self.deadline.waited,
        )

    # -- decisions ---------------------------------------------------------------------------------

    def _refuse_mode_switch(self, record):
        if record and record.public_subnets_only != self.request.use_public_subnets:
            now, asked = ("public-only", "private") if record.public_subnets_only else ("private", "public-only")
            raise AnsibleGenomicsError(
                message=f"the region is activated with {now} subnets and use_public_subnets asks for {asked}: changing "
                "between public-only and private subnets requires deactivation (state: absent) and then activation."
            )

    def _choose_vpc(self, record, managed_vpcs):
        active = self._active_managed_vpc(record, managed_vpcs)
        customer_id = None
        if self.request.vpc_id and not (active and self.request.vpc_id == active["VpcId"]):
            customer_id = self.request.vpc_id
        elif not self.request.vpc_id and record and not record.vpc_managed:
            customer_id = record.vpc_id  # the last VPC used is remembered
        customer = CustomerVpc.discover(self.ec2, customer_id) if customer_id else None
        keep = None if customer else active
        leftovers = [v for v in managed_vpcs if not keep or v["VpcId"] != keep["VpcId"]]
        return _VpcChoice(managed=keep, customer=customer, leftovers=leftovers)

    def _active_managed_vpc(self, record, managed_vpcs):
        """The managed VPC to keep or resume: the recorded one, else (an interrupted first activation)
        an unrecorded one built in the requested mode. Other managed VPCs are leftovers."""
        if record:
            if not record.vpc_managed:
                return None
            return next((v for v in managed_vpcs if v["VpcId"] == record.vpc_id), None)
        mode = network_mode(self.request.use_public_subnets)
        return next((v for v in managed_vpcs if vpc_mode(v) == mode), None)

    def _refuse_cli_core(self, stack):
        if stack:
            raise AnsibleGenomicsError(
                message=f"this region is already activated by the AGC CLI (CloudFormation stack {stack['StackName']}, "
                f"{stack['StackStatus']}); building a second core beside it is refused. Run 'agc account deactivate' "
                "first, or keep using the CLI for this region."
            )

    def _refuse_while_contexts(self, what):
        deployed = contexts.deployed_contexts(self.clients.cfn)
        if deployed:
            raise AnsibleGenomicsError(
                message=f"{what}, but AGC contexts are deployed in it: {', '.join(deployed)}. Destroy them first "
                "('agc context destroy'), then run again."
            )

    def _use_customer_vpc(self, customer):
        infra_subnets, warnings = customer.validate(
            self.ec2, self.request.subnets, DEFAULT_ENDPOINT_SERVICES, self.region
        )
        self.warnings += warnings
        return infra_subnets

    def _zones(self, network, available=None):
        existing = network.azs() if network else []
        if len(existing) >= REQUIRED_AZ_COUNT:
            return existing[:REQUIRED_AZ_COUNT]
        zones = available if available is not None else available_zones(self.ec2)
        chosen = existing + [z for z in zones if z not in existing]
        if len(chosen) < REQUIRED_AZ_COUNT:
            raise AnsibleGenomicsError(
                message=f"region {self.region} has {len(zones)} available AZ(s) ({', '.join(zones) or 'none'}); AGC's "
                "core "
                f"needs {REQUIRED_AZ_COUNT}. Activate another region."
            )
        return sorted(chosen[:REQUIRED_AZ_COUNT])

    def _elastic_ips(self):
        return read_together(
            {"quota": lambda: api.describe_elastic_ip_quota(self.ec2), "in_use": lambda: describe_addresses(self.ec2)}
        )

    def _preflight_elastic_ips(self, network, azs, read_ahead=None):
        """Fail before creating anything when the NAT gateways' Elastic IPs would exceed the quota
        (AGC issue #345: the default quota is 5 per region)."""
        if self.request.use_public_subnets:
            return
        lacking = [az for az in azs if not (network and network.nat_gateway(az))]
        needed = len([az for az in lacking if not (network and network.free_address(az))])
        if not needed:
            return
        found = read_ahead.result() if read_ahead else self._elastic_ips()
        quota, in_use = found["quota"], len(found["in_use"])
        if quota is not None and in_use + needed > quota:
            raise AnsibleGenomicsError(
                message=f"activation needs {needed} more Elastic IP(s) for its NAT gateways, but {in_use} of the "
                "region's "
                f"quota of {quota} are allocated. Release unused Elastic IPs, request a quota increase (Service "
                "Quotas: "
                "'EC2-VPC Elastic IPs'), or use use_public_subnets: true (no NAT gateways). Nothing was created."
            )

    def _converge_managed_network(self, network, azs, record, catalog):
        builder = NetworkBuilder(
            self.ec2,
            self.region,
            self.request.tags,
            self.changes,
            self.deadline,
            self.request.wait,
            previous_user_tags=record.custom_tags if record else {},
            catalog=catalog,
        )
        network = builder.ensure(network, self.request.vpc_cidr, azs, self.request.use_public_subnets)
        self.warnings += builder.deferred
        kind = PUBLIC if self.request.use_public_subnets else PRIVATE
        infra_subnets = [
            s.get("SubnetId") or f"(new {kind} subnet in {s['AvailabilityZone']})" for s in network.subnets_of(kind)
        ]
        return network, infra_subnets

    def _bucket_choice(self, store, record):
        default = storage.default_bucket_name(self.account_id, self.region)
        name = self.request.bucket or default
        adopting = not record or record.bucket != name
        resuming = store.bucket_being_created == name
        # The collection's own bucket, kept: its hardening is converged, never a customer's.
        steady = not adopting and not resuming and record.bucket_managed
        return _BucketChoice(name, default, adopting, resuming, steady)

    def _recorded_managed_vpc_id(self, record):
        """The managed VPC a re-run keeps, as its record names it (its network can be read ahead), else None."""
        if record and record.vpc_managed and self.request.vpc_id in (None, "", record.vpc_id):
            return record.vpc_id
        return None

    def _managed_network(self, vpc, read_ahead):
        if not vpc:
            return None
        if read_ahead is not None and read_ahead.result().vpc_id == vpc["VpcId"]:
            network = read_ahead.result()
            network.vpc = vpc
            return network
        return ManagedNetwork.discover(self.ec2, vpc, dns_hostnames=True)

    def _ensure_bucket(self, store, record, choice, read_ahead):
        """(bucket name, managed, its creation or None): the managed default bucket is created (and hardened) when
        missing, by the returned step; a given bucket must exist and is used as it is, after proving write access
        when it is adopted."""
        name, default, adopting, resuming = choice.name, choice.default, choice.adopting, choice.resuming
        if choice.steady:
            if storage.converge_managed_bucket(
                self.clients.s3,
                name,
                self.partition,
                self.request.tags,
                record.custom_tags,
                self.changes,
                read_ahead.result(),
            ):
                return name, True, None
            bucket = storage.BucketState(name, "missing")
        else:
            bucket = read_ahead.result()
        if bucket.status == "missing" or resuming:
            if not (name == default or resuming or (record and record.bucket == name and record.bucket_managed)):
                raise AnsibleGenomicsError(
                    message=f"bucket {name!r} does not exist. Create it first, or omit 'bucket' to have activation "
                    "create "
                    f"and harden {default}."
                )
            verb = "finish creating" if resuming else "create"
            self.changes.add(
                f"{verb} S3 bucket {name} (encrypted, TLS-only policy, public access blocked, owner-enforced)"
            )
            if self.check_mode:
                return name, True, None

            def create():
                store.journal_bucket_creation(name)
                storage.create_managed_bucket(
                    self.clients.s3,
                    name,
                    self.region,
                    self.partition,
                    self.request.tags,
                    exists=bucket.status == "owned",
                )

            return name, True, create
        if adopting:
            self.changes.add(f"use existing S3 bucket {name} as it is, after proving write access")
            if not self.check_mode:
                storage.prove_write_access(self.clients.s3, name)
            return name, bucket.created_by_collection, None
        return name, False, None

    def _record(self, store, record, new_record):
        changed = store.changed_parameters(new_record)
        # The bucket-creation journal is internal: its removal is part of "finish creating" the bucket.
        shown = [name for name in changed if name != CREATING_BUCKET_PARAMETER]
        if shown:
            self.changes.add(f"record activation in SSM {', '.join(shown)}")
        if changed and not self.check_mode:
            store.save(new_record, self.request.tags)
        previous_tags = record.custom_tags if record else {}
        if record and previous_tags != self.request.tags:
            self.changes.add("update tags on the SSM parameters")
            if not self.check_mode:
                store.retag(previous_tags, self.request.tags)
