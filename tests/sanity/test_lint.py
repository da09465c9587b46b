"""ruff over the whole repository (rules in ruff.toml): unused imports, undefined names, likely bugs, import order,
lines of at most 120 columns, and the formatting `ruff format` gives."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUFF = str(Path(sys.executable).parent / "ruff")


def _ruff(*args):
    return subprocess.run(
        [RUFF, *args, "--no-cache", str(ROOT)], check=False, capture_output=True, text=True, timeout=120
    )


def test_ruff_finds_nothing():
    completed = _ruff("check")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_tree_is_formatted():
    completed = _ruff("format", "--check")
    assert completed.returncode == 0, "run `.venv/bin/ruff format .`:\n" + completed.stdout + completed.stderr
