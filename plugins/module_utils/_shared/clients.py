# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""boto3 clients of a module run, made on first use."""

import functools
from urllib.parse import urlsplit

try:
    import botocore.session
    from botocore.config import Config
except ImportError:
    pass  # Handled by AnsibleAWSModule

from .iam import denies_access
from .retries import CLIENT_RETRIES

# Host names of AWS's own endpoints, in every partition. Any other endpoint is a custom one (a proxy, an emulator).
_AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws", ".c2s.ic.gov", ".sc2s.sgov.gov")


class Clients:
    """boto3 clients made on first use, so a run only opens the connections it needs.

    ``clients.ec2``, ``clients.omics``, ``clients.cfn`` (CloudFormation)...: ``factory(service)`` makes each
    client once. ``denied`` lists the (service, operation) of every call answered access denied, since botocore's
    error names the operation but not its service (ECR and HealthOmics both have TagResource).
    """

    _SERVICE_NAMES = {"cfn": "cloudformation"}

    def __init__(self, factory):
        self._factory = factory
        self._clients = {}
        self.denied = []

    @classmethod
    def for_module(cls, module):
        return cls(lambda service: module_client(module, service))

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._clients:
            service = self._SERVICE_NAMES.get(name, name)
            client = self._factory(service)
            client.meta.events.register("after-call", lambda parsed, model, **_kw: self._note(service, parsed, model))
            self._clients[name] = client
        return self._clients[name]

    def _note(self, service, parsed, model):
        if isinstance(parsed, dict) and denies_access(parsed):
            self.denied.append((service, model.name))

    def service_of(self, operation):
        """The service of the last denied call of `operation`, or None."""
        return next((service for service, name in reversed(self.denied) if name == operation), None)


def client_config():
    """The botocore configuration of every client: its retry policy."""
    return Config(retries=dict(CLIENT_RETRIES))


def is_custom_endpoint(endpoint_url):
    host = urlsplit(endpoint_url or "").hostname or ""
    return bool(host) and not host.endswith(_AWS_HOST_SUFFIXES)


def share_botocore_data_loader():
    """One botocore data loader for the whole module process.

    amazon.aws makes a new boto3 session for each client, and each session's loader reads botocore's data again
    (the endpoints file, the partitions, the defaults): about half the time a module spends making an EC2, S3, SSM
    and STS client. boto3's default session shares one loader between its clients; this gives the sessions
    amazon.aws makes the same. The loader only reads botocore's packaged data, so sharing it changes nothing else.
    """
    if getattr(botocore.session.create_loader, "shared", False):
        return
    create_loader = functools.lru_cache(maxsize=None)(botocore.session.create_loader)

    def shared_loader(search_path_string=None):
        loader = create_loader(search_path_string)
        # boto3 appends its data directory to the loader of each session it makes: the list must not grow.
        loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
        return loader

    shared_loader.shared = True
    botocore.session.create_loader = shared_loader


def module_client(module, service):
    """A module's client for `service`, with the collection's retry policy (the user's aws_config still wins).

    Every omics operation carries an endpoint host prefix ("workflows-", "tags-"...), which botocore puts in front of
    the host of a custom endpoint (http://workflows-127.0.0.1:...), where nothing answers. However the endpoint was
    given (endpoint_url, AWS_URL, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_OMICS, a profile's endpoint_url), a client whose
    endpoint is not AWS's is made again with host prefix injection turned off.
    """
    share_botocore_data_loader()
    client = module.client(service, config=client_config())
    if service == "omics" and is_custom_endpoint(client.meta.endpoint_url):
        client = module.client(service, config=client_config().merge(Config(inject_host_prefix=False)))
    return client
