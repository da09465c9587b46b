"""How our modules report warnings: once, in the result, and without ansible-core's deprecation notice.

ansible-core 2.19 deprecates `exit_json(warnings=...)` and `fail_json(warnings=...)` ("Passing `warnings` to
`exit_json` or `fail_json` is deprecated"); `AnsibleModule.warn()` alone puts a warning in the result.
tests/playbooks/test_module_warnings.py checks the same through ansible-playbook.
"""

import importlib
import json

import pytest

from ansible.module_utils import _internal

from ansible_collections.genomics.aws.plugins.module_utils.modules import AnsibleGenomicsModule
from tests.unit.plugins.modules.in_process import run_main

# Controller code, imported as the filter tests do (see in_process.py): _internal.is_controller becomes True.
importlib.import_module("ansible.errors")

DEPRECATION = "Passing `warnings`"


def warning_module(warnings=(), fail=False):
    """main() of a module that warns `warnings`, then exits or fails."""

    def main():
        module = AnsibleGenomicsModule(argument_spec={}, supports_check_mode=True)
        for warning in warnings:
            module.warn(warning)
        if fail:
            module.fail_json(msg="it failed")
        module.exit_json(changed=False)

    return main


@pytest.mark.parametrize("fail", [False, True], ids=["exit_json", "fail_json"])
def test_warnings_are_returned_without_the_deprecation_notice(capsys, fail):
    assert _internal.is_controller  # what the in-process module runs have to undo
    result = run_main(warning_module(["first", "second", "first"], fail=fail), capsys, {"region": "us-east-1"})
    assert result["warnings"] == ["first", "second"]
    assert bool(result.get("failed")) is fail
    assert "deprecations" not in result, result["deprecations"]
    assert DEPRECATION not in json.dumps(result) + capsys.readouterr().err


def test_a_run_reports_only_its_own_warnings(capsys):
    assert run_main(warning_module(["from the first run"]), capsys, {"region": "us-east-1"})["warnings"] == [
        "from the first run"
    ]
    assert run_main(warning_module(), capsys, {"region": "us-east-1"})["warnings"] == []
    assert _internal.is_controller  # restored for the tests of controller code
