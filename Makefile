# genomics.aws: everything a fresh machine needs is set up by these targets.
#   make demo   AGC activation, re-activation and deactivation, then a HealthOmics VPC and its connectivity test, then an
#               AGC project moved to HealthOmics in a new activation's VPC, on local moto
#   make test   the test suite (unit, module and playbook tests against moto on 127.0.0.1)
#   make iam    the least-privilege IAM policies (docs/iam/) proven action by action under moto's IAM enforcement
#   make docs   the collection docs site, offline (.build/docs/build/html/index.html)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Ansible finds this collection as genomics.aws through a symlink, so a plain clone works.
COLLECTIONS := $(CURDIR)/.build/collections
LINK := $(COLLECTIONS)/ansible_collections/genomics/aws

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := true
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: all venv demo test test-awx test-migrate test-unit sweep iam sanity lint docs ansible-test-sanity integration \
	bench bench-regions bench-real constraints clean

all: test

$(STAMP): tests/requirements.txt tests/constraints.txt
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r tests/requirements.txt -c tests/constraints.txt
	touch $@

$(LINK):
	mkdir -p $(dir $(LINK))
	ln -sfn $(CURDIR) $(LINK)

venv: $(STAMP) $(LINK)

demo: venv
	$(BIN)/python tools/demo/run_demo.py

# Test files run in parallel, a file's tests together (they share module-scoped servers): about half the time on 2 cores.
# In collection order, where tests/conftest.py puts the longest files first (pytest-xdist would otherwise queue files
# by their number of tests, and ansible-test's pylint, two tests and three minutes, would start last).
PARALLEL := -n auto --maxprocesses 4 --dist loadfile --no-loadscope-reorder

test: venv
	$(BIN)/python -m pytest $(PARALLEL)

# Faults at every write index: both kinds of crash (before a write; after it, its answer lost) in activation and
# deactivation, in the default, public-only and customer-VPC modes, each resumed to a core equal to an uninterrupted
# one; 30% throttling with several seeds; every drift case alone. About 25 minutes; make test samples it.
SWEEP_TESTS := $(addprefix tests/unit/plugins/module_utils/agc/,test_sweep_activation.py test_sweep_deactivation.py \
	test_throttling.py test_drift.py)
sweep: venv
	AGC_FULL_SWEEP=1 $(BIN)/python -m pytest -n auto --maxprocesses 4 $(SWEEP_TESTS)

# The IAM policies of docs/iam/ under moto's IAM enforcement: each job with exactly its policy, then without each of
# its actions in turn (the job must fail on that action). make test runs every job and a sample of removals.
iam: venv
	IAM_FULL_SWEEP=1 $(BIN)/python -m pytest -n auto --maxprocesses 4 tests/iam

# The AWX/AAP job tests through ansible-runner alone (make test runs them too).
test-awx: venv
	$(BIN)/python -m pytest -p no:cacheprovider tests/playbooks/test_ansible_runner.py

# The AGC-project-to-HealthOmics playbook end to end (check mode, networking, workflows from the project and from S3,
# connectivity test, a run, a re-run that sends no write call, a customer-VPC activation left unmodified but for the
# runs' security group) and make demo's migration part, against moto and the HealthOmics emulator: minutes on
# 2 cores, so make test runs only its refusal of a public-only activation.
test-migrate: venv
	GENOMICS_AWS_MIGRATE_E2E=1 $(BIN)/python -m pytest -p no:cacheprovider -s tests/playbooks/test_agc_project_to_healthomics.py

test-unit: venv
	$(BIN)/python -m pytest $(PARALLEL) tests/unit

sanity: venv
	$(BIN)/python -m pytest tests/sanity

# The collection docs site (antsibull-docs + Sphinx, offline) in .build/docs/build/html, after
# antsibull-docs lint-collection-docs --plugin-docs finds nothing; checks every module, filter, role and playbook has
# its page. About a minute.
docs: venv
	$(BIN)/python tools/build_docs.py

# ansible-lint (production profile) over the roles and playbooks; tools/ansible_lint.py works from a plain clone too.
lint: $(STAMP)
	$(BIN)/python tools/ansible_lint.py

# ansible-test sanity (what Automation Hub certification requires), in a copy under ansible_collections/genomics/aws
# (offline; extra arguments with ARGS, e.g. make ansible-test-sanity ARGS="--test pep8").
ansible-test-sanity: venv
	$(BIN)/python tests/sanity/run_ansible_test.py $(ARGS)

# The integration targets (written for real AWS) against moto and the HealthOmics emulator; TARGETS= picks some.
integration: venv
	$(BIN)/python tests/integration/run_local.py $(TARGETS)

# Wall time, API calls and writes of each phase with AWS's latency (scaled to 1/10), against the baseline playbooks
# in tools/bench/baseline; prints the goals not yet met and fails on a regression (the bench check). 6 to 7.5 minutes
# on an idle 2-core machine (and 2 more for the virtual environment of a fresh clone).
bench: venv
	$(BIN)/python tools/bench/run_bench.py --check --json .build/bench/figures.json

# One region against four (activate_many) at 3/10 of AWS's latency, as in make bench, and without latency, with the
# ratio projected to AWS latency. About 5 minutes.
bench-regions: venv
	$(BIN)/python tools/bench/run_bench.py --regions-only --scale 0.3

# The collection's fresh activation and deactivation, and four regions (activate_many), at AWS's own latency (scale 1),
# measured without projection: the ground truth for the bench's projected ratios. About 7 minutes.
bench-real: venv
	$(BIN)/python tools/bench/run_bench.py --floors-only --scale 1

# Re-resolve the pinned toolchain (needs the package index).
constraints:
	rm -rf .build/constraints-venv
	$(PYTHON) -m venv .build/constraints-venv
	.build/constraints-venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	{ echo "# Exact versions behind tests/requirements.txt (pip freeze of a fresh install). Regenerate with: make constraints"; \
	  .build/constraints-venv/bin/pip freeze --exclude pip; } > tests/constraints.txt

clean:
	rm -rf $(VENV) .build .pytest_cache
