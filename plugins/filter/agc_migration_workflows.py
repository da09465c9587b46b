# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Each AGC workflow of a migration, with the HealthOmics workflow and run it became, or why it did not move.

Pure: no AWS call. Joins agc_project_info's plan with the registered loop results of omics_workflow and omics_run,
so the migration report's template only presents it. Documented in agc_migration_workflows.yml next to this file.
"""

from __future__ import annotations

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # pragma: no cover - Ansible is always there when the filter runs
    AnsibleFilterError = ValueError


def _by_agc_name(results):
    found = {}
    for result in results or []:
        item = result.get("item") or {}
        if isinstance(item, dict) and item.get("agc_name"):
            found[item["agc_name"]] = result
    return found


def migration_workflows(plan, registered=None, runs=None):
    if not isinstance(plan, list):
        raise AnsibleFilterError("agc_migration_workflows takes the workflows of genomics.aws.agc_project_info.")
    registered, runs = _by_agc_name(registered), _by_agc_name(runs)
    rows = []
    for entry in plan:
        row = {
            "agc_name": entry["agc_name"],
            "language": entry["language"],
            "version": entry["version"],
            "migratable": entry["migratable"],
            "reason": entry["reason"],
            "notes": entry.get("notes") or [],
            "healthomics_name": None,
            "workflow_id": None,
            "status": None,
            "engine": None,
            "changed": False,
            "run": None,
        }
        if entry["migratable"]:
            workflow = (registered.get(entry["agc_name"]) or {}).get("workflow") or {}
            row.update(
                healthomics_name=entry["healthomics"]["name"],
                engine=entry["healthomics"]["engine"],
                workflow_id=workflow.get("id"),
                status=workflow.get("status"),
                changed=bool((registered.get(entry["agc_name"]) or {}).get("changed")),
            )
            run_result = runs.get(entry["agc_name"]) or {}
            run = run_result.get("run") if not run_result.get("skipped") else None
            if run:
                row["run"] = {
                    "id": run.get("id"),
                    "status": run.get("status"),
                    "output_uri": run.get("run_output_uri") or run.get("output_uri"),
                }
        rows.append(row)
    return rows


class FilterModule:
    """The workflows of an AGC migration."""

    def filters(self):
        return {"agc_migration_workflows": migration_workflows}
