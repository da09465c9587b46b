"""A local AWS HealthOmics ("omics") endpoint speaking the real restJson1 wire protocol, with the ECR pull
through cache APIs HealthOmics needs, forwarding every other service to moto.

moto has no omics backend; this emulator fills the gap for the tests, the demo and the local integration runs
(``make demo``, ``make test``, ``make integration``). It is a development tool: it lives in ``tools/``,
outside the built collection. boto3 and the AWS CLI talk to it unchanged through ``endpoint_url``. Requests
are routed, parsed and validated by botocore's own service model (``model.py``), so the emulator accepts and
refuses exactly what the model describes. State lives in memory (``backend.py``); subnets and security groups
are checked against a local moto server given as the EC2 endpoint, and workflow runs are handed to a pluggable
executor (``executor.py``). By default runs complete without doing anything;
``local_executor.LocalWdlExecutor`` (``--executor local``) runs WDL workflows for real on this machine,
exports their outputs to S3 as HealthOmics lays them out, and gives their tasks the network a RESTRICTED or
VPC run would have (security group egress rules and subnet routes read from EC2).

Host prefix: every omics operation in the model carries an endpoint ``hostPrefix``
("workflows-", "analytics-", "storage-", "tags-"...), so against ``http://127.0.0.1:PORT`` a
client would call ``http://workflows-127.0.0.1:PORT``, which does not resolve. Clients must turn
host prefix injection off:

- boto3: ``boto3.client("omics", endpoint_url=url, config=Config(inject_host_prefix=False))``
- AWS CLI (or any botocore client): environment ``AWS_DISABLE_HOST_PREFIX_INJECTION=true``

In process::

    from tools.healthomics_emulator import OmicsEmulator
    with OmicsEmulator(ec2_endpoint="http://127.0.0.1:5000", delay=0.1) as emulator:
        url = emulator.url

As a server (until killed)::

    python -m tools.healthomics_emulator --port 5100 --ec2-endpoint http://127.0.0.1:5000 --delay 0.5

One endpoint for every service: a request signed (SigV4 credential scope) for any other service
than omics (ec2, s3, iam, sts...) is forwarded unchanged to the EC2 endpoint (a moto server answers
them all; ``forward_endpoint=`` picks another), so a client can use the emulator's URL as its only
``endpoint_url``, as modules do with ``module_defaults`` against AWS. Unsigned requests are the
emulator's own. The exception is ECR's pull through cache, which moto lacks: its rules, repository
creation templates, registry policy and the first pull of an image are answered by ``ecr.py``,
which keeps the repositories and images in moto.

The emulator listens on 127.0.0.1 only and refuses endpoints that are not loopback addresses,
so nothing it does can reach real AWS.
"""

from .backend import Configuration
from .backend import OmicsBackend
from .backend import RequestContext
from .backend import Run
from .backend import Workflow
from .backend import inspect_definition
from .errors import AccessDeniedException
from .errors import ConflictException
from .errors import OmicsError
from .errors import ResourceNotFoundException
from .errors import ServiceQuotaExceededException
from .errors import ThrottlingException
from .errors import ValidationException
from .executor import ExecutionResult
from .executor import FailingExecutor
from .executor import RunExecutor
from .executor import SucceedingExecutor
from .model import OmicsProtocol
from .model import compile_model_pattern
from .network import ResolvedVpc
from .server import OmicsEmulator

__all__ = [
    "AccessDeniedException",
    "Configuration",
    "ConflictException",
    "ExecutionResult",
    "FailingExecutor",
    "OmicsBackend",
    "OmicsEmulator",
    "OmicsError",
    "OmicsProtocol",
    "RequestContext",
    "ResolvedVpc",
    "ResourceNotFoundException",
    "Run",
    "RunExecutor",
    "ServiceQuotaExceededException",
    "SucceedingExecutor",
    "ThrottlingException",
    "ValidationException",
    "Workflow",
    "compile_model_pattern",
    "inspect_definition",
]
