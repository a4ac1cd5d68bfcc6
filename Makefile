# Thin wrappers: every target is one idea. `make serve` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
# The npm tools of package.json (ajv, Redocly, Spectral, Prism), exactly as package-lock.json pins them
NODE_STAMP = node_modules/.installed
# make serve PORT=N, or the mock's own variables (MOCKSERVER_PORT=N make serve)
HOST   ?= $(or $(MOCKSERVER_HOST),127.0.0.1)
PORT   ?= $(or $(MOCKSERVER_PORT),8080)

# `make contract` is the suite with its CONTRACT_* variables (docs/ci.md); only these
# four get a default here. The target: the mock `make serve` starts, unless CONTRACT_BASE_URL (or
# BASE_URL=... on make's command line) says otherwise. Credentials: CONTRACT_API_KEY and the rest, from
# CI's secrets; with none, the suite judges a loopback target as its demo users and refuses any other.
ifeq ($(origin BASE_URL),command line)
CONTRACT_BASE_URL := $(BASE_URL)
endif
CONTRACT_BASE_URL ?= http://$(HOST):$(PORT)
CONTRACT_JUNITXML ?= reports/contract-junit.xml
CONTRACT_REPORT ?= reports/contract.json
CONTRACT_HTML ?= reports/contract.html
export CONTRACT_BASE_URL CONTRACT_JUNITXML CONTRACT_REPORT CONTRACT_HTML

.PHONY: install node-tools serve test lint unit quick pictures system-deps contract bench clean mutation

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)  ## create or refresh the virtual environment from pyproject.toml

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

node-tools: $(NODE_STAMP)  ## the pinned npm tools the spec is checked with (node and npm on PATH)

serve: $(STAMP)  ## start the mock on http://$(HOST):$(PORT) with the demo key and users
	$(BIN)/python -m mockserver --host $(HOST) --port $(PORT)

lint: $(STAMP) $(NODE_STAMP)  ## ruff, mypy (strict), the import contracts of ARCHITECTURE.md, the OpenAPI linters
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo
	node_modules/.bin/redocly lint --config redocly.yaml spec/openapi.yaml
	node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity=warn spec/openapi.yaml

system-deps:  ## system packages the tests start: redis-server, curl (README test), chromium (HTML report test)
	scripts/system-deps.sh redis-server curl chromium chromedriver=chromium-driver

# pytest-xdist processes for `make unit` and `make quick` (tests/README.md, "Tiers"); loadgroup keeps the
# tests of one xdist_group (one costly fixture) in one process. One more than a 2-core machine's cores: a
# third of a run is tests waiting on servers (time-outs, slow clients), which a third process fills.
WORKERS ?= 3
XDIST = -n $(WORKERS) --dist loadgroup

unit: $(STAMP) $(NODE_STAMP) system-deps  ## every test, in WORKERS processes (pytest's exit 5, "no tests collected", is a failure)
	@$(BIN)/pytest $(XDIST); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make: pytest collected no tests: failing" >&2; fi; exit $$rc

quick: $(STAMP) $(NODE_STAMP)  ## the edit-test loop: the tests not marked slow, in WORKERS processes
	@$(BIN)/pytest -m "not slow" $(XDIST) -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make: pytest collected no tests: failing" >&2; fi; exit $$rc

pictures: $(STAMP) system-deps  ## redraw docs/images/dashboard-*.png from a real run (chromium), for docs/qa.md
	DASHBOARD_PICTURES=docs/images $(BIN)/pytest -q tests/mockserver/test_dashboard.py -k test_each_tab_is_pictured_for_the_docs

test: lint unit  ## lint, then every test

contract: $(STAMP)  ## judge CONTRACT_BASE_URL (default: the local mock) with the contract suite
	$(BIN)/python -m contract_tests

# make mutation MUTANTS='spec.invariants.*': only one module's mutants (a glob over module names).
MUTANTS ?= *
MUTATION_JOBS ?= 2

mutation: $(STAMP)  ## mutants of the rules ([tool.mutmut] in pyproject.toml) against their tests: every one killed or listed
	rm -rf mutants && mkdir mutants
	$(BIN)/mutmut run --max-children $(MUTATION_JOBS) '$(MUTANTS)' > mutants/run.log 2>&1 \
		|| { tail -n 30 mutants/run.log; exit 1; }
	$(BIN)/python scripts/mutation.py '$(MUTANTS)'

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis mutants

BENCH_DURATION ?= 10s
BENCH_SOAK ?= 30
BENCH_ROUNDS ?= 3
BENCH_SERVER ?= gunicorn
.PHONY: bench-peers bench-stores

bench: $(STAMP)  ## hot, cold, scenario paths vs a bare Flask baseline (BENCH_DURATION, BENCH_ROUNDS, BENCH_SOAK)
	$(BIN)/python -m bench.run --duration $(BENCH_DURATION) --rounds $(BENCH_ROUNDS) --soak $(BENCH_SOAK) --server $(BENCH_SERVER)

bench-peers: $(STAMP)  ## make bench, plus the peers (Stoplight Prism 5 dynamic and static, WireMock) installed into .bench/
	$(BIN)/python -m bench.run --duration $(BENCH_DURATION) --rounds $(BENCH_ROUNDS) --soak $(BENCH_SOAK) --server $(BENCH_SERVER) --peers

bench-stores: $(STAMP) system-deps  ## the scenario engine's stores alone: memory and a real redis-server
	$(BIN)/python -m bench.stores
