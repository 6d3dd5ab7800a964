# Two commands are all a newcomer needs: `make run` and `make test`. Every target sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMPS := .make
# Where `make run` serves. `make run PORT=5050` when 5000 is taken (macOS uses it for AirPlay); PORT may also come
# from the environment. HOST only from the command line (`make run HOST=0.0.0.0`): tcsh exports HOST as the
# machine's name, and the site should not leave loopback unless asked.
HOST := 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi
# Beyond loopback the development server needs a SECRET_KEY of your own: with the public development key anyone who
# reaches it could forge its session cookies (the app refuses other machines then too; see app/dev_guard.py).
# Checked when the Makefile is read, so nothing is set up or started first.
ifneq ($(filter run,$(MAKECMDGOALS)),)
ifeq ($(filter 127.% localhost ::1,$(HOST)),)
ifeq ($(filter-out dev-only-not-secret,$(strip $(SECRET_KEY))),)
$(error make run HOST=$(HOST) would let other machines reach a site signed with the public development SECRET_KEY. Set a key of your own first: SECRET_KEY=$$(python3 -c 'import secrets; print(secrets.token_hex())') make run HOST=$(HOST))
endif
endif
endif

.PHONY: setup run test lint pytest bench soak fuzz a11y audit chromium nginx assets translations-check clean

setup: $(STAMPS)/python $(STAMPS)/node app/static/dist/manifest.json translations-compile instance
	$(FLASK) db upgrade
	$(FLASK) seed

$(STAMPS)/python: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/node: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

app/static/dist/manifest.json: $(STAMPS)/node scripts/build-assets.mjs $(wildcard app/static/js/*.js) $(wildcard app/static/scss/*.scss)
	npm run --silent build

assets: $(STAMPS)/node
	npm run --silent build

.PHONY: translations-compile instance
translations-compile: $(STAMPS)/python
	$(FLASK) translate compile

instance:
	@mkdir -p instance

run: setup
	SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" $(FLASK) demo
	$(FLASK) run --host $(HOST) --port $(PORT)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Chromium is missing: install Debian's chromium package (sudo apt-get install chromium)"; exit 1; fi; }

# tests/test_nginx.py runs deploy/nginx.conf in front of the site, with a self-signed certificate from openssl.
nginx:
	@{ command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light openssl; \
	  else echo "nginx or openssl is missing: install Debian's nginx-light and openssl packages (sudo apt-get install nginx-light openssl)"; exit 1; fi; }

lint: $(STAMPS)/python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python scripts/check_translations.py

# The tests run in parallel, one worker per core (pytest-xdist; a worker with nothing left takes tests queued for
# another, so long ones do not leave a core idle at the end), each on a database of its own, in random order
# (pytest-randomly prints the seed it used; `make pytest PYTEST_ARGS=--randomly-seed=…` repeats that order).
# PYTEST_WORKERS=0 runs them in this process.
PYTEST_WORKERS ?= auto
pytest:
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

test: setup chromium nginx lint pytest

# The city benchmark (bench/README.md): SQLite, then PostgreSQL at 127.0.0.1:5432 when it answers; about 10 minutes.
# Options through BENCH_ARGS (`make bench BENCH_ARGS="--submissions 5000 --followers 2000 --duration 3"`), and
# BENCH_DATABASE_URL for another PostgreSQL database (its name must start with "bench": it is dropped and created).
# It needs wrk (installed here as root, like chromium) and Lighthouse, pinned by bench/package-lock.json.
bench: setup
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	  else echo "wrk is missing: install Debian's wrk package (sudo apt-get install wrk)"; exit 1; fi; }
	@[ bench/node_modules/.package-lock.json -nt bench/package-lock.json ] || \
	  npm ci --prefix bench --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/city.py $(if $(BENCH_DATABASE_URL),--database-url '$(BENCH_DATABASE_URL)') $(BENCH_ARGS)

# The reliability tests (tests/test_reliability.py, marked soak) for longer: two minutes of sharing under load, two
# with gunicorn workers killed and, on PostgreSQL, rounds of the database flapping and going away, and 2,000 emails
# for two outbox workers at once. On SQLite, then on the PostgreSQL at TEST_DATABASE_URL (default CI's). About 15
# minutes; RELIABILITY_LOAD_SECONDS, RELIABILITY_FAULT_SECONDS and RELIABILITY_MESSAGES change the lengths.
soak: setup
	export RELIABILITY_LOAD_SECONDS="$${RELIABILITY_LOAD_SECONDS:-120}" \
	  RELIABILITY_FAULT_SECONDS="$${RELIABILITY_FAULT_SECONDS:-120}" RELIABILITY_MESSAGES="$${RELIABILITY_MESSAGES:-2000}"; \
	env -u TEST_DATABASE_URL $(BIN)/pytest -m soak && \
	TEST_DATABASE_URL="$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}" $(BIN)/pytest -m soak

# The property-based tests of bad input at full strength: 500 examples each (make test runs 50 of each). CI runs
# this after make test.
fuzz: setup
	FUZZ_EXAMPLES="$${FUZZ_EXAMPLES:-500}" $(BIN)/pytest -n $(PYTEST_WORKERS) tests/test_fuzz_public.py tests/test_fuzz_staff.py tests/test_api_contract.py

# axe on every public page in every language the site offers (make test reads one page of each kind in each). CI runs
# this after make test.
a11y: setup chromium
	AXE_EVERY_LANGUAGE=all $(BIN)/pytest -n $(PYTEST_WORKERS) tests/browser/test_accessibility.py -k every_language

# Known vulnerabilities in the pinned packages: pip-audit (PyPI's advisory data, for everything in .venv) and npm
# audit (the npm registry's, for the site's packages and the benchmark's). --strict makes pip-audit fail when a
# package could not be checked, so an unreachable advisory service never reads as "no known vulnerabilities".
audit: $(STAMPS)/python $(STAMPS)/node
	$(BIN)/pip-audit --strict --progress-spinner off
	npm audit --audit-level=low
	npm audit --prefix bench --audit-level=low

clean:
	rm -rf $(STAMPS) $(VENV) node_modules app/static/dist instance
