"""Release notes: the fragments pass `antsibull-changelog lint`, and a `release` dry run (in a copy) gives the
version galaxy.yml declares, as first-release notes: every module, filter, role and playbook listed as new, no
bugfixes of code never released, no development-tooling entries, no history wording."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import ansible_collections.amazon.aws as amazon_aws

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# ansible_collections/ that holds amazon.aws (its doc fragments are needed to read our modules' documentation).
SITE_COLLECTIONS = Path(amazon_aws.__path__[0]).parents[2]
HISTORY_WORDING = re.compile(r"\b(no longer|now|anymore|any more|instead of|former|previously|was|were)\b", re.I)
TOOLING_WORDING = re.compile(
    r"\b(make (test|demo|sweep|bench)|test suite|unit tests?|emulator|moto|ruff|pytest)\b", re.I
)


def changelog(*args, cwd, env=None):
    completed = subprocess.run(
        [str(BIN / "antsibull-changelog"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


def test_fragments_pass_lint():
    completed = changelog("lint", cwd=ROOT)
    assert completed.stdout.strip() == "", completed.stdout


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """The changelog a release of this checkout would write, made in a copy."""
    top = tmp_path_factory.mktemp("release")
    copy = top / "ansible_collections" / "genomics" / "aws"
    copy.mkdir(parents=True)
    for name in ("galaxy.yml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, copy / name)
    for name in ("changelogs", "meta", "plugins", "roles", "playbooks"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", ".plugin-cache.yaml"))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=f"{top}:{SITE_COLLECTIONS}", PATH=f"{BIN}:{os.environ['PATH']}")
    changelog("release", "--date", "2026-12-01", cwd=copy, env=env)
    return {
        "changes": yaml.safe_load((copy / "changelogs" / "changelog.yaml").read_text()),
        "text": (copy / "CHANGELOG.rst").read_text(),
        "fragments_left": sorted(p.name for p in (copy / "changelogs" / "fragments").glob("*.yml")),
    }


def test_release_is_the_galaxy_version_and_lists_everything_as_new(released):
    version = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
    assert list(released["changes"]["releases"]) == [version]
    release = released["changes"]["releases"][version]
    assert released["fragments_left"] == []

    modules = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    assert sorted(m["name"] for m in release["modules"]) == modules
    filters = sorted(p.stem for p in (ROOT / "plugins" / "filter").glob("*.yml"))
    assert sorted(f["name"] for f in release["plugins"]["filter"]) == filters
    roles = sorted(p.name for p in (ROOT / "roles").iterdir() if (p / "tasks").is_dir())
    assert sorted(r["name"] for r in release["objects"]["role"]) == roles
    playbooks = sorted(p.stem for p in (ROOT / "playbooks").glob("*.yml"))
    assert sorted(p["name"] for p in release["objects"]["playbook"]) == playbooks


def test_release_notes_read_as_a_first_release(released):
    changes = released["changes"]["releases"][yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]]["changes"]
    assert changes.get("release_summary")
    assert not {"bugfixes", "breaking_changes", "deprecated_features", "removed_features", "trivial"} & set(changes)
    entries = [e for section, items in changes.items() if section != "release_summary" for e in items]
    for entry in entries + [changes["release_summary"]]:
        assert not HISTORY_WORDING.search(entry), f"history wording in a first release: {entry!r}"
        assert not TOOLING_WORDING.search(entry), f"development tooling in the release notes: {entry!r}"
    assert "v" + yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"] in released["text"]
