"""`make demo`: activate, re-activate and deactivate a region against a local moto server.

No AWS account or credentials are needed: a moto server on 127.0.0.1 stands in for AWS, and the
playbooks are the ones you would run against real AWS, given the moto endpoint as an override.
Along the way: the activation report (a Mermaid diagram of the VPC, the ids, the monthly cost
estimate) and an endpoint audit of a customer's own VPC ("bring your own VPC").
"""

import json
import os
import socket
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
# The activation report is kept after the demo, under .build/ (ignored by git and by ansible-galaxy build).
REPORT = ROOT / ".build" / "demo" / "activation-report.md"

sys.path.insert(0, str(ROOT))
from tests.playbooks.customer_vpc import create_customer_vpc  # noqa: E402


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
            return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("moto_server did not start")


def banner(text):
    print(f"\n\033[1m==> {text}\033[0m" if sys.stdout.isatty() else f"\n==> {text}", flush=True)


def playbook(name, endpoint, env, report, *extra):
    command = [
        str(BIN / "ansible-playbook"), str(ROOT / "playbooks" / name),
        "-e", f"aws_endpoint_url={endpoint}", "-e", f"aws_region={REGION}", "-e", f"report_file={report}",
        "-e", "poll_interval=1", *extra,
    ]
    subprocess.run(command, env=env, check=True, cwd=ROOT)
    return json.loads(Path(report).read_text())


def show_report(path):
    """The activation report's path, its Mermaid diagram and its cost estimate (the rest is resource ids)."""
    text = path.read_text()
    diagram = text.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    cost = text.split("## Monthly cost estimate\n", 1)[1].split("\n## ", 1)[0].strip()
    print(f"\nActivation report: {path} (Markdown; the diagram renders on GitHub or in any Mermaid viewer)\n")
    print(f"```mermaid\n{diagram}\n```\n")
    print(cost)


def summary(first, second, third, audit):
    core = first["core_infrastructure"]
    print("\nWhat activation built (moto, account {account_id}, {region}):".format(**core))
    print(f"  VPC            {core['vpc']['id']} {core['vpc']['cidr_block']} (managed)")
    print(f"  subnets        {len(core['subnets']['public'])} public, {len(core['subnets']['private'])} private")
    print(f"  NAT gateways   {len(core['nat_gateways'])} ({', '.join(n['availability_zone'] for n in core['nat_gateways'])})")
    print(f"  VPC endpoints  {', '.join(e['service'] for e in core['vpc_endpoints'])}")
    print(f"  bucket         {core['bucket']['url']}")
    print(f"  compute AMI    {core['compute_image']}")
    print(f"  changes        {len(first['changes'])} on the first run, {len(second['changes'])} on the second (changed={second['changed']})")
    print(f"  report         {REPORT}")
    retained = third["retained"]
    print("\nWhat deactivation did:")
    print(f"  deleted        {len(third['changes'])} steps, ending with: {third['changes'][-2]}; {third['changes'][-1]}")
    print(f"  retained       bucket {retained['bucket']['name']}; {retained['log_groups']}")
    print(f"\nEndpoint audit of a customer VPC ({audit['vpc_id']}, nothing changed):")
    print(f"  present        {', '.join(audit['audit']['present']) or 'none'}")
    print(f"  missing        {', '.join(audit['audit']['missing']) or 'none'}")
    print(f"  to add them    ansible-playbook genomics.aws.endpoints_audit -e vpc={audit['vpc_id']} -e ensure=true")


def main():
    started = time.monotonic()
    env = environment()
    server, endpoint = start_moto(free_port(), env)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="agc-walkthrough-") as scratch:
            banner(f"moto_server on {endpoint}: activate the region (agc account activate)")
            first = playbook("activate.yml", endpoint, env, f"{scratch}/first.json", "-e", f"activation_report={REPORT}")
            show_report(REPORT)
            banner("Activate again with the same options: nothing to change")
            second = playbook("activate.yml", endpoint, env, f"{scratch}/second.json", "-e", f"activation_report={REPORT}")
            banner("Deactivate (agc account deactivate): delete the core, keep the data")
            third = playbook("deactivate.yml", endpoint, env, f"{scratch}/third.json")
            banner("Bring your own VPC: a customer VPC (public subnets to an IGW, private subnets), audited for endpoints")
            vpc = create_customer_vpc(endpoint, REGION, **CREDENTIALS)
            print(f"created with boto3: {vpc['vpc_id']}, public {', '.join(vpc['public_subnets'])}, private {', '.join(vpc['private_subnets'])}")
            audit = playbook("endpoints_audit.yml", endpoint, env, f"{scratch}/audit.json", "-e", f"vpc={vpc['vpc_id']}")
        summary(first, second, third, audit)
        if second["changed"] or not first["changed"]:
            raise SystemExit("demo failed: the second activation should change nothing")
        if audit["audit"]["present"] or len(audit["audit"]["missing"]) != 9:
            raise SystemExit("demo failed: the bare customer VPC should lack all 9 endpoints")
        print(f"\nDemo finished in {time.monotonic() - started:.0f} s.")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
