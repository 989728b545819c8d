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

.PHONY: install demo test
install: $(BIN)/.installed

demo: $(BIN)/.installed
	MPLBACKEND=Agg $(BIN)/python examples/plot_quickstart.py

test: $(BIN)/.installed
	$(BIN)/python -m pytest -n 2 -q
