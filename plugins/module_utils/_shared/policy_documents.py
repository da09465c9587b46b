# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM-style policy documents as data: statements found, added and removed by Sid, compared by meaning."""

import copy
import json

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies

from .errors import AnsibleGenomicsError

POLICY_VERSION = "2012-10-17"


def load_policy(text, what):
    """A policy document from its JSON text; None for no policy. Refuses what is not a JSON object."""
    if not text:
        return None
    try:
        document = json.loads(text)
    except ValueError as e:
        raise AnsibleGenomicsError(
            message=f"the {what} is not valid JSON ({e}); fix or remove it, then run again. Nothing was changed."
        ) from None
    if not isinstance(document, dict):
        raise AnsibleGenomicsError(
            message=f"the {what} is not a JSON policy document (an object); fix it, then run again. Nothing was "
            "changed."
        )
    return document


def dump_policy(document):
    return json.dumps(document) if document else ""


def statements_of(document):
    statements = (document or {}).get("Statement") or []
    return [statements] if isinstance(statements, dict) else list(statements)


def find_statement(document, sid):
    return next((s for s in statements_of(document) if isinstance(s, dict) and s.get("Sid") == sid), None)


def same_statement(one, other):
    """Semantic equality: order of keys and actions, a single action as a string, all the same."""
    return one is not None and other is not None and not compare_policies(one, other, default_version=None)


def with_statement(document, statement):
    """(changed, document with `statement`): it replaces any statement of its Sid; others are kept in order."""
    same_sid = [s for s in statements_of(document) if isinstance(s, dict) and s.get("Sid") == statement["Sid"]]
    if len(same_sid) == 1 and same_statement(same_sid[0], statement):
        return False, document
    result = copy.deepcopy(document) if document else {}
    result.setdefault("Version", POLICY_VERSION)
    statements, placed = [], False
    for existing in statements_of(document):
        if isinstance(existing, dict) and existing.get("Sid") == statement["Sid"]:
            if not placed:
                statements.append(copy.deepcopy(statement))
                placed = True
            continue
        statements.append(existing)
    if not placed:
        statements.append(copy.deepcopy(statement))
    result["Statement"] = statements
    return True, result


def without_statement(document, sid):
    """(changed, document without the statements of `sid`); the document is None when nothing is left."""
    if find_statement(document, sid) is None:
        return False, document
    remaining = [s for s in statements_of(document) if not (isinstance(s, dict) and s.get("Sid") == sid)]
    if not remaining:
        return True, None
    result = copy.deepcopy(document)
    result["Statement"] = remaining
    return True, result


def resources_of(statement):
    resources = (statement or {}).get("Resource") or []
    return [resources] if isinstance(resources, str) else list(resources)
