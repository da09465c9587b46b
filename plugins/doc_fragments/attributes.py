# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The descriptions of the attributes every module documents; each module gives its support and details.
    # ansible.builtin.action_common_attributes would also add the `platform` attribute (the target host's OS),
    # which says nothing about modules that only call AWS APIs, so these two are taken from it alone.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target, if not supported
      the action will be skipped.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
"""
