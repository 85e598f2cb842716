"""The captures every row of the archive was derived from: each run's WARC file as its writer
writes it, the `captures` table and CDXJ indexes, verify's look at the WARC files, WACZ packaging,
and the body as the crawler read it (its Content-Encoding undone)."""
