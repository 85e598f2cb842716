"""What the archive keeps beside its articles, and where: the default paths and whether a path
holds an archive, content-addressed image files, the other URLs an article is known under, the
frontier kept between runs, the sites table, the rows reparse sets aside, category names across a
site's layouts, the data dictionary and the folding of text for search."""
