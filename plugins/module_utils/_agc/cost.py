# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the core costs a month: an estimate of its fixed charges from list prices (overridable), not a bill.

Data processed by NAT gateways and endpoints, data transfer, storage and compute are excluded.
"""

from .._shared.errors import AnsibleGenomicsError
from .constants import DEFAULT_ENDPOINT_SERVICES
from .constants import GATEWAY_ENDPOINT_SERVICES
from .constants import REQUIRED_AZ_COUNT

# US East (N. Virginia) on-demand list prices in USD per hour. Other regions differ: pass `prices`.
DEFAULT_PRICES = {
    "currency": "USD",
    "hours_per_month": 730,
    "nat_gateway_hour": 0.045,
    "interface_endpoint_az_hour": 0.01,
    "public_ipv4_address_hour": 0.005,
}
INTERFACE_SERVICES = [s for s in DEFAULT_ENDPOINT_SERVICES if s not in GATEWAY_ENDPOINT_SERVICES]


def merge_prices(overrides):
    prices = dict(DEFAULT_PRICES)
    for key, value in (overrides or {}).items():
        if key not in DEFAULT_PRICES:
            raise AnsibleGenomicsError(
                message=f"prices has an unknown key {key!r}; known keys: {', '.join(sorted(DEFAULT_PRICES))}."
            )
        if key == "currency":
            prices[key] = str(value)
            continue
        try:
            prices[key] = float(value)
        except (TypeError, ValueError):
            raise AnsibleGenomicsError(message=f"prices.{key} {value!r} is not a number.") from None
        if prices[key] < 0:
            raise AnsibleGenomicsError(message=f"prices.{key} {value!r} must not be negative.")
    return prices


def monthly_cost(prices, nat_gateways, interface_endpoint_azs, public_ipv4_addresses):
    hours = prices["hours_per_month"]
    items = [
        {"item": "NAT gateways", "quantity": nat_gateways, "unit_price_hour": prices["nat_gateway_hour"]},
        {
            "item": "interface endpoint AZs",
            "quantity": interface_endpoint_azs,
            "unit_price_hour": prices["interface_endpoint_az_hour"],
        },
        {
            "item": "public IPv4 addresses (NAT gateways' Elastic IPs)",
            "quantity": public_ipv4_addresses,
            "unit_price_hour": prices["public_ipv4_address_hour"],
        },
    ]
    for item in items:
        item["monthly"] = round(item["quantity"] * item["unit_price_hour"] * hours, 2)
    return items, round(sum(i["monthly"] for i in items), 2)


def core_cost_estimate(core, prices=None):
    """The fixed monthly cost of a core (a core_infrastructure result), and what a private core and a public-only
    core cost. A customer's VPC costs the core nothing: its NAT gateways and endpoints are the customer's."""
    prices = merge_prices(prices)
    managed = bool((core or {}).get("vpc", {}).get("managed"))
    if managed:
        nats = len(core.get("nat_gateways") or [])
        interface_azs = sum(
            len(e.get("subnet_ids") or []) for e in core.get("vpc_endpoints") or [] if e.get("type") == "Interface"
        )
        addresses = len((core.get("network") or {}).get("elastic_ips") or [])
    else:
        nats = interface_azs = addresses = 0
    items, total = monthly_cost(prices, nats, interface_azs, addresses)
    _private_items, private_total = monthly_cost(
        prices, REQUIRED_AZ_COUNT, REQUIRED_AZ_COUNT * len(INTERFACE_SERVICES), REQUIRED_AZ_COUNT
    )
    return {
        "estimate": True,
        "note": "Estimate of fixed monthly charges from list prices; excludes data processed by NAT gateways and "
        "endpoints, data transfer, S3 storage and compute. Override prices for your region or contract.",
        "currency": prices["currency"],
        "hours_per_month": prices["hours_per_month"],
        "items": items,
        "monthly_total": total,
        "private_core_monthly_total": private_total,
        "public_only_core_monthly_total": 0.0,
        "public_only_saving": private_total,
    }
