"""What to fetch next: pure rules over links and pages (which link is an article, a listing, a
pager or junk; the candidates discovery finds in sitemaps and feeds) and the bounds that end every
run (what one run may spend on finding pages)."""
