"""The built collection (ansible-galaxy collection build) holds the collection and nothing else: no tests, no
development tools, no caches or credentials that a used checkout accumulates (galaxy.yml build_ignore)."""

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What a checkout holds after make test, make demo, ruff, antsibull-changelog and a real-AWS integration run.
DEBRIS = {
    ".ruff_cache/0.6.9/12345": "cache",
    ".pytest_cache/v/cache/lastfailed": "{}",
    ".mypy_cache/3.11/x.json": "{}",
    ".ansible/collections/.keep": "",
    ".build/demo/activation-report.md": "report",
    ".venv/bin/python": "",
    "changelogs/.plugin-cache.yaml": "objects: {}\n",
    "tests/integration/cloud-config-aws.ini": "[default]\naws_access_key = AKIAFAKEFAKEFAKEFAKE\naws_secret_key = "
    "fake-secret\n",
    "tests/output/junit/python3.11-modules.xml": "<testsuites/>",
    "activation-report-123456789012-us-east-1.md": "report",
    "genomics-aws-0.0.1.tar.gz": "not a tarball",
    "plugins/modules/__pycache__/agc_account.cpython-311.pyc": "",
    "plugins/module_utils/__pycache__/agc.cpython-311.pyc": "",
    "tools/healthomics_emulator/__pycache__/server.cpython-311.pyc": "",
    "__pycache__/x.cpython-311.pyc": "",
}
# Nothing under these, and none of these files, may be in the tarball.
FORBIDDEN_DIRS = (
    "tests",
    "tools",
    ".venv",
    ".build",
    ".ruff_cache",
    ".pytest_cache",
    ".mypy_cache",
    ".ansible",
    ".ci",
    "__pycache__",
)
FORBIDDEN_FILES = (
    "changelogs/.plugin-cache.yaml",
    "tests/integration/cloud-config-aws.ini",
    "activation-report-123456789012-us-east-1.md",
    "genomics-aws-0.0.1.tar.gz",
    "Makefile",
    "pytest.ini",
    "ruff.toml",
)
REQUIRED = (
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "LICENSE",
    "meta/runtime.yml",
    "plugins/modules/agc_account.py",
    "changelogs/config.yaml",
)


def used_checkout(target):
    """The files git tracks or does not ignore (as a clone with local edits has them), plus DEBRIS."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    for relative in sorted(set(filter(None, listed.decode().split("\0")))):
        source = ROOT / relative
        if source.is_symlink() or not source.is_file():  # deleted in the working tree, or a symlinked .venv
            continue
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / relative)
    for relative, content in DEBRIS.items():
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        (target / relative).write_text(content)
    # The Makefile's link through which Ansible finds the checkout as genomics.aws.
    link = target / ".build" / "collections" / "ansible_collections" / "genomics" / "aws"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


def test_the_built_collection_holds_no_tests_tools_caches_or_credentials(tmp_path):
    checkout = tmp_path / "genomics.aws"
    used_checkout(checkout)
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-galaxy"),
            "collection",
            "build",
            "--output-path",
            str(tmp_path / "out"),
        ],
        check=False,
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    (tarball,) = (tmp_path / "out").glob("genomics-aws-*.tar.gz")
    with tarfile.open(tarball) as archive:
        names = {member.name.rstrip("/") for member in archive.getmembers()}

    for name in REQUIRED:
        assert name in names, f"{name} is missing from {tarball.name}"
    assert any(name.startswith("roles/") for name in names) and any(name.startswith("playbooks/") for name in names)
    shipped = sorted(
        name
        for name in names
        if name.split("/")[0] in FORBIDDEN_DIRS
        or "__pycache__" in name.split("/")
        or name in FORBIDDEN_FILES
        or name.endswith((".pyc", ".tar.gz"))
    )
    assert not shipped, f"{tarball.name} ships what build_ignore should leave out: {shipped}"
