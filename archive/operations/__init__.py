"""The runs, and what operators do to an archive: run bookkeeping and the report of `runs`, a run's
failures, its outcome and exit code, the error kinds, the progress display, the lock of a data
folder, the helper processes that leave with a crawl, and the commands that rework an archive
(repair, reparse, articles recovered from a web archive, the merge of shards)."""
