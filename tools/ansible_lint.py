"""ansible-lint over the roles and playbooks from a plain clone: the one documented command (`make lint` runs it).

ansible-lint resolves `genomics.aws.*` through Ansible's collection path, where a checkout is not: its own fix,
installing the collection into its cache, needs Galaxy (for amazon.aws) and is off in `offline: true` (.ansible-lint).
This script gives it the collection the way Ansible finds any collection, an `ansible_collections/genomics/aws`
directory on ANSIBLE_COLLECTIONS_PATH, as a symlink to this checkout under .build/ (git-ignored, left out of the
build), made when missing; amazon.aws comes from the Python environment (the `ansible` package). Arguments are passed
to ansible-lint (default: roles playbooks).

    python3 tools/ansible_lint.py            # or: make lint
"""

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS = ROOT / ".build" / "ansible-lint"
LINK = COLLECTIONS / "ansible_collections" / "genomics" / "aws"


def ensure_link():
    if LINK.is_symlink() and LINK.resolve() == ROOT:
        return
    LINK.parent.mkdir(parents=True, exist_ok=True)
    if LINK.is_symlink() or LINK.exists():
        LINK.unlink()
    LINK.symlink_to(ROOT, target_is_directory=True)


def main(argv):
    ensure_link()
    beside_python = Path(sys.executable).parent / "ansible-lint"
    ansible_lint = str(beside_python) if beside_python.exists() else shutil.which("ansible-lint")
    if ansible_lint is None:
        sys.exit("ansible-lint is not installed: pip install ansible-lint (or run make lint, which sets it up)")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="true")
    os.chdir(ROOT)
    os.execve(ansible_lint, [ansible_lint, *(argv or ["roles", "playbooks"])], env)


if __name__ == "__main__":
    main(sys.argv[1:])
