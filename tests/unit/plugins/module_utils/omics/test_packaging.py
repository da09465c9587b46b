"""The workflow definition zip is deterministic and its digest tracks exactly what defines a workflow."""

import io
import os
import zipfile

import pytest

from ansible_collections.genomics.aws.plugins.module_utils.omics import AnsibleGenomicsError
from ansible_collections.genomics.aws.plugins.module_utils.omics import package_definition


def make_tree(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


FILES = {"main.wdl": "workflow main {}\n", "tasks/b.wdl": "task b {}\n", "tasks/a.wdl": "task a {}\n"}


def test_same_files_give_the_same_bytes_whatever_their_mtimes_and_creation_order(tmp_path):
    first = package_definition(str(make_tree(tmp_path / "one", FILES)))
    second_root = make_tree(tmp_path / "two", dict(reversed(list(FILES.items()))))
    for index, path in enumerate(sorted(second_root.rglob("*.wdl"))):
        os.utime(path, (1_000_000 + index, 1_700_000_000 + index))
    second = package_definition(str(second_root))
    assert first.zip_bytes == second.zip_bytes
    assert first.digest == second.digest
    archive = zipfile.ZipFile(io.BytesIO(first.zip_bytes))
    assert archive.namelist() == ["main.wdl", "tasks/a.wdl", "tasks/b.wdl"]
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in archive.infolist()} == {0o100644}


def test_digest_changes_with_content_and_create_time_settings(tmp_path):
    root = make_tree(tmp_path / "wf", FILES)
    base = package_definition(str(root)).digest
    assert package_definition(str(root), main="main.wdl").digest != base
    assert package_definition(str(root), engine="WDL").digest != base
    assert package_definition(str(root), parameter_template={"x": {"optional": True}}).digest != base
    (root / "tasks" / "a.wdl").write_text("task a { command {} }\n")
    assert package_definition(str(root)).digest != base
    (root / "tasks" / "a.wdl").rename(root / "tasks" / "c.wdl")  # a rename is a change too
    assert package_definition(str(root)).digest not in (base,)


def test_version_control_and_caches_are_left_out(tmp_path):
    root = make_tree(
        tmp_path / "wf", {**FILES, ".git/config": "[core]\n", "tasks/__pycache__/x.pyc": "x", ".DS_Store": "x"}
    )
    plain = package_definition(str(make_tree(tmp_path / "plain", FILES)))
    packaged = package_definition(str(root))
    assert packaged.paths == ["main.wdl", "tasks/a.wdl", "tasks/b.wdl"]
    assert packaged.digest == plain.digest


def test_a_single_file_is_packaged_under_its_name(tmp_path):
    path = tmp_path / "align.nf"
    path.write_text("workflow {}\n")
    definition = package_definition(str(path))
    assert definition.paths == ["align.nf"]


@pytest.mark.parametrize(
    "path, main, message",
    [
        ("missing", None, "does not exist"),
        ("empty", None, "holds no files"),
        ("wf", "nope.wdl", "main 'nope.wdl' is not a file"),
    ],
)
def test_unusable_definitions_name_the_problem(tmp_path, path, main, message):
    make_tree(tmp_path / "wf", FILES)
    (tmp_path / "empty").mkdir()
    with pytest.raises(AnsibleGenomicsError) as raised:
        package_definition(str(tmp_path / path), main=main)
    assert message in raised.value.message
