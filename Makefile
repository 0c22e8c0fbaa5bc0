# Profset — the two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PACKAGES := contracts services/kit contracts/mirrors services/registry services/contacts services/exchange services/notifications services/audits services/kpi services/appeals services/gateway deploy tests/support
UV_VERSION := 0.13.9
CHROMIUM := /usr/bin/chromium
CADDY    := /usr/bin/caddy
NPM      := /usr/bin/npm

.PHONY: install run run-bg stop test unit lint format asyncapi schemas lock clean bench bench-quick

$(STAMP): requirements.lock $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps $(foreach p,$(PACKAGES),-e $(p))
	@# bytecode made once: a process that may not write it (PYTHONDONTWRITEBYTECODE) compiles every module it imports
	@# at each start otherwise, which doubles a service's start and leaves it ~4 MB larger
	$(BIN)/python -m compileall -q $(PACKAGES) > /dev/null
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the locked dependencies and our packages

run: install ## start the whole system with demo data; Ctrl-C stops it
	$(BIN)/profset stack up

run-bg: install ## the same, in the background; returns once the gateway answers
	$(BIN)/profset stack up --background

stop: ## stop a stack started by run or run-bg, servers included
	@test -x $(BIN)/profset && $(BIN)/profset stack down || true

test: install lint $(CHROMIUM) $(CADDY) $(NPM) ## lint, type-check and run the whole suite against real servers
	$(BIN)/pytest -n 2 --dist loadfile  # two workers, a file each: every test starts its own servers on free ports

$(CHROMIUM): ## Debian's Chromium for the browser tests (tests/ui); nothing to do once it is there
	@echo "installing Debian's chromium for the browser tests"
	@SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium

$(CADDY): ## Debian's Caddy, the TLS proxy compose runs, for its test (tests/security/test_tls_proxy.py)
	@echo "installing Debian's caddy for the TLS proxy test"
	@SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq caddy

$(NPM): ## Debian's Node.js and npm, for the documented JavaScript consumer's test (tests/deploy/test_integrations.py)
	@echo "installing Debian's nodejs and npm for the JavaScript consumer test"
	@SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm

unit: install ## the fast tests only (no servers)
	$(BIN)/pytest contracts/tests services/registry/tests/test_tree_domain.py services/registry/tests/test_people_domain.py services/contacts/tests/test_contacts_domain.py services/exchange/tests/test_routing.py services/kpi/tests/test_kpi_domain.py services/kit/tests/test_access_and_tokens.py

bench: install ## every benchmark at full size on servers of its own; JSON lines, then BENCHMARKS.md
	$(BIN)/python -m bench

bench-quick: install ## the same at a small size, in under two minutes
	$(BIN)/python -m bench --quick

lint: install ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

asyncapi: install ## write asyncapi.json, the AsyncAPI 3 document of every event and subject
	$(BIN)/profset asyncapi asyncapi.json

schemas: install ## rewrite the contract snapshots after an intended change
	$(BIN)/python -m contracts.asyncapi --snapshots contracts/schemas

lock: ## recompile the locks: everything (requirements.lock), the image's runtime at the same versions, its build backend
	$(BIN)/uv pip compile requirements.in --python-version 3.11 --generate-hashes -o requirements.lock
	$(BIN)/uv pip compile requirements-runtime.in --python-version 3.11 --generate-hashes -c requirements.lock -o requirements-runtime.lock
	$(BIN)/uv pip compile requirements-build.in --python-version 3.11 --generate-hashes -o requirements-build.lock

clean: stop
	rm -rf $(VENV) .data
