# One entry point per job; every target sets up .venv first, so a fresh clone needs only `make <target>`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
BENCH_ARTICLES ?= 2000
# The memory crawl has BENCH_ARTICLES x this many articles (peak RSS must not grow with the archive);
# auto: 10, about 1,000 articles when BENCH_ARTICLES < 1,000 (a quick run).
BENCH_MEMORY_SCALE ?= auto
# trafilatura's tests/ folder (git clone --depth 1 https://github.com/adbar/trafilatura): the
# extraction-quality part of `make bench`; empty: that part is skipped, saying how to get it.
QUALITY_DATA ?=

.PHONY: demo crawl test bench clean

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	# pywb pulls in brotlipy, whose `brotli` package shadows Google's and breaks Scrapy's br decoding.
	$(BIN)/pip uninstall --quiet --yes brotlipy
	touch $@

demo: $(RUN_STAMP)  ## serve the bundled replica on loopback and archive it into data/demo/
	$(BIN)/tnu-archive demo

crawl: $(RUN_STAMP)  ## archive the live site into data/
	$(BIN)/tnu-archive crawl

test: $(TEST_STAMP)  ## the whole suite (what CI runs)
	$(BIN)/python -m pytest -q

bench: $(RUN_STAMP)  ## benchmarks on a generated replica of BENCH_ARTICLES articles -> benchmarks/results/latest.{json,md}
	# bench-only tool: psutil (the replica server's CPU)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks.run --articles $(BENCH_ARTICLES) --memory-scale $(BENCH_MEMORY_SCALE) $(if $(QUALITY_DATA),--quality-data $(QUALITY_DATA))

clean:
	rm -rf $(VENV) data
