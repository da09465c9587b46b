# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Each workflow of an AGC project mapped to a HealthOmics private workflow, or to the reason it cannot move.

The definition is packaged exactly as omics_workflow packages it (same files, main, engine and parameter template),
so the digest in the plan is the digest omics_workflow records on the workflow it creates.
"""

import json
import os

from .._omics.packaging import package_definition
from .._shared.errors import AnsibleGenomicsError
from .agc_project import CWL_VERSIONS
from .agc_project import MAIN_EXTENSIONS
from .agc_project import MANIFEST_FILE
from .agc_project import MAX_WORKFLOW_NAME
from .agc_project import PARAMETER_TEMPLATE_FILES
from .agc_project import WDL_VERSIONS

HEALTHOMICS_LANGUAGES = {"wdl": "WDL", "nextflow": "NEXTFLOW", "cwl": "CWL"}


def output_prefix(project_name):
    """Where runs of the project's workflows write, under the AGC bucket."""
    return f"healthomics/{project_name}/"


def workflow_name(project_name, agc_name):
    return f"{project_name}-{agc_name}"


def _not_migratable(spec, reason, engines):
    return {
        "agc_name": spec.name,
        "language": spec.language,
        "version": spec.version,
        "source_url": spec.source_url,
        "agc_engines": engines,
        "migratable": False,
        "reason": reason,
        "notes": [],
        "healthomics": None,
    }


def _language_problem(language, version):
    """Why HealthOmics cannot run this language and version, or None."""
    if language not in HEALTHOMICS_LANGUAGES:
        return (
            f"HealthOmics runs WDL, Nextflow and CWL workflows only; {language} workflows have no HealthOmics engine "
            "(rewrite it in one of those, or keep running it elsewhere)"
        )
    if language == "wdl" and version not in WDL_VERSIONS and f"{version}.0" not in WDL_VERSIONS:
        return (
            f"HealthOmics runs WDL {', '.join(WDL_VERSIONS)}; WDL {version} documents must be upgraded "
            "(e.g. draft-2 to 1.0) before they can move"
        )
    if language == "cwl" and version.lower().lstrip("v") not in CWL_VERSIONS:
        return f"HealthOmics runs CWL v1.0, v1.1 and v1.2; CWL {version} is not among them"
    return None


def _engine(language, engines):
    """The HealthOmics engine: WDL workflows that AGC ran with Cromwell keep Cromwell's lenient typing."""
    if language == "wdl" and "cromwell" in engines:
        return "WDL_LENIENT"
    return HEALTHOMICS_LANGUAGES[language]


def _read_json(path, what):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as e:
        raise AnsibleGenomicsError(message=f"{what} {path!r} is not readable JSON: {e}") from None


def _resolve_source(path, spec):
    """(definition path, main, inputs file or None, problem or None) of a sourceURL at `path` on the controller (the
    project's file or directory, or what was downloaded from S3)."""
    where = f"workflows.{spec.name}.sourceURL"
    if not os.path.exists(path):
        raise AnsibleGenomicsError(
            message=f"agc-project.yaml: {where} {spec.source_url!r} does not exist (looked for {path})."
        )
    if os.path.isfile(path):
        return path, os.path.basename(path), None, None
    manifest_path = os.path.join(path, MANIFEST_FILE)
    if os.path.isfile(manifest_path):
        manifest = _read_json(manifest_path, f"{where}: the manifest")
        if not isinstance(manifest, dict) or not isinstance(manifest.get("mainWorkflowURL"), str):
            raise AnsibleGenomicsError(
                message=f"agc-project.yaml: {where}: {manifest_path} must be an object with mainWorkflowURL."
            )
        main = manifest["mainWorkflowURL"]
        if "://" in main:
            return (
                path,
                None,
                None,
                (
                    f"its MANIFEST.json names a remote main workflow ({main}); HealthOmics needs the main file "
                    "inside the definition: copy it into the workflow directory and name it relatively"
                ),
            )
        main = os.path.normpath(main).replace(os.sep, "/")
        if main.startswith("../") or not os.path.isfile(os.path.join(path, main)):
            raise AnsibleGenomicsError(
                message=f"agc-project.yaml: {where}: MANIFEST.json mainWorkflowURL {manifest['mainWorkflowURL']!r} "
                f"is not a file inside {path}."
            )
        inputs = [u for u in manifest.get("inputFileURLs") or [] if isinstance(u, str) and "://" not in u]
        inputs_file = os.path.join(path, inputs[0]) if inputs else None
        return path, main, inputs_file if inputs_file and os.path.isfile(inputs_file) else None, None
    extensions = MAIN_EXTENSIONS[spec.language]
    candidates = sorted(n for n in os.listdir(path) if n.endswith(extensions) and os.path.isfile(os.path.join(path, n)))
    mains = [n for n in candidates if os.path.splitext(n)[0] == "main"] or candidates
    if len(mains) != 1:
        raise AnsibleGenomicsError(
            message=f"agc-project.yaml: {where} {spec.source_url!r} is a directory without {MANIFEST_FILE} and "
            f"{'no' if not mains else len(mains)} {'/'.join(extensions)} file(s) at its top "
            f"({mains}); add a MANIFEST.json naming mainWorkflowURL."
        )
    return path, mains[0], None, None


def _parameter_template(definition_path):
    if not os.path.isdir(definition_path):
        return None, None
    for name in PARAMETER_TEMPLATE_FILES:
        candidate = os.path.join(definition_path, name)
        if os.path.isfile(candidate):
            template = _read_json(candidate, "the parameter template")
            if not isinstance(template, dict) or not template:
                raise AnsibleGenomicsError(
                    message=f"the parameter template {candidate!r} must be a non-empty object of parameter names."
                )
            return template, name
    return None, None


def map_workflow(project, spec, tags=None, fetch_s3=None, unpack_zip=None):
    """The plan entry of one AGC workflow. `fetch_s3(spec)` gives (local path, note) of an S3 sourceURL,
    `unpack_zip(spec, path)` the same of a local .zip."""
    engines = sorted({c.engine for c in project.contexts if c.engine_type == spec.language})
    problem = _language_problem(spec.language, spec.version)
    if problem:
        return _not_migratable(spec, problem, engines)
    on_s3 = spec.source_url.lower().startswith("s3://")
    if on_s3 and fetch_s3 is None:
        return _not_migratable(spec, "its sourceURL is on S3 and this plan was made without reading S3", engines)
    name = workflow_name(project.name, spec.name)
    if len(name) > MAX_WORKFLOW_NAME:
        raise AnsibleGenomicsError(
            message=f"agc-project.yaml: workflows.{spec.name}: the HealthOmics name {name!r} is longer than "
            f"{MAX_WORKFLOW_NAME} characters; shorten the project or workflow name."
        )
    notes = []
    if on_s3:
        local_path, downloaded = fetch_s3(spec)
        notes.append(downloaded)
    else:
        local_path = os.path.normpath(os.path.join(project.directory, spec.source_url))
        if local_path.lower().endswith(".zip") and os.path.isfile(local_path):
            if unpack_zip is None:
                return _not_migratable(spec, "its sourceURL is a zip and this plan was made without unpacking", engines)
            local_path, unpacked = unpack_zip(spec, local_path)
            notes.append(unpacked)
    definition_path, main, inputs_file, problem = _resolve_source(local_path, spec)
    if problem:
        return _not_migratable(spec, problem, engines)
    template, template_file = _parameter_template(definition_path)
    engine = _engine(spec.language, engines)
    if not engines:
        notes.append(f"no context of the project runs {spec.language}: AGC could not run it either")
    if spec.language == "nextflow" and spec.version.lower() in ("dsl1", "1"):
        notes.append("Nextflow DSL 1 runs on HealthOmics' Nextflow v22.04 only")
    if template_file is None:
        notes.append("no parameter-template.json: HealthOmics derives the parameters from the main file")
    definition = package_definition(definition_path, main if os.path.isdir(definition_path) else None, engine, template)
    return {
        "agc_name": spec.name,
        "language": spec.language,
        "version": spec.version,
        "source_url": spec.source_url,
        "agc_engines": engines,
        "migratable": True,
        "reason": None,
        "notes": notes,
        "healthomics": {
            "name": name,
            "engine": engine,
            "definition_path": definition_path,
            "main": main if os.path.isdir(definition_path) else None,
            "parameter_template": template,
            "parameter_template_file": template_file,
            "inputs_file": inputs_file,
            "files": definition.paths,
            "definition_digest": definition.digest,
            "tags": dict(tags or {}, **{"agc-project": project.name, "agc-workflow": spec.name}),
        },
    }


def map_project(project, tags=None, fetch_s3=None, unpack_zip=None):
    """The plan of every workflow, in the project's order. `fetch_s3(spec)` downloads an S3 sourceURL (see
    s3_source.S3Source.fetch), `unpack_zip(spec, path)` unpacks a local zip (S3Source.unpack_zip_file); without them,
    those workflows are listed as not migratable."""
    return [map_workflow(project, spec, tags, fetch_s3, unpack_zip) for spec in project.workflows]
