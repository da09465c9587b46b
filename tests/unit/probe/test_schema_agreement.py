"""The destination schema lives twice by necessity: in the probe, which runs alone inside the task's
container, and in the controller-side filter. They must accept the same fields per kind."""

import importlib.util
from pathlib import Path

from ansible_collections.genomics.aws.plugins.filter import omics_destinations

PROBE = Path(__file__).resolve().parents[3] / "roles" / "omics_connectivity_test" / "files" / "connectivity_probe.py"


def load_probe():
    spec = importlib.util.spec_from_file_location("connectivity_probe_for_schema", PROBE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_probe_and_filter_accept_the_same_kinds_and_fields():
    probe = load_probe()
    assert set(probe.FIELDS) == set(omics_destinations.FIELDS)
    for kind in probe.FIELDS:
        assert set(probe.FIELDS[kind]) == set(omics_destinations.FIELDS[kind]), kind
    assert set(probe.COMMON_FIELDS) == set(omics_destinations._COMMON)
