"""Recovery from web archives: the CDX servers' captures of a site (both dialects), the candidates
no rule names (judged one URL at a time) and the pipeline that hands recovered articles to the
archive (`tnu-archive recover`, spiders/recover.py)."""
