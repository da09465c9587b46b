"""The repository's layout rules: tools/ (the emulator, loopback servers, demo, bench) never imports from tests/,
and the package markers of tools/ and tests/ stay empty (the emulator's __init__.py is its interface, not a marker)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = sorted((ROOT / "tools").rglob("*.py"))


def imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


@pytest.mark.parametrize("path", TOOLS, ids=[str(p.relative_to(ROOT)) for p in TOOLS])
def test_tools_do_not_import_tests(path):
    assert not [name for name in imported_modules(path) if name == "tests" or name.startswith("tests.")]


def test_package_markers_are_empty():
    assert TOOLS, "tools/ has no Python files"
    markers = [ROOT / "tools" / "__init__.py", *(ROOT / "tests").rglob("__init__.py")]
    assert [str(p.relative_to(ROOT)) for p in markers if p.read_text()] == []


def test_the_files_make_test_starts_first_exist():
    from pathlib import Path

    from tests.conftest import LONGEST_FIRST

    root = Path(__file__).resolve().parents[2]
    assert [path for path in LONGEST_FIRST if not (root / path).is_file()] == []
