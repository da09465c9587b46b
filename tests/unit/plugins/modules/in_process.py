"""A module's main() run in the pytest process as if in a process of its own, as ansible-playbook runs it.

Two things in ansible-core 2.19 differ between a module's own process and this one:

* `ansible.module_utils._internal.is_controller` becomes True for the rest of the process as soon as anything
  imports controller code (ansible.errors, ansible.utils.display, ...; the filter tests do, at collection time).
  While it is True, `AnsibleModule.warn()` hands the warning to the controller's Display (stderr) instead of
  recording it for the result (ansible/module_utils/common/warnings.py, `warn()`), so `result["warnings"]`
  would depend on which other test files pytest collected.
* warnings and deprecations are recorded in module-level dicts (`_global_warnings`, `_global_deprecations`)
  that only a new process empties, so one run would report the warnings of the runs before it.
"""

from __future__ import annotations

import contextlib
import json

import pytest

from ansible.module_utils import _internal
from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args


def _forget_warnings():
    ansible_warnings._global_warnings.clear()
    ansible_warnings._global_deprecations.clear()


@contextlib.contextmanager
def module_process(args):
    """Module args `args`, target-side ansible (not the controller) and no warnings or deprecations yet."""
    was_controller = _internal.is_controller
    _internal.is_controller = False
    _forget_warnings()
    try:
        with patch_module_args(args):
            yield
    finally:
        _internal.is_controller = was_controller
        _forget_warnings()


def plain_warning(warning):
    """ansible-core 2.19 returns warnings as structured summaries; older releases as strings."""
    return warning["event"]["msg"] if isinstance(warning, dict) else warning


def run_main(main, capsys, args):
    """Runs `main` (a module's main()) with `args`; returns its JSON result, with warnings as plain strings."""
    with module_process(args):
        with pytest.raises(SystemExit):
            main()
    result = json.loads(capsys.readouterr().out)
    result["warnings"] = [plain_warning(w) for w in result.get("warnings", [])]
    return result
