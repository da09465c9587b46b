# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""boto3 answers without their transport details."""


def strip_metadata(response):
    """A copy of a boto3 answer without ResponseMetadata (request ids, HTTP headers, retries)."""
    response = dict(response or {})
    response.pop("ResponseMetadata", None)
    return response
