"""agc-project.yaml read as the AGC CLI reads it, refused with the key path and the bad value, mapped to HealthOmics."""

import hashlib
import os
import textwrap

import pytest

from ansible_collections.genomics.aws.plugins.module_utils.migration import AnsibleGenomicsError
from ansible_collections.genomics.aws.plugins.module_utils.migration import map_project
from ansible_collections.genomics.aws.plugins.module_utils.migration import read_project
from ansible_collections.genomics.aws.plugins.module_utils.omics import package_definition

from .conftest import HELLO_WDL
from .conftest import write_tree

MINIMAL = "name: P\ncontexts:\n  ctx:\n    engines:\n      - type: wdl\n        engine: cromwell\n"


def by_name(plan):
    return {entry["agc_name"]: entry for entry in plan}


def test_a_demo_project_is_read_with_its_workflows_data_and_contexts(demo_project):
    project = read_project(str(demo_project))
    assert project.name == "Demo" and project.schema_version == 1
    assert [w.name for w in project.workflows] == ["hello", "read", "words-with-vowels", "assembly"]
    # YAML reads `version: 1.0` as a float; the plan compares it as the text the author wrote.
    assert {w.version for w in project.workflows} == {"1.0"}
    assert [(d.bucket, d.prefix, d.read_only) for d in project.data] == [
        ("gatk-test-data", "", True),
        ("my-results", "scratch", False),
        ("broad-references", "hg38/v0", True),  # readOnly defaults to true, as in the AGC CLI
    ]
    assert [(c.name, c.engine_type, c.engine) for c in project.contexts] == [
        ("myContext", "wdl", "cromwell"),
        ("miniContext", "wdl", "miniwdl"),
    ]
    assert project.contexts[0].settings == {"requestSpotInstances": True}


def test_a_version_keeps_the_text_its_author_wrote(tmp_path):
    project = (
        "name: P\nworkflows:\n  nf:\n    type: {language: nextflow, version: 23.10}\n    sourceURL: main.nf\n"
        "  w:\n    type: {language: wdl, version: 1.10}\n    sourceURL: main.wdl\n"
    )
    write_tree(tmp_path, {"agc-project.yaml": project + MINIMAL[len("name: P\n") :], "main.nf": "", "main.wdl": ""})
    versions = {w.name: w.version for w in read_project(str(tmp_path)).workflows}
    # yaml.safe_load would give 23.1 and 1.1.
    assert versions == {"nf": "23.10", "w": "1.10"}


def test_the_project_file_itself_may_be_given(demo_project):
    assert read_project(str(demo_project / "agc-project.yaml")).directory == str(demo_project)


def test_each_workflow_is_mapped_to_a_healthomics_workflow_or_refused_with_the_reason(demo_project):
    plan = by_name(map_project(read_project(str(demo_project)), tags={"team": "genomics"}))

    hello = plan["hello"]["healthomics"]
    assert plan["hello"]["migratable"] and hello["name"] == "Demo-hello"
    # A single file: packaged alone, HealthOmics takes it as the main file.
    assert hello["definition_path"] == str(demo_project / "workflows/hello/hello.wdl") and hello["main"] is None
    assert hello["files"] == ["hello.wdl"]
    # Cromwell ran WDL in one of the contexts: HealthOmics' Cromwell-compatible mode.
    assert hello["engine"] == "WDL_LENIENT"
    assert hello["tags"] == {"team": "genomics", "agc-project": "Demo", "agc-workflow": "hello"}

    read = plan["read"]["healthomics"]
    assert read["main"] == "read.wdl"  # MANIFEST.json's mainWorkflowURL
    assert read["inputs_file"] == str(demo_project / "workflows/read/read.inputs.json")
    assert read["parameter_template"] == {"file": {"description": "a file to read"}}
    assert "read.inputs.json" in read["files"] and "MANIFEST.json" in read["files"]

    words = plan["words-with-vowels"]["healthomics"]
    assert words["main"] == "words-with-vowels.wdl"  # the one .wdl at the top; lib/ is packaged beside it
    assert words["files"] == ["lib/tasks.wdl", "words-with-vowels.wdl"]
    assert any("derives the parameters" in note for note in plan["words-with-vowels"]["notes"])

    assembly = plan["assembly"]
    assert not assembly["migratable"] and assembly["healthomics"] is None
    assert "WDL, Nextflow and CWL" in assembly["reason"] and "snakemake" in assembly["reason"]


def test_the_digest_is_the_one_omics_workflow_records(demo_project):
    read = by_name(map_project(read_project(str(demo_project))))["read"]["healthomics"]
    expected = package_definition(read["definition_path"], read["main"], read["engine"], read["parameter_template"])
    assert read["definition_digest"] == expected.digest
    again = by_name(map_project(read_project(str(demo_project))))["read"]["healthomics"]
    assert again["definition_digest"] == read["definition_digest"]
    (demo_project / "workflows/read/read.wdl").write_text("version 1.0\nworkflow read {}\n")
    changed = by_name(map_project(read_project(str(demo_project))))["read"]["healthomics"]
    assert changed["definition_digest"] != read["definition_digest"]


@pytest.mark.parametrize(
    "language, version, engine, migratable, expected",
    [
        ("wdl", "1.1", "miniwdl", True, "WDL"),  # miniwdl only: HealthOmics' strict WDL
        ("wdl", "development", "cromwell", True, "WDL_LENIENT"),
        ("wdl", "draft-2", "cromwell", False, "WDL draft-2 documents must be upgraded"),
        ("nextflow", "dsl2", "nextflow", True, "NEXTFLOW"),
        ("nextflow", "1.0", "nextflow", True, "NEXTFLOW"),
        ("cwl", "v1.2", "toil", True, "CWL"),
        ("cwl", "v1.3", "toil", False, "CWL v1.3 is not among them"),
        ("snakemake", "1.0", "snakemake", False, "no HealthOmics engine"),
    ],
)
def test_language_version_and_engine_decide_the_healthomics_engine(
    tmp_path, language, version, engine, migratable, expected
):
    extension = {"wdl": "wdl", "nextflow": "nf", "cwl": "cwl", "snakemake": "smk"}[language]
    project = write_tree(
        tmp_path,
        {
            "agc-project.yaml": textwrap.dedent(
                f"""\
                name: P
                workflows:
                  w:
                    type: {{language: {language}, version: "{version}"}}
                    sourceURL: w
                contexts:
                  ctx:
                    engines: [{{type: {language}, engine: {engine}}}]
                """
            ),
            f"w/main.{extension}": "x\n",
            f"w/other.{extension}": "y\n",
        },
    )
    (entry,) = map_project(read_project(str(project)))
    assert entry["migratable"] is migratable
    if migratable:
        assert entry["healthomics"]["engine"] == expected
        assert entry["healthomics"]["main"] == f"main.{extension}"  # main.<ext> wins over other files
    else:
        assert expected in entry["reason"]


# Each case: the project text, then what the error must name (the key path and the bad value).
BAD_PROJECTS = {
    "not yaml": ("name: [unclosed\n", ["not valid YAML"]),
    "empty": ("", ["is empty"]),
    "a list at the top": ("- name: P\n", ["(top level) must be a mapping"]),
    "unknown top-level key": (MINIMAL + "workflow: {}\n", ["(top level) has unknown key(s) ['workflow']"]),
    "name missing": ("contexts: {c: {engines: [{type: wdl, engine: cromwell}]}}\n", ["name is missing"]),
    "contexts missing": ("name: P\n", ["contexts is missing"]),
    "name with a dash": (MINIMAL.replace("name: P", "name: my-project"), ["name", '"my-project"']),
    "schemaVersion text": (MINIMAL + "schemaVersion: one\n", ["schemaVersion", '"one"']),
    "schemaVersion 2": (MINIMAL + "schemaVersion: 2\n", ["schemaVersion 2 is not supported"]),
    "workflows a list": (MINIMAL + "workflows: [a]\n", ["workflows must be a mapping", '["a"]']),
    "workflow without type": (MINIMAL + "workflows: {w: {sourceURL: w.wdl}}\n", ["workflows.w.type is missing"]),
    "workflow without sourceURL": (
        MINIMAL + "workflows: {w: {type: {language: wdl, version: 1.0}}}\n",
        ["workflows.w.sourceURL is missing"],
    ),
    "type without language": (
        MINIMAL + "workflows: {w: {type: {version: 1.0}, sourceURL: w.wdl}}\n",
        ["workflows.w.type.language is missing"],
    ),
    "type without version": (
        MINIMAL + "workflows: {w: {type: {language: wdl}, sourceURL: w.wdl}}\n",
        ["workflows.w.type.version is missing"],
    ),
    "empty language": (
        MINIMAL + "workflows: {w: {type: {language: '', version: 1.0}, sourceURL: w.wdl}}\n",
        ["workflows.w.type.language must be a non-empty string", '""'],
    ),
    "misspelt workflow key": (
        MINIMAL + "workflows: {w: {type: {language: wdl, version: 1.0}, sourceUrl: w.wdl}}\n",
        ["workflows.w has unknown key(s) ['sourceUrl']"],
    ),
    "http sourceURL": (
        MINIMAL + "workflows: {w: {type: {language: wdl, version: 1.0}, sourceURL: 'https://x.org/w.wdl'}}\n",
        ["workflows.w.sourceURL", "https://x.org/w.wdl", "only paths relative"],
    ),
    "bad bucket in sourceURL": (
        MINIMAL + "workflows: {w: {type: {language: wdl, version: 1.0}, sourceURL: 's3://Bad_Bucket/w.wdl'}}\n",
        ["workflows.w.sourceURL", "Bad_Bucket"],
    ),
    "missing sourceURL path": (
        MINIMAL + "workflows: {w: {type: {language: wdl, version: 1.0}, sourceURL: nowhere/w.wdl}}\n",
        ["workflows.w.sourceURL 'nowhere/w.wdl' does not exist"],
    ),
    "data a mapping": (MINIMAL + "data: {location: s3://b}\n", ["data must be a list"]),
    "data without location": (MINIMAL + "data: [{readOnly: true}]\n", ["data[0].location is missing"]),
    "data not on s3": (
        MINIMAL + "data: [{location: s3://ok-bucket}, {location: /mnt/data}]\n",
        ["data[1].location", "/mnt/data", "s3:// URL"],
    ),
    "readOnly as text": (
        MINIMAL + "data: [{location: s3://ok-bucket, readOnly: 'no'}]\n",
        ["data[0].readOnly", '"no"'],
    ),
    "wildcard inside a location": (
        MINIMAL + "data: [{location: 's3://ok-bucket/a*/b'}]\n",
        ["data[0].location", "a*/b"],
    ),
    "context name with a dash": (
        "name: P\ncontexts: {my-ctx: {engines: [{type: wdl, engine: cromwell}]}}\n",
        ["contexts.my-ctx", '"my-ctx"'],
    ),
    "context without engines": ("name: P\ncontexts: {ctx: {maxVCpus: 4}}\n", ["contexts.ctx.engines", "null"]),
    "two engines": (
        "name: P\ncontexts: {ctx: {engines: [{type: wdl, engine: cromwell}, {type: cwl, engine: toil}]}}\n",
        ["contexts.ctx.engines must list exactly one engine"],
    ),
    "engine without type": (
        "name: P\ncontexts: {ctx: {engines: [{engine: cromwell}]}}\n",
        ["contexts.ctx.engines[0].type is missing"],
    ),
    "engine of another language": (
        "name: P\ncontexts: {ctx: {engines: [{type: wdl, engine: snakemake}]}}\n",
        ["contexts.ctx.engines[0].engine", '"snakemake"', "does not run wdl"],
    ),
    "unknown engine type": (
        "name: P\ncontexts: {ctx: {engines: [{type: python, engine: cromwell}]}}\n",
        ["contexts.ctx.engines[0].type", '"python"'],
    ),
    "spot as text": (
        "name: P\ncontexts: {ctx: {requestSpotInstances: 'yes', engines: [{type: wdl, engine: cromwell}]}}\n",
        ["contexts.ctx.requestSpotInstances", '"yes"'],
    ),
    "zero vCPUs": (
        "name: P\ncontexts: {ctx: {maxVCpus: 0, engines: [{type: wdl, engine: cromwell}]}}\n",
        ["contexts.ctx.maxVCpus", "0 must be a positive integer"],
    ),
    "instance types as text": (
        "name: P\ncontexts: {ctx: {instanceTypes: c5.large, engines: [{type: wdl, engine: cromwell}]}}\n",
        ["contexts.ctx.instanceTypes", "c5.large"],
    ),
}


def _tree_fingerprint(root):
    return sorted(
        (str(p.relative_to(root)), hashlib.sha256(p.read_bytes()).hexdigest()) for p in root.rglob("*") if p.is_file()
    )


@pytest.mark.parametrize("case", sorted(BAD_PROJECTS))
def test_a_bad_project_is_refused_naming_the_key_and_the_value(tmp_path, case):
    text, expected = BAD_PROJECTS[case]
    project = write_tree(tmp_path / "p", {"agc-project.yaml": text, "w.wdl": HELLO_WDL})
    before = _tree_fingerprint(project)
    with pytest.raises(AnsibleGenomicsError) as raised:
        map_project(read_project(str(project)))
    for part in expected:
        assert part in raised.value.message, raised.value.message
    assert _tree_fingerprint(project) == before  # reading changes nothing


BAD_SOURCES = {
    "manifest main outside": ({"mainWorkflowURL": "../escape.wdl"}, ["mainWorkflowURL '../escape.wdl'"]),
    "manifest without main": ({"inputFileURLs": []}, ["must be an object with mainWorkflowURL"]),
    "no manifest, two workflow files": (None, ["without MANIFEST.json and 2 .wdl file(s)", "a.wdl", "b.wdl"]),
}


@pytest.mark.parametrize("case", sorted(BAD_SOURCES))
def test_a_workflow_directory_whose_main_file_cannot_be_found_is_refused(tmp_path, case):
    manifest, expected = BAD_SOURCES[case]
    files = {
        "agc-project.yaml": MINIMAL + "workflows: {w: {type: {language: wdl, version: 1.0}, sourceURL: wf}}\n",
        "wf/a.wdl": HELLO_WDL,
        "wf/b.wdl": HELLO_WDL,
        "escape.wdl": HELLO_WDL,
    }
    if manifest is not None:
        files["wf/MANIFEST.json"] = manifest
    project = write_tree(tmp_path, files)
    with pytest.raises(AnsibleGenomicsError) as raised:
        map_project(read_project(str(project)))
    assert "workflows.w" in raised.value.message
    for part in expected:
        assert part in raised.value.message, raised.value.message


def test_a_directory_without_a_project_file_is_refused(tmp_path):
    with pytest.raises(AnsibleGenomicsError, match="no agc-project.yaml"):
        read_project(str(tmp_path))
    assert os.listdir(tmp_path) == []
