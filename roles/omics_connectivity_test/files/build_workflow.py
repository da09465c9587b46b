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
OUTPUT = os.path.join(HERE, "workflow", "main.wdl")

PROBE_MARKER = "@@CONNECTIVITY_PROBE@@"
SHA_MARKER = "@@PROBE_SHA256@@"
DELIMITER = "GENOMICS_AWS_PROBE_EOF"


class BuildError(ValueError):
    pass


def _read(path):
    with open(path, "r", encoding="utf-8", newline="") as handle:
        return handle.read()


def render(template, probe):
    """The WDL text: ``template`` with its marker line replaced by ``probe``."""
    marker_line = PROBE_MARKER + "\n"
    if template.count(PROBE_MARKER) != 1 or template.count("\n" + marker_line + DELIMITER + "\n") != 1:
        raise BuildError("the template needs the line %s exactly once, directly followed by the line %s" % (PROBE_MARKER, DELIMITER))
    if not probe.endswith("\n"):
        raise BuildError("the probe must end with a newline")
    if "\r" in probe:
        raise BuildError("the probe must use LF line endings")
    if DELIMITER in probe.split("\n"):
        raise BuildError("the probe contains a line %s, which would end its heredoc" % DELIMITER)
    # In a WDL <<< >>> command, "~{" starts a placeholder and ">>>" ends the command; "${" is no
    # placeholder there in WDL 1.0 and 1.1, but an engine that reads it as one would break the probe.
    # Backslashes pass through to the shell (and the quoted heredoc keeps them).
    for forbidden in ("~{", "${", ">>>"):
        if forbidden in probe:
            line = probe[: probe.index(forbidden)].count("\n") + 1
            raise BuildError("the probe contains %r (line %d), which WDL would interpret inside the task command" % (forbidden, line))
    if not any(line and not line[0].isspace() for line in probe.split("\n")):
        raise BuildError("the probe has no unindented line: WDL would strip its common indentation")
    digest = hashlib.sha256(probe.encode("utf-8")).hexdigest()
    return template.replace(SHA_MARKER, digest).replace(marker_line, probe)


def build(output=OUTPUT):
    """Write the built WDL to ``output``; return True when its content changed."""
    text = render(_read(TEMPLATE), _read(PROBE))
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
            expected = render(_read(TEMPLATE), _read(PROBE))
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
