# motcua: two commands on a fresh machine.
#   make run   installs, migrates the embedded SQLite database, loads reference + demo data, serves :8000
#   make test  installs what the tests need and runs every check and test
# DATABASE_URL selects the database (default: SQLite file var/motcua.sqlite3).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: system-packages install run serve worker intake sweeper test check pytest lint typecheck layers migrations-check schema schema-check messages bench clean

$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# Declares Python>=3.12 but runs on 3.11 (checked by the tests of motcua.geo); see docs/adr/0004.
	$(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python 'vietnam-provinces==2026.9.0'
	touch $(STAMP)

install: $(STAMP)

# Development serving: DEBUG on, demo data, job worker in the background, Django's dev server.
run: export DEBUG ?= true
run: install
	@scripts/system-packages run
	$(BIN)/motcua migrate --noinput
	$(BIN)/motcua load-reference-data
	$(BIN)/motcua load-demo
	@$(BIN)/motcua demo-info --url http://$(HOST):$(PORT)/
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/motcua db_worker --interval 1 --no-reload & \
	  $(BIN)/motcua deliver-events --loop --interval 2 & \
	  $(BIN)/motcua process-submissions --loop & \
	  $(BIN)/motcua sweep-deadlines --loop --interval 60 & \
	  $(BIN)/motcua mail-standin --port 1025 & \
	  $(BIN)/motcua sms-standin --port 8090 & \
	  $(BIN)/motcua runserver --noreload $(HOST):$(PORT)

# Production serving: granian (WSGI) with static files collected; the worker runs as `make worker`.
serve: install
	$(BIN)/motcua collectstatic --noinput
	$(BIN)/motcua migrate --noinput
	$(BIN)/motcua createcachetable
	$(BIN)/motcua serve --host $(HOST) --port $(PORT)

worker: install
	$(BIN)/motcua db_worker

# Creates the dossiers of submissions accepted asynchronously (Prefer: respond-async); run one or more.
intake: install
	$(BIN)/motcua process-submissions --loop

# Delivers domain events whose job was lost (a crash right after a commit); run one or more.
sweeper: install
	$(BIN)/motcua deliver-events --loop

lint: install
	$(BIN)/ruff check src bench tests conftest.py
	$(BIN)/ruff format --check src bench tests conftest.py

typecheck: install
	$(BIN)/mypy src bench

layers: install
	$(BIN)/lint-imports

migrations-check: install
	$(BIN)/motcua makemigrations --check --dry-run

# The OpenAPI schema is committed (docs/api/openapi.yaml) and must match the code.
schema: install
	$(BIN)/motcua spectacular --validate --fail-on-warn --lang en --file docs/api/openapi.yaml

schema-check: install
	$(BIN)/motcua spectacular --validate --fail-on-warn --lang en --file $(VENV)/openapi.yaml
	@diff -u docs/api/openapi.yaml $(VENV)/openapi.yaml || { echo "docs/api/openapi.yaml is out of date: run make schema"; exit 1; }

# Extract the translatable strings into src/motcua/locale and compile them.
messages: install
	cd src/motcua && ../../$(BIN)/motcua makemessages -l vi -l en --no-obsolete --ignore 'tests/*' --ignore '*/tests/*'
	cd src/motcua && ../../$(BIN)/motcua compilemessages

check: lint typecheck layers migrations-check schema-check

pytest: install
	@scripts/system-packages test
	$(BIN)/pytest -q $(PYTEST_ARGS)

# Every test: static checks, then the suite on the database DATABASE_URL names (SQLite by default).
TOOLING_SECRET := tooling-secret-key-not-for-production-0123456789abcdef
test schema schema-check messages bench: export SECRET_KEY ?= $(TOOLING_SECRET)
test: check pytest

bench: install
	$(BIN)/python -m bench.calendar_due_dates --write
	$(BIN)/python -m bench.catalog_search --write
	$(BIN)/python -m bench.catalog_import --write
	$(BIN)/python -m bench.dossier_recompute --write
	$(BIN)/python -m bench.signing --write
	$(BIN)/python -m bench.dossier_submit --write
	$(BIN)/python -m bench.dossier_crash --write
	$(BIN)/python -m bench.dossier_crash --write --async
	$(BIN)/python -m bench.portal_pages --write

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
