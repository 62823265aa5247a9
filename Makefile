# Each target sets up its own venv on a fresh clone, then does the work.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench histories clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: the main job: run the polling example flow on the embedded Temporal server
run: $(STAMP)
	$(VENV)/bin/fdl run examples/polling/flow.yaml --input '{"delay": 3}'

## test: the whole test suite (unit, golden, integration on a real Temporal dev server)
test: $(STAMP)
	$(VENV)/bin/pytest -q -p no:cacheprovider tests

## histories: record the replay corpus of this version into tests/fixtures/histories/<version>/
## (once per release; HISTORIES_ARGS=--replace records an unreleased version's folder again)
histories: $(STAMP)
	$(PY) tests/fixtures/histories/record.py $(HISTORIES_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/compile_bench.py
	$(PY) bench/overhead_bench.py
	$(PY) bench/scale_bench.py foreach-tasks=1000 loop-local=2000 parallel=50x20
	$(PY) bench/callback_bench.py
	$(PY) bench/console_bench.py
	$(PY) bench/queue_bench.py
	$(PY) bench/path_bench.py
	$(PY) bench/api_bench.py

clean:
	rm -rf $(VENV) .fdl
