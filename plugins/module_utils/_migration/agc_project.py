# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An Amazon Genomics CLI project (agc-project.yaml), read, checked and mapped to HealthOmics private workflows.

The accepted shape is the AGC CLI's own project schema (schemaVersion 1): `name` (letters and digits), `workflows`
(a mapping of name to `type.language`, `type.version` and `sourceURL`), `data` (a list of `location` and `readOnly`)
and `contexts` (a mapping of name to `engines`, one `type`/`engine` pair, and the context's compute settings).
Every error names the key path (``workflows.hello.type.language``) and the bad value, and is raised before anything
else is done.

A workflow's `sourceURL` is a file or a directory relative to the project directory, or an s3:// URL. A directory is
resolved as the AGC CLI resolves it: its MANIFEST.json (`mainWorkflowURL`, `inputFileURLs`) names the main file;
without one, the single workflow file of its language at the top of the directory is the main file.
"""

import json
import os
import re
from dataclasses import dataclass
from dataclasses import field

from .._shared.errors import AnsibleGenomicsError
from .._shared.validation import bucket_name_problem

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core on the controller
    yaml = None

PROJECT_FILE = "agc-project.yaml"
MANIFEST_FILE = "MANIFEST.json"
# Declared next to the main file, in HealthOmics' own format ({"name": {"description": ..., "optional": ...}}).
PARAMETER_TEMPLATE_FILES = ("parameter-template.json", "parameter_template.json")
SUPPORTED_SCHEMA_VERSIONS = (1,)
PROJECT_NAME = re.compile(r"^[A-Za-z0-9]+$")
CONTEXT_NAME = PROJECT_NAME
# HealthOmics workflow names: 1 to 128 printable characters; the plan uses <project>-<workflow>.
WORKFLOW_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_WORKFLOW_NAME = 128

TOP_LEVEL_KEYS = ("name", "schemaVersion", "workflows", "data", "contexts")
WORKFLOW_KEYS = ("type", "sourceURL")
TYPE_KEYS = ("language", "version")
DATA_KEYS = ("location", "readOnly")
CONTEXT_KEYS = ("engines", "requestSpotInstances", "publicSubnets", "maxVCpus", "instanceTypes")
ENGINE_KEYS = ("type", "engine")

# The engines the AGC CLI deploys, per workflow language.
AGC_ENGINES = {
    "wdl": ("cromwell", "miniwdl"),
    "nextflow": ("nextflow",),
    "cwl": ("toil", "cromwell"),
    "snakemake": ("snakemake",),
}
# What HealthOmics runs (the service's documented language versions).
WDL_VERSIONS = ("1.0", "1.1", "development")
CWL_VERSIONS = ("1.0", "1.1", "1.2")
MAIN_EXTENSIONS = {"wdl": (".wdl",), "nextflow": (".nf",), "cwl": (".cwl", ".yml", ".yaml")}


def _error(path, message):
    return AnsibleGenomicsError(message=f"agc-project.yaml: {path} {message}")


def _show(value):
    return json.dumps(value, default=str)


@dataclass
class DataLocation:
    location: str
    bucket: str
    prefix: str  # without a leading or trailing slash; "" for the whole bucket
    read_only: bool

    def as_dict(self):
        return {"location": self.location, "bucket": self.bucket, "prefix": self.prefix, "read_only": self.read_only}


@dataclass
class Context:
    name: str
    engine_type: str
    engine: str
    settings: dict = field(default_factory=dict)

    def as_dict(self):
        return {"name": self.name, "engine_type": self.engine_type, "engine": self.engine, "settings": self.settings}


@dataclass
class WorkflowSpec:
    name: str
    language: str
    version: str
    source_url: str


@dataclass
class Project:
    name: str
    schema_version: int
    directory: str
    workflows: list
    data: list
    contexts: list


# ----------------------------------------------------------------------------------------------------------- reading


def read_project(path):
    """The project at `path` (the agc-project.yaml file or its directory), checked; raises naming the key."""
    if yaml is None:
        raise AnsibleGenomicsError(message="reading an AGC project needs PyYAML on the controller.")
    file_path = os.path.join(path, PROJECT_FILE) if os.path.isdir(path) else path
    if not os.path.isfile(file_path):
        raise AnsibleGenomicsError(message=f"project_path {path!r}: no {PROJECT_FILE} there.")
    try:
        with open(file_path, encoding="utf-8") as handle:
            document = yaml.load(handle, Loader=_project_loader())  # nosec B506 - a SafeLoader
    except yaml.YAMLError as e:
        raise AnsibleGenomicsError(message=f"{file_path} is not valid YAML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise AnsibleGenomicsError(message=f"cannot read {file_path}: {e}") from None
    return parse_project(document, os.path.dirname(os.path.abspath(file_path)))


def _project_loader():
    """YAML's safe loader, except that a number with a fraction keeps its text: a workflow's `version: 23.10` is
    "23.10" (Nextflow 23.10), not the float 23.1."""

    class ProjectLoader(yaml.SafeLoader):
        pass

    ProjectLoader.add_constructor("tag:yaml.org,2002:float", lambda loader, node: loader.construct_scalar(node))
    return ProjectLoader


def _mapping(value, path, allowed):
    if not isinstance(value, dict):
        raise _error(path, f"must be a mapping, got {_show(value)}.")
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        raise _error(path, f"has unknown key(s) {unknown}; the AGC project schema allows {list(allowed)}.")
    return value


def _text(value, path):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
        raise _error(path, f"must be a non-empty string, got {_show(value)}.")
    return str(value).strip()


def _boolean(value, path):
    if not isinstance(value, bool):
        raise _error(path, f"must be true or false, got {_show(value)}.")
    return value


def parse_project(document, directory):
    """A Project from the loaded YAML; `directory` is where relative sourceURLs start."""
    if document is None:
        raise _error("(the document)", "is empty; a project needs at least name and contexts.")
    _mapping(document, "(top level)", TOP_LEVEL_KEYS)
    for required in ("name", "contexts"):
        if required not in document:
            raise _error(required, "is missing; the AGC project schema requires name and contexts.")
    name = document["name"]
    if not isinstance(name, str) or not PROJECT_NAME.match(name):
        raise _error("name", f"{_show(name)} must be letters and digits only (the AGC CLI's rule).")
    schema_version = document.get("schemaVersion", 1)
    if isinstance(schema_version, bool) or not isinstance(schema_version, int) or schema_version < 1:
        raise _error("schemaVersion", f"{_show(schema_version)} must be a positive integer.")
    if schema_version not in SUPPORTED_SCHEMA_VERSIONS:
        raise _error(
            "schemaVersion", f"{schema_version} is not supported (supported: {list(SUPPORTED_SCHEMA_VERSIONS)})."
        )
    contexts = _parse_contexts(document["contexts"])
    workflows = _parse_workflows(document.get("workflows"))
    data = _parse_data(document.get("data"))
    return Project(name, schema_version, directory, workflows, data, contexts)


def _parse_workflows(workflows):
    if workflows is None:
        return []
    if not isinstance(workflows, dict):
        raise _error(
            "workflows", f"must be a mapping of workflow name to its type and sourceURL, got {_show(workflows)}."
        )
    found = []
    for name, spec in workflows.items():
        path = f"workflows.{name}"
        if not isinstance(name, str) or not WORKFLOW_NAME.match(name):
            raise _error(
                path,
                f"name {_show(name)} must start with a letter or digit and hold only letters, digits, '.', '_' or '-'.",
            )
        _mapping(spec, path, WORKFLOW_KEYS)
        for required in WORKFLOW_KEYS:
            if required not in spec:
                raise _error(f"{path}.{required}", "is missing; a workflow needs type and sourceURL.")
        kind = _mapping(spec["type"], f"{path}.type", TYPE_KEYS)
        for required in TYPE_KEYS:
            if required not in kind:
                raise _error(f"{path}.type.{required}", "is missing; a workflow type needs language and version.")
        language = _text(kind["language"], f"{path}.type.language").lower()
        version = _text(kind["version"], f"{path}.type.version")
        source_url = _text(spec["sourceURL"], f"{path}.sourceURL")
        _check_source_url(source_url, f"{path}.sourceURL")
        found.append(WorkflowSpec(name, language, version, source_url))
    return found


def _check_source_url(url, path):
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "s3":
        split_s3_url(url, path)
    elif scheme:
        raise _error(path, f"{_show(url)}: only paths relative to the project directory and s3:// URLs are supported.")


def split_s3_url(url, path):
    """(bucket, prefix) of an s3:// URL; a trailing '*' or '/' is dropped from the prefix."""
    match = re.match(r"^s3://([^/]*)/?(.*)$", url)
    if not match:
        raise _error(path, f"{_show(url)} is not an S3 URL (s3://bucket[/prefix]).")
    bucket, prefix = match.group(1), match.group(2)
    problem = bucket_name_problem(bucket) if bucket else "the bucket name is empty"
    if problem:
        raise _error(path, f"{_show(url)}: bucket {_show(bucket)} is not a valid S3 bucket name ({problem}).")
    prefix = prefix.rstrip("*").strip("/")
    if "*" in prefix or "?" in prefix:
        raise _error(path, f"{_show(url)}: only a trailing '*' is allowed in an S3 location.")
    return bucket, prefix


def _parse_data(data):
    if data is None:
        return []
    if not isinstance(data, list):
        raise _error("data", f"must be a list of locations, got {_show(data)}.")
    found = []
    for index, item in enumerate(data):
        path = f"data[{index}]"
        _mapping(item, path, DATA_KEYS)
        if "location" not in item:
            raise _error(f"{path}.location", "is missing; a data entry needs a location (s3://bucket[/prefix]).")
        location = _text(item["location"], f"{path}.location")
        if not location.lower().startswith("s3://"):
            raise _error(f"{path}.location", f"{_show(location)} must be an s3:// URL.")
        bucket, prefix = split_s3_url(location, f"{path}.location")
        # The AGC CLI's default: a data location without readOnly is read-only.
        read_only = _boolean(item.get("readOnly", True), f"{path}.readOnly")
        found.append(DataLocation(location, bucket, prefix, read_only))
    return found


def _parse_contexts(contexts):
    if not isinstance(contexts, dict) or not contexts:
        raise _error("contexts", f"must be a mapping of context name to its engines, got {_show(contexts)}.")
    found = []
    for name, spec in contexts.items():
        path = f"contexts.{name}"
        if not isinstance(name, str) or not CONTEXT_NAME.match(name):
            raise _error(path, f"name {_show(name)} must be letters and digits only (the AGC CLI's rule).")
        _mapping(spec, path, CONTEXT_KEYS)
        engines = spec.get("engines")
        if not isinstance(engines, list) or len(engines) != 1:
            raise _error(f"{path}.engines", f"must list exactly one engine (type and engine), got {_show(engines)}.")
        engine_spec = _mapping(engines[0], f"{path}.engines[0]", ENGINE_KEYS)
        for required in ENGINE_KEYS:
            if required not in engine_spec:
                raise _error(f"{path}.engines[0].{required}", "is missing; an engine needs type and engine.")
        engine_type = _text(engine_spec["type"], f"{path}.engines[0].type").lower()
        engine = _text(engine_spec["engine"], f"{path}.engines[0].engine").lower()
        if engine_type not in AGC_ENGINES:
            raise _error(
                f"{path}.engines[0].type", f"{_show(engine_type)} is not a language AGC runs ({sorted(AGC_ENGINES)})."
            )
        if engine not in AGC_ENGINES[engine_type]:
            raise _error(
                f"{path}.engines[0].engine",
                f"{_show(engine)} does not run {engine_type} in AGC (it runs with {list(AGC_ENGINES[engine_type])}).",
            )
        for flag in ("requestSpotInstances", "publicSubnets"):
            if flag in spec:
                _boolean(spec[flag], f"{path}.{flag}")
        if "maxVCpus" in spec and (
            isinstance(spec["maxVCpus"], bool) or not isinstance(spec["maxVCpus"], int) or spec["maxVCpus"] < 1
        ):
            raise _error(f"{path}.maxVCpus", f"{_show(spec['maxVCpus'])} must be a positive integer.")
        instance_types = spec.get("instanceTypes")
        if instance_types is not None and (
            not isinstance(instance_types, list) or not all(isinstance(t, str) and t for t in instance_types)
        ):
            raise _error(
                f"{path}.instanceTypes", f"must be a list of instance type names, got {_show(instance_types)}."
            )
        settings = {k: spec[k] for k in CONTEXT_KEYS if k != "engines" and k in spec}
        found.append(Context(name, engine_type, engine, settings))
    return found
