"""Run `ansible-test sanity` over this collection (what Automation Hub certification requires), offline.

ansible-test only works inside an `ansible_collections/<namespace>/<name>` directory and resolves symlinks, so
the .build symlink of make test does not do. This builds a throwaway tree instead:

    <tmp>/ansible_collections/genomics/aws     the files of the working tree that git tracks or does not ignore
    <tmp>/ansible_collections/amazon/aws       the amazon.aws of the installed ansible package (validate-modules
                                               needs its doc fragments)

and runs `ansible-test sanity --python 3.11 --local` there (pslint and shellcheck skipped: no pwsh or shellcheck
here, and the collection has no PowerShell or shell scripts). Extra arguments are passed through, e.g.

    .venv/bin/python tests/sanity/run_ansible_test.py --test pep8

The exit status is ansible-test's. The files are those ansible-test itself tests in a git checkout
(`git ls-files --cached --others --exclude-standard`, less deleted files), so a new file is tested before `git add`.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE, NAME = "genomics", "aws"
PYTHON_VERSION = "3.11"
SKIPPED_TESTS = ("pslint", "shellcheck")

# ansible-test bootstraps pip in each of its virtual environments by running a get-pip script that it downloads
# from https://ci-files.testing.ansible.com/ansible-test/get-pip-<version>.py and caches at the path below. That
# host is unreachable without internet (only a PyPI mirror is), so the cache is filled with this stand-in: pip
# from the standard library's ensurepip, then the pinned pip (and nothing else) from the package index. It takes
# the same arguments as get-pip, less --no-setuptools and --no-wheel, which pip install does not know.
GET_PIP_STAND_IN = '''\
# Offline stand-in for ansible-test's get-pip bootstrap: pip from ensurepip, then the requested pip from the index.
# Written by genomics.aws tests/sanity/run_ansible_test.py because ci-files.testing.ansible.com is unreachable.
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", *args])
'''


def installed_package_dir(package):
    """The directory of an installed package of this interpreter, without importing it."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"{package} is not installed in {sys.executable}; run make venv")
    return Path(list(spec.submodule_search_locations)[0])


def bootstrap_pip_version():
    """The pip version ansible-test bootstraps (the name of its cached get-pip script depends on it)."""
    source = (installed_package_dir("ansible_test") / "_internal" / "python_requirements.py").read_text()
    match = re.search(r"default_packages = dict\(\s*pip='([0-9.]+)'", source)
    if not match:
        sys.exit("cannot find the pip version ansible-test bootstraps in ansible_test/_internal/python_requirements.py")
    return match.group(1)


def ensure_get_pip_stand_in():
    cache = Path.home() / ".ansible" / "test" / "cache" / f"get_pip_{bootstrap_pip_version().replace('.', '_')}.py"
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(GET_PIP_STAND_IN)
        print(f"wrote the offline pip bootstrap stand-in {cache}", flush=True)


def build_tree(base):
    """Copy the collection's files and amazon.aws under base/ansible_collections; return the collection's copy."""
    collection = base / "ansible_collections" / NAMESPACE / NAME
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    for relative in sorted(set(filter(None, listed.decode().split("\0")))):
        source = ROOT / relative
        if not source.is_file() and not source.is_symlink():  # deleted in the working tree
            continue
        target = collection / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    amazon_aws = installed_package_dir("ansible_collections") / "amazon" / "aws"
    if not amazon_aws.is_dir():
        sys.exit(f"amazon.aws is not installed at {amazon_aws}; run make venv")
    shutil.copytree(
        amazon_aws,
        base / "ansible_collections" / "amazon" / "aws",
        symlinks=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return collection


def main(argv):
    ensure_get_pip_stand_in()
    bin_dir = Path(sys.executable).parent
    ansible_test = bin_dir / "ansible-test"
    if not ansible_test.exists():
        sys.exit(f"{ansible_test} not found; run make venv")
    command = [str(ansible_test), "sanity", "--python", PYTHON_VERSION, "--local", "--color", "no"]
    for test in SKIPPED_TESTS:
        command += ["--skip-test", test]
    command += argv
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    # Collections found elsewhere (the .build symlink, ~/.ansible) would shadow the copies.
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    env.pop("ANSIBLE_COLLECTIONS_PATHS", None)
    with tempfile.TemporaryDirectory(prefix="genomics-aws-sanity-") as base:
        collection = build_tree(Path(base))
        print("+ " + " ".join(command), flush=True)
        return subprocess.run(command, cwd=collection, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
