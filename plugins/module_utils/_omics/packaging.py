# -*- coding: utf-8 -*-

# Copyright: Contributors to the genomics.aws project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A workflow definition from a local file or directory, zipped in memory, deterministically.

The same files always give the same zip bytes: entries in sorted order with POSIX paths, a fixed
timestamp (1980-01-01), fixed permissions and compression. Modification times, file-system order
and the machine do not matter. The digest that identifies a definition does not even depend on the
zip: it is the SHA-256 of a canonical listing of the files (path and SHA-256 of each) together
with main, engine and the parameter template, so a newer zlib can never make a definition look
changed.
"""

import hashlib
import io
import json
import os
import zipfile

from .._shared.errors import AnsibleGenomicsError

# Never packaged: version control and editor debris.
EXCLUDED_NAMES = frozenset([".git", ".hg", ".svn", "__pycache__", ".DS_Store", ".ipynb_checkpoints"])
_EPOCH = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644 << 16
# HealthOmics accepts a definitionZip of up to 4 MiB inline (larger ones go through definitionUri).
MAX_ZIP_BYTES = 4 * 1024 * 1024


class Definition:
    def __init__(self, files, zip_bytes, digest):
        self.files = files  # [(posix path in the zip, sha256 hex)]
        self.zip_bytes = zip_bytes
        self.digest = digest

    @property
    def paths(self):
        return [path for path, _sha256 in self.files]


def _collect(path):
    """[(zip path, absolute path)] of the definition, sorted."""
    if os.path.isfile(path):
        return [(os.path.basename(path), path)]
    found = []
    for directory, subdirectories, names in os.walk(path):
        subdirectories[:] = sorted(d for d in subdirectories if d not in EXCLUDED_NAMES)
        for name in names:
            if name in EXCLUDED_NAMES:
                continue
            absolute = os.path.join(directory, name)
            if os.path.isfile(absolute):
                relative = os.path.relpath(absolute, path).replace(os.sep, "/")
                found.append((relative, absolute))
    return sorted(found)


def package_definition(path, main=None, engine=None, parameter_template=None):
    """Zip the definition at `path`; raises naming the path when there is nothing usable."""
    if not path or not os.path.exists(path):
        raise AnsibleGenomicsError(message=f"definition_path {path!r} does not exist on the controller.")
    entries = _collect(path)
    if not entries:
        raise AnsibleGenomicsError(message=f"definition_path {path!r} holds no files.")
    if main is not None and main not in [name for name, _absolute in entries]:
        raise AnsibleGenomicsError(
            message=f"main {main!r} is not a file of definition_path {path!r} (its files: "
            f"{[n for n, _absolute in entries][:20]})."
        )
    buffer = io.BytesIO()
    files = []
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, absolute in entries:
            try:
                with open(absolute, "rb") as handle:
                    content = handle.read()
            except OSError as e:
                raise AnsibleGenomicsError(message=f"cannot read {absolute!r} of definition_path: {e}") from e
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = _FILE_MODE
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content, compresslevel=9)
            files.append((name, hashlib.sha256(content).hexdigest()))
    zip_bytes = buffer.getvalue()
    if len(zip_bytes) > MAX_ZIP_BYTES:
        raise AnsibleGenomicsError(
            message=f"definition_path {path!r} zips to {len(zip_bytes)} bytes; HealthOmics takes at most "
            f"{MAX_ZIP_BYTES} inline."
        )
    return Definition(files, zip_bytes, definition_digest(files, main, engine, parameter_template))


def definition_digest(files, main=None, engine=None, parameter_template=None):
    """SHA-256 over the files and every create-time-only setting, in a canonical form."""
    canonical = json.dumps(
        {"files": [list(f) for f in files], "main": main, "engine": engine, "parameter_template": parameter_template},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
