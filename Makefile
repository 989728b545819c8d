# Everything a fresh machine needs: `make demo` and `make test` build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of torch: a local wheel on our machines, a small download elsewhere.
TORCH ?= torch==2.13.0

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# The docs toolchain (Sphinx, numpydoc, sphinx-gallery, the theme), on top of the above.
$(BIN)/.docs-installed: $(BIN)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,docs]"
	touch $@

.PHONY: install demo test docs
install: $(BIN)/.installed

demo: $(BIN)/.installed
	MPLBACKEND=Agg $(BIN)/python examples/plot_quickstart.py

test: $(BIN)/.installed
	$(BIN)/python -m pytest -n 2 -q

# Builds the HTML docs from scratch, warnings as errors, running every example
# for the gallery. DOCS_GALLERY=off renders the gallery without running the
# examples (fast); DOCS_JOBS=2 runs two examples at a time.
DOCS_GALLERY ?= full
DOCS_JOBS ?= 1
docs: $(BIN)/.docs-installed
	rm -rf docs/_build docs/auto_examples docs/generated docs/sg_execution_times.rst
	MPLBACKEND=Agg SKMDN_DOCS_GALLERY=$(DOCS_GALLERY) SKMDN_DOCS_JOBS=$(DOCS_JOBS) \
		$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html
	@echo "docs: open docs/_build/html/index.html"
