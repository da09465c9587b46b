# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.genomics.aws.plugins.module_utils.common import COLLECTION_NAME
from ansible_collections.genomics.aws.plugins.module_utils.common import COLLECTION_VERSION


class AnsibleGenomicsModule(AnsibleAWSModule):
    """AnsibleAWSModule that identifies this collection in the botocore user agent."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        set_collection_info(collection_name=COLLECTION_NAME, collection_version=COLLECTION_VERSION)

    def _should_inject_warnings(self):
        # AnsibleModule.warn() records each warning and exit_json()/fail_json() return them by themselves, in
        # every ansible-core this collection supports (>= 2.17). amazon.aws 10 also passes them as
        # exit_json(warnings=...) on ansible-core >= 2.19, which 2.19 answers with the deprecation notice
        # "Passing `warnings` to `exit_json` or `fail_json` is deprecated" on every task that warns.
        # (amazon.aws does it for in-process unit tests, where a controller import makes warn() go to the
        # controller's Display instead of the result; tests/unit/plugins/modules/in_process.py handles that.)
        return False
