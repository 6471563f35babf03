# Two commands set everything up on a fresh Debian machine:
#   make run    create .venv, install, open the app on the built-in default scene
#   make test   create .venv, install, run the whole test suite headless
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format bench clean system-deps-run system-deps-test

run: system-deps-run $(STAMP)
	$(PY) main.py $(ARGS)

test: system-deps-test $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)
	$(PY) -m ruff check animator tests benchmarks main.py
	$(PY) -m ruff format --check animator tests benchmarks main.py

lint: $(STAMP)
	$(PY) -m ruff check animator tests benchmarks main.py

format: $(STAMP)
	$(PY) -m ruff format animator tests benchmarks main.py
	$(PY) -m ruff check --fix animator tests benchmarks main.py

bench: system-deps-test $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/run_all.py

system-deps-run:
	@scripts/system-deps.sh run

system-deps-test:
	@scripts/system-deps.sh test

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "PacketStage needs Python 3.11 or newer")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { echo "creating a venv failed: on Debian run 'sudo apt-get install python3-venv'" >&2; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
