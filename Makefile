# Two commands for a new user: `make demo` and `make test`. Both create .venv from scratch.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench bench-smoke clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,spatial,iamc,fast]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m mrio_city demo --out demo-output

test: $(STAMP)
	$(PY) -m ruff check mrio_city tests benchmarks scenarios
	$(PY) -m ruff format --check mrio_city tests benchmarks scenarios
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check mrio_city tests benchmarks scenarios
	$(PY) -m ruff format --check mrio_city tests benchmarks scenarios

bench: $(STAMP)
	$(PY) -m benchmarks

bench-smoke: $(STAMP)
	$(PY) -m benchmarks --smoke

clean:
	rm -rf $(VENV) demo-output .pytest_cache build *.egg-info
