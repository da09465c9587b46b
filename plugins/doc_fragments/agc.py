# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Options shared by modules that wait for AWS resources.
    WAIT = r"""
options:
  wait:
    description:
      - Wait until created resources are usable (NAT gateways and VPC endpoints available) or deleted
        resources are gone.
      - All waits of one run share O(wait_timeout) and run together, not one after another.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait in total. On timeout the module fails; running it again resumes where it stopped.
    type: int
    default: 1200
"""
