# The two commands of the README: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Local settings that manage.py reads for every variable the environment doesn't set.
CRM_ENV_FILE ?= .env

# `make run` shows the product as its users see it: DEBUG off (from the .env written below), so
# a refused page is the friendly 403/404, not Django's technical page. `DEBUG=true make run` for
# the debug pages. The test suite and the catalogue run with DEBUG on unless the caller says
# otherwise (pytest-django turns it off inside each test, as Django's runner does).
test messages: export DEBUG ?= true

.PHONY: run test setup envfile migrate lint messages bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

setup: $(VENV)/.installed node_modules/.installed

# Written once and never overwritten (not committed: .gitignore): a generated SECRET_KEY and the
# settings of plain http on this machine, so `make run` and the README's manage.py commands
# (import_sales, shell, dbbackup) run as written. Edit it, or set variables, which win over it.
$(CRM_ENV_FILE):
	@umask 077; key=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))') && { \
	  echo "# Local settings of this checkout, written once by make; never commit them."; \
	  echo "# Environment variables win over this file. Every variable: README, Configuration."; \
	  echo "SECRET_KEY=$$key"; \
	  echo "# false: the pages users see (static files from collectstatic); true: Django's debug pages."; \
	  echo "DEBUG=false"; \
	  echo "ALLOWED_HOSTS=127.0.0.1,localhost"; \
	  echo "# Plain http on this machine: no redirect to https, no https-only cookies, no HSTS."; \
	  echo "SECURE_SSL_REDIRECT=false"; \
	  echo "SESSION_COOKIE_SECURE=false"; \
	  echo "CSRF_COOKIE_SECURE=false"; \
	  echo "SECURE_HSTS_SECONDS=0"; \
	} > $@.tmp && mv $@.tmp $@
	@echo "Wrote $@: local settings with a generated SECRET_KEY (README, Configuration)."

envfile: $(CRM_ENV_FILE)

migrate: setup $(CRM_ENV_FILE)
	$(PY) manage.py migrate --noinput

# With DEBUG off, WhiteNoise serves the static files collected into STATIC_ROOT, under hashed
# names listed in its manifest. Collecting hashes and compresses every file (minutes for echarts
# on a slow machine), so it runs again only when our static files or the npm packages change.
STATIC_ROOT ?= staticfiles
$(STATIC_ROOT)/staticfiles.json: node_modules/.installed $(shell find static -type f) | setup $(CRM_ENV_FILE)
	$(PY) manage.py collectstatic --noinput --verbosity 0

run: migrate $(STATIC_ROOT)/staticfiles.json
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: setup
	$(VENV)/bin/ruff check .

# The suite runs on every core (pytest-xdist), a test module per worker at a time so that a module's
# shared world is built once; `make test PYTEST_ARGS="-n0 ..."` runs it in one process.
PYTEST_ARGS ?= --numprocesses=auto --dist=loadscope

test: setup lint
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# For developers with GNU gettext: refresh and compile the zh-hans catalogue.
messages: setup
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=node_modules --ignore=.venv --ignore=staticfiles --ignore=test-artifacts --ignore=bench
	$(PY) manage.py compilemessages -l zh_Hans --ignore=node_modules --ignore=.venv

clean:
	rm -rf $(VENV) node_modules staticfiles
