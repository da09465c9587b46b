# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading a VPC's routing: which route table a subnet uses, and where its default route goes."""

ANYWHERE = "0.0.0.0/0"


def effective_route_table(route_tables, subnet_id):
    """The route table a subnet uses: its explicit association, else the VPC's main table."""
    main = None
    for table in route_tables:
        for association in table.get("Associations") or []:
            if association.get("SubnetId") == subnet_id:
                return table
            if association.get("Main"):
                main = table
    return main


def routes_to_internet_gateway(table):
    """A subnet whose route table reaches an internet gateway is public."""
    return any((r.get("GatewayId") or "").startswith("igw-") for r in (table or {}).get("Routes") or [])


def default_route(table):
    """The IPv4 default route (0.0.0.0/0) of a route table, or None."""
    return next((r for r in (table or {}).get("Routes") or [] if r.get("DestinationCidrBlock") == ANYWHERE), None)
