"""omics_workflow: idempotency by digest, replacement, in-place updates, rejection and bad input."""

import io
import zipfile

import pytest

from ansible_collections.genomics.aws.plugins.module_utils.omics import DIGEST_TAG
from ansible_collections.genomics.aws.plugins.module_utils.omics import package_definition
from ansible_collections.genomics.aws.plugins.modules import omics_workflow

from .helpers import run_module
from .helpers import stored
from .helpers import workflow_zip

MAIN_WDL = "version 1.0\nworkflow hello {\n  call say\n}\ntask say {\n  command { echo hi }\n}\n"


@pytest.fixture
def definition(tmp_path):
    root = tmp_path / "hello"
    (root / "tasks").mkdir(parents=True)
    (root / "main.wdl").write_text(MAIN_WDL)
    (root / "tasks" / "util.wdl").write_text("version 1.0\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def workflow(capsys, emulator, path, **args):
    args.setdefault("name", "hello")
    args.setdefault("wait_timeout", 30)
    return run_module(omics_workflow, capsys, emulator.url, definition_path=str(path), **args)


def test_idempotency_triple(capsys, emulator, definition):
    digest = package_definition(str(definition), "main.wdl", "WDL").digest
    plan = workflow(
        capsys, emulator, definition, main="main.wdl", engine="WDL", check_mode=True, diff=True, tags={"team": "lab"}
    )
    assert plan["changed"] and plan["workflow"]["definition_digest"] == digest and plan["workflow"]["id"] is None
    assert plan["diff"]["before"] == {}
    assert stored(emulator, "workflows") == []

    applied = workflow(capsys, emulator, definition, main="main.wdl", engine="WDL", diff=True, tags={"team": "lab"})
    assert applied["changed"] and not applied.get("failed"), applied
    [created] = stored(emulator, "workflows")
    assert created.tags == {"team": "lab", DIGEST_TAG: digest}
    assert (created.name, created.main, created.engine) == ("hello", "main.wdl", "WDL")
    with zipfile.ZipFile(io.BytesIO(created.definition_zip)) as archive:
        assert archive.namelist() == ["main.wdl", "tasks/util.wdl"]  # sorted, .git left out
        assert archive.read("main.wdl").decode() == MAIN_WDL
    result = applied["workflow"]
    assert result["id"] == created.id and result["status"] == "ACTIVE" and result["definition_digest"] == digest
    assert applied["diff"]["after"] == result

    # Touching the files (new mtimes) changes nothing: the zip is deterministic.
    for path in definition.rglob("*.wdl"):
        path.write_text(path.read_text())
    rerun = workflow(capsys, emulator, definition, main="main.wdl", engine="WDL", diff=True, tags={"team": "lab"})
    assert not rerun["changed"] and rerun["workflow"]["id"] == created.id
    assert rerun["diff"]["before"] == rerun["diff"]["after"]
    assert [w.id for w in stored(emulator, "workflows")] == [created.id]


def test_changed_definition_replaces_the_workflow(capsys, emulator, definition):
    first = workflow(capsys, emulator, definition)["workflow"]
    (definition / "main.wdl").write_text(MAIN_WDL.replace("echo hi", "echo hello"))

    plan = workflow(capsys, emulator, definition, check_mode=True, diff=True)
    assert plan["changed"] and plan["diff"]["before"]["id"] == first["id"]
    assert plan["diff"]["after"]["definition_digest"] != first["definition_digest"]
    assert [w.id for w in stored(emulator, "workflows")] == [first["id"]]

    replaced = workflow(capsys, emulator, definition)
    assert replaced["changed"] and any("is replaced" in w for w in replaced["warnings"])
    [current] = stored(emulator, "workflows")
    assert current.id == replaced["workflow"]["id"] != first["id"]
    assert b"echo hello" in zipfile.ZipFile(io.BytesIO(current.definition_zip)).read("main.wdl")
    assert current.tags[DIGEST_TAG] == replaced["workflow"]["definition_digest"] != first["definition_digest"]
    assert not workflow(capsys, emulator, definition)["changed"]


@pytest.mark.parametrize(
    "option, value", [("main", "main.wdl"), ("engine", "WDL"), ("parameter_template", {"who": {"description": "name"}})]
)
def test_create_time_settings_are_part_of_the_digest(capsys, emulator, definition, option, value):
    first = workflow(capsys, emulator, definition)["workflow"]
    changed = workflow(capsys, emulator, definition, **{option: value})
    assert changed["changed"] and changed["workflow"]["id"] != first["id"]
    [current] = stored(emulator, "workflows")
    assert current.id == changed["workflow"]["id"]


def test_description_and_storage_change_in_place(capsys, emulator, definition):
    first = workflow(capsys, emulator, definition, description="one", tags={"a": "1"})["workflow"]
    plan = workflow(
        capsys, emulator, definition, description="two", storage_type="STATIC", storage_capacity=1200, check_mode=True
    )
    assert plan["changed"] and plan["workflow"]["description"] == "two" and plan["workflow"]["storage_type"] == "STATIC"
    assert stored(emulator, "workflows")[0].description == "one"
    updated = workflow(
        capsys, emulator, definition, description="two", storage_type="STATIC", storage_capacity=1200, tags={"b": "2"}
    )
    assert updated["changed"] and updated["workflow"]["id"] == first["id"]
    [current] = stored(emulator, "workflows")
    assert (current.description, current.settings.get("storageType"), current.settings.get("storageCapacity")) == (
        "two",
        "STATIC",
        1200,
    )
    assert current.tags == {"b": "2", DIGEST_TAG: first["definition_digest"]}  # purged "a", kept the digest
    assert updated["workflow"]["storage_capacity"] == 1200


def test_single_file_definition(capsys, emulator, tmp_path):
    path = tmp_path / "align.nf"
    path.write_text("workflow {}\n")
    result = workflow(capsys, emulator, path, name="align")
    [created] = stored(emulator, "workflows")
    assert result["changed"] and created.engine == "NEXTFLOW" and created.main == "align.nf"
    assert zipfile.ZipFile(io.BytesIO(created.definition_zip)).namelist() == ["align.nf"]


def test_rejected_definition_fails_and_keeps_the_previous_workflow(capsys, emulator, definition):
    first = workflow(capsys, emulator, definition, main="main.wdl")["workflow"]
    (definition / "notes.txt").write_text("readme\n")
    # Valid for the module (the file exists), refused by HealthOmics: no engine for a .txt main file.
    result = workflow(capsys, emulator, definition, main="notes.txt")
    assert result["failed"] and "HealthOmics rejected the definition" in result["msg"]
    assert "Cannot detect the workflow engine of 'notes.txt'" in result["msg"]
    assert [w.id for w in stored(emulator, "workflows")] == [first["id"]]


def test_workflows_not_created_by_the_module_are_left_alone(capsys, emulator, omics, definition):
    foreign = omics.create_workflow(name="hello", definitionZip=workflow_zip(), requestId="by-hand")["id"]
    created = workflow(capsys, emulator, definition)
    assert created["changed"] and any(foreign in w and "left alone" in w for w in created["warnings"])
    removed = workflow(capsys, emulator, definition, state="absent")
    assert removed["changed"] and removed["deleted"] == [created["workflow"]["id"]]
    assert [w.id for w in stored(emulator, "workflows")] == [foreign]


def test_absent(capsys, emulator, definition):
    created = workflow(capsys, emulator, definition)["workflow"]
    plan = workflow(capsys, emulator, definition, state="absent", check_mode=True)
    assert plan["changed"] and plan["deleted"] == [created["id"]] and len(stored(emulator, "workflows")) == 1
    removed = workflow(capsys, emulator, definition, state="absent", diff=True)
    assert removed["changed"] and removed["workflow"] == {} and removed["diff"]["before"]["id"] == created["id"]
    assert stored(emulator, "workflows") == []
    assert not workflow(capsys, emulator, definition, state="absent")["changed"]


@pytest.mark.parametrize(
    "args, named",
    [
        ({"definition_path": "/nonexistent/workflow"}, "definition_path '/nonexistent/workflow' does not exist"),
        ({"main": "missing.wdl"}, "main 'missing.wdl' is not a file of definition_path"),
        ({"name": "bad\x07name"}, "contains a control character"),
        ({"name": "x" * 129}, "must be 1 to 128 characters"),
        ({"storage_capacity": 100001}, "storage_capacity 100001"),
        ({"parameter_template": {"who": {"type": "string"}}}, "parameter_template['who']"),
        ({"tags": {"aws:owner": "me"}}, "is reserved"),
    ],
)
def test_bad_input_fails_naming_the_value(capsys, emulator, definition, args, named):
    path = args.pop("definition_path", str(definition))
    result = workflow(capsys, emulator, path, **args)
    assert result["failed"] and named in result["msg"]
    assert stored(emulator, "workflows") == []


def test_empty_directory_is_refused(capsys, emulator, tmp_path):
    result = workflow(capsys, emulator, tmp_path)
    assert result["failed"] and "holds no files" in result["msg"]
    assert stored(emulator, "workflows") == []
