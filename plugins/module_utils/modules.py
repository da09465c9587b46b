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
