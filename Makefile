# Two commands do everything (see README):
#   make report   set up, then run the main job: the seven guideline experiments on the baseline
#   make test     set up, then run every test (lint, types, unit, property, CLI, sweeps, browser,
#                 notebooks), build the documentation site, and install a built wheel without
#                 extras as a user would, on every supported Python found
#   make docs     build the documentation site into site/ (offline, strict)
# The virtual environment is (re)built whenever pyproject.toml or setup.py changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Two stamps: the report needs only the package (`pip install -e .`); the tests, the app and
# the site need its extras too (174 packages and 1.7 GB against 42 and 0.9 GB), which
# `make test` adds to the same environment.
RUN_STAMP := $(VENV)/.runtime-stamp
# Python keeps each module's bytecode (in __pycache__, beside numba's cache) when it first
# imports it, whatever the caller's PYTHONDONTWRITEBYTECODE: with it set (as on the development
# machines), every new process compiles every module it imports from source again. Measured
# on a fresh clone there: importing the model 3.8 s from source against 1.2 s from bytecode,
# and `mse-sim --help` 5.3 s against 1.8 s; the main job starts four such processes (the
# compile's parent and its two processes, then the report's).
unexport PYTHONDONTWRITEBYTECODE
# uv installs the same packages as pip (the same resolution: the newest that fit), in seconds
# rather than minutes (measured here: `pip install -e .` 83 s, `uv pip install -e .` 8 s).
UV     := $(BIN)/uv pip install --quiet --python $(BIN)/python
STAMP  := $(VENV)/.installed-stamp
OUT    ?= out/report

.PHONY: setup setup-run compile compile-threads report test lint typecheck docs check-wheel bench clean

$(RUN_STAMP): pyproject.toml setup.py
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "mse-sim needs Python 3.12 or newer, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(UV) -e .
	touch $(RUN_STAMP)

# The full environment is also compiled to bytecode ahead (uv, unlike pip, does not by
# default): the tests start many new processes at once (pytest's workers, the CLI's end-to-end
# runs, notebooks' kernels, spawned and Dask workers), which would otherwise each compile what
# they import before the first had kept it. Measured: importing the model, pandas and
# matplotlib in a new process 5.9 s from source, against 2.0 s from bytecode. The report's
# environment is not: compiling all of it ahead took 12.6 s, and its processes keep the
# bytecode of what they import anyway (above).
$(STAMP): $(RUN_STAMP)
	$(UV) --compile-bytecode -e ".[app,test,docs]"
	$(BIN)/python -m compileall -q sim
	touch $(STAMP)

# numba compiles the model's per-MSE passes on first use and caches them on disk
# (sim/__pycache__). `python -m sim.precompile` compiles them ahead, spread over one process
# per core (numba compiles one pass at a time), from the manifest of passes and argument types
# shipped in sim/data/precompile.json; then it runs the warm-up (two years of a small baseline
# and of Kenya), which loads them and compiles anything the manifest missed. Doing it here
# keeps it out of timings and out of the report's two workers. `compile-threads` adds the
# threaded passes of large runs (sim.threads), which the report never runs (its runs are far
# below sim.threads.PARALLEL_MIN_MSES).
compile:
	@$(BIN)/python -m sim.precompile

compile-threads:
	@$(BIN)/python -m sim.precompile --threads

# What the main job needs: the package and its compiled passes.
setup-run: $(RUN_STAMP)
	@$(MAKE) --no-print-directory compile

# Everything: the package with its app, test and docs extras, and every compiled pass.
setup: $(STAMP)
	@$(MAKE) --no-print-directory compile-threads

report: setup-run
	$(BIN)/mse-sim experiment all --scenario baseline --out $(OUT)
	@echo "open $(OUT)/report.html"

test: setup
	$(BIN)/ruff check setup.py sim tests benchmarks experiments docs scripts
	$(BIN)/ruff format --check setup.py sim tests benchmarks experiments docs scripts
	$(BIN)/python -m sim.ui.app.assets
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --nbmake --nbmake-timeout=300 tests notebooks
	$(MAKE) docs
	bash scripts/check_wheel.sh --all

# Build a wheel, install it without extras in a fresh venv, run the CLI from outside the checkout.
check-wheel:
	bash scripts/check_wheel.sh $(PYTHON)

# The documentation site: Sphinx, strict (-W: any warning fails; -n: any reference to nothing
# fails), offline. Notebooks are executed once per version of the package's sources
# (cached in .docs-cache/). -E: every page is read again, so no warning hides in a cache.
# Open site/index.html.
docs: setup
	$(BIN)/sphinx-build -E -W --keep-going -n -q -b html -d .docs-cache/doctrees docs site

# The public API's types (mypy; the modules are listed in pyproject.toml).
typecheck: setup
	$(BIN)/mypy

lint: setup
	$(BIN)/ruff check setup.py sim tests benchmarks experiments docs scripts
	$(BIN)/ruff format --check setup.py sim tests benchmarks experiments docs scripts

bench: setup
	$(BIN)/python benchmarks/bench_model.py
	$(BIN)/python benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis tests/_artifacts site .docs-cache jupyter_execute \
	       docs/notebooks docs/reference/generated
