"""ruff over the whole repository (rules in ruff.toml): unused imports, undefined names, likely bugs."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_finds_nothing():
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "ruff"), "check", "--no-cache", str(ROOT)], check=False, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
