"""Results are snake_case, but user data (tags, parameters, templates) keeps its keys."""

from ansible_collections.genomics.aws.plugins.module_utils.omics import normalize_run
from ansible_collections.genomics.aws.plugins.module_utils.omics import normalize_workflow
from ansible_collections.genomics.aws.plugins.module_utils.omics import summarize_egress


def test_run_keeps_user_keys_and_exposes_the_request_id():
    run = normalize_run(
        {
            "id": "1",
            "runOutputUri": "s3://b/o/1",
            "parameters": {"inputBam": "s3://x", "maxReads": 5},
            "tags": {"CostCenter": "Lab", "genomics.aws:request-id": "genomics.aws-abc"},
            "logLocation": {"runLogStream": "run/1"},
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }
    )
    assert run == {
        "id": "1",
        "run_output_uri": "s3://b/o/1",
        "parameters": {"inputBam": "s3://x", "maxReads": 5},
        "tags": {"CostCenter": "Lab", "genomics.aws:request-id": "genomics.aws-abc"},
        "log_location": {"run_log_stream": "run/1"},
        "request_id": "genomics.aws-abc",
    }


def test_workflow_keeps_its_parameter_template():
    workflow = normalize_workflow(
        {"id": "2", "parameterTemplate": {"inputBam": {"optional": False}}, "storageType": "DYNAMIC"}
    )
    assert workflow["parameter_template"] == {"inputBam": {"optional": False}}
    assert workflow["storage_type"] == "DYNAMIC" and workflow["tags"] == {} and workflow["definition_digest"] is None


def test_egress_in_words():
    group = {
        "IpPermissionsEgress": [
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
            {"IpProtocol": "tcp", "FromPort": 1024, "ToPort": 1048, "PrefixListIds": [{"PrefixListId": "pl-1"}]},
            {"IpProtocol": "udp", "FromPort": 0, "ToPort": 65535, "UserIdGroupPairs": [{"GroupId": "sg-9"}]},
            {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "192.0.2.0/24"}]},
        ]
    }
    assert summarize_egress(group) == [
        "all traffic to 10.0.0.0/16",
        "tcp 443 to 0.0.0.0/0",
        "tcp 443 to ::/0",
        "tcp 1024-1048 to pl-1",
        "udp all ports to sg-9",
        "icmp to 192.0.2.0/24",
    ]
    assert summarize_egress({"IpPermissionsEgress": []}) == []
