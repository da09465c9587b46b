"""ansible-test sanity over the collection (tests/sanity/run_ansible_test.py, also make ansible-test-sanity): every
test passes, with nothing in an ignore file. The first run on a machine builds ansible-test's virtual environments
under ~/.ansible/test/venv from the package index; later runs reuse them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_sanity_check_is_ignored():
    ignored = {p.name: p.read_text().split("\n") for p in (ROOT / "tests" / "sanity").glob("ignore-*.txt")}
    entries = {
        name: [line for line in lines if line.strip() and not line.startswith("#")] for name, lines in ignored.items()
    }
    assert not any(entries.values()), f"fix these instead of ignoring them: {entries}"


def test_ansible_test_sanity_passes():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "sanity" / "run_ansible_test.py")],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-10000:]
    assert "ERROR:" not in output, output[-10000:]
