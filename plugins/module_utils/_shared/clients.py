# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""boto3 clients of a module run, made on first use."""

try:
    from botocore.config import Config
except ImportError:
    pass  # Handled by AnsibleAWSModule


class Clients:
    """boto3 clients made on first use, so a run only opens the connections it needs.

    ``clients.ec2``, ``clients.omics``, ``clients.cfn`` (CloudFormation)...: ``factory(service)`` makes each
    client once.
    """

    _SERVICE_NAMES = {"cfn": "cloudformation"}

    def __init__(self, factory):
        self._factory = factory
        self._clients = {}

    @classmethod
    def for_module(cls, module):
        return cls(lambda service: module_client(module, service))

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._clients:
            self._clients[name] = self._factory(self._SERVICE_NAMES.get(name, name))
        return self._clients[name]


def module_client(module, service):
    """A module's client for `service`.

    Every omics operation carries an endpoint host prefix ("workflows-", "tags-"...), which botocore puts in
    front of the host of a custom endpoint (http://workflows-127.0.0.1:...), where nothing answers. With a
    custom endpoint, host prefix injection is turned off, merged into whatever botocore config amazon.aws
    builds (user agent, then the user's aws_config).
    """
    if service == "omics" and module.params.get("endpoint_url"):
        return module.client(service, config=Config(inject_host_prefix=False))
    return module.client(service)
