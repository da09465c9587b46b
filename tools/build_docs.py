"""make docs: lint the collection's documentation, then build its docs site with antsibull-docs and Sphinx, offline.

1. `antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs` must find nothing;
2. `antsibull-docs collection --use-current` writes the RST of every module, filter and role, with the extra docs of
   docs/docsite/ (playbooks, AWX), into .build/docs/rst;
3. `sphinx-build -W` (warnings are errors) renders .build/docs/build/html with tools/docs_site/conf.py (no intersphinx);
4. every module, filter and role, and the playbooks page, must have its HTML page.

The collection is found through the .build/collections symlink of make test (made here when missing); amazon.aws
comes from the Python environment. GIT_CEILING_DIRECTORIES stops antsibull-docs taking amazon.aws, installed in a
virtualenv inside this git checkout, for a git checkout of its own (it would copy only its tracked files: none).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import ansible_collections.amazon.aws as amazon_aws

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COLLECTIONS = ROOT / ".build" / "collections"
LINK = COLLECTIONS / "ansible_collections" / "genomics" / "aws"
OUT = ROOT / ".build" / "docs"
SITE_PACKAGES = Path(amazon_aws.__path__[0]).parents[2]


def run(*args, cwd):
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=f"{COLLECTIONS}:{SITE_PACKAGES}",
        GIT_CEILING_DIRECTORIES=str(SITE_PACKAGES),
        PATH=f"{BIN}:{os.environ['PATH']}",
    )
    print("+", " ".join(str(a) for a in args), flush=True)
    completed = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    sys.stdout.write(completed.stdout)
    sys.stderr.write(completed.stderr)
    if completed.returncode != 0:
        sys.exit(f"{args[0]} failed ({completed.returncode})")
    return completed


def main():
    if not LINK.is_symlink():
        LINK.parent.mkdir(parents=True, exist_ok=True)
        LINK.symlink_to(ROOT, target_is_directory=True)
    linted = run(
        BIN / "antsibull-docs", "lint-collection-docs", "--plugin-docs", "--check-extra-docs-refs", ".", cwd=LINK
    )
    if linted.stdout.strip():
        sys.exit("antsibull-docs lint-collection-docs found the problems above")

    shutil.rmtree(OUT, ignore_errors=True)
    rst = OUT / "rst"
    rst.mkdir(parents=True)
    os.chmod(OUT, 0o700)
    os.chmod(rst, 0o700)  # antsibull-docs wants its destination writable by its owner only
    config = ROOT / "tools" / "docs_site"
    run(
        BIN / "antsibull-docs",
        "--config-file",
        config / "antsibull-docs.cfg",
        "collection",
        "--use-current",
        "--dest-dir",
        rst,
        "genomics.aws",
        cwd=OUT,
    )
    shutil.copy(config / "index.rst", rst / "index.rst")
    run(BIN / "sphinx-build", "-M", "html", rst, OUT / "build", "-c", config, "-W", "--keep-going", "-q", cwd=OUT)

    html = OUT / "build" / "html" / "collections" / "genomics" / "aws"
    expected = [f"{p.stem}_module.html" for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__"]
    expected += [f"{p.stem}_filter.html" for p in (ROOT / "plugins" / "filter").glob("*.yml")]
    expected += [
        f"{p.name}_role.html" for p in (ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists()
    ]
    expected += ["docsite/playbooks.html", "docsite/awx.html"]
    missing = sorted(name for name in expected if not (html / name).is_file())
    if missing:
        sys.exit(f"the docs site lacks {', '.join(missing)}")
    playbooks_page = (html / "docsite" / "playbooks.html").read_text()
    undocumented = sorted(
        p.stem for p in (ROOT / "playbooks").glob("*.yml") if f"genomics.aws.{p.stem}" not in playbooks_page
    )
    if undocumented:
        sys.exit(f"the playbooks page does not document {', '.join(undocumented)}")
    print(f"docs site: {OUT / 'build' / 'html' / 'index.html'} ({len(expected)} pages checked)")


if __name__ == "__main__":
    main()
