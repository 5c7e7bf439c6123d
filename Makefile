# nastune: `make demo` sets up and runs the main job; `make test` sets up and runs lint + tests.
# Everything the project needs is installed from here into .venv (created when missing).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.nastune-installed
# torch is pinned to the CPU wheel this machine carries; any other spec pulls a multi-GB CUDA build.
TORCH_PIN := torch==2.13.0

.PHONY: setup lint test test-fast demo bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml plugins/grid-tuner/pyproject.toml | $(PY)
	$(PIP) install -q --upgrade pip setuptools wheel
	$(PIP) install -q $(TORCH_PIN)
	$(PIP) install -q -e '.[all]' $(TORCH_PIN)
	$(PIP) install -q --no-build-isolation --no-deps -e plugins/grid-tuner
	touch $(STAMP)

setup: $(STAMP)

lint: setup
	$(VENV)/bin/ruff check nastuners trial_runtime tests benchmarks examples plugins
	$(VENV)/bin/mypy nastuners trial_runtime

test: setup lint
	PYTHONHASHSEED=0 $(VENV)/bin/pytest -q

test-fast: setup
	PYTHONHASHSEED=0 $(VENV)/bin/pytest -q -m "not slow"

demo: setup
	$(VENV)/bin/nastune run configs/demo_digits_ppo.yml

clean:
	rm -rf $(VENV) .nastune-demo
