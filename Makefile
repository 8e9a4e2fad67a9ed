# Tandem: `make run` serves the app with a demo review; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast bench bench-ranking bench-load lint format lock worker clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py demo
	@echo "Tandem is at http://$(HOST):$(PORT)/ (log in as alice, bob or carol)"
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite: the real-browser tests on their own first (timing-sensitive, they are steadier
# without a second test process beside them), then unit, integration and real-data tests on both cores.
test: $(STAMP)
	DEBUG=1 $(BIN)/pytest -m e2e
	DEBUG=1 $(BIN)/pytest -n 2 -m "not e2e"

test-fast: $(STAMP)
	DEBUG=1 $(BIN)/pytest -n 2 -m "not e2e"

bench: $(STAMP)
	DEBUG=1 $(BIN)/python -m bench

# The ranking against ASReview by simulation on the labelled sets: hours, so not part of `make bench`
# (ASReview's runs are cached in var/bench/ranking/; `python -m bench.ranking --help` for a subset).
bench-ranking: $(STAMP)
	DEBUG=1 $(BIN)/python -m bench.ranking

# A team of 50, then 100 reviewers screening at once against gunicorn as deployed (PostgreSQL and Redis
# on 127.0.0.1): five to ten minutes, so not part of `make bench`; locust goes into var/bench/load/.
bench-load: $(STAMP)
	$(BIN)/python -m bench.load

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: $(STAMP)
	$(BIN)/celery -A config worker -Q default,imports --loglevel INFO

lock: $(STAMP)
	$(BIN)/pip freeze --exclude-editable | grep -v '^tandem' > requirements.lock

# The lock file against what the package registry says: listed vulnerabilities, yanked releases, newer
# patch releases (see .ci/audit.py for what can and cannot be checked from our machines).
audit: $(STAMP)
	$(BIN)/python .ci/audit.py

clean:
	rm -rf $(VENV) var/static var/test-media
