# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The shape of a managed VPC: its CIDR, its AZs, its subnets, its mode."""

import ipaddress

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_availability_zones

from .._shared.errors import AnsibleGenomicsError
from .common import PRIVATE
from .common import PUBLIC


def validate_vpc_cidr(value):
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as e:
        raise AnsibleGenomicsError(
            message=f"vpc_cidr {value!r} is not an IPv4 network in CIDR notation ({e}); e.g. 10.0.0.0/16."
        ) from e
    if not 16 <= network.prefixlen <= 24:
        raise AnsibleGenomicsError(
            message=f"vpc_cidr {value!r} has a /{network.prefixlen} prefix; use /16 to /24 so that 3 private and 3 "
            "public "
            "subnets fit (AWS allows VPCs from /16 to /28)."
        )
    return str(network)


def subnet_layout(vpc_cidr, azs, public_only):
    """[(az, kind, cidr)]: private subnets get a quarter of the VPC each (room for compute), public
    subnets share the last quarter. In public-only mode the public subnets take the quarters."""
    network = ipaddress.IPv4Network(vpc_cidr)
    quarters = list(network.subnets(prefixlen_diff=2))
    layout = []
    if public_only:
        for index, az in enumerate(azs):
            layout.append((az, PUBLIC, str(quarters[index])))
        return layout
    small = list(quarters[3].subnets(prefixlen_diff=2))
    for index, az in enumerate(azs):
        layout.append((az, PRIVATE, str(quarters[index])))
        layout.append((az, PUBLIC, str(small[index])))
    return layout


def available_zones(ec2):
    zones = describe_availability_zones(
        ec2,
        Filters=[{"Name": "state", "Values": ["available"]}, {"Name": "zone-type", "Values": ["availability-zone"]}],
    )
    return sorted(z["ZoneName"] for z in zones)


def network_mode(public_only):
    return "public-only" if public_only else "private"
