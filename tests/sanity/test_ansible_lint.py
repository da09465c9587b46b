"""ansible-lint with the production profile over the roles and playbooks (.ansible-lint), as Galaxy and AAP
certification run it, through the one documented command (tools/ansible_lint.py, `make lint`): it must work from a
plain clone, so it runs with no ANSIBLE_COLLECTIONS_PATH and does not use the .build symlink of make test."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ansible_lint_production_profile_passes_with_the_documented_command():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_COLLECTIONS")}
    env["NO_COLOR"] = "1"
    completed = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "ansible_lint.py"), "--nocolor", "-f", "pep8", "roles", "playbooks"],
        check=False,
        cwd=ROOT / "roles",  # any directory of the clone
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "Passed: 0 failure(s), 0 warning(s)" in output, output
    assert "Profile 'production' was required, and it passed" in output, output
    assert "Error loading plugin" not in output, output  # every genomics.aws module resolved
