"""A run in this process and the logic of the operator's commands: the run's settings and its
Scrapy process, its crawl_runs row whatever ends it, its progress on stderr, its helper processes
(the writer, the extraction pool) and the garbage collector's pace; tnu-archive.toml, the loopback
override, `probe`, `sites` and `scale-plan`."""
