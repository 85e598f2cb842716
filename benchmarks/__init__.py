"""Benchmarks of tnu-archive: large replica sites (sitegen) and the runner (run) behind `make bench`."""
