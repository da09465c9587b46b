# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deleting a managed VPC and everything in it, in dependency order."""

from functools import partial

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_internet_gateway
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_nat_gateway
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_route_table
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_security_group
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_subnet
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_vpc
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import delete_vpc_endpoints
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import describe_network_interfaces
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import detach_internet_gateway
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import disassociate_route_table
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import release_address

from .._shared.concurrency import run_together
from .._shared.errors import AnsibleGenomicsError
from .._shared.tags import is_ours
from . import waiters
from .managed_network import LIVE_NAT_STATES


def find_blockers(ec2, network):
    """Things in the managed VPC that this collection did not create and that would block its
    deletion (an instance's network interface, a foreign endpoint, subnet or security group)."""
    ours = set()
    for nat in network.nat_gateways:
        if is_ours(nat):
            ours |= {a.get("NetworkInterfaceId") for a in nat.get("NatGatewayAddresses") or []}
    for endpoint in network.our_endpoints():
        ours |= set(endpoint.get("NetworkInterfaceIds") or [])
    interfaces = network.network_interfaces
    if interfaces is None:
        interfaces = describe_network_interfaces(ec2, Filters=[{"Name": "vpc-id", "Values": [network.vpc_id]}])
    blockers = []
    for eni in interfaces:
        if eni["NetworkInterfaceId"] in ours or eni.get("InterfaceType") in ("nat_gateway", "vpc_endpoint"):
            continue
        owner = (eni.get("Attachment") or {}).get("InstanceId") or eni.get("Description") or eni.get("InterfaceType")
        blockers.append(f"network interface {eni['NetworkInterfaceId']}" + (f" ({owner})" if owner else ""))
    blockers += [
        f"VPC endpoint {e['VpcEndpointId']} ({e['ServiceName']})"
        for e in network.endpoints
        if not is_ours(e) and e["State"].lower() not in ("deleted", "deleting")
    ]
    blockers += [f"subnet {s['SubnetId']}" for s in network.subnets if not is_ours(s)]
    blockers += [
        f"security group {g['GroupId']} ({g.get('GroupName')})"
        for g in network.security_groups
        if not is_ours(g) and g.get("GroupName") != "default"
    ]
    blockers += [
        f"NAT gateway {n['NatGatewayId']}"
        for n in network.nat_gateways
        if not is_ours(n) and n["State"] in LIVE_NAT_STATES
    ]
    return blockers


def destroy(ec2, network, changes, deadline):
    """Delete a managed network in dependency order. Refuses, deleting nothing, while something
    someone else created stands in the VPC. Resources already gone are skipped.

    Deletions that do not depend on one another are made together, one round trip for each step of the order:
    endpoints and NAT gateways; once they are gone, the internet gateway, the route tables' associations and the
    security groups; then the route tables and subnets; then the VPC."""
    blockers = find_blockers(ec2, network)
    if blockers:
        raise AnsibleGenomicsError(
            message=f"managed VPC {network.vpc_id} cannot be deleted: it holds resources this collection did not "
            "create: "
            f"{'; '.join(blockers)}. Remove them (or move them out of the VPC) and run again; nothing was deleted."
        )
    check_mode = changes.check_mode
    endpoint_ids = [e["VpcEndpointId"] for e in network.our_endpoints()]
    nat_ids = [n["NatGatewayId"] for n in network.live_nat_gateways()]
    if endpoint_ids:
        changes.add(f"delete VPC endpoints {', '.join(endpoint_ids)}")
    for nat_id in nat_ids:
        changes.add(f"delete NAT gateway {nat_id}")
    our_addresses = [a for a in network.addresses if is_ours(a)]
    for address in our_addresses:
        changes.add(f"release Elastic IP {address.get('PublicIp')} ({address['AllocationId']})")
    gateways = [g for g in network.internet_gateways if is_ours(g)]
    for gateway in gateways:
        changes.add(f"detach and delete internet gateway {gateway['InternetGatewayId']}")
    tables = [t for t in network.route_tables if is_ours(t)]
    for table in tables:
        changes.add(f"delete route table {table['RouteTableId']}")
    subnets = [s for s in network.subnets if is_ours(s)]
    for subnet in subnets:
        changes.add(f"delete subnet {subnet['SubnetId']} ({subnet['CidrBlock']}, {subnet['AvailabilityZone']})")
    groups = [g for g in network.security_groups if is_ours(g)]
    for group in groups:
        changes.add(f"delete security group {group['GroupId']}")
    changes.add(f"delete VPC {network.vpc_id}")
    if check_mode:
        return

    deletions = {f"delete {nat_id}": partial(delete_nat_gateway, ec2, nat_id) for nat_id in nat_ids}
    if endpoint_ids:
        deletions["delete endpoints"] = partial(delete_vpc_endpoints, ec2, endpoint_ids)
    run_together(deletions)
    _wait_and_release(ec2, network, nat_ids, endpoint_ids, our_addresses, deadline)

    # The internet gateway can go once no public address is left in the VPC; an association, at once; a security
    # group once the endpoints' interfaces are gone (retried while they linger).
    first = {f"delete {g['InternetGatewayId']}": partial(_delete_internet_gateway, ec2, g, deadline) for g in gateways}
    for table in tables:
        for association in table.get("Associations") or []:
            if not association.get("Main") and association.get("RouteTableAssociationId"):
                first[f"disassociate {association['RouteTableAssociationId']}"] = partial(
                    disassociate_route_table, ec2, association["RouteTableAssociationId"]
                )
    for group in groups:
        first[f"delete {group['GroupId']}"] = partial(
            waiters.retry_while_dependent, deadline, delete_security_group, ec2, group["GroupId"]
        )
    run_together(first)
    # A route table once no subnet uses it; a subnet once the interfaces in it are gone.
    second = {f"delete {t['RouteTableId']}": partial(delete_route_table, ec2, t["RouteTableId"]) for t in tables}
    for subnet in subnets:
        second[f"delete {subnet['SubnetId']}"] = partial(
            waiters.retry_while_dependent, deadline, delete_subnet, ec2, subnet["SubnetId"]
        )
    run_together(second)
    waiters.retry_while_dependent(deadline, delete_vpc, ec2, network.vpc_id)


def _wait_and_release(ec2, network, nat_ids, endpoint_ids, our_addresses, deadline):
    """Wait for the endpoints and NAT gateways to be deleted, releasing each Elastic IP as its own NAT gateway goes
    (the others, left free by an interrupted run, at once)."""
    # NAT gateways an interrupted run deleted still hold their addresses until they are gone: wait for them too.
    going = [n for n in network.nat_gateways if is_ours(n) and n["State"] == "deleting"]
    nat_ids = nat_ids + [n["NatGatewayId"] for n in going]
    held_by = {
        a.get("AllocationId"): n["NatGatewayId"]
        for n in [*network.live_nat_gateways(), *going]
        for a in n.get("NatGatewayAddresses") or []
    }
    unreleased = {a["AllocationId"] for a in our_addresses}

    def release(allocation_ids):
        # NAT gateways deleted together go together: their addresses are released together.
        chosen = sorted(allocation_ids & unreleased)
        run_together({allocation_id: partial(release_address, ec2, allocation_id) for allocation_id in chosen})
        unreleased.difference_update(chosen)

    release({a for a in unreleased if held_by.get(a) not in nat_ids})

    def on_gone(resources):
        gone = {resource_id for kind, resource_id, _state in resources if kind == "NAT gateway"}
        release({a for a, nat_id in held_by.items() if nat_id in gone})

    waiters.wait_for(
        ec2, deadline, nat_gateway_ids=nat_ids, endpoint_ids=endpoint_ids, deleted=True, on_reached=on_gone
    )
    release(set(unreleased))


def _delete_internet_gateway(ec2, gateway, deadline):
    for attachment in gateway.get("Attachments") or []:
        waiters.retry_while_dependent(
            deadline, detach_internet_gateway, ec2, gateway["InternetGatewayId"], attachment["VpcId"]
        )
    delete_internet_gateway(ec2, gateway["InternetGatewayId"])
