"""`make demo`: the collection's two halves, and the move from one to the other, against local stand-ins for AWS,
on 127.0.0.1 only.

1. AGC core infrastructure: activate, re-activate (no change) and deactivate a region against a moto
   server, with the activation report (a Mermaid diagram of the VPC, the ids, the monthly cost estimate)
   and an endpoint audit of a customer's own VPC ("bring your own VPC").
2. HealthOmics VPC-connected runs: moto plus the project's HealthOmics emulator, which runs WDL tasks on
   this machine under the configuration's security group and routes. Four real servers stand for the
   outside world (HTTPS with its own CA, a TCP license server, FTP with a passive port range, an SSH
   server); the omics_vpc_networking playbook opens the network to them and the connectivity test
   proves it from inside the VPC, with its table and its JSON, JUnit XML and Markdown reports.

3. From AGC to HealthOmics: the region activated again, and an AGC project with two small WDL workflows (one
   reading a `data` location) and a Snakemake one moved to HealthOmics in the core's VPC by the
   agc_project_to_healthomics playbook: the network, the runs' role, the workflows, the connectivity test passing,
   one run completing, and the migration report.

No AWS account or credentials are needed; the playbooks are the ones you would run against real AWS,
given the local endpoint as an override. `--part agc`, `--part omics` or `--part migrate` (repeatable) runs a part.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REGION = "us-east-1"
# Fake credentials for moto. Ansible masks the secret wherever it appears in output, so it is a string
# that appears nowhere else.
CREDENTIALS = {"aws_access_key_id": "AKIAMOTOLOCAL0000000", "aws_secret_access_key": "moto-local-secret-not-a-real-key"}
# The reports are kept after the demo, by default under .build/ (ignored by git and by ansible-galaxy build).
REPORTS = ROOT / ".build" / "demo"
# Where the connectivity-test run writes its outputs. No TLS-only bucket policy here: moto applies a policy's
# Deny statements but not their Conditions, so it would deny the run's HTTPS writes that real S3 allows.
RESULTS_BUCKET = "genomics-demo-omics-results"

sys.path.insert(0, str(ROOT))
from tools.customer_vpc import create_customer_vpc  # noqa: E402
from tools.local_aws import free_port  # noqa: E402
from tools.loopback_servers import DestinationSite  # noqa: E402


def environment():
    env = dict(os.environ)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    env.update(
        AWS_ACCESS_KEY_ID=CREDENTIALS["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=CREDENTIALS["aws_secret_access_key"],
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"),
        ANSIBLE_FORCE_COLOR=env.get("ANSIBLE_FORCE_COLOR", "true" if sys.stdout.isatty() else "false"),
        ANSIBLE_DEPRECATION_WARNINGS="false",
        # The playbooks run on the implicit localhost (with this Python, which has boto3): no inventory to warn about.
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def start_moto(port, env):
    server = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _attempt in range(100):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
            return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("moto_server did not start")


def start_omics_emulator(moto_url, env, work_dir):
    """The HealthOmics emulator, as its own process: the one endpoint of the HealthOmics playbooks. It answers
    omics itself, forwards EC2, S3 and IAM to moto, and runs the workflows' WDL tasks here (--executor local)."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.healthomics_emulator",
            "--executor",
            "local",
            "--ec2-endpoint",
            moto_url,
            "--delay",
            "0.2",
            "--connect-drop-timeout",
            "2",
            "--work-dir",
            str(work_dir),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = server.stdout.readline()  # "omics emulator listening on http://127.0.0.1:<port>"
    if "listening on " not in line:
        server.kill()
        raise SystemExit("the HealthOmics emulator did not start")
    return server, line.rsplit(" ", 1)[1].strip()


def banner(text):
    print(f"\n\033[1m==> {text}\033[0m" if sys.stdout.isatty() else f"\n==> {text}", flush=True)


def playbook(name, endpoint, env, *extra, report=None):
    """Run one of the collection's playbooks; returns what it wrote to ``report`` (its report_file), if asked."""
    command = [
        str(BIN / "ansible-playbook"),
        str(ROOT / "playbooks" / name),
        "-e",
        f"aws_endpoint_url={endpoint}",
        "-e",
        f"aws_region={REGION}",
        "-e",
        "poll_interval=1",
        *extra,
    ]
    if report:
        command += ["-e", f"report_file={report}"]
    subprocess.run(command, env=env, check=True, cwd=ROOT)
    return json.loads(Path(report).read_text()) if report else None


def vars_file(directory, name, variables):
    path = Path(directory) / name
    path.write_text(json.dumps(variables, indent=2))
    return "-e", f"@{path}"


def show_report(path):
    """The activation report's path, its Mermaid diagram and its cost estimate (the rest is resource ids)."""
    text = path.read_text()
    diagram = text.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    cost = text.split("## Monthly cost estimate\n", 1)[1].split("\n## ", 1)[0].strip()
    print(f"\nActivation report: {path} (Markdown; the diagram renders on GitHub or in any Mermaid viewer)\n")
    print(f"```mermaid\n{diagram}\n```\n")
    print(cost)


def summary(first, second, third, audit, reports):
    core = first["core_infrastructure"]
    print("\nWhat activation built (moto, account {account_id}, {region}):".format(**core))
    print(f"  VPC            {core['vpc']['id']} {core['vpc']['cidr_block']} (managed)")
    print(f"  subnets        {len(core['subnets']['public'])} public, {len(core['subnets']['private'])} private")
    print(
        f"  NAT gateways   {len(core['nat_gateways'])} "
        f"({', '.join(n['availability_zone'] for n in core['nat_gateways'])})"
    )
    print(f"  VPC endpoints  {', '.join(e['service'] for e in core['vpc_endpoints'])}")
    print(f"  bucket         {core['bucket']['url']}")
    print(f"  compute AMI    {core['compute_image']}")
    print(
        f"  changes        {len(first['changes'])} on the first run, {len(second['changes'])} on the second "
        f"(changed={second['changed']})"
    )
    print(f"  report         {reports / 'activation-report.md'}")
    retained = third["retained"]
    print("\nWhat deactivation did:")
    print(
        f"  deleted        {len(third['changes'])} steps, ending with: {third['changes'][-2]}; {third['changes'][-1]}"
    )
    print(f"  retained       bucket {retained['bucket']['name']}; {retained['log_groups']}")
    print(f"\nEndpoint audit of a customer VPC ({audit['vpc_id']}, nothing changed):")
    print(f"  present        {', '.join(audit['audit']['present']) or 'none'}")
    print(f"  missing        {', '.join(audit['audit']['missing']) or 'none'}")
    print(f"  to add them    ansible-playbook genomics.aws.endpoints_audit -e vpc={audit['vpc_id']} -e ensure=true")


def agc_part(endpoint, env, scratch, reports):
    """Activate, re-activate, deactivate; then audit a customer VPC's endpoints."""
    activation_report = reports / "activation-report.md"
    banner(f"moto_server on {endpoint}: activate the region (agc account activate)")
    first = playbook(
        "activate.yml", endpoint, env, "-e", f"activation_report={activation_report}", report=f"{scratch}/first.json"
    )
    show_report(activation_report)
    banner("Activate again with the same options: nothing to change")
    second = playbook(
        "activate.yml", endpoint, env, "-e", f"activation_report={activation_report}", report=f"{scratch}/second.json"
    )
    banner("Deactivate (agc account deactivate): delete the core, keep the data")
    third = playbook("deactivate.yml", endpoint, env, report=f"{scratch}/third.json")
    banner("Bring your own VPC: a customer VPC (public subnets to an IGW, private subnets), audited for endpoints")
    vpc = create_customer_vpc(endpoint, REGION, **CREDENTIALS)
    print(
        f"created with boto3: {vpc['vpc_id']}, public {', '.join(vpc['public_subnets'])}, private "
        f"{', '.join(vpc['private_subnets'])}"
    )
    audit = playbook("endpoints_audit.yml", endpoint, env, "-e", f"vpc={vpc['vpc_id']}", report=f"{scratch}/audit.json")
    summary(first, second, third, audit, reports)
    if second["changed"] or not first["changed"]:
        raise SystemExit("demo failed: the second activation should change nothing")
    if audit["audit"]["present"] or len(audit["audit"]["missing"]) != 9:
        raise SystemExit("demo failed: the bare customer VPC should lack all 9 endpoints")


def omics_part(moto_url, env, scratch, reports):
    """Open a VPC to four loopback servers for HealthOmics runs, then prove it with the connectivity test."""
    connectivity_reports = reports / "connectivity-test"
    shutil.rmtree(connectivity_reports, ignore_errors=True)  # a verdict only from this run
    site = DestinationSite(Path(scratch) / "pki")
    emulator, omics_url = start_omics_emulator(moto_url, env, Path(scratch))
    try:
        banner(
            f"HealthOmics emulator on {omics_url} (forwarding EC2, S3 and IAM to moto): the outside world on 127.0.0.1"
        )
        destinations = site.destinations()
        for destination in destinations:
            where = destination.get("url") or f"{destination['host']}:{destination['port']}"
            extra = (
                " (passive ports {}-{})".format(*destination["passive_ports"]) if "passive_ports" in destination else ""
            )
            print(f"  {destination['name']:17} {destination['kind']:6} {where}{extra}  {destination['description']}")
        vpc = create_customer_vpc(moto_url, REGION, cidr_prefix="10.40", azs=2, nat_gateways="per_az", **CREDENTIALS)
        print(
            f"A VPC for the runs, built with boto3: {vpc['vpc_id']}, private subnets "
            f"{', '.join(vpc['private_subnets'])}, "
            f"each routed to a NAT gateway ({', '.join(vpc['nat_gateways'])}) in a public subnet"
        )
        boto3_client("s3", moto_url).create_bucket(Bucket=RESULTS_BUCKET)

        banner("Open the network for these destinations (playbooks/omics_vpc_networking_example.yml)")
        networking = playbook(
            "omics_vpc_networking_example.yml",
            omics_url,
            env,
            *vars_file(
                scratch,
                "networking-vars.json",
                {
                    "omics_vpc_networking_name": "demo-vpc-runs",
                    "omics_vpc_networking_subnets": vpc["private_subnets"],
                    "omics_vpc_networking_destinations": destinations,
                    "omics_vpc_networking_poll_interval": 1,
                },
            ),
            report=f"{scratch}/networking.json",
        )

        banner("Prove it from inside the VPC: the connectivity test (playbooks/connectivity_test.yml)")
        test_started = time.monotonic()
        playbook(
            "connectivity_test.yml",
            omics_url,
            env,
            *vars_file(
                scratch,
                "connectivity-vars.json",
                {
                    "destinations": destinations,
                    "configuration": "demo-vpc-runs",
                    "output_uri": f"s3://{RESULTS_BUCKET}/connectivity-test/",
                    "ca_bundle": str(site.pki.ca_pem),
                    "timeout_seconds": 3,
                    "wait_timeout": 300,
                    "report_dir": str(connectivity_reports),
                    "probe_from_controller": True,
                },
            ),
        )
        turnaround = time.monotonic() - test_started
        report = json.loads((connectivity_reports / "connectivity-report.json").read_text())
        run = omics_client(omics_url).get_run(id=report["run"]["id"])
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        site.stop()
    group = networking["security_group"]
    print("\nHealthOmics VPC-connected runs:")
    print(
        f"  configuration  {networking['vpc_configuration']['name']} ({networking['vpc_configuration']['status']}) "
        "over "
        f"{len(vpc['private_subnets'])} private subnets; security group {group['id']}: "
        f"{len(group['ip_permissions_egress'])} egress rules, {len(group['ip_permissions'])} ingress"
    )
    print(
        f"  test run       {run['id']} {run['status']}, networking mode {run['networkingMode']} in "
        f"{run['configuration']['name']}, "
        f"run cache: {run.get('cacheId', 'none')}"
    )
    print(
        f"  probe image    {run['parameters']['probe_image']} (the ECR pull-through cache's copy of "
        f"public.ecr.aws/docker/library/python:3.12-slim, which HealthOmics may pull)"
    )
    in_service = (run["stopTime"] - run["creationTime"]).total_seconds()
    print(
        f"  turnaround     {turnaround:.1f} s from the playbook's start (workflow registered, image cached, run) to "
        f"the report; the run itself {in_service:.1f} s from submission to COMPLETED"
    )
    print(
        f"  verdict        {report['summary']['ok']} of {report['summary']['total']} destinations reachable from "
        "inside the VPC"
    )
    print(f"  reports        {', '.join(sorted(str(path) for path in connectivity_reports.iterdir()))}")
    if report["summary"]["ok"] != report["summary"]["total"] or report["summary"]["total"] != len(destinations):
        raise SystemExit("demo failed: every destination should be reachable from the VPC")


MIGRATION_BUCKET = "genomics-demo-agc-bucket"
MIGRATION_DATA_BUCKET = "genomics-demo-agc-inputs"
MIGRATION_TASK_RUNTIME = '  runtime { docker: "public.ecr.aws/docker/library/python:3.12-slim" }\n'
MIGRATION_PROJECT = {
    "agc-project.yaml": f"""---
name: DemoProject
schemaVersion: 1
workflows:
  hello:
    type: {{language: wdl, version: 1.0}}
    sourceURL: workflows/hello/hello.wdl
  count-lines:
    type: {{language: wdl, version: 1.0}}
    sourceURL: workflows/count-lines
  assembly:
    type: {{language: snakemake, version: 1.0}}
    sourceURL: workflows/assembly
data:
  - location: s3://{MIGRATION_DATA_BUCKET}/greetings
    readOnly: true
contexts:
  onDemandCtx:
    engines: [{{type: wdl, engine: miniwdl}}]
  snakemakeCtx:
    engines: [{{type: snakemake, engine: snakemake}}]
""",
    "workflows/hello/hello.wdl": "version 1.0\nworkflow hello {\n  call say\n"
    "  output { String message = say.message }\n}\n"
    "task say {\n  command <<< echo hello from HealthOmics >>>\n  output { String message = read_string(stdout()) }\n"
    + MIGRATION_TASK_RUNTIME
    + "}\n",
    "workflows/count-lines/MANIFEST.json": json.dumps(
        {"mainWorkflowURL": "count-lines.wdl", "inputFileURLs": ["count-lines.inputs.json"]}
    ),
    "workflows/count-lines/count-lines.wdl": "version 1.0\nworkflow count_lines {\n  input { File greeting }\n"
    "  call count { input: greeting = greeting }\n  output { Int lines = count.lines }\n}\n"
    "task count {\n  input { File greeting }\n  command <<< wc -l < ~{greeting} >>>\n"
    "  output { Int lines = read_int(stdout()) }\n" + MIGRATION_TASK_RUNTIME + "}\n",
    "workflows/count-lines/count-lines.inputs.json": json.dumps(
        {"count_lines.greeting": f"s3://{MIGRATION_DATA_BUCKET}/greetings/hello.txt"}
    ),
    "workflows/assembly/Snakefile": "rule all:\n    input: 'assembly.fa'\n",
}


def migrate_part(moto_url, env, scratch, reports):
    """Activate, then move an AGC project to HealthOmics in the core's VPC; show the report."""
    # The AGC bucket is an existing one (used as it is): moto would deny the runs' writes under a TLS-only policy.
    s3 = boto3_client("s3", moto_url)
    s3.create_bucket(Bucket=MIGRATION_BUCKET)
    s3.create_bucket(Bucket=MIGRATION_DATA_BUCKET)
    s3.put_object(Bucket=MIGRATION_DATA_BUCKET, Key="greetings/hello.txt", Body=b"hello\nbonjour\nhallo\n")
    project = Path(scratch) / "agc-project"
    for name, text in MIGRATION_PROJECT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    site = DestinationSite(Path(scratch) / "pki-migrate")
    emulator, omics_url = start_omics_emulator(moto_url, env, Path(scratch))
    report_md, report_json = reports / "agc-migration.md", Path(scratch) / "agc-migration.json"
    try:
        banner(f"Activate the region again, with the bucket {MIGRATION_BUCKET} (playbooks/activate.yml)")
        playbook("activate.yml", moto_url, env, "-e", f"bucket={MIGRATION_BUCKET}")
        portal = [d for d in site.destinations() if d["name"] == "results-portal"]
        banner("Move the AGC project to HealthOmics in that VPC (playbooks/agc_project_to_healthomics.yml)")
        playbook(
            "agc_project_to_healthomics.yml",
            omics_url,
            env,
            *vars_file(
                scratch,
                "migration-vars.json",
                {
                    "project": str(project),
                    "destinations": portal,
                    "connectivity_destinations": ["results-portal"],
                    "ca_bundle": str(site.pki.ca_pem),
                    "timeout_seconds": 3,
                    "wait_timeout": 300,
                    "run_workflows": True,
                    "report_dir": str(reports / "agc-migration-connectivity"),
                    "report_markdown": str(report_md),
                },
            ),
            report=str(report_json),
        )
        report = json.loads(report_json.read_text())
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        site.stop()
    print(f"\nMigration report: {report_md}\n")
    print(report_md.read_text())
    runs = [w["run"] for w in report["workflows"] if w.get("run")]
    moved = [w for w in report["workflows"] if w["migratable"]]
    print(
        f"  moved          {len(moved)} of {len(report['workflows'])} workflows; "
        f"not migratable: {', '.join(w['agc_name'] for w in report['workflows'] if not w['migratable'])}"
    )
    print(f"  connectivity   {report['connectivity']['verdict']}")
    print(f"  runs           {', '.join(r['id'] + ' ' + r['status'] for r in runs)}")
    if report["connectivity"]["verdict"] != "passed" or [r for r in runs if r["status"] != "COMPLETED"] or not runs:
        raise SystemExit("demo failed: the connectivity test should pass and the run complete")


def boto3_client(service, endpoint, **options):
    import boto3

    return boto3.client(service, region_name=REGION, endpoint_url=endpoint, **CREDENTIALS, **options)


def omics_client(endpoint):
    from botocore.config import Config

    # HealthOmics' model prefixes host names (workflows-, analytics-...), which a local endpoint has no use for.
    return boto3_client("omics", endpoint, config=Config(inject_host_prefix=False))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--part",
        choices=("all", "agc", "omics", "migrate"),
        action="append",
        help="which part to run, repeatable (default: all three)",
    )
    parser.add_argument("--reports", type=Path, default=REPORTS, help=f"where the reports go (default: {REPORTS})")
    options = parser.parse_args()
    parts = set(options.part or ["all"])
    if "all" in parts:
        parts = {"agc", "omics", "migrate"}
    reports = options.reports.resolve()
    started = time.monotonic()
    env = environment()
    server, endpoint = start_moto(free_port(), env)
    reports.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="genomics-aws-demo-") as scratch:
            if "agc" in parts:
                agc_part(endpoint, env, scratch, reports)
            if "omics" in parts:
                omics_part(endpoint, env, scratch, reports)
            if "migrate" in parts:
                migrate_part(endpoint, env, scratch, reports)
        print(f"\nDemo finished in {time.monotonic() - started:.0f} s.")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
