# The README's two commands: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV ?= .venv

.PHONY: run test setup messages bench

run: setup
	$(VENV)/bin/tandem serve

test: setup
	./scripts/test

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Re-extract translatable strings into web/translations/*/LC_MESSAGES/messages.po.
messages: setup
	$(VENV)/bin/python scripts/messages.py

# Benchmarks against the reference peers (docs/performance.md); BENCH="relay --quick" for one.
BENCH ?= all
bench: setup
	$(VENV)/bin/python -m bench $(BENCH)
