# CityHub — make demo · make test · make lint · make bench
PY      ?= python3.11
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
DURATION ?=

.PHONY: demo test lint bench install system clean

$(BIN)/python:
	$(PY) -m venv $(VENV) || $(PY) -m venv --without-pip $(VENV)
	$(BIN)/python -m ensurepip --upgrade >/dev/null 2>&1 || true

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/cityhub demo $(if $(DURATION),--duration $(DURATION))

system:
	bash scripts/system-deps.sh

test: $(STAMP) system
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check hub adapters simulators maps tests bench
	$(BIN)/mypy hub adapters simulators

bench: $(STAMP)
	$(BIN)/cityhub bench

clean:
	rm -rf $(VENV) data/demo .pytest_cache
