# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Public facade for moving an AGC project to HealthOmics. Modules import from here, never from _migration."""

from ._migration.agc_project import read_project
from ._migration.permissions import service_role_policy
from ._migration.plan import map_project
from ._migration.project_info import describe_project
from ._shared.errors import AnsibleGenomicsError

# The public names, the only ones modules import from here (listed, the re-exports count as used by linters).
__all__ = ("read_project", "service_role_policy", "map_project", "describe_project", "AnsibleGenomicsError")
