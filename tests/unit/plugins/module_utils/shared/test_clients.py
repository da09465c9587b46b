"""The clients of a module run share botocore's data loader (amazon.aws makes a session per client)."""

from ansible_collections.genomics.aws.plugins.module_utils._shared.clients import module_client
from tests.unit.plugins.module_utils.omics.test_clients_tags_waiters import FakeModule


def test_the_clients_of_a_module_process_share_one_data_loader():
    module = FakeModule(endpoint_url="http://127.0.0.1:5000")
    clients = [module_client(module, service) for service in ("ec2", "s3", "ssm", "sts", "ec2")]
    loaders = {id(client._loader) for client in clients}
    assert len(loaders) == 1, "each client read botocore's data again"
    # The EC2 model is read once for the process, not once per client.
    assert clients[0].meta.service_model is not None
    loader = clients[0]._loader
    # boto3 adds its data directory for each session it makes; the shared list does not grow with them.
    assert len(loader.search_paths) <= len(set(loader.search_paths)) + 1, loader.search_paths


def test_sessions_outside_the_collection_are_unchanged_in_what_they_load():
    import boto3

    module_client(FakeModule(), "sts")
    client = boto3.session.Session().client("ec2", region_name="eu-west-1")
    assert client.meta.region_name == "eu-west-1"
    assert "DescribeVpcs" in client.meta.service_model.operation_names
