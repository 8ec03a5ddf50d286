# Sentiment Studio. `make run` installs everything and starts the app;
# `make test` installs everything and runs ruff and pytest.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SCALE_STAMP := $(VENV)/.installed-scale-stamp
# torch is pinned to the CPU build that lies on this disk; an open range would
# pull a multi-GB CUDA build from PyPI.
TORCH_SPEC ?= torch==2.13.0

.PHONY: venv run test test-slow test-scale test-soak lint format bench package test-package clean

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The tests also cover --engine ray: Ray (the scale extra) is installed for them.
$(SCALE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,scale]"
	touch $(SCALE_STAMP)

venv: $(STAMP)

run: venv
	$(PY) -m desktop_app

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint $(SCALE_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

test-slow: $(SCALE_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m slow

# --engine ray on a local Ray instance: predictions, Ctrl+C, a killed actor, 2-worker training,
# the Predict tab's Ray run and its Cancel
# (about 5 min on 2 busy cores); CI runs them after make test.
test-scale: $(SCALE_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m slow tests/scale tests/ui/test_predict_ray.py

# Long GUI sessions (10,000 labels with undos in the Label tab); CI runs them after make test.
test-soak: venv
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m soak

bench: venv
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks.run_all

# The one-folder app (PyInstaller, from a fresh venv in build/package-venv) and the .deb.
package:
	PYTHON="$(PYTHON)" TORCH_SPEC="$(TORCH_SPEC)" TEST_VENV="$(VENV)" packaging/build.sh

# Build (reusing what it can), install the .deb, self-test the installed app, remove it.
test-package:
	PYTHON="$(PYTHON)" TORCH_SPEC="$(TORCH_SPEC)" TEST_VENV="$(VENV)" packaging/test_package.sh

clean:
	rm -rf build dist .pytest_cache .ruff_cache
