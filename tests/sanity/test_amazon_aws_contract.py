"""The collection overrides private methods of amazon.aws's AnsibleAWSModule: they must still exist and still be
called, or the override silently does nothing. While it does, galaxy.yml and requirements.yml bound amazon.aws below
its next major release, and the installed amazon.aws must satisfy that bound."""

import inspect
import json
import re
from pathlib import Path

import yaml

import ansible_collections.amazon.aws as amazon_aws
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.genomics.aws.plugins.module_utils.modules import AnsibleGenomicsModule

ROOT = Path(__file__).resolve().parents[2]


def overridden_private_methods():
    """Private (single underscore) methods AnsibleGenomicsModule defines itself."""
    return sorted(
        name
        for name, value in vars(AnsibleGenomicsModule).items()
        if name.startswith("_") and not name.startswith("__") and callable(value)
    )


def test_the_override_is_known():
    # A new private override must be added to this contract (and keep the upper bound): fail until it is looked at.
    assert overridden_private_methods() == ["_should_inject_warnings"]


def test_every_overridden_private_method_still_exists_and_is_called_by_amazon_aws():
    source = inspect.getsource(AnsibleAWSModule)
    for name in overridden_private_methods():
        assert callable(getattr(AnsibleAWSModule, name, None)), (
            f"amazon.aws's AnsibleAWSModule no longer has {name}(), which plugins/module_utils/modules.py overrides: "
            f"the override does nothing now. Rework AnsibleGenomicsModule for this amazon.aws before raising the "
            f"upper bound in galaxy.yml and requirements.yml."
        )
        assert re.search(rf"self\.{name}\(", source), (
            f"amazon.aws's AnsibleAWSModule defines {name}() but no longer calls it: the override in "
            f"plugins/module_utils/modules.py does nothing now."
        )


def _bounds(spec):
    return dict(re.findall(r"(>=|<)\s*([0-9][0-9.]*)", spec))


def _version(text):
    return tuple(int(p) for p in text.split("."))


def test_amazon_aws_has_an_upper_bound_everywhere_and_the_installed_release_meets_it():
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())["dependencies"]["amazon.aws"]
    requirement_files = ["requirements.yml", "tests/integration/requirements.yml"]
    required = {
        path: next(
            c["version"] for c in yaml.safe_load((ROOT / path).read_text())["collections"] if c["name"] == "amazon.aws"
        )
        for path in requirement_files
    }
    bounds = _bounds(galaxy)
    assert set(bounds) == {">=", "<"}, f"galaxy.yml's amazon.aws {galaxy!r} needs a lower and an upper bound"
    for path, spec in required.items():
        assert _bounds(spec) == bounds, f"{path} asks amazon.aws {spec!r}, galaxy.yml {galaxy!r}"

    manifest = Path(amazon_aws.__path__[0]) / "MANIFEST.json"
    installed = json.loads(manifest.read_text())["collection_info"]["version"]
    assert _version(bounds[">="]) <= _version(installed) < _version(bounds["<"]), (
        f"the installed amazon.aws {installed} is outside {galaxy!r}: check the override contract above, then "
        f"move the bound"
    )
