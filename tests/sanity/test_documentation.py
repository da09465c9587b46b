"""Every module's documentation parses as ansible-doc reads it and matches its argument spec."""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MODULES = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")


class _Captured(Exception):
    def __init__(self, kwargs):
        super().__init__("argument spec captured")
        self.kwargs = kwargs


def argument_spec(module_name, monkeypatch):
    """The module's own options, read by stopping main() at the module constructor."""
    from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec

    module = importlib.import_module(f"ansible_collections.genomics.aws.plugins.modules.{module_name}")

    def capture(**kwargs):
        raise _Captured(kwargs)

    for name in dir(module):
        if name.startswith("Ansible") and name.endswith("Module"):
            monkeypatch.setattr(module, name, capture)
    with pytest.raises(_Captured) as captured:
        module.main()
    spec = captured.value.kwargs["argument_spec"]
    return {k: v for k, v in spec.items() if k not in aws_argument_spec()}


def ansible_doc(module_name):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"))
    completed = subprocess.run(
        [str(BIN / "ansible-doc"), "--json", f"genomics.aws.{module_name}"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0 and "[ERROR]" not in completed.stderr, completed.stderr
    return json.loads(completed.stdout)[f"genomics.aws.{module_name}"]


@pytest.mark.parametrize("module_name", MODULES)
def test_documented_options_are_the_argument_spec(module_name, monkeypatch):
    doc = ansible_doc(module_name)
    documented = doc["doc"]["options"]
    spec = argument_spec(module_name, monkeypatch)
    assert set(spec) <= set(documented), f"undocumented options: {set(spec) - set(documented)}"
    from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec

    extra = set(documented) - set(spec) - set(aws_argument_spec())
    assert not extra, f"documented but not accepted: {extra}"
    for name, option in spec.items():
        assert documented[name].get("type", "str") == option.get("type", "str"), name
        if "default" in option:
            assert documented[name].get("default") == option["default"], name
        if "choices" in option:
            assert documented[name].get("choices") == option["choices"], name
        assert sorted(documented[name].get("aliases", [])) == sorted(option.get("aliases", [])), name
    assert doc["doc"]["attributes"]["check_mode"]["support"] in ("full", "partial")
    # Read-only *_info modules change nothing, so they have nothing to diff.
    allowed_diff = ("full", "partial", "none") if module_name.endswith("_info") else ("full", "partial")
    assert doc["doc"]["attributes"]["diff_mode"]["support"] in allowed_diff
    assert doc["return"], "RETURN is empty"


@pytest.mark.parametrize("module_name", MODULES)
def test_examples_use_the_module_by_fqcn_with_real_options(module_name, monkeypatch):
    module = importlib.import_module(f"ansible_collections.genomics.aws.plugins.modules.{module_name}")
    examples = yaml.safe_load(module.EXAMPLES)
    spec = argument_spec(module_name, monkeypatch)
    from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec

    allowed = set(spec) | set(aws_argument_spec()) | {a for o in spec.values() for a in o.get("aliases", [])}
    tasks = [t for e in examples for t in (e.get("block") or [e])]
    used = [t for t in tasks if f"genomics.aws.{module_name}" in t]
    assert used, "no example uses the module"
    for task in examples:
        assert task.get("name"), f"unnamed example: {task}"
    for task in used:
        options = task[f"genomics.aws.{module_name}"] or {}
        assert set(options) <= allowed, f"unknown options in example {task['name']}: {set(options) - allowed}"
