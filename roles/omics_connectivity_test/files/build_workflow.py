#!/usr/bin/env python
"""Build the connectivity-test workflow: workflow/main.wdl from main.wdl.in and the probe.

A HealthOmics task command cannot read the other files of its workflow zip, so the probe travels
inside the WDL: the template's marker line is replaced by connectivity_probe.py, byte for byte,
inside a quoted shell heredoc (no shell expansion). connectivity_probe.py stays the only copy
that anyone edits; the built main.wdl is committed so that the workflow directory can be
registered as it is, and tests/unit/probe checks that it is current.

Usage:
    python3 build_workflow.py                 write workflow/main.wdl (next to this file)
    python3 build_workflow.py --output PATH   write it elsewhere (e.g. a packaging directory)
    python3 build_workflow.py --check         exit 1 when workflow/main.wdl is out of date

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
OUTPUT = os.path.join(HERE, "workflow", "main.wdl")

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
            raise BuildError("%s contains %r (line %d), which WDL would interpret inside the task command" % (name, forbidden, line))
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
        if template.count(marker) != 1 or len(places) != 1 or lines[places[0] + 1:places[0] + 2] != [delimiter]:
            raise BuildError("the template needs the line %s exactly once, directly followed by the line %s" % (marker, delimiter))
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
        raise BuildError("destination_schema.py is not at %s, where the collection's plugins/module_utils/ holds it" % schema)
    return render(_read(template), _read(probe), _read(schema))


def build(output=OUTPUT):
    """Write the built WDL to ``output``; return True when its content changed."""
    text = render_files()
    if os.path.exists(output) and _read(output) == text:
        return False
    directory = os.path.dirname(os.path.abspath(output))
    os.makedirs(directory, exist_ok=True)
    temporary = output + ".tmp"
    with open(temporary, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(temporary, output)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build workflow/main.wdl from main.wdl.in and connectivity_probe.py.")
    parser.add_argument("--output", default=OUTPUT, help="where to write main.wdl (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 when the output is out of date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            expected = render_files()
            if not os.path.exists(args.output) or _read(args.output) != expected:
                sys.stderr.write("%s is out of date: run python3 %s\n" % (args.output, os.path.relpath(__file__)))
                return 1
            return 0
        changed = build(args.output)
    except (BuildError, OSError) as exc:
        sys.stderr.write("build_workflow: %s\n" % exc)
        return 2
    sys.stdout.write("%s %s\n" % ("wrote" if changed else "unchanged:", args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
