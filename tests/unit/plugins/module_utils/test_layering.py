"""What each module ships: the module_utils it imports, followed as AnsiballZ follows them.

A module's payload carries every module_util it imports, transitively. The HealthOmics and ECR modules must not
carry the AGC planner, its lock and state store, and the AGC modules must not carry HealthOmics or ECR code; all of
them share _shared. Modules import module_utils only through their facades (agc, omics, ecr, modules).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
MODULE_UTILS = ROOT / "plugins" / "module_utils"
PREFIX = "ansible_collections.genomics.aws.plugins.module_utils"
FACADES = {"agc", "omics", "ecr", "migration", "modules"}


def _exists(name):
    path = MODULE_UTILS / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _resolve(package, node):
    """Dotted module_utils names (relative to module_utils) that an import in `package` refers to."""
    if isinstance(node, ast.Import):
        return [a.name[len(PREFIX) + 1 :] for a in node.names if a.name.startswith(PREFIX + ".")]
    if node.level:
        parts = package.split(".") if package else []
        base = parts[: len(parts) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    elif (node.module or "").startswith(PREFIX):
        target = node.module[len(PREFIX) + 1 :]
    else:
        return []
    # `from package import module` names a module; `from module import name` names the module itself.
    return [f"{target}.{a.name}" if _exists(f"{target}.{a.name}") else target for a in node.names]


def payload(module_file):
    """Every module_util (dotted, relative to module_utils) a module imports, directly or not."""
    todo = [
        n
        for node in ast.walk(ast.parse(module_file.read_text()))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for n in _resolve("", node)
    ]
    seen = set()
    while todo:
        name = todo.pop()
        if not name or name in seen:
            continue
        seen.add(name)
        path = MODULE_UTILS / name.replace(".", "/")
        source = path.with_suffix(".py") if path.with_suffix(".py").exists() else path / "__init__.py"
        package = name if source.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                todo += _resolve(package, node)
    return seen


MODULES = sorted((ROOT / "plugins" / "modules").glob("*.py"))


@pytest.mark.parametrize("module_file", [m for m in MODULES if m.name.startswith("omics_")], ids=lambda p: p.stem)
def test_healthomics_modules_carry_no_agc_code(module_file):
    shipped = payload(module_file)
    assert "_shared.errors" in shipped  # the walk works
    assert not [n for n in shipped if n == "agc" or n.startswith("_agc")], sorted(shipped)


# The migration modules (agc_project_info) read an AGC project and plan HealthOmics workflows: they carry the
# workflow packaging and nothing of the AGC planner.
MIGRATION_MODULES = ("agc_project_info.py",)


@pytest.mark.parametrize("module_file", [m for m in MODULES if m.name in MIGRATION_MODULES], ids=lambda p: p.stem)
def test_migration_modules_carry_no_agc_code_and_only_the_packaging_of_healthomics(module_file):
    shipped = payload(module_file)
    assert "_migration.agc_project" in shipped
    assert not [n for n in shipped if n == "agc" or n.startswith("_agc")], sorted(shipped)
    assert {n for n in shipped if n.startswith("_omics")} == {"_omics.packaging"}, sorted(shipped)


@pytest.mark.parametrize(
    "module_file",
    [m for m in MODULES if m.name.startswith("agc_") and m.name not in MIGRATION_MODULES],
    ids=lambda p: p.stem,
)
def test_agc_modules_carry_no_healthomics_or_ecr_code(module_file):
    shipped = payload(module_file)
    assert "_agc.common" in shipped
    assert not [n for n in shipped if n.split(".")[0] in ("omics", "_omics", "ecr", "_ecr")], sorted(shipped)


@pytest.mark.parametrize("module_file", MODULES, ids=lambda p: p.stem)
def test_modules_import_module_utils_only_through_facades(module_file):
    direct = set()
    for node in ast.walk(ast.parse(module_file.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PREFIX):
            direct.add(node.module[len(PREFIX) + 1 :].split(".")[0])
    assert direct and direct <= FACADES, direct


def test_shared_depends_on_nothing_of_the_domains():
    for file in (MODULE_UTILS / "_shared").glob("*.py"):
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                assert node.module and node.module.split(".")[0] == "_shared", f"{file.name} imports ..{node.module}"
