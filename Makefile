# Dobro — two commands on a fresh machine with Python 3.11+:
#   make run    set up, check and build the course, serve on http://127.0.0.1:5000
#   make test   set up with the dev extras, lint, type-check and run every test

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install dev translations lint typecheck pytest check build bench messages \
	serve-dev clean handbook offline editor

# The address printed with the demo logins follows HOST and PORT unless set explicitly.
run: export DOBRO_BASE_URL ?= http://$(HOST):$(PORT)
run: install build
	$(BIN)/dobro db upgrade
	$(BIN)/dobro demo
	$(BIN)/dobro serve --host $(HOST) --port $(PORT)

test: dev lint typecheck pytest

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Dobro needs Python 3.11 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's dependencies change.
$(VENV)/.installed: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml setup.py | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed translations

dev: $(VENV)/.installed-dev translations

# Compiled message catalogs are build products, not sources: setup.py compiles them into
# every wheel; this recompiles them in the source tree after the .po files change.
translations:
	@if [ -d webapp/translations ]; then $(BIN)/pybabel compile -d webapp/translations 2>/dev/null; fi

# The browser's source editor (CodeMirror 6) bundled from npm into webapp/static/vendor/.
# The bundle is committed: only a change to webapp/editor/ or to its packages needs Node.js.
editor:
	npm ci --no-audit --no-fund
	node webapp/editor/build.mjs

check: install
	$(BIN)/dobro check . --strict

build: install
	$(BIN)/dobro build .

lint:
	$(BIN)/ruff check course webapp tests bench

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest -q

bench: dev
	$(BIN)/python bench/build.py

# Publications: the Handbook (PDF, A4) and the offline copy, into build/publications/.
handbook: install
	$(BIN)/dobro handbook .

offline: install
	$(BIN)/dobro export offline .

# Refresh the message catalogs after changing strings in code or templates.
messages: dev
	$(BIN)/pybabel extract -F webapp/babel.cfg -k _l --no-location --sort-output --project=Dobro \
		--version=0.1.0 --copyright-holder="Dobro contributors" \
		-o webapp/translations/messages.pot webapp
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations -N \
		--ignore-obsolete

# For authors: rebuild on save and show content errors in the page.
serve-dev: export DOBRO_BASE_URL ?= http://$(HOST):$(PORT)
serve-dev: install
	$(BIN)/dobro db upgrade
	$(BIN)/dobro demo
	$(BIN)/dobro serve --reload --host $(HOST) --port $(PORT)

clean:
	rm -rf build instance .pytest_cache .mypy_cache .ruff_cache .hypothesis
