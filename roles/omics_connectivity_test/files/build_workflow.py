#!/usr/bin/env python
"""Build the connectivity-test workflow: main.wdl from main.wdl.in, the probe and the destination schema.

A HealthOmics task command cannot read the other files of its workflow zip, so the probe and the
destination schema it imports travel inside the WDL: the template's marker lines are replaced by
the collection's plugins/module_utils/destination_schema.py and by connectivity_probe.py, byte for
byte, each inside a quoted shell heredoc (no shell expansion). Those files stay the only copies
anyone edits; the built main.wdl is never committed: the genomics.aws.omics_connectivity_test role
builds it at run time in its scratch directory and registers that directory. The output depends on
the three files' bytes only, so the same files give the same main.wdl (and the same workflow zip)
on every run and every machine, and omics_workflow changes nothing.

Usage:
    python3 build_workflow.py --output DIR/main.wdl [--probe-dir DIR2] [--schema PATH]

--probe-dir also writes connectivity_probe.py and destination_schema.py side by side in DIR2, as
the task does, to run the probe on the controller. --schema reads the schema from PATH instead of
../../../plugins/module_utils/ (the collection's layout, in a checkout as when installed).

Standard library only (Python 3.8 or later), so it can run on the Ansible controller.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(HERE, "main.wdl.in")
PROBE = os.path.join(HERE, "connectivity_probe.py")
# The collection's layout, from a checkout or installed: roles/omics_connectivity_test/files -> plugins/module_utils.
SCHEMA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "plugins", "module_utils", "destination_schema.py"))

# What is inlined: (file name in the task, template marker line, its sha256 marker, heredoc delimiter).
INLINED = (
    ("destination_schema.py", "@@DESTINATION_SCHEMA@@", "@@SCHEMA_SHA256@@", "GENOMICS_AWS_SCHEMA_EOF"),
    ("connectivity_probe.py", "@@CONNECTIVITY_PROBE@@", "@@PROBE_SHA256@@", "GENOMICS_AWS_PROBE_EOF"),
)


class BuildError(ValueError):
    pass


def _read(path):
    with open(path, "r", encoding="utf-8", newline="") as handle:
        return handle.read()


def _check(name, text, delimiter):
    """Refuse a file that would not reach the task byte for byte inside its quoted heredoc in the WDL command."""
    if not text.endswith("\n"):
        raise BuildError("%s must end with a newline" % name)
    if "\r" in text:
        raise BuildError("%s must use LF line endings" % name)
    if delimiter in text.split("\n"):
        raise BuildError("%s contains a line %s, which would end its heredoc" % (name, delimiter))
    # In a WDL <<< >>> command, "~{" starts a placeholder and ">>>" ends the command; "${" is no
    # placeholder there in WDL 1.0 and 1.1, but an engine that reads it as one would break the file.
    # Backslashes pass through to the shell (and the quoted heredoc keeps them).
    for forbidden in ("~{", "${", ">>>"):
        if forbidden in text:
            line = text[: text.index(forbidden)].count("\n") + 1
            raise BuildError(
                "%s contains %r (line %d), which WDL would interpret inside the task command" % (name, forbidden, line)
            )
    if not any(line and not line[0].isspace() for line in text.split("\n")):
        raise BuildError("%s has no unindented line: WDL would strip its common indentation" % name)
    for _name, marker, sha_marker, _delimiter in INLINED:
        if marker in text or sha_marker in text:
            raise BuildError("%s contains the template marker %s" % (name, marker if marker in text else sha_marker))


def render(template, probe, schema):
    """The WDL text: ``template`` with its marker lines replaced by ``schema`` and ``probe``, byte for byte.

    The result depends on these three texts only (no time, path or machine), so the same files always give the
    same bytes, and genomics.aws.omics_workflow the same workflow."""
    texts = {"connectivity_probe.py": probe, "destination_schema.py": schema}
    lines = template.split("\n")
    for name, marker, sha_marker, delimiter in INLINED:
        _check(name, texts[name], delimiter)
        places = [i for i, line in enumerate(lines) if line == marker]
        if template.count(marker) != 1 or len(places) != 1 or lines[places[0] + 1 : places[0] + 2] != [delimiter]:
            raise BuildError(
                "the template needs the line %s exactly once, directly followed by the line %s" % (marker, delimiter)
            )
        if template.count(sha_marker) != 1:
            raise BuildError("the template needs %s exactly once" % sha_marker)
    built = []
    for line in lines:
        for name, marker, _sha_marker, _delimiter in INLINED:
            if line == marker:
                line = texts[name][:-1]  # its own last newline ends the marker's line
        for name, _marker, sha_marker, _delimiter in INLINED:
            line = line.replace(sha_marker, hashlib.sha256(texts[name].encode("utf-8")).hexdigest())
        built.append(line)
    return "\n".join(built)


def render_files(template=TEMPLATE, probe=PROBE, schema=SCHEMA):
    if not os.path.isfile(schema):
        raise BuildError(
            "destination_schema.py is not at %s, where the collection's plugins/module_utils/ holds it" % schema
        )
    return render(_read(template), _read(probe), _read(schema))


def _write(path, text):
    """Write ``text`` to ``path`` atomically; return True when its content changed."""
    if os.path.exists(path) and _read(path) == text:
        return False
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    temporary = os.path.join(directory, ".%s.%d.tmp" % (os.path.basename(path), os.getpid()))
    with open(temporary, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(temporary, path)
    return True


def build(output, probe_dir=None, schema=SCHEMA):
    """Write the built WDL to ``output`` (and the two Python files to ``probe_dir``); return True when it changed."""
    text = render_files(schema=schema)
    changed = _write(output, text)
    if probe_dir:
        _write(os.path.join(probe_dir, "connectivity_probe.py"), _read(PROBE))
        _write(os.path.join(probe_dir, "destination_schema.py"), _read(schema))
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Build main.wdl from main.wdl.in, connectivity_probe.py and destination_schema.py."
    )
    parser.add_argument(
        "--output", required=True, help="where to write main.wdl (alone in its directory, to register it)"
    )
    parser.add_argument(
        "--probe-dir", help="also write connectivity_probe.py and destination_schema.py there, side by side"
    )
    parser.add_argument("--schema", default=SCHEMA, help="destination_schema.py to inline (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        changed = build(args.output, args.probe_dir, args.schema)
    except (BuildError, OSError) as exc:
        sys.stderr.write("build_workflow: %s\n" % exc)
        return 2
    sys.stdout.write("%s %s\n" % ("wrote" if changed else "unchanged:", args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
