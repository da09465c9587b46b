"""The omics_vpc_networking role, run by ansible-playbook against moto and the HealthOmics emulator.

The emulator is the play's one endpoint_url: it answers HealthOmics itself and forwards EC2 requests to the
moto server, where the test reads what the role built.
"""

import json
import logging

import pytest

from tools.customer_vpc import create_customer_vpc
from tools.healthomics_emulator import OmicsEmulator

from .helpers import ROOT
from .helpers import ansible_playbook
from .helpers import client

pytestmark = pytest.mark.playbook

PLAYBOOK = ROOT / "playbooks" / "omics_vpc_networking_example.yml"
NAME = "genomics-vpc"
VPC_CIDR = "10.30.0.0/16"
FAST = ("-e", "omics_vpc_networking_poll_interval=1")

# One destination per documented use case that moto can serve (moto 5.2.5 offers no s3tables endpoint
# service: the filter's unit tests cover that kind).
DESTINATIONS = [
    {"name": "sentieon-license", "kind": "tcp", "host": "10.30.99.10", "port": 8990},
    {"name": "ncbi", "kind": "https", "url": "https://ftp.ncbi.nlm.nih.gov/genomes/"},
    {"name": "ensembl-rest", "kind": "https", "url": "https://rest.ensembl.org:8443/info/ping"},
    {"name": "ebi-ftp", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": [50000, 50100]},
    {
        "name": "partner-ftps",
        "kind": "ftps",
        "host": "198.51.100.8",
        "mode": "explicit",
        "passive_ports": [60000, 60010],
    },
    {"name": "partner-sftp", "kind": "sftp", "host": "203.0.113.7"},
    {"name": "references", "kind": "s3", "bucket": "my-references"},
    {"name": "eu-references", "kind": "s3", "region": "eu-west-1", "bucket": "my-eu-references"},
    {"name": "sample-status", "kind": "dynamodb"},
    {"name": "credentials", "kind": "secretsmanager"},
    {"name": "marketplace-licences", "kind": "license-manager"},
    {"name": "ecr-api", "kind": "endpoint", "service": "com.amazonaws.us-east-1.ecr.api"},
]
INTERFACE_SERVICES = {"secretsmanager", "license-manager", "ecr.api"}
GATEWAY_SERVICES = {"s3", "dynamodb"}


@pytest.fixture(autouse=True)
def quiet_moto():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


@pytest.fixture
def emulator(moto_endpoint):
    """The HealthOmics emulator in this process, forwarding every other service to the (emptied) moto server."""
    emulator = OmicsEmulator(ec2_endpoint=moto_endpoint, delay=0)
    emulator.start()
    yield emulator
    emulator.stop()


def build_network(endpoint):
    """A VPC as HealthOmics wants it: per AZ (2) a public subnet routed to an internet gateway, holding an available
    NAT gateway, and a private subnet routed to that NAT gateway. Plus a security group for extra_security_groups."""
    vpc = create_customer_vpc(endpoint, cidr_prefix="10.30", azs=2, nat_gateways="per_az")
    extra_sg = client("ec2", endpoint).create_security_group(
        VpcId=vpc["vpc_id"], GroupName="site-proxy", Description="the site's proxy"
    )["GroupId"]
    return {
        "vpc": vpc["vpc_id"],
        "public": vpc["public_subnets"],
        "private": vpc["private_subnets"],
        "nat": vpc["nat_gateways"],
        "extra_sg": extra_sg,
    }


def role_vars(network, **overrides):
    variables = {
        "omics_vpc_networking_name": NAME,
        "omics_vpc_networking_subnets": network["private"],
        "omics_vpc_networking_destinations": DESTINATIONS,
        "omics_vpc_networking_extra_security_groups": [network["extra_sg"]],
        "omics_vpc_networking_tags": {"team": "lab"},
    }
    variables.update(overrides)
    return {k: v for k, v in variables.items() if v is not None}


def run_role(emulator, tmp_path, variables, *options, check=True):
    extra = tmp_path / f"vars-{len(list(tmp_path.iterdir()))}.json"
    extra.write_text(json.dumps(variables))
    return ansible_playbook(PLAYBOOK, emulator.url, tmp_path, "-e", f"@{extra}", *FAST, *options, check=check)


def omics_client(emulator):
    from botocore.config import Config

    return client("omics", emulator.url, config=Config(inject_host_prefix=False))


def role_group(ec2, vpc):
    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "tag:genomics.aws:role", "Values": ["omics-run-egress"]},
        ]
    )["SecurityGroups"]
    assert len(groups) <= 1, groups
    return groups[0] if groups else None


def egress_set(group):
    """The group's egress rules as (protocol, from, to, target) tuples, one per target."""
    rules = set()
    for permission in group["IpPermissionsEgress"]:
        ports = (permission["IpProtocol"], permission.get("FromPort"), permission.get("ToPort"))
        rules |= {(*ports, r["CidrIp"]) for r in permission.get("IpRanges", [])}
        rules |= {(*ports, r["CidrIpv6"]) for r in permission.get("Ipv6Ranges", [])}
        rules |= {(*ports, p["PrefixListId"]) for p in permission.get("PrefixListIds", [])}
        rules |= {(*ports, p["GroupId"]) for p in permission.get("UserIdGroupPairs", [])}
    return rules


def descriptions(group):
    """{"<target>:<from port>": description} of the egress rules to addresses and groups."""
    said = {
        r["CidrIp"] + f":{p['FromPort']}": r.get("Description")
        for p in group["IpPermissionsEgress"]
        for r in p.get("IpRanges", [])
    }
    said.update(
        {
            r["GroupId"] + f":{p['FromPort']}": r.get("Description")
            for p in group["IpPermissionsEgress"]
            for r in p.get("UserIdGroupPairs", [])
        }
    )
    return said


def gateway_prefix_lists(ec2, vpc):
    """{service: prefix list} from the routes of the VPC's gateway endpoints, as the role finds them."""
    endpoints = {
        e["VpcEndpointId"]: e["ServiceName"].rsplit(".", 1)[1]
        for e in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]
        if e["VpcEndpointType"] == "Gateway"
    }
    found = {}
    for table in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]:
        for route in table["Routes"]:
            if route.get("GatewayId") in endpoints and route.get("DestinationPrefixListId"):
                found[endpoints[route["GatewayId"]]] = route["DestinationPrefixListId"]
    return found


def test_role_opens_exactly_the_declared_destinations_then_changes_nothing(emulator, tmp_path):
    network = build_network(emulator.forward_endpoint)
    ec2 = client("ec2", emulator.forward_endpoint)
    run, result = run_role(emulator, tmp_path, role_vars(network))

    # Endpoints: gateway endpoints for same-Region S3 and DynamoDB on the private route tables, interface endpoints
    # for the others; none for the eu-west-1 bucket (endpoints are regional).
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [network["vpc"]]}])["VpcEndpoints"]
    by_service = {e["ServiceName"].rsplit("us-east-1.", 1)[1]: e for e in endpoints}
    assert set(by_service) == GATEWAY_SERVICES | INTERFACE_SERVICES
    assert all(by_service[s]["VpcEndpointType"] == "Gateway" for s in GATEWAY_SERVICES)
    for service in INTERFACE_SERVICES:
        assert by_service[service]["VpcEndpointType"] == "Interface"
        assert sorted(by_service[service]["SubnetIds"]) == sorted(network["private"])
    prefix_lists = gateway_prefix_lists(ec2, network["vpc"])
    assert set(prefix_lists) == GATEWAY_SERVICES
    # The interface endpoints share the group agc_vpc_endpoints made for them (TCP 443 from the VPC only).
    (endpoint_group,) = {g["GroupId"] for s in INTERFACE_SERVICES for g in by_service[s]["Groups"]}

    # The security group: exactly these egress rules (the default allow-all is gone), and no ingress.
    group = role_group(ec2, network["vpc"])
    assert group["GroupName"] == f"omics-{NAME}-egress"
    assert group["IpPermissions"] == []
    assert egress_set(group) == {
        ("tcp", 8990, 8990, "10.30.99.10/32"),  # license server by IP: that address only
        ("tcp", 443, 443, "0.0.0.0/0"),  # ncbi by name, and the eu-west-1 bucket through NAT
        ("tcp", 8443, 8443, "0.0.0.0/0"),  # the URL's own port
        ("tcp", 21, 21, "0.0.0.0/0"),  # FTP control, by name
        ("tcp", 50000, 50100, "0.0.0.0/0"),  # FTP passive range
        ("tcp", 21, 21, "198.51.100.8/32"),  # explicit FTPS control, by IP
        ("tcp", 60000, 60010, "198.51.100.8/32"),  # its passive range
        ("tcp", 22, 22, "203.0.113.7/32"),  # SFTP
        ("tcp", 443, 443, prefix_lists["s3"]),  # S3 gateway endpoint
        ("tcp", 443, 443, prefix_lists["dynamodb"]),  # DynamoDB gateway endpoint
        ("tcp", 443, 443, endpoint_group),  # the interface endpoints' interfaces, and nothing else
    }
    assert ("-1", None, None, "0.0.0.0/0") not in egress_set(group)
    assert not any(r[3] == VPC_CIDR for r in egress_set(group)), "no rule opens the whole VPC"
    said = descriptions(group)
    assert said["0.0.0.0/0:443"] == "ncbi (https); eu-references (s3 in eu-west-1 via NAT)"
    assert said[f"{endpoint_group}:443"] == (
        "credentials (secretsmanager interface endpoint); marketplace-licences "
        "(license-manager interface endpoint); ecr-api (ecr.api interface endpoint)"
    )
    tags = {t["Key"]: t["Value"] for t in group["Tags"]}
    # HealthOmics resources carry the collection's markers, not AGC's application-name tag.
    assert tags == {
        "genomics.aws:managed-by": "genomics.aws",
        "genomics.aws:role": "omics-run-egress",
        "genomics.aws:omics-configuration": NAME,
        "Name": f"omics-{NAME}-egress",
        "team": "lab",
    }

    # The configuration, in the emulator: the private subnets, the role's group and the extra one.
    configuration = omics_client(emulator).get_configuration(name=NAME)
    vpc_config = configuration["runConfigurations"]["vpcConfig"]
    assert configuration["status"] == "ACTIVE"
    assert sorted(vpc_config["subnetIds"]) == sorted(network["private"])
    assert sorted(vpc_config["securityGroupIds"]) == sorted([group["GroupId"], network["extra_sg"]])
    assert configuration["tags"] == {"team": "lab"}

    # The result the role exposes.
    assert result["changed"] and result["vpc_id"] == network["vpc"] and result["region"] == "us-east-1"
    assert result["security_group"]["id"] == group["GroupId"] and len(result["security_group"]["rules_egress"]) == 11
    assert result["prefix_lists"] == prefix_lists
    assert result["endpoint_groups"] == {service: [endpoint_group] for service in INTERFACE_SERVICES}
    assert {e["service"] for e in result["vpc_endpoints"]} == GATEWAY_SERVICES | INTERFACE_SERVICES
    assert result["vpc_configuration"]["run_configurations"]["vpc_config"]["vpc_id"] == network["vpc"]
    via = {d["name"]: d["via"] for d in result["destinations"]}
    assert (
        via["eu-references"] == "nat"
        and via["references"] == "gateway-endpoint"
        and via["credentials"] == "interface-endpoint"
    )
    assert "Route 53 Resolver DNS Firewall" in run.stdout

    # Again: nothing to change.
    run, again = run_role(emulator, tmp_path, role_vars(network))
    assert "changed=0" in run.stdout, run.stdout[-3000:]
    assert not again["changed"]
    assert egress_set(role_group(ec2, network["vpc"])) == egress_set(group)
    assert omics_client(emulator).get_configuration(name=NAME)["uuid"] == configuration["uuid"]


def test_check_mode_predicts_the_network_and_creates_nothing(emulator, tmp_path):
    network = build_network(emulator.forward_endpoint)
    ec2 = client("ec2", emulator.forward_endpoint)
    variables = role_vars(network)

    run, predicted = run_role(emulator, tmp_path, variables, "--check")

    # Nothing exists yet: no group, no endpoint, no configuration.
    assert role_group(ec2, network["vpc"]) is None
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == []
    assert omics_client(emulator).list_configurations().get("items", []) == []
    # The prediction: a new group (no id yet) with the rules to make; the new endpoints' prefix lists and groups are
    # not known yet, so their rules use the VPC CIDR, and the play says so.
    assert predicted["changed"] and predicted["security_group"]["id"] is None
    assert {e["service"] for e in predicted["vpc_endpoints"]} == GATEWAY_SERVICES | INTERFACE_SERVICES
    assert predicted["prefix_lists"] == {} and predicted["endpoint_groups"] == {}
    fallbacks = [r for r in predicted["security_group"]["rules_egress"] if r.get("cidr_ip") == VPC_CIDR]
    assert len(fallbacks) == 1 and "endpoint not found: VPC CIDR" in fallbacks[0]["rule_desc"]
    assert "no prefix list found: VPC CIDR" in fallbacks[0]["rule_desc"]
    assert "Check mode: the security group of the new interface endpoint(s)" in run.stdout
    assert predicted["vpc_configuration"]["run_configurations"]["vpc_config"]["security_group_ids"] == [
        None,
        network["extra_sg"],
    ]

    # Built for real, a check finds nothing to change.
    run_role(emulator, tmp_path, variables)
    run, again = run_role(emulator, tmp_path, variables, "--check")
    assert "changed=0" in run.stdout, run.stdout[-3000:]
    assert not again["changed"] and again["security_group"]["id"] == role_group(ec2, network["vpc"])["GroupId"]


BAD_INPUTS = {
    "unknown kind": (
        {"omics_vpc_networking_destinations": [{"name": "mail", "kind": "smtp", "host": "mx.example.org"}]},
        ["smtp", "kind"],
    ),
    "port out of range": (
        {
            "omics_vpc_networking_destinations": [
                {"name": "licence", "kind": "tcp", "host": "10.30.99.10", "port": 70000}
            ]
        },
        ['destinations[0] "licence": port 70000 is not a port number'],
    ),
    "passive range without bounds": (
        {
            "omics_vpc_networking_destinations": DESTINATIONS[:2]
            + [{"name": "ebi-ftp", "kind": "ftp", "host": "ftp.ebi.ac.uk", "passive_ports": [50000]}]
        },
        ['destinations[2] "ebi-ftp": passive_ports [50000] needs two bounds [low, high]'],
    ),
    "malformed URL": (
        {
            "omics_vpc_networking_destinations": [
                {"name": "ncbi", "kind": "https", "url": "https://ftp.ncbi.nlm.nih.gov:99999/"}
            ]
        },
        ['destinations[0] "ncbi": url "https://ftp.ncbi.nlm.nih.gov:99999/" is malformed'],
    ),
    "invalid cross-Region bucket": (
        {
            "omics_vpc_networking_destinations": [
                {"name": "eu-references", "kind": "s3", "region": "eu-west-1", "bucket": "My_EU_References"}
            ]
        },
        ['destinations[0] "eu-references": bucket "My_EU_References" is not a valid S3 bucket name'],
    ),
    "missing configuration name": ({"omics_vpc_networking_name": None}, ["omics_vpc_networking_name"]),
    "public subnet": ("public", ["public"]),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_before_anything_is_created(emulator, tmp_path, case):
    network = build_network(emulator.forward_endpoint)
    overrides, expected = BAD_INPUTS[case]
    if overrides == "public":
        overrides = {"omics_vpc_networking_subnets": [network["private"][0], network["public"][1]]}
    ec2 = client("ec2", emulator.forward_endpoint)
    groups_before = {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}

    run, _result = run_role(emulator, tmp_path, role_vars(network, **overrides), check=False)

    assert run.returncode != 0
    output = run.stdout + run.stderr
    for text in expected:
        assert text in output, output[-3000:]
    assert {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]} == groups_before
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == []
    assert omics_client(emulator).list_configurations().get("items", []) == []
