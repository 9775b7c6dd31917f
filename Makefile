# Weerbaar — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PYTEST := $(UV) run --frozen pytest
DATA ?= .data
TEST_WORKERS ?= 2

.PHONY: help setup run run-cluster chaos test lint unit integration e2e check-deploy schemas check-schemas bench bench-registry bench-timers bench-e2e bench-console vendor screenshots clean

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

$(UV):
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --user --quiet uv || pip install --quiet uv

setup: $(UV)  ## create .venv with uv and install every package (locked)
	$(UV) sync --frozen

run: setup  ## start the whole system on embedded defaults (Ctrl-C stops it; DATA=… for another folder)
	WEERBAAR_DATA=$(DATA) $(UV) run --frozen python deploy/dev/prepare.py
	$(UV) run --frozen weerbaar-dev-credentials $(DATA)/dev-credentials.json
	exec .venv/bin/python deploy/dev/supervise.py $(DATA)

run-cluster: DATA = .data-cluster
run-cluster: setup  ## make run on a 3-node JetStream cluster (deploy/nats/cluster/loopback.conf, R3; data in .data-cluster)
	WEERBAAR_CLUSTER=1 WEERBAAR_DATA=$(DATA) $(UV) run --frozen python deploy/dev/prepare.py
	$(UV) run --frozen weerbaar-dev-credentials $(DATA)/dev-credentials.json
	exec .venv/bin/python deploy/dev/supervise.py $(DATA)

chaos: setup  ## the whole system under load and faults, on the cluster and the single server: an accounting table (CHAOS_SCALE=…, CHAOS_RATE=…, CHAOS_TARGETS=…, CHAOS_FAULTS=…)
	$(UV) run --frozen python -m tests.chaos.run

lint: setup  ## ruff, mypy, the layers (import-linter) and module sizes (300 lines at most)
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports
	$(UV) run --frozen pytest -q -p no:cacheprovider tests/test_architecture.py

unit: setup  ## fast tests, no servers
	$(PYTEST) tests/unit

integration: setup  ## against a real nats-server and database
	$(PYTEST) tests/integration

e2e: setup  ## every service as a process, driven over HTTP
	$(PYTEST) tests/e2e

test: lint  ## lint and the whole suite, in TEST_WORKERS processes (2; each takes whole files)
	$(PYTEST) -n $(TEST_WORKERS) --dist loadfile tests

bench: bench-registry bench-timers bench-e2e bench-console  ## every benchmark (figures beside raw NATS JetStream on this machine)

bench-registry: setup  ## registry: ingest and statistics on 1M incidents, PostgreSQL and SQLite (BENCH_INCIDENTS=…)
	$(UV) run --frozen python -m tests.bench.registry_bench

bench-e2e: setup  ## the whole system under open-loop load: latency by stage at 20/50/100 incidents/s, the sustained maximum, CPU and JetStream writes per incident (BENCH_RUNS=…, BENCH_DURATION_S=…, BENCH_RATES=…)
	$(UV) run --frozen python -m tests.bench.e2e_bench

bench-console: setup  ## console: the statistics page over 1M incidents on PostgreSQL, beside the registry API's own time (BENCH_CONSOLE_DATABASE_URL=…)
	$(UV) run --frozen python -m tests.bench.console_bench

bench-timers: setup  ## routing: escalation lateness behind 10,000 pending deadlines (BENCH_TIMERS_PENDING=…)
	$(UV) run --frozen python -m tests.bench.timers_bench

check-deploy: setup  ## check deploy/ as a pipeline would: promtool, nats-server -t, Kubernetes and Compose schemas, metrics the alerts name
	$(UV) run --frozen python -m tests.support.check_deploy $(if $(CI),--require-all,)
	$(PYTEST) -q tests/e2e/test_deploy_metrics.py

schemas: setup  ## regenerate the JSON Schema, AsyncAPI and OpenAPI documents in docs/
	$(UV) run --frozen python -m tests.support.schemas write

vendor: setup  ## refresh the console's pinned CSS and JS from npm (versions in services/console/vendor.lock.json)
	$(UV) run --frozen python services/console/vendor.py

screenshots: setup  ## desktop and phone screenshots of every console page into docs/console/ (needs chromium)
	$(UV) run --frozen python -m tests.support.screenshots docs/console

clean:  ## remove local data (.data) and caches
	rm -rf .data .data-cluster .pytest_cache .mypy_cache .ruff_cache
