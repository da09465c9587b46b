"""The migration report's rows: each AGC workflow joined with the workflow and run it became, by AGC name."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.genomics.aws.plugins.filter.agc_migration_workflows import FilterModule
from ansible_collections.genomics.aws.plugins.filter.agc_migration_workflows import migration_workflows

PLAN = [
    {
        "agc_name": "read",
        "language": "wdl",
        "version": "1.0",
        "migratable": True,
        "reason": None,
        "notes": [],
        "healthomics": {"name": "Demo-read", "engine": "WDL"},
    },
    {
        "agc_name": "assembly",
        "language": "snakemake",
        "version": "1.0",
        "migratable": False,
        "reason": "no HealthOmics engine",
        "healthomics": None,
    },
    {
        "agc_name": "hello",
        "language": "wdl",
        "version": "1.0",
        "migratable": True,
        "reason": None,
        "healthomics": {"name": "Demo-hello", "engine": "WDL"},
    },
]


def test_rows_join_the_registered_workflow_and_its_run_by_agc_name():
    registered = [
        {"item": PLAN[2], "changed": False, "workflow": {"id": "222", "status": "ACTIVE"}},
        {"item": PLAN[0], "changed": True, "workflow": {"id": "111", "status": "ACTIVE"}},
    ]
    runs = [
        {"item": PLAN[0], "changed": True, "run": {"id": "9", "status": "COMPLETED", "run_output_uri": "s3://b/p/9"}},
        {"item": PLAN[2], "skipped": True},
    ]
    rows = {r["agc_name"]: r for r in migration_workflows(PLAN, registered, runs)}
    assert (rows["read"]["workflow_id"], rows["read"]["changed"]) == ("111", True)
    assert rows["read"]["run"] == {"id": "9", "status": "COMPLETED", "output_uri": "s3://b/p/9"}
    assert (rows["hello"]["workflow_id"], rows["hello"]["run"]) == ("222", None)
    assert rows["assembly"]["reason"] == "no HealthOmics engine" and rows["assembly"]["workflow_id"] is None


def test_check_mode_rows_have_no_ids_and_a_wrong_input_fails():
    rows = migration_workflows(PLAN, [{"item": PLAN[0], "changed": True, "workflow": {"id": None}}])
    assert [r["workflow_id"] for r in rows] == [None, None, None] and rows[0]["healthomics_name"] == "Demo-read"
    with pytest.raises(AnsibleFilterError):
        migration_workflows({"workflows": []})
    assert FilterModule().filters()["agc_migration_workflows"] is migration_workflows
