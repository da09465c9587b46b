# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's least-privilege IAM policies (docs/iam/), rendered for an account and Region.

Pure: no AWS call. A filter rather than a role: rendering is a function of its inputs, and a filter puts the
document wherever a play needs it (amazon.aws.iam_managed_policy, a file for a landing zone pipeline, a debug)
without a role's variables. Documented in iam_policy.yml next to this file (ansible-doc -t filter).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

try:
    from ansible.errors import AnsibleFilterError
except ImportError:  # pragma: no cover - Ansible is always there when the filter runs
    AnsibleFilterError = ValueError

# The collection's docs/iam/, next to plugins/ in a checkout and in an installed collection alike.
POLICY_DIR = Path(__file__).resolve().parents[2] / "docs" / "iam"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z]+)\}")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


def partition_of(region):
    """The partition of `region` (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b)."""
    for prefix, partition in (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b")):
        if region.startswith(prefix):
            return partition
    return "aws-iso" if region.startswith("us-iso-") else "aws"


def policy_names():
    """The shipped policies, file names without .json."""
    return sorted(path.stem for path in POLICY_DIR.glob("*.json"))


def load_policy(name):
    """The document of the shipped policy `name` (with or without .json), placeholders kept."""
    stem = name[: -len(".json")] if name.endswith(".json") else name
    if stem not in policy_names():
        raise AnsibleFilterError(f"iam_policy: no policy {name!r}; the collection ships {', '.join(policy_names())}")
    return json.loads((POLICY_DIR / f"{stem}.json").read_text())


def iam_policy(policy, account, region, partition=None):
    """`policy` (a shipped policy's name, or a document) with ${Partition}, ${Region} and ${Account} replaced."""
    account = str(account)
    if not re.fullmatch(r"\d{12}", account):
        raise AnsibleFilterError(f"iam_policy: account must be a 12-digit AWS account id, not {account!r}")
    if not isinstance(region, str) or not _REGION.match(region):
        raise AnsibleFilterError(f"iam_policy: region must be an AWS Region such as eu-west-1, not {region!r}")
    document = load_policy(policy) if isinstance(policy, str) else policy
    if not isinstance(document, dict) or "Statement" not in document:
        raise AnsibleFilterError("iam_policy: give the name of a shipped policy or a policy document (a dict)")
    values = {"Partition": partition or partition_of(region), "Region": region, "Account": account}

    def render(value):
        if isinstance(value, dict):
            return {key: render(item) for key, item in value.items()}
        if isinstance(value, list):
            return [render(item) for item in value]
        if isinstance(value, str):
            unknown = sorted(set(PLACEHOLDER.findall(value)) - set(values))
            if unknown:
                raise AnsibleFilterError(f"iam_policy: unknown placeholder(s) {', '.join(unknown)} in {value!r}")
            return PLACEHOLDER.sub(lambda match: values[match.group(1)], value)
        return value

    return render(document)


class FilterModule:
    """The collection's IAM policies, rendered."""

    def filters(self):
        return {"iam_policy": iam_policy}
