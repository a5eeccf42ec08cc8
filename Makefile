# The two commands of the README: `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# The development server and the test suite run with DEBUG on unless the caller says otherwise;
# production runs gunicorn with DEBUG off (see README).
export DEBUG ?= true

.PHONY: run test setup migrate lint messages bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

setup: $(VENV)/.installed node_modules/.installed

migrate: setup
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: setup
	$(VENV)/bin/ruff check .

test: setup lint
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# For developers with GNU gettext: refresh and compile the zh-hans catalogue.
messages: setup
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=node_modules --ignore=.venv --ignore=staticfiles --ignore=test-artifacts --ignore=bench
	$(PY) manage.py compilemessages -l zh_Hans --ignore=node_modules --ignore=.venv

clean:
	rm -rf $(VENV) node_modules staticfiles
