"""`make demo`: activate, re-activate and deactivate a region against a local moto server.

No AWS account or credentials are needed: a moto server on 127.0.0.1 stands in for AWS, and the
playbooks are the ones you would run against real AWS, given the moto endpoint as an override.
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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment():
    env = dict(os.environ)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    env.update(
        AWS_ACCESS_KEY_ID="demo",
        AWS_SECRET_ACCESS_KEY="demo",
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
        "-e", f"aws_endpoint_url={endpoint}", "-e", f"aws_region={REGION}", "-e", f"report_file={report}", *extra,
    ]
    subprocess.run(command, env=env, check=True, cwd=ROOT)
    return json.loads(Path(report).read_text())


def summary(first, second, third):
    core = first["core_infrastructure"]
    print("\nWhat activation built (moto, account {account_id}, {region}):".format(**core))
    print(f"  VPC            {core['vpc']['id']} {core['vpc']['cidr_block']} (managed)")
    print(f"  subnets        {len(core['subnets']['public'])} public, {len(core['subnets']['private'])} private")
    print(f"  NAT gateways   {len(core['nat_gateways'])} ({', '.join(n['availability_zone'] for n in core['nat_gateways'])})")
    print(f"  VPC endpoints  {', '.join(e['service'] for e in core['vpc_endpoints'])}")
    print(f"  bucket         {core['bucket']['url']}")
    print(f"  compute AMI    {core['compute_image']}")
    print(f"  changes        {len(first['changes'])} on the first run, {len(second['changes'])} on the second (changed={second['changed']})")
    retained = third["retained"]
    print("\nWhat deactivation did:")
    print(f"  deleted        {len(third['changes'])} steps, ending with: {third['changes'][-2]}; {third['changes'][-1]}")
    print(f"  retained       bucket {retained['bucket']['name']}; {retained['log_groups']}")


def main():
    env = environment()
    server, endpoint = start_moto(free_port(), env)
    try:
        with tempfile.TemporaryDirectory(prefix="agc-demo-") as scratch:
            banner(f"moto_server on {endpoint}: activate the region (agc account activate)")
            first = playbook("activate.yml", endpoint, env, f"{scratch}/first.json")
            banner("Activate again with the same options: nothing to change")
            second = playbook("activate.yml", endpoint, env, f"{scratch}/second.json")
            banner("Deactivate (agc account deactivate): delete the core, keep the data")
            third = playbook("deactivate.yml", endpoint, env, f"{scratch}/third.json")
        summary(first, second, third)
        if second["changed"] or not first["changed"]:
            raise SystemExit("demo failed: the second activation should change nothing")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
