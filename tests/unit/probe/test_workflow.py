"""The connectivity-test WDL workflow, built as the role builds it at run time (never committed): from the template, the
probe and the destination schema, byte for byte the same on every build, valid for miniwdl, volatile, runnable."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.genomics.aws.plugins.module_utils.omics import package_definition
from tools.loopback_servers import closed_port

from .conftest import BUILD_PATH
from .conftest import FILES
from .conftest import PROBE_PATH
from .conftest import ROOT
from .conftest import SCHEMA_PATH
from .conftest import TEMPLATE_PATH

BIN = Path(sys.executable).parent
LOOP = "127.0.0.1"
HEREDOCS = {  # the file each heredoc of the task command writes: (its first line, its last line)
    PROBE_PATH: (b"cat > connectivity_probe.py <<'GENOMICS_AWS_PROBE_EOF'\n", b"GENOMICS_AWS_PROBE_EOF\n"),
    SCHEMA_PATH: (b"cat > destination_schema.py <<'GENOMICS_AWS_SCHEMA_EOF'\n", b"GENOMICS_AWS_SCHEMA_EOF\n"),
}


def build(directory, *extra, builder=BUILD_PATH):
    """Run build_workflow.py as the role does; returns the built main.wdl's path."""
    output = Path(directory) / "workflow" / "main.wdl"
    completed = subprocess.run(
        [sys.executable, str(builder), "--output", str(output), *extra],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "wrote %s\n" % output
    return output


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build(tmp_path_factory.mktemp("build"))


def test_no_built_workflow_is_committed():
    assert not (FILES / "workflow").exists()
    tracked = subprocess.run(
        ["git", "ls-files", "roles/omics_connectivity_test"], cwd=ROOT, check=True, capture_output=True, text=True
    )
    assert not [path for path in tracked.stdout.split() if path.endswith(".wdl")], tracked.stdout


def test_two_builds_give_the_same_bytes_and_the_same_workflow_zip(built, tmp_path):
    # Another directory, another working directory, later: nothing of that may reach main.wdl, so omics_workflow finds
    # the same definition (digest and zip bytes) on every run and every machine, and changes nothing.
    os.utime(PROBE_PATH)
    again = build(tmp_path / "elsewhere" / "deeper")
    assert again.read_bytes() == built.read_bytes()
    first, second = (package_definition(str(path.parent), main="main.wdl", engine="WDL") for path in (built, again))
    assert first.paths == second.paths == ["main.wdl"]
    assert (first.zip_bytes, first.digest) == (second.zip_bytes, second.digest)


def test_a_build_over_the_same_output_changes_nothing(built, builder):
    before = built.stat().st_mtime_ns
    assert builder.build(str(built)) is False
    assert built.stat().st_mtime_ns == before
    assert sorted(p.name for p in built.parent.iterdir()) == ["main.wdl"]


def test_the_probe_dir_holds_the_files_the_task_runs(tmp_path):
    probe_dir = tmp_path / "probe"
    build(tmp_path, "--probe-dir", str(probe_dir))
    assert sorted(p.name for p in probe_dir.iterdir()) == ["connectivity_probe.py", "destination_schema.py"]
    assert (probe_dir / "connectivity_probe.py").read_bytes() == PROBE_PATH.read_bytes()
    assert (probe_dir / "destination_schema.py").read_bytes() == SCHEMA_PATH.read_bytes()
    # Run from there, the probe imports the schema next to it (there is no collection around it to fall back on).
    destinations = tmp_path / "destinations.json"
    destinations.write_text(
        json.dumps({"region": "eu-west-1", "destinations": [{"name": "status", "kind": "dynamodb"}]})
    )
    completed = subprocess.run(
        [sys.executable, str(probe_dir / "connectivity_probe.py"), "--destinations", str(destinations), "--validate"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (completed.returncode, completed.stdout) == (0, "1 destination(s) valid\n"), completed.stderr
    # Loaded by path: python3 -P (no script directory on sys.path) and another working directory change nothing.
    completed = subprocess.run(
        [
            sys.executable,
            "-P",
            str(probe_dir / "connectivity_probe.py"),
            "--destinations",
            str(destinations),
            "--validate",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=str(ROOT),
    )
    assert (completed.returncode, completed.stdout) == (0, "1 destination(s) valid\n"), completed.stderr
    (probe_dir / "destination_schema.py").unlink()
    completed = subprocess.run(
        [sys.executable, str(probe_dir / "connectivity_probe.py"), "--destinations", str(destinations), "--validate"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2 and "destination_schema.py is neither next to this file nor at" in completed.stderr


def test_the_build_fails_naming_a_missing_schema(tmp_path):
    completed = subprocess.run(
        [sys.executable, str(BUILD_PATH), "--output", str(tmp_path / "main.wdl"), "--schema", str(tmp_path / "no.py")],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "destination_schema.py is not at %s" % (tmp_path / "no.py") in completed.stderr
    assert not (tmp_path / "main.wdl").exists()


def test_an_installed_collection_builds_the_same_workflow(built, tmp_path):
    """From the tarball ansible-galaxy builds and installs: roles/<role>/files/../../../plugins/module_utils holds
    the schema (the role's role_path/../../plugins/module_utils), and the workflow built there is the same, byte for
    byte."""
    galaxy = str(Path(sys.executable).parent / "ansible-galaxy")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "none"))
    subprocess.run(
        [galaxy, "collection", "build", "--output-path", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        env=env,
        timeout=300,
    )
    (tarball,) = tmp_path.glob("genomics-aws-*.tar.gz")
    subprocess.run(
        [galaxy, "collection", "install", "--no-deps", "--offline", "-p", str(tmp_path / "installed"), str(tarball)],
        check=True,
        capture_output=True,
        env=env,
        timeout=300,
    )
    installed = tmp_path / "installed" / "ansible_collections" / "genomics" / "aws"
    role_path = installed / "roles" / "omics_connectivity_test"
    assert (
        role_path / ".." / ".." / "plugins" / "module_utils" / "destination_schema.py"
    ).resolve().read_bytes() == SCHEMA_PATH.read_bytes()
    assert not (role_path / "files" / "workflow").exists()
    again = build(tmp_path / "from-installed", builder=role_path / "files" / "build_workflow.py")
    assert again.read_bytes() == built.read_bytes()


@pytest.mark.parametrize(
    "path, what", [(PROBE_PATH, "probe"), (SCHEMA_PATH, "destination schema")], ids=["probe", "schema"]
)
def test_built_wdl_embeds_the_probe_and_the_schema_byte_for_byte(built, path, what):
    wdl = built.read_bytes()
    inlined = path.read_bytes()
    first, last = HEREDOCS[path]
    assert wdl.count(first) == 1
    start = wdl.index(first) + len(first)
    end = wdl.index(b"\n" + last, start) + 1
    assert wdl[start:end] == inlined
    assert ("# %s sha256: %s\n" % (what, hashlib.sha256(inlined).hexdigest())).encode() in wdl


@pytest.mark.parametrize("name", ["connectivity_probe.py", "destination_schema.py"])
@pytest.mark.parametrize(
    "text, words",
    [
        ("print('no newline')", "must end with a newline"),
        ("x = '~{oops}'\n", "contains '~{' (line 1)"),
        ("x = 1\n# a doctest prompt >>> here\n", "contains '>>>' (line 2)"),
        ("x = '${HOME}'\n", "contains '${'"),
        ("x = 1\nGENOMICS_AWS_{}_EOF\n", "contains a line GENOMICS_AWS_{}_EOF, which would end its heredoc"),
        ("    indented = True\n", "has no unindented line"),
        ("x = 1\r\n", "must use LF line endings"),
        ("x = '@@CONNECTIVITY_PROBE@@'\n", "contains the template marker @@CONNECTIVITY_PROBE@@"),
    ],
)
def test_build_refuses_a_file_that_would_not_survive_the_wdl(builder, name, text, words):
    """The probe and the schema are both inlined: the same checks hold for each."""
    delimiter = "PROBE" if name == "connectivity_probe.py" else "SCHEMA"
    text, words = text.replace("{}", delimiter), words.replace("{}", delimiter)
    files = {"connectivity_probe.py": PROBE_PATH.read_text(), "destination_schema.py": SCHEMA_PATH.read_text()}
    files[name] = text
    with pytest.raises(builder.BuildError) as failure:
        builder.render(TEMPLATE_PATH.read_text(), files["connectivity_probe.py"], files["destination_schema.py"])
    assert str(failure.value).startswith(name + " ") and words in str(failure.value)


def test_build_refuses_a_template_without_its_markers(builder):
    template = TEMPLATE_PATH.read_text().replace("@@DESTINATION_SCHEMA@@\n", "")
    with pytest.raises(builder.BuildError, match="needs the line @@DESTINATION_SCHEMA@@ exactly once"):
        builder.render(template, PROBE_PATH.read_text(), SCHEMA_PATH.read_text())


def test_miniwdl_check_passes_on_the_built_workflow(built):
    completed = subprocess.run(
        [str(BIN / "miniwdl"), "check", "--strict", "--suppress", "CommandShellCheck", str(built)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "task probe" in completed.stdout


@pytest.fixture(scope="module")
def document(built):
    import WDL

    return WDL.load(str(built))


def test_wdl_version_inputs_outputs(document):
    assert document.wdl_version == "1.0"
    workflow = document.workflow
    assert workflow.name == "connectivity_test"
    inputs = {b.name: b.value for b in workflow.available_inputs}
    assert set(inputs) == {"destinations_json", "timeout_seconds", "ca_bundle_pem", "probe_image"}
    assert [b.name for b in workflow.required_inputs] == ["destinations_json"]
    assert str(inputs["destinations_json"].type) == "String"
    assert inputs["probe_image"].expr.literal.value == "public.ecr.aws/docker/library/python:3.12-slim"
    assert inputs["timeout_seconds"].expr.literal.value == 5
    assert {o.name: str(o.type) for o in workflow.outputs} == {"report": "File", "table": "File"}


def test_task_is_volatile_with_runtime_and_file_outputs(document):
    (task,) = document.tasks
    assert task.meta["volatile"].value is True
    assert set(task.runtime) == {"docker", "cpu", "memory"}
    assert str(task.runtime["docker"]) == "probe_image"
    assert task.runtime["cpu"].literal.value == 1
    assert task.runtime["memory"].literal.value == "2 GiB"
    outputs = {o.name: (str(o.type), o.expr.literal.value) for o in task.outputs}
    assert outputs == {"report": ("File", "report.json"), "table": ("File", "table.txt")}


def test_parameter_template_matches_the_workflow_inputs(document):
    template = json.loads((FILES / "parameter_template.json").read_text())
    workflow = document.workflow
    assert set(template) == {b.name for b in workflow.available_inputs}
    required = {b.name for b in workflow.required_inputs}
    for name, entry in template.items():
        assert set(entry) == {"description", "optional"} and entry["description"]
        assert entry["optional"] is (name not in required)


def render_command(document, write_dir, **inputs):
    """The task's command as miniwdl renders it for these inputs (write_lines files go to ``write_dir``)."""
    import WDL

    (task,) = document.tasks
    env = WDL.Env.Bindings()
    for name, value in inputs.items():
        env = env.bind(name, WDL.Value.Int(value) if isinstance(value, int) else WDL.Value.String(value))

    class HostStdLib(WDL.StdLib.Base):
        """write_* files are used where they are written, as an engine without containers does."""

        def _virtualize_filename(self, filename):
            return filename

        def _devirtualize_filename(self, filename):
            return filename

    return task.command.eval(env, stdlib=HostStdLib(document.wdl_version, write_dir=str(write_dir))).value


def run_task(document, workdir, **inputs):
    engine_dir = workdir.parent / (workdir.name + ".engine")
    engine_dir.mkdir(exist_ok=True)
    defaults = {"probe_image": "python:3.12-slim", "timeout_seconds": 1, "ca_bundle_pem": ""}
    command = render_command(document, engine_dir, **dict(defaults, **inputs))
    script = workdir / "command"
    script.write_text(command)
    env = dict(os.environ, PATH="%s:%s" % (Path(sys.executable).parent, os.environ.get("PATH", "")))
    return subprocess.run(
        ["/bin/sh", str(script)], check=False, cwd=workdir, capture_output=True, text=True, timeout=60, env=env
    )


def test_the_task_command_runs_the_embedded_probe(document, tmp_path, pki, loopback):
    """The command as the engine renders it, run by sh (the container left out): the real task."""
    down = closed_port()
    destinations = [
        {"name": "web", "kind": "https", "url": "https://localhost:%d/ok" % loopback.https.port},
        {"name": "license", "kind": "tcp", "host": LOOP, "port": loopback.license.port},
        {"name": "down", "kind": "tcp", "host": LOOP, "port": down},
        {"name": "quote's \"and\" $HOME ~{x}", "kind": "sftp", "host": LOOP, "port": loopback.ssh.port},
    ]
    completed = run_task(
        document, tmp_path, destinations_json=json.dumps(destinations, indent=2), ca_bundle_pem=pki.ca_pem.read_text()
    )
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "connectivity_probe.py").read_bytes() == PROBE_PATH.read_bytes()
    assert (tmp_path / "destination_schema.py").read_bytes() == SCHEMA_PATH.read_bytes()
    assert json.loads((tmp_path / "destinations.json").read_text()) == destinations
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["ca_bundle"] == "ca_bundle.pem"
    results = {d["name"]: d for d in report["destinations"]}
    assert results["web"]["ok"] and results["license"]["ok"] and results[destinations[3]["name"]]["ok"]
    assert results["down"]["failure"]["class"] == "refused"
    assert (tmp_path / "table.txt").read_text() == completed.stdout


def test_the_task_without_a_ca_bundle_does_not_trust_the_private_ca(document, tmp_path, loopback):
    destinations = [{"name": "web", "kind": "https", "url": "https://%s:%d/ok" % (LOOP, loopback.https.port)}]
    completed = run_task(document, tmp_path, destinations_json=json.dumps(destinations))
    assert completed.returncode == 0, completed.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["ca_bundle"] is None
    assert report["destinations"][0]["failure"]["class"] == "tls"


def test_the_task_fails_on_bad_input(document, tmp_path):
    completed = run_task(document, tmp_path, destinations_json='[{"name": "x", "kind": "gopher"}]')
    assert completed.returncode == 2
    assert 'kind "gopher" is unknown' in completed.stderr
    assert not (tmp_path / "report.json").exists()


@pytest.mark.parametrize("path", [PROBE_PATH, BUILD_PATH, SCHEMA_PATH])
def test_python_3_8_syntax(path):
    ast.parse(path.read_text(), filename=str(path), feature_version=(3, 8))
