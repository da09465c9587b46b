"""`make bench`: what a user waits for, with AWS's latency, against what stock amazon.aws modules take.

Every phase runs ansible-playbook against one moto server on 127.0.0.1 that behaves with AWS's latency
(tools/latency.py: NAT gateways and interface endpoints pending for minutes, deletions as long, Elastic IPs held by
their NAT gateway, 30-80 ms per call), all scaled by one factor (--scale, default 1/10) so the bench takes minutes.
Each phase starts on an empty account. Phases:

- agc: the collection's activate.yml (fresh, then a re-run), deactivate.yml; and the same with the baseline
  playbooks in tools/bench/baseline/ (what an experienced operator writes with amazon.aws and community.aws);
- at 3/10 of AWS latency (MEASURED_SCALE): the collection's fresh activation and deactivation, projected to AWS
  latency against their floors, and four regions in one run (activate_many) against the one region, as measured;
- omics: the omics_vpc_networking role (endpoints, security group, HealthOmics configuration) in a customer VPC,
  fresh then a re-run, against the HealthOmics emulator with a configuration's delays; then the connectivity test's
  turnaround in that configuration (connectivity_test.yml: workflow registered, probe image cached, a run whose WDL
  task probes an HTTPS server on 127.0.0.1 under the configuration's egress rules, the report).

The floor of a phase is the slowest single resource's latency. "at AWS latency" projects a phase to real time (see
at_aws_latency): its time up to its first write as measured, the writes and waits up to its last AWS call scaled back
up, the time after it as measured. The collection's no-change re-run is the median of three runs: at a few
seconds, one run's noise is a large share of it; the re-runs, which wait for nothing but their calls, take each call's
latency as on AWS (30-80 ms), unscaled. Asynchronous jobs are polled at the roles' default interval, scaled like the
latency (poll_interval). With --check (make bench) the goals below are judged and a regression fails the run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tools.latency import Latency  # noqa: E402
from tools.latency import LatencyMotoServer  # noqa: E402
from tools.latency import patched_moto  # noqa: E402
from tools.local_aws import COLLECTIONS  # noqa: E402
from tools.local_aws import LINK  # noqa: E402
from tools.local_aws import use_fake_aws_environment  # noqa: E402

REGION = "us-east-1"
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]
AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id"
BASELINE = ROOT / "tools" / "bench" / "baseline"
PLAYBOOKS = ROOT / "playbooks"

# What a no-change re-run must read, at the least, to converge: every attribute the core sets is read back so that
# drift is repaired (routes, rules, subnet attributes, endpoint placement, bucket settings, tags), one batched read per
# kind of resource by VPC or tag filter, and S3 has one read per bucket setting. The account comes from the state
# store's ARNs (no sts:GetCallerIdentity) and the bucket's tags tell whether it is there (no HeadBucket).
CONVERGENCE_READS = {
    "GetParametersByPath (the state store and the lock)": 1,
    "GetParameter (the latest ECS-optimised AMI: a newer one is a change)": 1,
    "DescribeVpcs (the managed VPC, by tag)": 1,
    "DescribeVpcAttribute (DNS hostnames, which no describe returns)": 1,
    "DescribeSubnets, RouteTables, InternetGateways, NatGateways, Addresses, VpcEndpoints, SecurityGroups": 7,
    "GetBucketTagging, PublicAccessBlock, Encryption, OwnershipControls, Policy": 5,
}

# The goals (issue 12). Its no-change goal of 12 calls was set before runs converged (each attribute read back):
# the goal is the convergence minimum above, 16; 12 would mean no longer repairing some drift.
GOALS = {
    "activation_over_floor": 1.15,
    "activation_over_baseline": 0.3,
    "deactivation_over_floor": 1.15,
    "rerun_over_baseline": 0.1,
    "rerun_calls": sum(CONVERGENCE_READS.values()),
    "rerun_writes": 0,
    "four_regions_over_one": 1.3,
}
# What --check enforces: the goals, with a margin on the ratios, which a slower or busier machine moves without a
# regression (see MEASURED_SCALE; make bench-real measures the ratios at AWS latency).
REGRESSION_LIMITS = dict(
    GOALS,
    activation_over_floor=1.25,
    deactivation_over_floor=1.25,
    rerun_over_baseline=0.13,
    four_regions_over_one=1.45,
)

# The roles' default pause between two looks at an asynchronous job (agc_activate_poll_interval and the others). A
# phase polls at its role's pause scaled like the latency, as a user of the defaults would see it on AWS: an
# activation every 5 s at AWS latency, 2 s at 3/10 and 4/10, 1 s (Ansible's least) at 2/10 and below; a deactivation
# (agc_deactivate_poll_interval) every 3 s at AWS latency, 1 s at 3/10 and below.
ROLE_POLL_SECONDS = 5
DEACTIVATE_POLL_SECONDS = 3

# The fresh activation and deactivation are judged against their floors, and four regions against one, at 3/10 of
# AWS latency (not from the 1/10 phases, which are compared with the baseline's):
# - a projection to AWS latency (at_aws_latency) scales back up the part of a phase from its first write to its last
#   AWS call: each second of noise there (a busy core, the wait's pauses, which do not scale) moves it by ten at 1/10
#   (the same tree projected 0.97x to 1.25x of the activation's floor in runs an hour apart), by 3.3 at 3/10.
# - four activations share this machine's 2 cores (four Ansible forks, their module processes, and moto, which plays
#   AWS), and that work does not shrink with the latency. Most of it is Ansible's: each look at an asynchronous job is
#   a module process of about 0.3 s of CPU, so four regions polling every second keep more than one core busy. At 1/10
#   that work is ten times denser than on AWS (projected from there: 1.33x to 1.51x); at 2/10, polled every second,
#   1.26x to 1.49x measured; make bench-real measures 1.03x to 1.11x at AWS latency. At 3/10 the jobs are polled
#   every 2 s (the default's 5 s scaled, in Ansible's whole seconds), and the ratio, measured, is an upper bound.
# The three phases take about two minutes; at 4/10 (1.17x and 1.19x) make bench would take over 10 minutes from a
# fresh clone, whose virtual environment takes two.
MEASURED_SCALE = 0.3


def poll_interval(scale, role_seconds=ROLE_POLL_SECONDS):
    """A role's default poll interval at `scale` of AWS latency, in whole seconds (Ansible's async poll is one)."""
    return max(1, round(role_seconds * scale))


# What a fresh managed activation must write, at the least, with the APIs as they are: one call per resource
# (tags in the create call), plus the attributes no create call takes.
MINIMUM_WRITES = {
    "CreateVpc": 1,
    "ModifyVpcAttribute (DNS hostnames)": 1,
    "CreateInternetGateway + AttachInternetGateway": 2,
    "CreateSubnet": 6,
    "ModifySubnetAttribute (public IP on launch)": 3,
    "CreateRouteTable": 4,
    "CreateRoute (internet gateway, NAT gateways)": 4,
    "AssociateRouteTable": 6,
    "AllocateAddress + CreateNatGateway": 6,
    "CreateSecurityGroup + AuthorizeSecurityGroupIngress": 2,
    "CreateVpcEndpoint": 9,
    "CreateBucket (object ownership in the call)": 1,
    "PutBucketTagging, PutPublicAccessBlock, PutBucketEncryption, PutBucketPolicy": 4,
    "PutParameter (state store, one per parameter)": 8,
}
# Writes the collection makes beyond that minimum, on purpose.
DELIBERATE_WRITES = {
    "PutParameter + DeleteParameter (the lock: two runs never build one core twice)": 2,
    "PutParameter + DeleteParameters (the bucket journal: a crash between CreateBucket and the state store "
    "leaves a bucket the next run adopts)": 2,
}


@dataclass
class Phase:
    name: str
    wall: float
    calls: int
    writes: int
    floor: float = 0.0
    writes_by_call: dict = field(default_factory=dict)
    calls_by_name: dict = field(default_factory=dict)
    # Seconds from the start to the phase's last AWS call seen; the wall when not every call is seen (HealthOmics
    # calls go to the emulator).
    last_call: float = None
    # Seconds from the start to the phase's first write, None without one.
    first_write: float = None
    # The default poll interval, at AWS latency, of the role the phase runs.
    role_poll: float = ROLE_POLL_SECONDS

    def __post_init__(self):
        if self.last_call is None:
            self.last_call = self.wall


class Bench:
    """Runs playbooks against the latency moto server (and the HealthOmics emulator in front of it)."""

    def __init__(self, latency, moto, scratch):
        self.latency, self.moto, self.scratch = latency, moto, Path(scratch)
        self.env = dict(
            os.environ,
            ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
            ANSIBLE_NOCOLOR="true",
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
            # Each task's duration in the log, to see where a phase's time went.
            ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks",
        )
        # Kept after the run (the scratch directory is not), to see where a phase's time went.
        self.log = ROOT / ".build" / "bench" / "ansible.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log.write_text("")

    @property
    def poll_interval(self):
        return poll_interval(self.latency.scale)

    def playbook(self, name, playbook, extra_vars=(), options=(), endpoint=None, floor=0.0):
        """Run a playbook: the phase's wall time and the API calls moto served during it."""
        self.moto.counter.reset()
        command = [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook), *options]
        base_vars = {
            "ansible_python_interpreter": sys.executable,
            "aws_endpoint_url": endpoint or self.moto.url,
            "aws_region": REGION,
        }
        for variables in (base_vars, *extra_vars):
            command += ["-e", json.dumps(variables)]
        started = time.monotonic()
        completed = subprocess.run(command, env=self.env, cwd=self.scratch, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        with self.log.open("a") as log:
            log.write(f"==== {name} ({wall:.1f} s)\n{completed.stdout}\n{completed.stderr}\n")
        if completed.returncode:
            sys.exit(
                f"{name}: ansible-playbook failed (exit {completed.returncode}), see {self.log}:\n"
                f"{completed.stdout[-3000:]}"
            )
        counter = self.moto.counter
        last_call = first_write = None
        if counter.last_call_at is not None and endpoint is None:
            last_call = min(wall, counter.last_call_at - started)
        if counter.first_write_at is not None and endpoint is None:
            first_write = counter.first_write_at - started
        return Phase(
            name,
            wall,
            counter.total,
            counter.total_writes,
            floor,
            dict(counter.writes),
            dict(counter.calls),
            last_call,
            first_write,
        )

    def fresh_account(self, regions=(REGION,)):
        """An empty account whose services moto has already set up: moto builds a region's backends on their first
        call (seconds for EC2), which AWS does not make anyone wait for."""
        import boto3

        self.moto.reset()
        for region in regions:
            clients = {
                service: boto3.client(service, region_name=region, endpoint_url=self.moto.url, **CREDENTIALS)
                for service in ("sts", "ec2", "ssm", "s3", "cloudformation")
            }
            clients["sts"].get_caller_identity()
            clients["ec2"].describe_vpcs()
            clients["ec2"].describe_vpc_endpoint_services()
            clients["ssm"].get_parameters_by_path(Path="/agc/")
            clients["ssm"].get_parameter(Name=AMI_PARAMETER)
            clients["s3"].list_buckets()
            clients["cloudformation"].list_stacks()
        self.moto.counter.reset()

    def warm_up(self):
        """A check-mode activation, not measured: the first ansible-playbook of a run reads Python's files from a cold
        disk cache, which makes the first phase seconds slower than the same phase later. make bench does without: its
        first phase is only compared with the baseline's (the cold start counts against the collection)."""
        self.fresh_account()
        self.playbook("warm-up (not measured)", PLAYBOOKS / "activate.yml", options=["--check"])

    def agc(self, who, reruns=1):
        """A fresh activation, a no-change re-run (the median of `reruns`; none with 0) and a deactivation, on an
        empty account."""
        self.fresh_account()
        if who == "baseline":
            activate, deactivate, extra = BASELINE / "agc_activate.yml", BASELINE / "agc_deactivate.yml", {}
            activate_extra = {}
        else:
            activate, deactivate = PLAYBOOKS / "activate.yml", PLAYBOOKS / "deactivate.yml"
            extra = {"poll_interval": self.poll_interval}
            activate_extra = dict(extra, activation_report=str(self.scratch / "activation-report.md"))
        fresh = self.playbook(
            f"{who}: fresh activation", activate, [activate_extra], floor=self.latency.slowest_creation
        )
        # A no-change re-run waits for nothing but its calls: it runs at AWS's own per-call latency, measured, where
        # 1/10 of it would take from the baseline's 181 sequential calls most of what they cost on AWS.
        self.latency.call_scale = 1.0 if self.latency.scale else None
        try:
            runs = sorted(
                (self.playbook(f"{who}: no-change re-run", activate, [activate_extra]) for _run in range(reruns)),
                key=lambda phase: phase.wall,
            )
        finally:
            self.latency.call_scale = None
        rerun = runs[len(runs) // 2] if runs else None
        if who != "baseline":
            extra = {"poll_interval": poll_interval(self.latency.scale, DEACTIVATE_POLL_SECONDS)}
        down = self.playbook(f"{who}: deactivation", deactivate, [extra], floor=self.latency.slowest_deletion)
        down.role_poll = DEACTIVATE_POLL_SECONDS
        return fresh, rerun, down

    def measured_at(self, scale):
        """At `scale` of AWS latency: a fresh activation, its deactivation, and four regions (activate_many)."""
        kept, self.latency.scale = self.latency.scale, scale
        try:
            fresh, _rerun, down = self.agc(f"collection at {scale:g} latency", reruns=0)
            four = self.four_regions(f"collection at {scale:g} latency: 4 regions")
        finally:
            self.latency.scale = kept
        return fresh, down, four

    def four_regions(self, name="collection: 4 regions (activate_many)"):
        self.fresh_account(REGIONS)
        return self.playbook(
            name,
            PLAYBOOKS / "activate_many.yml",
            [
                {
                    "targets": [{"region": region} for region in REGIONS],
                    "poll_interval": self.poll_interval,
                    "report_dir": str(self.scratch),
                }
            ],
            options=["--forks", str(len(REGIONS))],
            floor=self.latency.slowest_creation,
        )

    def omics(self, emulator_url, name, site):
        """omics_vpc_networking in a customer VPC: endpoints, the security group, the configuration; a re-run; then the
        connectivity test's turnaround (workflow registered, run, report) in that configuration."""
        from tools.customer_vpc import create_customer_vpc

        self.fresh_account()
        # HealthOmics needs private subnets with a NAT route; the customer's NAT gateways exist before the phase,
        # built without latency (a precondition, not part of the phase).
        kept, self.latency.scale = self.latency.scale, 0.0
        try:
            vpc = create_customer_vpc(
                self.moto.url, REGION, cidr_prefix="10.40", azs=2, nat_gateways="per_az", **CREDENTIALS
            )
            self._until_available(vpc["nat_gateways"])
        finally:
            self.latency.scale = kept
        portal = [d for d in site.destinations() if d["name"] == "results-portal"]
        variables = {
            # The emulator outlives moto's resets: each phase has its own configuration.
            "omics_vpc_networking_name": name,
            "omics_vpc_networking_subnets": vpc["private_subnets"],
            "omics_vpc_networking_destinations": [
                {"name": "references", "kind": "s3", "bucket": "bench-references"},
                {"name": "ncbi", "kind": "https", "url": "https://ftp.ncbi.nlm.nih.gov/"},
                # Needs an interface endpoint (about two minutes on AWS), which the configuration's wait overlaps.
                {"name": "credentials", "kind": "secretsmanager"},
                *portal,
            ],
            "omics_vpc_networking_poll_interval": self.poll_interval,
        }
        floor = self.latency.seconds(max(self.latency.endpoint_available, self.latency.configuration_active))
        playbook = PLAYBOOKS / "omics_vpc_networking_example.yml"
        fresh = self.playbook(
            "collection: HealthOmics networking", playbook, [variables], endpoint=emulator_url, floor=floor
        )
        rerun = self.playbook("collection: HealthOmics re-run", playbook, [variables], endpoint=emulator_url)
        import boto3

        boto3.client("s3", region_name=REGION, endpoint_url=self.moto.url, **CREDENTIALS).create_bucket(
            Bucket="bench-connectivity"
        )
        connectivity = {
            "destinations": portal,
            "configuration": name,
            "output_uri": "s3://bench-connectivity/connectivity-test/",
            "ca_bundle": str(site.pki.ca_pem),
            "timeout_seconds": 3,
            "wait_timeout": 300,
            "poll_interval": self.poll_interval,
            "report_dir": str(self.scratch / "connectivity-test"),
        }
        test = self.playbook(
            "collection: connectivity test turnaround",
            PLAYBOOKS / "connectivity_test.yml",
            [connectivity],
            endpoint=emulator_url,
        )
        return fresh, rerun, test

    def _until_available(self, nat_gateway_ids):
        import boto3

        ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=self.moto.url, **CREDENTIALS)
        deadline = time.monotonic() + self.latency.seconds(self.latency.nat_gateway_available) + 30
        while time.monotonic() < deadline:
            states = {n["State"] for n in ec2.describe_nat_gateways(NatGatewayIds=nat_gateway_ids)["NatGateways"]}
            if states == {"available"}:
                return
            time.sleep(0.5)
        sys.exit(f"the customer VPC's NAT gateways {nat_gateway_ids} never became available")


CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def at_aws_latency(phase, scale):
    """A phase's wall time at `scale` of AWS latency, projected to AWS's own.

    Up to its first write, the phase is Ansible's start-up, module processes and a few reads: taken as measured. From
    its first write to its last AWS call, it is the writes and the waits for them, which AWS's latency governs: scaled
    back up. After its last call there is no AWS latency left (the module's exit, Ansible noticing it at its next look
    at the job, the report): taken as measured, plus what the roles' default poll interval adds to the bench's on
    average (Ansible notices the end of a job half an interval after it)."""
    start = phase.first_write
    poll_allowance = (phase.role_poll - poll_interval(scale, phase.role_poll)) / 2
    return start + max(0.0, phase.last_call - start) / scale + (phase.wall - phase.last_call) + poll_allowance


def judge(figures, limits=None):
    """The figures above their limit (by default the goals), as messages."""
    failures = []
    for goal, limit in (GOALS if limits is None else limits).items():
        value = figures[goal]
        if value > limit:
            failures.append(f"{goal} = {value:.3g} exceeds its goal {limit}")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1, help="AWS's latency times this (default 0.1)")
    parser.add_argument("--check", action="store_true", help="fail when a goal does not hold")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--regions-only",
        action="store_true",
        help="only one region against four (activate_many), with latency (e.g. --scale 0.4) and without, the ratio "
        "projected to AWS latency",
    )
    parser.add_argument(
        "--floors-only",
        action="store_true",
        help="only the collection's fresh activation and deactivation against their floors, and four regions against "
        "one, measured (no projection); with --scale 1, at AWS's own latency",
    )
    options = parser.parse_args()
    use_fake_aws_environment()
    if not LINK.exists():
        sys.exit("run make bench (the collection must be linked under .build/collections)")
    from tools.healthomics_emulator import OmicsEmulator
    from tools.healthomics_emulator.local_executor import LocalWdlExecutor
    from tools.loopback_servers import DestinationSite

    latency = Latency(scale=options.scale)
    with tempfile.TemporaryDirectory(prefix="genomics-aws-bench-") as scratch, patched_moto(latency), LatencyMotoServer(
        latency
    ) as moto:
        bench = Bench(latency, moto, scratch)
        print(
            f"make bench: AWS latency x{options.scale:g} (NAT gateway {latency.nat_gateway_available:g} s, "
            f"interface endpoint {latency.endpoint_available:g} s, HealthOmics configuration "
            f"{latency.configuration_active:g} s, all scaled), moto on {moto.url}; log in {bench.log}",
            flush=True,
        )
        if options.regions_only or options.floors_only:
            bench.warm_up()
            return (regions_only if options.regions_only else floors_only)(bench, latency)
        collection = bench.agc("collection", reruns=3)
        print("  collection done", flush=True)
        baseline = bench.agc("baseline")
        print("  baseline done", flush=True)
        measured = bench.measured_at(MEASURED_SCALE)
        # The connectivity test's run is a real WDL task on this machine, under the configuration's egress rules,
        # probing an HTTPS server on 127.0.0.1 (the outside world the configuration is opened to).
        executor = LocalWdlExecutor(moto.url, run_timeout=60, drop_timeout=1.0, work_dir=Path(scratch) / "runs")
        site = DestinationSite(Path(scratch) / "pki")
        with OmicsEmulator(ec2_endpoint=moto.url, delay=0.0, executor=executor) as emulator:
            delays = latency.emulator_delays()
            emulator.backend.configuration_active_delay = delays["configuration_active"]
            emulator.backend.configuration_deleted_delay = delays["configuration_deleted"]
            try:
                omics = bench.omics(emulator.url, "bench-vpc-runs", site)
            finally:
                site.stop()

    figures = report(latency, collection, baseline, measured, omics)
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    unmet = judge(figures)
    print("\ngoals: " + ("every one holds" if not unmet else "not yet met:\n  " + "\n  ".join(unmet)))
    if options.check:
        regressions = judge(figures, REGRESSION_LIMITS)
        if regressions:
            print("\nbench check FAILED (a regression):\n  " + "\n  ".join(regressions))
            sys.exit(1)
        print("bench check: no regression")


def floors_only(bench, latency):
    """The collection's fresh activation and deactivation, measured against their floors as they are, and four
    regions against one."""
    fresh, _rerun, down = bench.agc("collection", reruns=0)
    four = bench.four_regions()
    print(f"\nmeasured at AWS latency x{latency.scale:g}, no projection:")
    for phase, goal in ((fresh, GOALS["activation_over_floor"]), (down, GOALS["deactivation_over_floor"])):
        print(
            f"  {phase.name:40} {phase.wall:6.1f} s, floor {phase.floor:5.1f} s: {phase.wall / phase.floor:.2f}x "
            f"(goal {goal}); last AWS call at {phase.last_call:.1f} s"
        )
    print(
        f"  {four.name:40} {four.wall:6.1f} s: {four.wall / fresh.wall:.2f}x one region "
        f"(goal {GOALS['four_regions_over_one']})"
    )


def regions_only(bench, latency):
    """One region's fresh activation against four regions' (activate_many), measured and projected."""
    one, four = bench.agc("collection", reruns=0)[0], bench.four_regions()
    scale = latency.scale
    real_one, real_four = at_aws_latency(one, scale), at_aws_latency(four, scale)
    print(
        f"\nat AWS latency x{scale:g}: one region {one.wall:.1f} s, four regions {four.wall:.1f} s: "
        f"{four.wall / one.wall:.2f}x here; projected to AWS latency {real_one:.0f} s and {real_four:.0f} s = "
        f"{real_four / real_one:.2f}x (goal {GOALS['four_regions_over_one']})"
    )


def report(latency, collection, baseline, measured, omics):
    scale = latency.scale
    # Against the floors and four regions against one: at MEASURED_SCALE, in the same run (see MEASURED_SCALE).
    one, one_down, four = measured
    four_over_one = four.wall / one.wall
    print(
        f"\n{'phase':44} {'wall s':>7} {'calls':>6} {'writes':>6} {'floor s':>7} {'wall/floor':>10} "
        f"{'vs baseline':>11} {'at AWS latency':>15}"
    )
    for mine, theirs in zip(collection, baseline):
        for phase, other in ((mine, theirs), (theirs, None)):
            print(
                f"{phase.name:44} {phase.wall:7.1f} {phase.calls:6d} {phase.writes:6d} "
                f"{phase.floor:7.1f} {(phase.wall / phase.floor if phase.floor else 0):10.2f} "
                f"{(f'{phase.wall / other.wall:.2f}x' if other else ''):>11}"
            )
    for phase in (one, one_down, four):
        if phase is not four:
            real = at_aws_latency(phase, MEASURED_SCALE)
            shown = f"{real:6.0f} s = {real / (phase.floor / MEASURED_SCALE):.2f}x floor (projected)"
        else:
            shown = f"{four_over_one:.2f}x one region, measured"
        print(
            f"{phase.name:44} {phase.wall:7.1f} {phase.calls:6d} {phase.writes:6d} {phase.floor:7.1f} "
            f"{phase.wall / phase.floor:10.2f} {'':>11} {shown}"
        )
    # Measured at 1/10 as they are: the configuration's wait (a minute on AWS) overlaps the interface endpoint's (two),
    # so the phase's floor is the endpoint's.
    for phase in omics:
        print(
            f"{phase.name:44} {phase.wall:7.1f} {phase.calls:6d} {phase.writes:6d} {phase.floor:7.1f} "
            f"{(phase.wall / phase.floor if phase.floor else 0):10.2f}"
        )
    print(
        "  (HealthOmics calls go to the emulator and are not counted; no stock module manages HealthOmics. The "
        "connectivity test's turnaround: its workflow registered, the probe image cached, the run in the "
        "configuration, the report; the run itself at the emulator's speed)"
    )

    fresh = collection[0]
    minimum = sum(MINIMUM_WRITES.values())
    deliberate = sum(DELIBERATE_WRITES.values())
    print(
        f"\nwrites of a fresh activation: {fresh.writes}; the APIs' minimum for these resources is {minimum}, "
        f"plus {deliberate} on purpose:"
    )
    for what, count in DELIBERATE_WRITES.items():
        print(f"  {count}  {what}")
    gap = fresh.writes - minimum - deliberate
    print(
        f"  gap to minimum + deliberate: {gap}"
        + ("" if not gap else "  (" + ", ".join(f"{k} x{v}" for k, v in sorted(fresh.writes_by_call.items())) + ")")
    )
    rerun = collection[1]
    print(
        f"no-change re-run calls: {rerun.calls}; the minimum that reads back every attribute the core sets is "
        f"{sum(CONVERGENCE_READS.values())}:"
    )
    for what, count in CONVERGENCE_READS.items():
        print(f"  {count}  {what}")
    print("  made: " + ", ".join(f"{k} x{v}" for k, v in sorted(rerun.calls_by_name.items())))

    return {
        "scale": scale,
        "activation_over_floor": at_aws_latency(one, MEASURED_SCALE) / (one.floor / MEASURED_SCALE),
        "activation_over_baseline": fresh.wall / baseline[0].wall,
        "deactivation_over_floor": at_aws_latency(one_down, MEASURED_SCALE) / (one_down.floor / MEASURED_SCALE),
        "deactivation_over_baseline": collection[2].wall / baseline[2].wall,
        "rerun_over_baseline": rerun.wall / baseline[1].wall,
        "rerun_calls": rerun.calls,
        "rerun_writes": rerun.writes,
        "four_regions_over_one": four_over_one,
        "connectivity_test_turnaround": round(omics[2].wall, 2),
        "measured_scale": MEASURED_SCALE,
        "activation_writes": fresh.writes,
        "minimum_writes": minimum,
        "phases": {
            p.name: {"wall": round(p.wall, 2), "calls": p.calls, "writes": p.writes}
            for p in (*collection, *baseline, *measured, *omics)
            if p is not None
        },
    }


if __name__ == "__main__":
    main()
