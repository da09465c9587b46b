# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

COLLECTION_NAME = "genomics.aws"
COLLECTION_VERSION = "0.1.0"
