# One entry point per job; every target sets up .venv first, so a fresh clone needs only `make <target>`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo crawl test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)  ## serve the bundled replica on loopback and archive it into data/
	$(BIN)/tnu-archive demo

crawl: $(STAMP)  ## archive the live site into data/
	$(BIN)/tnu-archive crawl

test: $(STAMP)  ## the whole suite
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) data
