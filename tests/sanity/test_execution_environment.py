"""The execution environment: `ansible-builder create` makes a build context from execution-environment.yml (no
container engine needed; building the image is `ansible-builder build`), and the introspection ansible-builder runs
inside the image finds this collection's Python and system requirements through meta/execution-environment.yml."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def requirement_lines(path):
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def test_ansible_builder_creates_a_build_context_with_the_collection_requirements(tmp_path):
    context = tmp_path / "context"
    completed = subprocess.run(
        [str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml", "--context", str(context)],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    containerfile = (context / "Dockerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile and "introspect" in containerfile
    assert yaml.safe_load((context / "_build" / "requirements.yml").read_text())["collections"][:2] == [
        {"name": "genomics.aws", "version": ">=0.1.0"},
        {"name": "amazon.aws", "version": ">=10.0.0,<11.0.0"},
    ]
    assert requirement_lines(context / "_build" / "requirements.txt") == requirement_lines(ROOT / "requirements.txt")
    assert requirement_lines(context / "_build" / "bindep.txt") == requirement_lines(ROOT / "bindep.txt")

    # What the image build runs once the collections are installed: our meta/execution-environment.yml is found.
    collections = tmp_path / "collections" / "ansible_collections" / "genomics"
    collections.mkdir(parents=True)
    shutil.copytree(ROOT / "meta", collections / "aws" / "meta")
    for name in ("galaxy.yml", "requirements.txt", "bindep.txt"):
        shutil.copy(ROOT / name, collections / "aws" / name)
    introspected = subprocess.run(
        [
            sys.executable,
            str(context / "_build" / "scripts" / "introspect.py"),
            "introspect",
            str(tmp_path / "collections"),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert introspected.returncode == 0, introspected.stderr
    found = yaml.safe_load(introspected.stdout)
    wanted_python = [f"{r}  # from collection genomics.aws" for r in requirement_lines(ROOT / "requirements.txt")]
    assert found["python"] == wanted_python and "boto3>=1.34.0  # from collection genomics.aws" in wanted_python
    assert found["system"] == [f"{r}  # from collection genomics.aws" for r in requirement_lines(ROOT / "bindep.txt")]


def test_the_execution_environment_asks_for_amazon_aws_as_galaxy_yml_does():
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    definition = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
    collections = {c["name"]: c.get("version") for c in definition["dependencies"]["galaxy"]["collections"]}
    assert collections["amazon.aws"] == galaxy["dependencies"]["amazon.aws"]
    meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    assert meta["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}
