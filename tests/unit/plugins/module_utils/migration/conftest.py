"""AGC projects on disk, in the shapes of the AGC CLI's own examples (demo-wdl-project, demo-nextflow-project...)."""

import json
import textwrap

import pytest

HELLO_WDL = 'version 1.0\nworkflow hello {\n  command <<< echo hello >>>\n}\n'
READ_WDL = "version 1.0\nworkflow read {\n  input { File file }\n}\n"


def write_tree(root, files):
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return root


DEMO_PROJECT = textwrap.dedent(
    """\
    ---
    name: Demo
    schemaVersion: 1
    workflows:
      hello:
        type:
          language: wdl
          version: 1.0
        sourceURL: workflows/hello/hello.wdl
      read:
        type:
          language: wdl
          version: 1.0
        sourceURL: workflows/read
      words-with-vowels:
        type:
          language: wdl
          version: 1.0
        sourceURL: ./workflows/words
      assembly:
        type:
          language: snakemake
          version: 1.0
        sourceURL: workflow/sequencing
    data:
      - location: s3://gatk-test-data
        readOnly: true
      - location: s3://my-results/scratch/*
        readOnly: false
      - location: s3://broad-references/hg38/v0
    contexts:
      myContext:
        requestSpotInstances: true
        engines:
          - type: wdl
            engine: cromwell
      miniContext:
        instanceTypes: [c5.large, m5.xlarge]
        engines:
          - type: wdl
            engine: miniwdl
    """
)


def make_demo_project(root):
    """A WDL project as the AGC CLI's demo-wdl-project lays it out, plus a Snakemake workflow."""
    return write_tree(
        root,
        {
            "agc-project.yaml": DEMO_PROJECT,
            "workflows/hello/hello.wdl": HELLO_WDL,
            "workflows/read/MANIFEST.json": {"mainWorkflowURL": "read.wdl", "inputFileURLs": ["read.inputs.json"]},
            "workflows/read/read.wdl": READ_WDL,
            "workflows/read/read.inputs.json": {"read.file": "s3://gatk-test-data/a.txt"},
            "workflows/read/parameter-template.json": {"file": {"description": "a file to read"}},
            "workflows/words/words-with-vowels.wdl": HELLO_WDL,
            "workflows/words/lib/tasks.wdl": "version 1.0\ntask t {}\n",
            "workflow/sequencing/Snakefile": "rule all:\n",
        },
    )


@pytest.fixture
def demo_project(tmp_path):
    return make_demo_project(tmp_path / "demo")
