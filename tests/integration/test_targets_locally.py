"""Every integration target passes against moto and the HealthOmics emulator, as run_local.py runs it.

The targets carry their own assertions (check-mode and idempotency pairs, refusals, cleanup); a failed assertion
fails the play, so the play's exit status is the verdict."""

import pytest

from tests.integration import run_local

pytestmark = pytest.mark.playbook


@pytest.fixture(scope="module")
def local_aws():
    with run_local.LocalAws() as aws:
        yield aws


@pytest.mark.parametrize("target", run_local.targets())
def test_integration_target_passes_locally(local_aws, tmp_path, target):
    completed, _seconds = run_local.run_target(target, local_aws.url, tmp_path)
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-3000:]
    recap = [line for line in completed.stdout.splitlines() if line.startswith("localhost ")][-1]
    assert " failed=0 " in recap and " unreachable=0 " in recap, recap
    # Its cleanup removed everything it made: no VPC, Elastic IP, NAT gateway, bucket, role... is left.
    assert local_aws.leftovers() == {}


def test_every_module_has_a_target_or_is_exercised_by_one():
    """An *_info module may live in the target of the module it reads; every other module has its own."""
    modules = {p.stem for p in (run_local.ROOT / "plugins" / "modules").glob("*.py")}
    covered = set(run_local.targets())
    for target in run_local.targets():
        covered.update(run_local.aliases(target))
    assert modules - covered == set(), f"modules without an integration target: {sorted(modules - covered)}"
