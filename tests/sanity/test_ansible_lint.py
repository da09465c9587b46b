"""ansible-lint with the production profile over the roles and playbooks (.ansible-lint), as Galaxy and AAP
certification run it. The collection is found through the same symlink as in make test."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ansible_lint_production_profile_passes():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"), NO_COLOR="1")
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-lint"), "--nocolor", "-f", "pep8", "roles", "playbooks"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "Passed: 0 failure(s), 0 warning(s)" in output, output
    assert "Profile 'production' was required, and it passed" in output, output
