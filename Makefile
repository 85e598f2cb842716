# One entry point per job; every target sets up .venv first, so a fresh clone needs only `make <target>`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
# Test processes side by side (pytest-xdist); each test file runs whole in one of them, so its
# module fixtures are made once (a session fixture once a process). 0: all in pytest's own process.
TEST_WORKERS ?= 2
BENCH_ARTICLES ?= 2000
# The memory crawl has BENCH_ARTICLES x this many articles (peak RSS must not grow with the archive);
# auto: 10, about 1,000 articles when BENCH_ARTICLES < 1,000 (a quick run).
BENCH_MEMORY_SCALE ?= auto
# `make replay`: pywb in an environment of its own (it pulls in brotlipy, which breaks Scrapy's br
# decoding in .venv), serving REPLAY_WARC on 127.0.0.1:REPLAY_PORT.
REPLAY_VENV ?= .venv-replay
REPLAY_WARC ?= data/demo/warc
REPLAY_PORT ?= 8080
# trafilatura's tests/ folder (git clone --depth 1 https://github.com/adbar/trafilatura): the
# extraction-quality part of `make bench`; empty: that part is skipped, saying how to get it.
QUALITY_DATA ?=

.PHONY: demo crawl test bench replay clean

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

crawl: $(RUN_STAMP)  ## archive the live sites into data/ (CONTACT=mailto:you@example.org: the User-Agent's contact)
	$(BIN)/tnu-archive crawl $(if $(CONTACT),--set 'CONTACT=$(CONTACT)')

test: $(TEST_STAMP)  ## lint, then the whole suite (what CI runs)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: $(RUN_STAMP)  ## benchmarks on a generated replica of BENCH_ARTICLES articles -> benchmarks/results/latest.{json,md}
	# bench-only tool: psutil (the replica server's CPU)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks.run --articles $(BENCH_ARTICLES) --memory-scale $(BENCH_MEMORY_SCALE) $(if $(QUALITY_DATA),--quality-data $(QUALITY_DATA))

$(REPLAY_VENV)/.installed:
	$(PYTHON) -m venv $(REPLAY_VENV)
	$(REPLAY_VENV)/bin/pip install --quiet --upgrade pip
	$(REPLAY_VENV)/bin/pip install --quiet 'pywb>=2.10'
	touch $@

replay: $(REPLAY_VENV)/.installed  ## replay the WARC captures of REPLAY_WARC (the demo's by default) in pywb on 127.0.0.1:REPLAY_PORT
	@test -d '$(REPLAY_WARC)' || { echo "make replay: no WARC folder at $(REPLAY_WARC): run make demo first, or pass REPLAY_WARC=data/warc" >&2; exit 1; }
	mkdir -p '$(REPLAY_VENV)/collection'
	printf 'collections:\n  tnu:\n    index_paths: %s/\n    archive_paths: %s/\n' '$(abspath $(REPLAY_WARC))' '$(abspath $(REPLAY_WARC))' > '$(REPLAY_VENV)/collection/config.yaml'
	@echo "replaying $(REPLAY_WARC) at http://127.0.0.1:$(REPLAY_PORT)/tnu/ (Ctrl-C stops)"
	cd '$(REPLAY_VENV)/collection' && exec '$(abspath $(REPLAY_VENV))/bin/wayback' -p $(REPLAY_PORT) -b 127.0.0.1

clean:
	rm -rf $(VENV) $(REPLAY_VENV) data
