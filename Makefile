# One command each: `make book` builds the website, `make test` runs every check.
# Every target first creates the virtual environment .venv when it is missing (or out of date).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Quiet TensorFlow's C++ start-up log in notebooks, tests and builds alike.
export TF_CPP_MIN_LOG_LEVEL ?= 2
# Notebooks draw with the inline backend whether they are executed (`make execute`) or checked
# (`make test`), so that both runs produce the same outputs.
export MPLBACKEND := module://matplotlib_inline.backend_inline

NBVAL := --nbval --nbval-current-env --nbval-cell-timeout=900 \
	--nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: help venv book test test-colab test-helpers lab execute bench clean

help:
	@echo "make book     build the website into _build/html (from the stored notebook outputs)"
	@echo "make test     helpers tests, nbval on every notebook, the book build, hygiene checks"
	@echo "make test-colab  the notebooks in a copy of Colab's runtime (Python 3.13, Colab's versions)"
	@echo "make lab      start JupyterLab on the notebooks"
	@echo "make execute  re-run every notebook in place so its stored outputs are fresh"
	@echo "make bench    run every notebook, record times and key results (benchmarks/, execution report)"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt -e .
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/python scripts/build_pages.py
	$(BIN)/jupyter-book build . -W --keep-going

test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks $(NBVAL) -v

# Colab's runtime rebuilt in $(COLAB_VENV): its Python and package versions (tests/colab/), helpers
# installed by the setup cell from this checkout's HEAD commit; every notebook's imports checked, the
# chapters that bench under a minute executed. Needs only python3 (and pyenv for Python 3.13); not .venv.
COLAB_VENV ?= .venv-colab
test-colab:
	$(PYTHON) scripts/test_colab.py --venv $(COLAB_VENV)

test-helpers: $(STAMP)
	$(BIN)/python -m pytest tests -v --deselect tests/test_book.py

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks

execute: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py execute

bench: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py bench

clean:
	rm -rf _build
