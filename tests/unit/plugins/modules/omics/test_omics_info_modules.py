"""omics_workflow_info and omics_ecr_pull_through_cache_info: what they find, their filters, check mode, bad input.

Against the HealthOmics emulator (fresh per test), the way the other omics module tests run.
"""

import json
import uuid

import pytest

from ansible_collections.genomics.aws.plugins.module_utils.omics import DIGEST_TAG
from ansible_collections.genomics.aws.plugins.modules import omics_ecr_pull_through_cache
from ansible_collections.genomics.aws.plugins.modules import omics_ecr_pull_through_cache_info
from ansible_collections.genomics.aws.plugins.modules import omics_workflow
from ansible_collections.genomics.aws.plugins.modules import omics_workflow_info

from .helpers import REGION
from .helpers import SESSION
from .helpers import active_workflow
from .helpers import run_module
from .helpers import stored

ACCOUNT = "123456789012"


@pytest.fixture
def definition(tmp_path):
    (tmp_path / "main.wdl").write_text("version 1.0\nworkflow hello {}\n")
    return tmp_path


def workflows(capsys, emulator, **args):
    result = run_module(omics_workflow_info, capsys, emulator.url, **args)
    assert not result.get("failed") and result["changed"] is False, result
    return result["workflows"]


def test_workflow_info_finds_by_id_name_and_status(capsys, emulator, omics, definition):
    managed = run_module(omics_workflow, capsys, emulator.url, name="aligned", definition_path=str(definition))
    managed_id = managed["workflow"]["id"]
    by_hand = active_workflow(omics, name="by-hand")
    omics.create_workflow(name="other", definitionZip=b"not a zip", requestId="wf-broken")  # the emulator fails it

    every = workflows(capsys, emulator)
    assert sorted(w["name"] for w in every) == ["aligned", "by-hand", "other"]
    [found] = workflows(capsys, emulator, name="aligned")
    assert found == managed["workflow"]  # the same shape omics_workflow returns
    assert found["definition_digest"] and found["tags"][DIGEST_TAG] == found["definition_digest"]
    [foreign] = workflows(capsys, emulator, workflow_id=by_hand)
    assert foreign["name"] == "by-hand" and foreign["definition_digest"] is None
    assert [w["id"] for w in workflows(capsys, emulator, id=managed_id)] == [managed_id]  # the alias
    assert sorted(w["name"] for w in workflows(capsys, emulator, status="ACTIVE")) == ["aligned", "by-hand"]
    assert [w["name"] for w in workflows(capsys, emulator, status="FAILED")] == ["other"]
    assert workflows(capsys, emulator, name="aligned", status="FAILED") == []
    assert workflows(capsys, emulator, name="align") == []  # exact names, not prefixes
    assert workflows(capsys, emulator, workflow_id="99999999") == []


def test_workflow_info_runs_in_check_mode_and_skips_deleted(capsys, emulator, omics):
    kept, deleted = active_workflow(omics, name="kept"), active_workflow(omics, name="deleted")
    omics.delete_workflow(id=deleted)
    listed = workflows(capsys, emulator, check_mode=True)
    assert [w["id"] for w in listed] == [kept]
    assert workflows(capsys, emulator, workflow_id=deleted) == []
    assert len(stored(emulator, "workflows")) == 1  # nothing written


@pytest.mark.parametrize(
    "args, named",
    [({"workflow_id": "wf-1"}, "'wf-1'"), ({"workflow_id": "1", "name": "x"}, "mutually exclusive")],
)
def test_workflow_info_bad_input_fails_naming_the_value(capsys, emulator, args, named):
    result = run_module(omics_workflow_info, capsys, emulator.url, **args)
    assert result["failed"] and named in result["msg"], result


def caches(capsys, emulator, **args):
    result = run_module(omics_ecr_pull_through_cache_info, capsys, emulator.url, **args)
    assert not result.get("failed") and result["changed"] is False, result
    return result["pull_through_caches"]


def test_pull_through_cache_info_matches_what_the_module_set_up(capsys, emulator):
    prefix = f"ptc-{uuid.uuid4().hex[:8]}"
    applied = run_module(omics_ecr_pull_through_cache, capsys, emulator.url, ecr_repository_prefix=prefix)
    assert applied["changed"] and not applied.get("failed"), applied
    expected = {k: v for k, v in applied["pull_through_cache"].items() if k != "images"}

    [found] = caches(capsys, emulator, ecr_repository_prefix=prefix, check_mode=True)
    # DescribePullThroughCacheRules adds updatedAt, which CreatePullThroughCacheRule's answer lacks.
    found_rule = {k: v for k, v in found["rule"].items() if k != "updated_at"}
    assert dict(found, rule=found_rule, healthomics_can_pull=None, healthomics_can_import=None) == dict(
        expected, healthomics_can_pull=None, healthomics_can_import=None
    )
    assert found["healthomics_can_pull"] is True and found["healthomics_can_import"] is True
    assert caches(capsys, emulator, prefix=prefix, upstream_registry_url="quay.io") == []
    assert caches(capsys, emulator, ecr_repository_prefix="no-such-prefix") == []


def test_pull_through_cache_info_tells_a_cache_healthomics_cannot_use(capsys, emulator):
    """A rule made by hand, without template or registry statement: listed, and marked unusable by HealthOmics."""
    ecr = SESSION.client("ecr", endpoint_url=emulator.url)
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="quay-mirror", upstreamRegistryUrl="quay.io")
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="k8s", upstreamRegistryUrl="registry.k8s.io")
    ecr.put_registry_policy(
        policyText=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {  # the statement's Sid, but only half the actions the cache needs
                        "Sid": "HealthOmicsPullThroughCacheK8s",
                        "Effect": "Allow",
                        "Principal": {"Service": "omics.amazonaws.com"},
                        "Action": ["ecr:CreateRepository"],
                        "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/k8s/*",
                    }
                ],
            }
        )
    )
    listed = caches(capsys, emulator)
    assert [c["ecr_repository_prefix"] for c in listed] == ["k8s", "quay-mirror"]
    k8s, quay = listed
    assert quay["upstream_registry_url"] == "quay.io" and quay["repository_creation_template"] == {}
    assert quay["registry_policy_statement"] == {} and not quay["healthomics_can_pull"]
    assert k8s["registry_policy_statement"]["Action"] == ["ecr:CreateRepository"]
    assert not k8s["healthomics_can_import"] and not k8s["healthomics_can_pull"]
    assert [c["ecr_repository_prefix"] for c in caches(capsys, emulator, upstream_registry_url="quay.io")] == [
        "quay-mirror"
    ]
    assert emulator.ecr.state()["templates"] == []  # nothing written


def test_pull_through_cache_info_bad_prefix_fails_naming_it(capsys, emulator):
    result = run_module(omics_ecr_pull_through_cache_info, capsys, emulator.url, ecr_repository_prefix="Bad Prefix")
    assert result["failed"] and "'Bad Prefix'" in result["msg"], result
