# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Options shared by the HealthOmics modules that wait for their resource. A module says what it waits for in
    # its own description of wait, and may set another default of wait_timeout.
    WAIT = r"""
options:
  wait:
    description:
      - Wait until the resource is usable (or, with O(state=absent), gone).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait in total. On timeout the module fails; running it again resumes.
    type: int
    default: 600
"""
